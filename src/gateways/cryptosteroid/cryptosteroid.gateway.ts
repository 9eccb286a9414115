import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../gateway.errors';
import type { CreateInvoiceInput, GatewayCallbacks, GatewayCapabilities, GatewayInvoice, InvoiceRef, OrderCheck, PaymentGateway } from '../gateway.port';
import { cryptosteroidCallbacks } from './cryptosteroid.callbacks';
import { CryptosteroidClient, CS_GATEWAY } from './cryptosteroid.client';
import type { CryptosteroidSettings } from './cryptosteroid.config';
import type { GatewayHttpOptions } from '../http/gateway-http';
import { CsInvoiceRead, toGatewayInvoice } from './cryptosteroid.mapping';
import { CS_FIAT_CURRENCIES, CS_PAYMENT_METHODS, CsCreateInvoiceRequest, CsFiatCurrency, CsPaymentMethod } from './cryptosteroid.types';

/** The per-order secret (docs/gateways/cryptosteroid.md, "Creating an order": fresh, random, at least 32 characters). */
export const CS_MIN_SECRET_LENGTH = 32;
/** `description` is required by the provider; the order's own, or this. */
const defaultDescription = (externalId: string) => `Order ${externalId}`;
/** How many orders' "nothing was created" the adapter remembers (see getInvoice). */
const NOT_CREATED_MEMORY = 10_000;

const isFiat = (c: string): c is CsFiatCurrency => (CS_FIAT_CURRENCIES as readonly string[]).includes(c);
const isMethod = (m: string): m is CsPaymentMethod => (CS_PAYMENT_METHODS as readonly string[]).includes(m);

/**
 * CryptoSteroid behind the gateway port: invoices in USD / EUR / RUB paid in a coin the customer
 * picks (or the order names), the Token-header callback, cancel by DELETE. No catalogue, webhook
 * history or withdrawals through this port. `payment` carries the coin figures: what was asked
 * (`expected`, coin), what arrived (`received`, coin), the credit after the fee and the fee; the
 * domain decides underpaid / overpaid from expected and received.
 */
export class CryptosteroidGateway implements PaymentGateway, OnApplicationShutdown {
  readonly name = CS_GATEWAY;
  readonly capabilities: GatewayCapabilities = { cancel: true, webhookHistory: false, withdrawals: false, catalogue: false, paymentMethodRequired: false };
  readonly callbacks: GatewayCallbacks;
  private readonly log = new Logger('CryptosteroidGateway');
  private readonly client: CryptosteroidClient;
  /**
   * External ids whose create got a definite refusal (an HTTP 4xx, or no connection at all): the
   * provider holds no invoice for them, so a retry may create one. Anything else is unknown.
   */
  private readonly notCreated = new Set<string>();

  /**
   * `settings` is read on every call (the service's slice; tests may swap values). `dispatcher`:
   * the undici Dispatcher to send through; the client's own keep-alive pool otherwise.
   */
  constructor(
    private readonly settings: () => CryptosteroidSettings,
    options: { dispatcher?: Dispatcher; http?: GatewayHttpOptions } = {},
  ) {
    this.client = new CryptosteroidClient(settings, options.http, options.dispatcher);
    this.callbacks = cryptosteroidCallbacks({ allowedIps: settings().allowedIps });
  }

  /**
   * Closes the client's own pool (a given dispatcher is its owner's). After the workers have
   * stopped (beforeApplicationShutdown), so a job finishing its work still reaches the provider.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  get mode() {
    return this.settings().mode;
  }

  get timeoutMs(): number {
    return this.settings().timeoutMs;
  }

  get onCall() {
    return this.client.onCall;
  }

  set onCall(fn) {
    this.client.onCall = fn;
  }

  /** Currency and method the provider takes; it publishes no amount limits. */
  checkOrder(input: { amount: string; currency: string; paymentMethod: string | null }): OrderCheck {
    const fields: Record<string, string[]> = {};
    if (!isFiat(input.currency)) fields.currency = [`CryptoSteroid takes ${CS_FIAT_CURRENCIES.join(', ')}`];
    if (input.paymentMethod !== null && !isMethod(input.paymentMethod)) fields.payment_method = [`CryptoSteroid offers ${CS_PAYMENT_METHODS.join(', ')}`];
    return Object.keys(fields).length ? fields : null;
  }

  async createInvoice(input: CreateInvoiceInput): Promise<GatewayInvoice> {
    const problems = this.checkOrder(input);
    const notSent = (why: string) => {
      this.remember(input.externalId);
      return new GatewayError('rejected', `CryptoSteroid create-invoice: ${why} (request not sent)`, { gateway: CS_GATEWAY, endpoint: 'create-invoice' });
    };
    if (problems) throw notSent(Object.entries(problems).map(([k, v]) => `${k}: ${v.join('; ')}`).join(', '));
    const secret = input.callbackCredential;
    if (secret === null || secret.length < CS_MIN_SECRET_LENGTH) throw notSent(`the per-order secret must be at least ${CS_MIN_SECRET_LENGTH} characters`);
    const method = input.paymentMethod !== null && isMethod(input.paymentMethod) ? input.paymentMethod : null;
    const body: CsCreateInvoiceRequest = {
      fiatCurrency: input.currency as CsFiatCurrency,
      fiatAmount: input.amount,
      description: input.description || defaultDescription(input.externalId),
      whoPayCommission: this.settings().whoPaysCommission,
      externalId: input.externalId,
      ...(method ? { paymentMethod: method } : {}),
      secret,
      processingUrl: input.callbackUrl,
      ...(input.successUrl ? { returnUrl: input.successUrl } : {}),
      ...(input.failUrl ? { failReturnUrl: input.failUrl } : {}),
    };
    // From here on an invoice may exist, until a definite refusal says otherwise.
    this.notCreated.delete(input.externalId);
    let created: CsInvoiceRead;
    try {
      created = await this.client.createInvoice(body);
    } catch (err) {
      if (err instanceof GatewayError && definitelyNotCreated(err)) this.remember(input.externalId);
      throw err;
    }
    if (method && created.status === 'NEW' && !created.payment) created = await this.setMethod(created, method);
    return toGatewayInvoice(created);
  }

  /**
   * The method was named but the answer has none yet: set it (PATCH, NEW invoices only). The
   * invoice exists either way, so a refusal is logged and the customer picks on the hosted page.
   */
  private async setMethod(inv: CsInvoiceRead, method: CsPaymentMethod): Promise<CsInvoiceRead> {
    try {
      return await this.client.setPaymentMethod(inv.invoiceId, method);
    } catch (err) {
      this.log.warn(`invoice ${inv.invoiceId}: payment method ${method} not set (${(err as Error).message}); the customer chooses on the payment page`);
      return inv;
    }
  }

  /**
   * By the provider's invoice id (the read-back GET). The provider has no lookup by our external
   * id, so without an invoice id the answer is null only when this process saw the create refused
   * outright; otherwise an invoice may exist, and a GatewayError says so: never a second invoice.
   */
  async getInvoice(ref: InvoiceRef): Promise<GatewayInvoice | null> {
    if (ref.invoiceId === null) {
      if (this.notCreated.has(ref.externalId)) return null;
      throw new GatewayError('unavailable', 'CryptoSteroid has no lookup by external id: whether an invoice was created for this order is unknown', {
        gateway: CS_GATEWAY,
        endpoint: 'get-invoice',
        details: { reason: 'no_lookup_by_external_id' },
      });
    }
    try {
      return toGatewayInvoice(await this.client.getInvoice(ref.invoiceId));
    } catch (err) {
      if (err instanceof GatewayError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  /** DELETE; anything but a CANCELLED answer is a refusal (the core then reads the invoice). */
  async cancelInvoice(ref: InvoiceRef): Promise<void> {
    if (ref.invoiceId === null) {
      if (this.notCreated.has(ref.externalId)) return;
      throw new GatewayError('unavailable', 'CryptoSteroid cancel: no invoice id, and no lookup by external id', { gateway: CS_GATEWAY, endpoint: 'cancel-invoice' });
    }
    const answer = await this.client.cancelInvoice(ref.invoiceId);
    if (answer.status !== 'CANCELLED') {
      throw new GatewayError('conflict', `CryptoSteroid cancel-invoice: the invoice is ${answer.status}, not CANCELLED`, {
        gateway: CS_GATEWAY,
        endpoint: 'cancel-invoice',
        httpStatus: 200,
        code: answer.status,
      });
    }
  }

  private remember(externalId: string): void {
    if (this.notCreated.size >= NOT_CREATED_MEMORY) {
      const oldest = this.notCreated.values().next().value;
      if (oldest !== undefined) this.notCreated.delete(oldest);
    }
    this.notCreated.add(externalId);
  }
}

/** A 4xx answer (the provider refused and made nothing), or no connection at all (nothing was sent). */
function definitelyNotCreated(err: GatewayError): boolean {
  const status = err.info.httpStatus;
  if (status !== undefined) return status >= 400 && status < 500;
  return /connection failed: ECONNREFUSED\b|request not sent/.test(err.message);
}
