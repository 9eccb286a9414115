import { Logger } from '@nestjs/common';
import { JsonNumber } from '../../common/json-exact';
import type { GatewayCallEvent } from '../gateway.port';
import type { SmartwmSettings } from './smartwm.settings';
import { GatewayError } from '../gateway.errors';
import type {
  CreateInvoiceInput,
  CustomerPaymentPage,
  GatewayCapabilities,
  GatewayCurrency,
  GatewayInvoice,
  GatewayPaymentMethod,
  InvoiceRef,
  OrderCheck,
  PaymentGateway,
} from '../gateway.port';
import { SMARTWM_GATEWAY_NAME, SmartwmClient } from './smartwm.client';
import { smartwmCallbacks } from './smartwm.callbacks';
import { moneyText, toGatewayInvoice } from './smartwm.mapping';
import { isoOf, methodName } from './smartwm.methods';
import { parsePayForm } from './smartwm.pay-form';
import type { DpayCreateRequest, DpayInvoiceRef, DpayProcessed } from './smartwm.types';

/** What the adapter needs besides its client: the settings slice and where customers reach this service. */
export interface SmartwmGatewayConfig {
  settings: Pick<SmartwmSettings, 'paymentMethods' | 'timeoutMs' | 'utcOffset'> & Partial<Pick<SmartwmSettings, 'mode'>>;
  /** PUBLIC_BASE_URL: the customer page for a pay_form is `<publicBaseUrl>/pay/<order id>`. */
  publicBaseUrl: string;
}

/** The page this service serves for an order whose gateway hands back a form (gateway.port CustomerPaymentPage). */
export function customerPageUrl(publicBaseUrl: string, orderId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/pay/${encodeURIComponent(orderId)}`;
}

const OPEN_STATUSES = new Set(['pending', 'unknown']);

/**
 * SmartWM acquiring (the DPAY platform) behind the gateway port. An order names its payment
 * method (`payment_method`, e.g. `visamaster.uah`), which must be enabled (SMARTWM_PAYMENT_METHODS)
 * and settle in the order's currency (its ISO suffix). create (`payment_id` = the order's
 * external_id, `status_url` = the order's callback URL with its token), then process for the
 * customer's way to pay: `pay_link` is the order's payment_link; a `pay_form` is served by this
 * service at /pay/{order_id} as a page that submits itself. "Transaction already exists" is
 * answered by a status read, never by a second invoice. Reads are /api/einvoice/status, mapped as
 * CONTRACT section 10 says (smartwm.mapping.ts). No cancel, webhook history or withdrawals.
 */
export class SmartwmGateway implements PaymentGateway {
  readonly name = SMARTWM_GATEWAY_NAME;
  readonly capabilities: GatewayCapabilities = { cancel: false, webhookHistory: false, withdrawals: false, catalogue: true, paymentMethodRequired: true };
  readonly callbacks = smartwmCallbacks;
  readonly timeoutMs: number;
  private readonly log = new Logger('SmartwmGateway');
  private readonly methods: ReadonlySet<string>;

  constructor(
    readonly client: SmartwmClient,
    private readonly config: SmartwmGatewayConfig,
  ) {
    this.timeoutMs = config.settings.timeoutMs;
    this.methods = new Set(config.settings.paymentMethods);
  }

  get mode(): SmartwmSettings['mode'] {
    return this.config.settings.mode ?? 'live';
  }

  /** Metrics observer, one call per request (the metrics binder sets it). */
  get onCall(): ((e: GatewayCallEvent) => void) | undefined {
    return this.client.onCall;
  }

  set onCall(fn: ((e: GatewayCallEvent) => void) | undefined) {
    this.client.onCall = fn;
  }

  checkOrder(input: { amount: string; currency: string; paymentMethod: string | null }): OrderCheck {
    const method = input.paymentMethod;
    if (!method) return { payment_method: ['is required for provider smartwm (see GET /v1/payment-methods?provider=smartwm)'] };
    if (!this.methods.has(method)) return { payment_method: [`${method} is not enabled for provider smartwm`] };
    const iso = isoOf(method);
    if (!iso) return { payment_method: [`${method} settles in no ISO currency, so no order can be priced in it`] };
    if (iso !== input.currency) return { currency: [`payment method ${method} takes ${iso}, not ${input.currency}`] };
    return null;
  }

  async createInvoice(input: CreateInvoiceInput): Promise<GatewayInvoice> {
    const method = input.paymentMethod;
    const refusal = this.checkOrder({ amount: input.amount, currency: input.currency, paymentMethod: method });
    if (refusal || !method) throw new Error(`SmartWM createInvoice without a checked order: ${JSON.stringify(refusal)}`);
    const body: DpayCreateRequest = {
      payment_id: input.externalId,
      currency: method,
      amount: new JsonNumber(input.amount),
      ...(input.description ? { description: input.description } : {}),
      account: input.customerId,
      ...(input.successUrl ? { success_url: input.successUrl } : {}),
      ...(input.failUrl ? { fail_url: input.failUrl } : {}),
      status_url: input.callbackUrl,
    };
    const ref: InvoiceRef = { invoiceId: null, externalId: input.externalId, orderId: input.orderId };
    let tracking: string;
    try {
      const created = await this.client.create(body);
      tracking = created.tracking;
      // An echo of another payment_id: believe the invoice's own status, which the ownership check then judges.
      if (created.payment_id !== null && created.payment_id !== input.externalId) {
        this.log.warn(`SmartWM create for ${input.externalId} echoed payment_id ${created.payment_id}; reading the invoice instead`);
        return this.requireInvoice({ ...ref, invoiceId: tracking });
      }
    } catch (err) {
      // Our payment_id is already an invoice there (an earlier create got through): read it, never create another.
      if (err instanceof GatewayError && err.kind === 'conflict') return this.requireInvoice(ref);
      throw err;
    }
    let link: string;
    let rawStatus = 'CREATED';
    try {
      const processed = await this.client.process({ tracking });
      link = this.linkOf(processed, input.orderId);
      rawStatus = processed.status ?? 'PAYIN';
    } catch (err) {
      // The invoice exists; the customer page starts the debit when the customer arrives.
      this.log.warn(`SmartWM process for ${input.externalId} failed (${(err as Error).message}); the payment link is the customer page`);
      link = customerPageUrl(this.config.publicBaseUrl, input.orderId);
    }
    return {
      invoiceId: tracking,
      externalId: input.externalId,
      status: 'pending',
      rawStatus,
      amount: moneyText(input.amount),
      currency: input.currency,
      paymentLink: link,
      expiresAt: null,
      finishedAt: null,
      payment: null,
    };
  }

  async getInvoice(ref: InvoiceRef): Promise<GatewayInvoice | null> {
    let state;
    try {
      state = await this.client.status(this.dpayRef(ref));
    } catch (err) {
      if (err instanceof GatewayError && err.kind === 'not_found') return null;
      throw err;
    }
    const invoice = toGatewayInvoice(state, { paymentLink: null, utcOffset: this.config.settings.utcOffset });
    // A status answer has no link: an open invoice is paid through the customer page, which asks process for it.
    if (OPEN_STATUSES.has(invoice.status)) invoice.paymentLink = customerPageUrl(this.config.publicBaseUrl, ref.orderId);
    return invoice;
  }

  /**
   * The customer's way to pay now: process answers the invoice's pay_form (preferred) or
   * pay_link. Null when the invoice is unknown or no longer payable (final).
   */
  async paymentPage(ref: InvoiceRef): Promise<CustomerPaymentPage | null> {
    let processed: DpayProcessed;
    try {
      processed = await this.client.process(this.dpayRef(ref));
    } catch (err) {
      if (err instanceof GatewayError && (err.kind === 'not_found' || err.kind === 'conflict')) return null;
      throw err;
    }
    if (processed.pay_form) {
      const form = parsePayForm(processed.pay_form);
      if (form) return form;
      this.log.warn(`SmartWM process for ${ref.externalId}: a pay_form without a usable form${processed.pay_link ? '; using pay_link' : ''}`);
    }
    if (processed.pay_link) return { kind: 'redirect', url: processed.pay_link };
    throw new GatewayError('unavailable', 'SmartWM process: neither a usable pay_form nor a pay_link', { gateway: this.name, endpoint: 'process', code: 'UNREADABLE_RESPONSE' });
  }

  async listPaymentMethods(currency?: string): Promise<GatewayPaymentMethod[]> {
    return [...this.methods]
      .filter((code) => isoOf(code) !== null && (!currency || isoOf(code) === currency))
      .map((code) => ({
        name: methodName(code),
        method_code: code,
        min_sum: null,
        max_sum: null,
        logo_url: null,
        payment_time: null,
        currency: { code: isoOf(code)!, name: null, symbol: null },
        max_commission: null,
        client_commission: null,
        merchant_commission: null,
      }));
  }

  async listCurrencies(): Promise<GatewayCurrency[]> {
    const isos = [...new Set([...this.methods].map(isoOf).filter((c): c is string => c !== null))];
    return isos.map((currency) => ({ currency, decimal: 2, symbol: null, name: null, rate: null }));
  }

  /** A pay_form is served by this service (its page submits the form); a pay_link is the link itself. */
  private linkOf(processed: DpayProcessed, orderId: string): string {
    if (processed.pay_form && parsePayForm(processed.pay_form)) return customerPageUrl(this.config.publicBaseUrl, orderId);
    if (processed.pay_link) return processed.pay_link;
    throw new GatewayError('unavailable', 'SmartWM process: neither a usable pay_form nor a pay_link', { gateway: this.name, endpoint: 'process', code: 'UNREADABLE_RESPONSE' });
  }

  private dpayRef(ref: InvoiceRef): DpayInvoiceRef {
    return ref.invoiceId ? { tracking: ref.invoiceId } : { payment_id: ref.externalId };
  }

  private async requireInvoice(ref: InvoiceRef): Promise<GatewayInvoice> {
    const invoice = await this.getInvoice(ref);
    if (invoice) return invoice;
    // Said to exist, then not found: unclear; the core reads again before anything else.
    throw new GatewayError('unavailable', `SmartWM: the invoice of ${ref.externalId} is said to exist but is not found`, { gateway: this.name, endpoint: 'status' });
  }
}
