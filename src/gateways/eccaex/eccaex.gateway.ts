import { Injectable, Logger } from '@nestjs/common';
import { GatewayError } from '../gateway.errors';
import {
  CreateInvoiceInput,
  GatewayCurrency,
  GatewayInvoice,
  GatewayInvoiceStatus,
  GatewayPayment,
  GatewayPaymentMethod,
  PaymentGateway,
} from '../gateway.port';
import { EccaexClient } from './eccaex.client';
import { EccaexCreateInvoiceRequest, EccaexCurrency, EccaexInvoice, EccaexPaymentMethod } from './eccaex.types';

const STATUS_MAP: Readonly<Record<string, GatewayInvoiceStatus>> = {
  pending: 'pending',
  success: 'success',
  fail: 'fail',
  expired: 'expired',
  canceled: 'canceled',
  cancelled: 'canceled',
};

/** Normalises an EccaEx invoice status; anything unrecognised is 'unknown' (non-terminal). */
export function mapEccaexStatus(raw: string): GatewayInvoiceStatus {
  return Object.prototype.hasOwnProperty.call(STATUS_MAP, raw) ? STATUS_MAP[raw] : 'unknown';
}

/** The EccaEx adapter of the PaymentGateway port. */
@Injectable()
export class EccaexGateway implements PaymentGateway {
  readonly name = 'eccaex';
  private readonly logger = new Logger('EccaexGateway');

  constructor(private readonly client: EccaexClient) {}

  async createInvoice(input: CreateInvoiceInput): Promise<GatewayInvoice> {
    const body: EccaexCreateInvoiceRequest = {
      amount: input.amount,
      currency_code: input.currency,
      customer_id: input.customerId,
      external_id: input.externalId,
    };
    if (input.description != null) body.purpose = input.description;
    if (input.callbackUrl != null) body.callback_url = input.callbackUrl;
    if (input.successUrl != null) body.success_url = input.successUrl;
    if (input.failUrl != null) body.fail_url = input.failUrl;
    if (input.paymentMethod != null) {
      // EccaEx creates invoices without a method; the customer picks one on the hosted page.
      this.logger.debug(`createInvoice ${input.externalId}: paymentMethod "${input.paymentMethod}" is not sent (not supported by create-invoice)`);
    }
    return this.toGatewayInvoice(await this.client.createInvoice(body));
  }

  async getInvoice(ref: string): Promise<GatewayInvoice | null> {
    try {
      return this.toGatewayInvoice(await this.client.getInvoice(ref));
    } catch (err) {
      if (err instanceof GatewayError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async cancelInvoice(invoiceId: string): Promise<void> {
    await this.client.publicCancel(invoiceId);
    this.logger.log(`cancelInvoice ${invoiceId}: canceled at the gateway`);
  }

  async listCurrencies(): Promise<GatewayCurrency[]> {
    return (await this.client.listCurrencies()).map(toGatewayCurrency);
  }

  async listPaymentMethods(currency?: string): Promise<GatewayPaymentMethod[]> {
    return (await this.client.listPaymentMethods(currency)).map(toGatewayPaymentMethod);
  }

  /** Maps the wire invoice onto the port's GatewayInvoice. */
  toGatewayInvoice(invoice: EccaexInvoice): GatewayInvoice {
    const rawStatus = invoice.status;
    const status = mapEccaexStatus(rawStatus);
    if (status === 'unknown') {
      this.logger.warn(`invoice ${invoice.invoice_id} (${invoice.external_id}) has unrecognised status "${rawStatus}"; treated as non-terminal`);
    }
    const deal = invoice.deal;
    const payment: GatewayPayment | null = deal
      ? {
          method_code: deal.payment_method_code ?? null,
          amount_fiat: deal.amount_fiat ?? null,
          conversion_rate: deal.conversion_rate ?? null,
          merchant_usdt: deal.merchant_usdt ?? null,
          adjusted: deal.is_adjusted === true || invoice.is_adjusted === true,
        }
      : null;
    return {
      invoiceId: invoice.invoice_id,
      externalId: invoice.external_id,
      status,
      rawStatus,
      amount: invoice.amount,
      currency: invoice.currency,
      paymentLink: invoice.payment_link ?? null,
      expiresAt: invoice.expires_at ?? null,
      finishedAt: invoice.finished_at ?? null,
      payment,
    };
  }
}

function toGatewayCurrency(c: EccaexCurrency): GatewayCurrency {
  return {
    currency: c.currency,
    // Minor units default to 2 (the value for every currency in the docs) when not reported.
    decimal: typeof c.decimal === 'number' ? c.decimal : 2,
    symbol: c.symbol ?? null,
    name: c.name ?? null,
    rate: c.rate ?? null,
  };
}

function toGatewayPaymentMethod(m: EccaexPaymentMethod): GatewayPaymentMethod {
  return {
    name: m.name,
    method_code: m.method_code,
    min_sum: m.min_sum ?? null,
    max_sum: m.max_sum ?? null,
    logo_url: m.logo_url ?? null,
    payment_time: m.payment_time ?? null,
    currency: m.currency ? { code: m.currency.code, name: m.currency.name ?? null, symbol: m.currency.symbol ?? null } : null,
    max_commission: m.max_commission ?? null,
    client_commission: m.client_commission ?? null,
    merchant_commission: m.merchant_commission ?? null,
  };
}
