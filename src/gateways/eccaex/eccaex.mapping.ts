import { Logger } from '@nestjs/common';
import type { GatewayCurrency, GatewayInvoice, GatewayInvoiceStatus, GatewayPayment, GatewayPaymentMethod } from '../gateway.port';
import type { EccaexCurrency, EccaexInvoice, EccaexPaymentMethod } from './eccaex.types';

/** EccaEx's own figures inside the Order's `payment` (GatewayPayment.details). */
export interface EccaexPaymentDetails {
  [key: string]: string | null;
  amount_fiat: string | null;
  conversion_rate: string | null;
  merchant_usdt: string | null;
}

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

const logger = new Logger('EccaexGateway');

/**
 * The wire invoice as the port's GatewayInvoice. EccaEx's deal figures (amount_fiat,
 * conversion_rate, merchant_usdt) travel in `details`; the neutral figures it states are the fiat
 * amount (asked: the invoice's amount; arrived: the deal's amount_fiat, in the invoice's currency)
 * and what the merchant is credited (merchant_usdt, in USDT).
 */
export function toGatewayInvoice(invoice: EccaexInvoice): GatewayInvoice {
  const rawStatus = invoice.status;
  const status = mapEccaexStatus(rawStatus);
  if (status === 'unknown') {
    logger.warn(`invoice ${invoice.invoice_id} (${invoice.external_id}) has unrecognised status "${rawStatus}"; treated as non-terminal`);
  }
  const deal = invoice.deal;
  const payment: GatewayPayment<EccaexPaymentDetails> | null = deal
    ? {
        method_code: deal.payment_method_code ?? null,
        // Not stated as coverage: EccaEx confirms amounts by `is_adjusted`, not by a received figure
        // to compare (a different amount_fiat is an adjustment, docs/api.md section 4).
        expected: null,
        received: null,
        credited: deal.merchant_usdt != null ? { amount: deal.merchant_usdt, unit: 'USDT' } : null,
        fee: null,
        adjusted: deal.is_adjusted === true || invoice.is_adjusted === true,
        details: {
          amount_fiat: deal.amount_fiat ?? null,
          conversion_rate: deal.conversion_rate ?? null,
          merchant_usdt: deal.merchant_usdt ?? null,
        },
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

export function toGatewayCurrency(c: EccaexCurrency): GatewayCurrency {
  return {
    currency: c.currency,
    // Minor units default to 2 (the value for every currency in the docs) when not reported.
    decimal: typeof c.decimal === 'number' ? c.decimal : 2,
    symbol: c.symbol ?? null,
    name: c.name ?? null,
    rate: c.rate ?? null,
  };
}

export function toGatewayPaymentMethod(m: EccaexPaymentMethod): GatewayPaymentMethod {
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
