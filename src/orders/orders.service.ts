import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { Caller } from '../common/auth.guard';
import { SETTINGS } from '../config/settings.module';
import { Settings } from '../config/settings';
import { GatewayError } from '../gateways/gateway.errors';
import { MetricsService } from '../metrics/metrics.service';
import { GatewayInvoice, InvoiceRef, PaymentGateway } from '../gateways/gateway.port';
import { gatewayApiError, invoiceMayExist } from '../gateways/gateway-api-errors';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { LimitRefusal } from './amount-limits';
import { CatalogueService } from './catalogue.service';
import { Decision, Observation } from './domain/decide';
import { gatewayStateOf, termsOf } from './domain/gateway-state';
import { isTerminal } from './domain/order-status';
import { IdempotencyService } from './idempotency.service';
import { CreateOrderInput } from './inputs/create-order.input';
import { EventSource, OrderEntity } from './order.entity';
import { AppliedChange, OrdersRepository } from './orders.repository';
import { OrderOutput, toOrderOutput } from './outputs/order.output';

export interface Reply {
  status: number;
  body: unknown;
  /** The first reply to this Idempotency-Key, given again (sent as `Idempotent-Replayed: true`). */
  replayed?: boolean;
}

/** The gateway answered with an invoice that is not the order's: the order did not move (the timeline keeps the invoice for ops). */
function invoiceNotOurs(order: OrderEntity, rejected: NonNullable<Decision['rejected']>): ApiError {
  return new ApiError(502, 'GATEWAY_ERROR', "The gateway answered with an invoice that is not this order's; the order is kept as it was.", {
    order_id: order.id,
    reason: 'invoice_mismatch',
    mismatch: rejected.mismatch,
  });
}

const notCancelable = (o: OrderEntity, details: Record<string, unknown> = {}, message = `The order is ${o.status} and cannot be canceled.`) =>
  new ApiError(409, 'ORDER_NOT_CANCELABLE', message, { order_id: o.id, status: o.status, ...details });

/**
 * The gateway did not cancel the invoice. A clear refusal (a 4xx: it is being paid, or no longer
 * cancelable there) is the order's answer, 409; anything unclear is gateway trouble (503 / 502).
 */
function cancelRefusal(order: OrderEntity, err: unknown): ApiError {
  const status = err instanceof GatewayError ? err.info.httpStatus : undefined;
  if (err instanceof GatewayError && ['conflict', 'not_found', 'rejected'].includes(err.kind) && status !== undefined && status >= 400 && status < 500) {
    const details = { reason: 'gateway_refused', gateway: err.info.gateway, ...(err.info.code ? { gateway_code: err.info.code } : {}) };
    return notCancelable(order, details, 'The gateway refused to cancel the invoice (it may be being paid); the order is unchanged.');
  }
  return gatewayApiError(err, { order_id: order.id });
}

/** How the gateway is asked for the order's invoice: its id when we have it, else our external id. */
export const refOf = (order: OrderEntity): InvoiceRef => ({ invoiceId: order.gateway_invoice_id, externalId: order.external_id, orderId: order.id });
/** By our external id only: a pending order's invoice may exist although we never heard its id. */
const byExternalId = (order: OrderEntity): InvoiceRef => ({ invoiceId: null, externalId: order.external_id, orderId: order.id });

/** The per-order callback credential as stored (its plaintext goes only to the gateway). */
export const hashCredential = (credential: string): string => createHash('sha256').update(credential, 'utf8').digest('hex');

/** The 400's message for what the catalogue refused (amount-limits.ts). */
function refusalMessage(refused: LimitRefusal): string {
  if (refused.fields.payment_method) return 'The gateway does not offer this payment method for the currency.';
  return refused.fields.amount ? 'No payment method can take this amount.' : 'No payment method takes this currency.';
}

/** A fresh callback credential for one create, when the gateway trusts callbacks by a per-order secret. */
const newCallbackCredential = (gateway: PaymentGateway): string | null => (gateway.callbacks.perOrderCredential ? randomBytes(32).toString('base64url') : null);

const isOpen = (status: GatewayInvoice['status']) => status === 'pending' || status === 'unknown';

/** The order a change left, unless the invoice it read was refused as another order's. */
function ours(change: AppliedChange): OrderEntity {
  if (change.decision.rejected) throw invoiceNotOurs(change.order, change.decision.rejected);
  return change.order;
}

@Injectable()
export class OrdersService {
  private readonly log = new Logger('Orders');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly gateways: GatewayRegistry,
    private readonly catalogue: CatalogueService,
    private readonly idempotency: IdempotencyService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** The URL the order's gateway is given for its callbacks (its own callbacks.callbackUrl, under CALLBACK_BASE_URL). */
  callbackUrl(order: { id: string; external_id: string; provider: string }, credential: string | null = null): string {
    return this.gateways.forOrder(order).callbacks.callbackUrl(this.settings.callbackBaseUrl, order, credential);
  }

  async create(input: CreateOrderInput, caller: Caller, idempotencyKey: string | undefined): Promise<Reply> {
    const provider = input.provider ?? this.settings.defaultProvider;
    const gateway = this.gateways.get(provider);
    const problems = gateway.checkOrder({ amount: input.amount, currency: input.currency, paymentMethod: input.payment_method ?? null });
    if (problems) throw ApiError.validation(problems);
    if ((await this.catalogue.isCurrencyEnabled(input.currency, provider)) === false) {
      throw ApiError.validation({ currency: [`currency ${input.currency} is not enabled at the gateway`] });
    }
    // Where the gateway publishes its methods' min_sum / max_sum (capabilities.catalogue), an amount none takes is refused here.
    const refused = await this.catalogue.amountOutsideLimits(input.amount, input.currency, provider, input.payment_method);
    if (refused) throw new ApiError(400, 'VALIDATION_FAILED', refusalMessage(refused), { fields: refused.fields, limits: refused.limits });
    if (idempotencyKey === undefined) return { status: 201, body: (await this.createFresh(input, gateway)).output };

    if (idempotencyKey.length < 1 || idempotencyKey.length > 255) {
      throw ApiError.validation({ 'Idempotency-Key': ['must be 1-255 characters'] });
    }
    const scope = caller.keyId;
    const idem = { scope, key: idempotencyKey };
    const hash = this.idempotency.hash(input);
    // A key new to us: claimed, and the order saved and tied to it, in one statement.
    const first = await this.settlingKey(idem, () => this.createFresh(input, gateway, idem, { hash, leaseMs: this.idempotency.leaseMs }));
    if (first) return first;
    // The key exists: a replay, another body (422), a call still running (409), or a retry that
    // takes over a failed or abandoned call and finishes its order.
    const claim = await this.idempotency.claim(scope, idempotencyKey, hash);
    if (claim.kind === 'replay') return { status: claim.status, body: claim.body, replayed: true };
    const orderId = claim.orderId;
    const again = await this.settlingKey(idem, async () =>
      orderId ? ((await this.resume(orderId, gateway)) ?? (await this.createFresh(input, gateway, idem))) : this.createFresh(input, gateway, idem),
    );
    if (!again) throw new Error('idempotency key lost between claim and create');
    return again;
  }

  /**
   * Runs a create under a claimed key and settles the key: completed with the reply (unless the
   * create's own statement did), completed with a DUPLICATE_EXTERNAL_ID refusal, or released
   * (retryable, remembering the order) on any other failure. Null when `make` found the key
   * already taken (nothing was claimed).
   */
  private async settlingKey(
    idem: { scope: string; key: string },
    make: () => Promise<{ output: OrderOutput; completed: boolean } | null>,
  ): Promise<Reply | null> {
    try {
      const made = await make();
      if (!made) return null;
      if (!made.completed) await this.idempotency.complete(idem.scope, idem.key, 201, made.output, made.output.id);
      return { status: 201, body: made.output };
    } catch (err) {
      if (err instanceof ApiError && err.status < 500 && err.code === 'DUPLICATE_EXTERNAL_ID') {
        const body = { error: { code: err.code, message: err.message, details: err.details } };
        await this.idempotency.complete(idem.scope, idem.key, err.status, body, null);
        throw err;
      }
      const orderId = err instanceof ApiError && typeof err.details.order_id === 'string' ? err.details.order_id : null;
      await this.idempotency.release(idem.scope, idem.key, orderId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Saves the order first (pending; with `idem`, tied to the key in the same statement: `claim`
   * claims a key new to us there, and the answer is null when the key already exists), then
   * opens its invoice. `completed`: the key was completed with the reply in the statement that
   * attached the invoice.
   */
  private async createFresh(input: CreateOrderInput, gateway: PaymentGateway): Promise<{ output: OrderOutput; completed: boolean }>;
  private async createFresh(
    input: CreateOrderInput,
    gateway: PaymentGateway,
    idem: { scope: string; key: string },
    claim?: { hash: string; leaseMs: number },
  ): Promise<{ output: OrderOutput; completed: boolean } | null>;
  private async createFresh(
    input: CreateOrderInput,
    gateway: PaymentGateway,
    idem?: { scope: string; key: string },
    claim?: { hash: string; leaseMs: number },
  ): Promise<{ output: OrderOutput; completed: boolean } | null> {
    const externalId = input.external_id ?? `ord_${randomUUID()}`;
    // A gateway that trusts callbacks by a per-order secret: the first one is made here and its hash
    // saved with the order (before the invoice is asked for, so its first callback can be checked).
    const credential = newCallbackCredential(gateway);
    const { claimed, saved } = await this.orders.insertPending(
      {
        external_id: externalId,
        provider: gateway.name,
        amount: input.amount,
        currency: input.currency,
        customer_id: input.customer_id,
        description: input.description ?? null,
        metadata: input.metadata ?? {},
        success_url: input.success_url ?? this.settings.merchantSuccessUrl ?? null,
        fail_url: input.fail_url ?? this.settings.merchantFailUrl ?? null,
        payment_method: input.payment_method ?? null,
        callback_credential_hash: credential ? hashCredential(credential) : null,
      },
      'api',
      idem ? { ...idem, claim } : undefined,
    );
    if (!claimed) return null;
    if (!saved) {
      const existing = await this.orders.findByRef(externalId);
      throw new ApiError(409, 'DUPLICATE_EXTERNAL_ID', `An order with external_id ${externalId} already exists.`, { order_id: existing?.id ?? null });
    }
    const opened = await this.openInvoice(saved.order, gateway, 'api', { version: saved.version, idem, credential });
    return { output: toOrderOutput(opened.order), completed: opened.completed };
  }

  /**
   * A retry of a call that failed at the gateway: finish the order it already saved. Null when the
   * key names no saved order (its create was refused or never committed).
   */
  private async resume(orderId: string, gateway: PaymentGateway): Promise<{ output: OrderOutput; completed: boolean } | null> {
    const order = await this.orders.findByRef(orderId);
    if (!order) return null;
    return { output: toOrderOutput(await this.finishPending(order, gateway, 'api')), completed: false };
  }

  /**
   * Never two invoices for one order: an order still pending may have an invoice the gateway made
   * although we never heard back, so look it up by external_id before creating one.
   */
  async finishPending(order: OrderEntity, gateway: PaymentGateway, source: EventSource): Promise<OrderEntity> {
    if (order.status !== 'pending') return order;
    let found: GatewayInvoice | null;
    try {
      found = await gateway.getInvoice(byExternalId(order));
    } catch (err) {
      throw gatewayApiError(err, { order_id: order.id });
    }
    if (found) return ours(await this.orders.apply(order.id, source, () => gatewayStateOf(found)));
    return (await this.openInvoice(order, gateway, source)).order;
  }

  /**
   * `fresh`: the order as just saved, with its row version: the invoice is attached in one
   * statement (which also completes the Idempotency-Key, `completed`), unless the row moved meanwhile.
   */
  private async openInvoice(
    order: OrderEntity,
    gateway: PaymentGateway,
    source: EventSource,
    fresh?: { version: string; idem?: { scope: string; key: string }; credential: string | null },
  ): Promise<{ order: OrderEntity; completed: boolean }> {
    let invoice: GatewayInvoice | null;
    // A gateway that trusts callbacks by a per-order secret gets a fresh one with each create; only
    // its hash is kept (a fresh order's was saved with it).
    const credential = fresh ? fresh.credential : newCallbackCredential(gateway);
    if (credential && !fresh) {
      const hash = hashCredential(credential);
      await this.orders.setCallbackCredentialHash(order.id, hash);
      order.callback_credential_hash = hash;
    }
    try {
      invoice = await gateway.createInvoice({
        orderId: order.id,
        amount: order.amount,
        currency: order.currency,
        customerId: order.customer_id,
        externalId: order.external_id,
        description: order.description,
        callbackUrl: this.callbackUrl(order, credential),
        callbackCredential: credential,
        successUrl: order.success_url,
        failUrl: order.fail_url,
        paymentMethod: order.payment_method,
      });
    } catch (err) {
      invoice = null;
      // Unclear (timeout, 5xx) or "already exists": the gateway may hold our invoice; look before giving up.
      let lookupErr: unknown = null;
      if (err instanceof GatewayError && (err.unclear || err.kind === 'conflict' || err.kind === 'rejected')) {
        invoice = await gateway.getInvoice(byExternalId(order)).catch((e: unknown) => {
          lookupErr = e;
          return null;
        });
      }
      if (!invoice) {
        this.log.warn(`order ${order.id}: invoice not created (${(err as Error).message}); kept pending`);
        // A gateway that cannot be asked by external_id leaves it open whether the invoice exists: that is the answer.
        throw gatewayApiError(invoiceMayExist(lookupErr) ? lookupErr : err, { order_id: order.id });
      }
      const inv = invoice;
      const found = ours(await this.orders.apply(order.id, source, () => gatewayStateOf(inv)));
      this.log.log(`order ${order.id}: invoice ${inv.invoiceId} found by external_id after an unclear create`);
      return { order: found, completed: false };
    }
    // A gateway may answer a create with an invoice it already had: checked like any other read.
    const created: Observation = { kind: 'invoice_created', invoiceId: invoice.invoiceId, paymentLink: invoice.paymentLink, expiresAt: invoice.expiresAt, terms: termsOf(invoice) };
    if (fresh) {
      const idem = fresh.idem;
      const done = await this.orders.applyOptimistic(order, fresh.version, source, created, (change) =>
        idem && !change.decision.rejected ? [this.idempotency.completePart(idem.scope, idem.key, 201, toOrderOutput(change.order), change.order.id)] : [],
      );
      if (done) return { order: ours(done), completed: !!idem };
    }
    return { order: ours(await this.orders.apply(order.id, source, () => created)), completed: false };
  }

  async get(ref: string): Promise<OrderEntity> {
    const order = await this.orders.findByRef(ref);
    if (!order) throw ApiError.notFound('ORDER_NOT_FOUND', 'Order');
    return order;
  }

  /**
   * Cancels an unpaid order, at the gateway too where it can. The gateway is asked first, and its
   * word stands: an invoice it already paid makes the order paid, not canceled; an invoice it
   * refuses to cancel (a customer mid-payment) leaves the order as it was (409); and when its
   * answer is unclear (timeout, 5xx) the order stays as it was too (503), since the invoice may
   * still be paid. Another order's invoice is never canceled.
   */
  async cancel(ref: string, source: EventSource): Promise<OrderEntity> {
    const order = await this.get(ref);
    if (isTerminal(order.status)) throw notCancelable(order);
    const gateway = this.gateways.forOrder(order);
    let invoice: GatewayInvoice | null;
    try {
      invoice = await gateway.getInvoice(refOf(order));
    } catch (err) {
      throw gatewayApiError(err, { order_id: order.id });
    }
    if (invoice) {
      const seen = await this.orders.apply(order.id, source, () => gatewayStateOf(invoice));
      // A pending order's lookup by external_id may name another order's invoice: left alone.
      if (seen.decision.rejected && order.gateway_invoice_id) throw invoiceNotOurs(seen.order, seen.decision.rejected);
      if (!seen.decision.rejected) {
        if (isTerminal(seen.order.status) && seen.order.status !== 'canceled') throw notCancelable(seen.order);
        // The gateway took a payment the order does not count as paid (less than asked: underpaid).
        // Canceling would hide money received; the exception is ops' to resolve.
        if (invoice.status === 'success' && !isTerminal(seen.order.status)) {
          throw notCancelable(
            seen.order,
            { exception: seen.order.exception, reason: 'payment_received' },
            `The gateway has received a payment for this order${seen.order.exception ? ` (exception ${seen.order.exception})` : ''}; it cannot be canceled.`,
          );
        }
        if (isOpen(invoice.status) && gateway.capabilities.cancel && gateway.cancelInvoice) {
          const at: InvoiceRef = { invoiceId: invoice.invoiceId, externalId: order.external_id, orderId: order.id };
          try {
            await gateway.cancelInvoice(at);
          } catch (err) {
            // A refusal may be a cancel that got there first, or a payment: the gateway's word decides.
            const now = err instanceof GatewayError && err.kind === 'conflict' ? await gateway.getInvoice(at).catch(() => null) : null;
            const after = now && !isOpen(now.status) ? await this.orders.apply(order.id, source, () => gatewayStateOf(now)) : null;
            if (after && !after.decision.rejected && after.order.status === 'canceled') return after.order;
            this.log.warn(`order ${order.id}: the gateway did not cancel invoice ${invoice.invoiceId} (${(err as Error).message}); the order is unchanged`);
            throw cancelRefusal(after && !after.decision.rejected ? after.order : seen.order, err);
          }
        }
      }
    }
    const change = await this.orders.apply(order.id, source, () => ({ kind: 'cancel' }));
    if (change.decision.refused && change.order.status !== 'canceled') throw notCancelable(change.order);
    return change.order;
  }

  /** A person resolves the order's open exception; the note goes into the timeline. */
  async resolveException(ref: string, note: string): Promise<OrderEntity> {
    const order = await this.get(ref);
    const change = await this.orders.apply(order.id, 'ops', () => ({ kind: 'resolve_exception', note }));
    if (change.decision.refused) {
      const o = change.order;
      throw new ApiError(409, 'NO_OPEN_EXCEPTION', 'The order has no open exception to resolve.', { order_id: o.id, exception: o.exception, exception_resolved_at: o.exception_resolved_at?.toISOString() ?? null });
    }
    this.log.log(`order ${order.id}: exception ${order.exception} resolved by ops`);
    return change.order;
  }

  /** Reads the invoice back from the gateway and applies it (pending orders get their invoice). */
  async reconcile(ref: string, source: EventSource): Promise<OrderEntity> {
    const order = await this.get(ref);
    if (source !== 'ops') return this.readBack(order, source);
    // A person's reconcile is a check like the sweep's (which counts its own): counted whatever the answer.
    let changed = false;
    try {
      const after = await this.readBack(order, source);
      changed = after.updated_at.getTime() !== order.updated_at.getTime();
      return after;
    } finally {
      this.metrics?.reconciled(changed);
    }
  }

  private async readBack(order: OrderEntity, source: EventSource): Promise<OrderEntity> {
    const gateway = this.gateways.forOrder(order);
    if (order.status === 'pending') return this.finishPending(order, gateway, source);
    let invoice: GatewayInvoice | null;
    try {
      invoice = await gateway.getInvoice(refOf(order));
    } catch (err) {
      throw gatewayApiError(err, { order_id: order.id });
    }
    if (!invoice) throw new ApiError(502, 'GATEWAY_ERROR', 'The gateway has no invoice for this order.', { order_id: order.id });
    const inv = invoice;
    return ours(await this.orders.apply(order.id, source, () => gatewayStateOf(inv)));
  }
}
