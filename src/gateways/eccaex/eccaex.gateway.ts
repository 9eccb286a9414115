import { Injectable, Logger, Optional } from '@nestjs/common';
import { GatewayError } from '../gateway.errors';
import type {
  CreateInvoiceInput,
  GatewayCapabilities,
  GatewayCurrency,
  GatewayInvoice,
  GatewayPaymentMethod,
  GatewayWithdrawalPage,
  InvoiceRef,
  OrderCheck,
  PaymentGateway,
} from '../gateway.port';
import { EccaexCallbacks } from './eccaex.callbacks';
import { ECCAEX_GATEWAY_NAME, EccaexClient } from './eccaex.client';
import { toGatewayCurrency, toGatewayInvoice, toGatewayPaymentMethod } from './eccaex.mapping';
import { SignatureCaptureService } from './eccaex-signature-capture.service';
import { EccaexCreateInvoiceRequest } from './eccaex.types';

export { mapEccaexStatus } from './eccaex.mapping';

/** EccaEx names an invoice by its id or by our external id (GET /invoices/{ref}). */
const refOf = (ref: InvoiceRef | string): string => (typeof ref === 'string' ? ref : (ref.invoiceId ?? ref.externalId));

/** The EccaEx adapter of the PaymentGateway port. */
@Injectable()
export class EccaexGateway implements PaymentGateway {
  readonly name = ECCAEX_GATEWAY_NAME;
  readonly capabilities: GatewayCapabilities = { cancel: true, webhookHistory: true, withdrawals: true, catalogue: true, paymentMethodRequired: false };
  readonly callbacks: EccaexCallbacks;
  private readonly logger = new Logger('EccaexGateway');

  constructor(
    private readonly client: EccaexClient,
    @Optional() captures?: SignatureCaptureService,
  ) {
    this.callbacks = new EccaexCallbacks(
      () => client.settings.eccaex,
      captures ? (reason, req) => captures.capture({ reason, rawBody: req.rawBody, headers: req.headers }) : undefined,
    );
  }

  get mode() {
    return this.client.settings.eccaex.mode;
  }

  get timeoutMs(): number {
    return this.client.settings.eccaex.timeoutMs;
  }

  get onCall() {
    return this.client.onCall;
  }

  set onCall(fn) {
    this.client.onCall = fn;
  }

  /** EccaEx's currencies are checked against its catalogue by the core (capabilities.catalogue); nothing else is known up front. */
  checkOrder(): OrderCheck {
    return null;
  }

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
    return toGatewayInvoice(await this.client.createInvoice(body));
  }

  /** By the gateway's invoice id, else our external id; null when the gateway has no such invoice. */
  async getInvoice(ref: InvoiceRef | string): Promise<GatewayInvoice | null> {
    try {
      return toGatewayInvoice(await this.client.getInvoice(refOf(ref)));
    } catch (err) {
      if (err instanceof GatewayError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async cancelInvoice(ref: InvoiceRef | string): Promise<void> {
    const invoiceId = refOf(ref);
    await this.client.publicCancel(invoiceId);
    this.logger.log(`cancelInvoice ${invoiceId}: canceled at the gateway`);
  }

  async listCurrencies(): Promise<GatewayCurrency[]> {
    return (await this.client.listCurrencies()).map(toGatewayCurrency);
  }

  async listPaymentMethods(currency?: string): Promise<GatewayPaymentMethod[]> {
    return (await this.client.listPaymentMethods(currency)).map(toGatewayPaymentMethod);
  }

  async webhookHistory(ref: InvoiceRef): Promise<Record<string, unknown>> {
    const { successful: _ok, ...history } = (await this.client.getInvoiceWebhooks(refOf(ref))) as unknown as Record<string, unknown>;
    return history;
  }

  async resendWebhook(ref: InvoiceRef): Promise<Record<string, unknown>> {
    const { successful: _ok, ...result } = (await this.client.resendInvoiceWebhook(refOf(ref))) as unknown as Record<string, unknown>;
    return result;
  }

  async listWithdrawals(page: number, perPage: number): Promise<GatewayWithdrawalPage> {
    const res = await this.client.listWithdrawals({ page, per_page: perPage, order: 'asc' });
    return { items: res.data, totalPages: res.total_pages };
  }
}
