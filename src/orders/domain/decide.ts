import Decimal from 'decimal.js';
import type { GatewayInvoiceStatus, PaymentDetails } from '../../gateways/gateway.port';
import { exceptionsSeen, OrderException, PaymentFigures } from './exceptions';
import { canTransition, isTerminal, OrderStatus } from './order-status';

/** What the order holds that decisions depend on. */
export interface OrderState {
  external_id: string;
  amount: string;
  currency: string;
  status: OrderStatus;
  gateway_invoice_id: string | null;
  payment_link: string | null;
  expires_at: Date | null;
  payment: OrderPaymentState | null;
  paid_at: Date | null;
  /** Set when the gateway's confirmed figures need a person; stays after it is resolved (see exception_resolved_at). */
  exception: OrderException | null;
  exception_resolved_at: Date | null;
}

export interface OrderPaymentState {
  method_code: string | null;
  amount_fiat: string | null;
  conversion_rate: string | null;
  merchant_usdt: string | null;
  adjusted: boolean;
  /** Internal: the gateway itself flagged an adjustment (its flag never goes back), so unflagged reads are older. */
  gateway_flagged?: boolean;
  /** The gateway's own figures beyond the contract's keys (shown inside the Order's `payment`, beside them). */
  extra?: PaymentDetails;
}

/**
 * A payment as a read of the gateway states it, in the Order's terms: the contract's keys (null
 * where the gateway has no such figure), the gateway's own flag, and its other figures.
 */
export interface ObservedPayment {
  method_code: string | null;
  amount_fiat: string | null;
  conversion_rate: string | null;
  merchant_usdt: string | null;
  adjusted: boolean;
  extra?: PaymentDetails;
}

/**
 * What the gateway says an invoice is for: the order's external_id (or the gateway's own reference
 * to our order), amount and currency, as the gateway reports them. An invoice is the order's only
 * if all three are what the service sent.
 */
export interface InvoiceTerms {
  external_id: string;
  amount: string;
  currency: string;
}

export const INVOICE_TERMS = ['external_id', 'amount', 'currency'] as const;
export type InvoiceTerm = (typeof INVOICE_TERMS)[number];

/** Something we learned about the order, from any source. */
export type Observation =
  | { kind: 'invoice_created'; invoiceId: string; paymentLink: string | null; expiresAt: string | null; terms: InvoiceTerms }
  | {
      kind: 'gateway_state';
      status: GatewayInvoiceStatus;
      rawStatus: string;
      invoiceId: string;
      paymentLink: string | null;
      expiresAt: string | null;
      finishedAt: string | null;
      payment: ObservedPayment | null;
      /** What was asked and what arrived, in one unit, where the gateway says (drives underpaid / overpaid). */
      figures?: PaymentFigures | null;
      terms: InvoiceTerms;
    }
  | { kind: 'cancel' }
  | { kind: 'resolve_exception'; note: string };

export interface EventDraft {
  type:
    | 'order.status_changed'
    | 'order.adjusted'
    | 'order.payment_updated'
    | 'order.invoice_attached'
    | 'order.invoice_rejected'
    | 'order.exception'
    | 'order.exception_resolved';
  from_status: OrderStatus | null;
  to_status: OrderStatus | null;
  /** Same change, same key: the timeline refuses a second copy. */
  dedupe_key: string;
  data: Record<string, unknown>;
}

export interface Decision {
  patch: Partial<OrderState>;
  events: EventDraft[];
  /** The observation asked for something the rules forbid (e.g. cancel a paid order). */
  refused?: 'ORDER_NOT_CANCELABLE' | 'NO_OPEN_EXCEPTION';
  /** The invoice observed is not this order's (its terms differ): nothing moved; the timeline keeps it for ops. */
  rejected?: { invoiceId: string; mismatch: InvoiceTerm[] };
  /** An observation that changed nothing, and why (for logs). */
  ignored?: string;
}

const GATEWAY_TO_ORDER: Partial<Record<GatewayInvoiceStatus, OrderStatus>> = {
  success: 'paid',
  fail: 'failed',
  expired: 'expired',
  canceled: 'canceled',
};

const MONEY_KEYS = ['method_code', 'amount_fiat', 'conversion_rate', 'merchant_usdt'] as const;
const extraKey = (p: { extra?: PaymentDetails }) => (p.extra && Object.keys(p.extra).length ? JSON.stringify(Object.entries(p.extra).sort(([x], [y]) => (x < y ? -1 : 1))) : '');
const samePayment = (a: OrderPaymentState | null, b: OrderPaymentState | null) =>
  !!a && !!b && MONEY_KEYS.every((k) => (a[k] ?? null) === (b[k] ?? null)) && extraKey(a) === extraKey(b);

/** The gateway's own figures in a dedupe key (none for a gateway without them: keys as before), bounded to the column. */
const extraDedupe = (p: OrderPaymentState): string => {
  const k = extraKey(p);
  if (!k) return '';
  let h = 0;
  for (let i = 0; i < k.length; i++) h = (Math.imul(h, 31) + k.charCodeAt(i)) | 0;
  return `:x${(h >>> 0).toString(36)}`;
};

const date = (s: string | null): Date | null => {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
};

/**
 * The one pure function every change of an order goes through. Given what the order is and what
 * we just learned, it says what to write and which timeline events that makes; applying the same
 * observation twice yields no change the second time.
 */
export function decide(order: OrderState, obs: Observation, now: Date): Decision {
  const patch: Partial<OrderState> = {};
  const events: EventDraft[] = [];

  if (obs.kind === 'cancel') {
    if (!canTransition(order.status, 'canceled')) return { patch, events, refused: 'ORDER_NOT_CANCELABLE' };
    patch.status = 'canceled';
    events.push(statusEvent(order.status, 'canceled', {}));
    return { patch, events };
  }
  if (obs.kind === 'resolve_exception') {
    if (!order.exception || order.exception_resolved_at) return { patch, events, refused: 'NO_OPEN_EXCEPTION' };
    patch.exception_resolved_at = now;
    events.push({
      type: 'order.exception_resolved',
      from_status: order.status,
      to_status: order.status,
      dedupe_key: `exception_resolved:${order.exception}:${now.toISOString()}`,
      data: { exception: order.exception, note: obs.note },
    });
    return { patch, events };
  }

  const invoiceId = obs.invoiceId;
  const mismatch = termsMismatch(order, obs.terms);
  if (mismatch.length) {
    const differences = Object.fromEntries(mismatch.map((k) => [k, { order: order[k], invoice: obs.terms[k] }]));
    events.push({
      type: 'order.invoice_rejected',
      from_status: order.status,
      to_status: order.status,
      dedupe_key: `invoice_rejected:${invoiceId}`,
      data: { gateway_invoice_id: invoiceId, mismatch: differences },
    });
    return { patch, events, rejected: { invoiceId, mismatch }, ignored: `invoice ${invoiceId} is not this order's (${mismatch.join(', ')} differ)` };
  }
  if (invoiceId && order.gateway_invoice_id !== invoiceId) {
    if (order.gateway_invoice_id) return { patch, events, ignored: `invoice ${invoiceId} is not this order's (${order.gateway_invoice_id})` };
    patch.gateway_invoice_id = invoiceId;
  }
  if (obs.paymentLink && !order.payment_link) patch.payment_link = obs.paymentLink;
  const expiresAt = date(obs.expiresAt);
  if (expiresAt && order.expires_at?.getTime() !== expiresAt.getTime()) patch.expires_at = expiresAt;

  let status = order.status;
  const attached = !order.gateway_invoice_id && !!patch.gateway_invoice_id;
  if (status === 'pending' && (obs.kind === 'invoice_created' || obs.status === 'pending' || obs.status === 'unknown')) {
    status = 'awaiting_payment';
    events.push(statusEvent('pending', status, { gateway_invoice_id: invoiceId }));
  } else if (attached && status !== 'pending') {
    events.push({ type: 'order.invoice_attached', from_status: status, to_status: status, dedupe_key: `invoice:${invoiceId}`, data: { gateway_invoice_id: invoiceId } });
  }

  if (obs.kind === 'gateway_state') {
    const seen = exceptionsSeen(obs.status, obs.figures ?? null);
    // Less arrived than was asked: never paid, whatever the gateway's status says.
    const target = seen.underpaid && obs.status === 'success' ? undefined : GATEWAY_TO_ORDER[obs.status];
    const wasPaid = status === 'paid';
    const raised: Array<{ kind: OrderException; data: Record<string, unknown> }> = [];
    const figuresData = { gateway_status: obs.rawStatus, expected: obs.figures?.expected ?? null, received: obs.figures?.received ?? null };
    if (target && target !== status) {
      if (canTransition(status, target)) {
        const data: Record<string, unknown> = { gateway_status: obs.rawStatus };
        if (target === 'paid' && (status === 'failed' || status === 'expired' || status === 'canceled')) {
          data.late = true;
          data.late_after = status;
          raised.push({ kind: 'paid_late', data: { ...figuresData, late_after: status } });
        }
        if (target === 'paid' && seen.overpaid) raised.push({ kind: 'overpaid', data: figuresData });
        events.push(statusEvent(status, target, data));
        status = target;
        if (target === 'paid') patch.paid_at = date(obs.finishedAt) ?? now;
      } else {
        return finish(order, status, patch, events, `gateway says ${obs.rawStatus}; order stays ${status}`);
      }
    }
    if (seen.underpaid && status !== 'paid') raised.push({ kind: 'underpaid', data: figuresData });
    // A read that is behind the order (not success while paid; pending after a terminal status) is stale:
    // its payment details must not overwrite newer ones.
    const previous = order.payment;
    const stale =
      status === 'paid' ? obs.status !== 'success' || (!!previous?.gateway_flagged && !obs.payment?.adjusted) : isTerminal(status) && !target;
    if (obs.payment && !stale) {
      const incoming: OrderPaymentState = {
        method_code: obs.payment.method_code,
        amount_fiat: obs.payment.amount_fiat,
        conversion_rate: obs.payment.conversion_rate,
        merchant_usdt: obs.payment.merchant_usdt,
        adjusted: previous?.adjusted ?? false,
        gateway_flagged: !!previous?.gateway_flagged || obs.payment.adjusted,
        ...(obs.payment.extra && Object.keys(obs.payment.extra).length ? { extra: obs.payment.extra } : {}),
      };
      const changed = !samePayment(previous, incoming);
      const flagSeen = incoming.gateway_flagged !== !!previous?.gateway_flagged;
      // An adjustment: the amounts of a payment already settled change, or the gateway flags it the first time.
      const adjustedNow = (wasPaid && changed && !!previous) || (obs.payment.adjusted && !previous?.adjusted);
      if (adjustedNow) incoming.adjusted = true;
      if (changed || adjustedNow || flagSeen) patch.payment = incoming;
      if (adjustedNow) raised.push({ kind: 'adjusted', data: { gateway_status: obs.rawStatus, previous: previous ?? null, payment: incoming } });
      if (changed || adjustedNow) {
        if (adjustedNow) {
          events.push({
            type: 'order.adjusted',
            from_status: status,
            to_status: status,
            dedupe_key: `adjusted:${incoming.amount_fiat}:${incoming.merchant_usdt}${extraDedupe(incoming)}`,
            data: { previous: previous ?? null, payment: incoming },
          });
        } else if (!events.some((e) => e.to_status === 'paid' && e.type === 'order.status_changed')) {
          events.push({
            type: 'order.payment_updated',
            from_status: status,
            to_status: status,
            dedupe_key: `payment:${MONEY_KEYS.map((k) => incoming[k] ?? '').join(':')}${extraDedupe(incoming)}`,
            data: { payment: incoming },
          });
        }
      }
    }
    raiseExceptions(order, status, raised, patch, events);
  }
  return finish(order, status, patch, events);
}

/**
 * The exceptions a decision raised, most important last so it names the order's `exception`: each
 * is one `order.exception` event (and so one notification). A kind the order already carries is
 * raised again only for a new adjustment; a raised exception reopens a resolved one.
 */
const EXCEPTION_ORDER: readonly OrderException[] = ['paid_late', 'adjusted', 'overpaid', 'underpaid'];
function raiseExceptions(
  order: OrderState,
  status: OrderStatus,
  raised: Array<{ kind: OrderException; data: Record<string, unknown> }>,
  patch: Partial<OrderState>,
  events: EventDraft[],
): void {
  const fresh = raised
    .filter((r) => r.kind === 'adjusted' || order.exception !== r.kind)
    .sort((a, b) => EXCEPTION_ORDER.indexOf(a.kind) - EXCEPTION_ORDER.indexOf(b.kind));
  for (const r of fresh) {
    const adjustment = r.kind === 'adjusted' ? events.find((e) => e.type === 'order.adjusted')?.dedupe_key : undefined;
    events.push({
      type: 'order.exception',
      from_status: status,
      to_status: status,
      dedupe_key: `exception:${r.kind}${adjustment ? `:${adjustment}` : ''}`,
      data: { exception: r.kind, ...r.data },
    });
    patch.exception = r.kind;
    patch.exception_resolved_at = null;
  }
}

/** The terms of an invoice that differ from the order's; amounts compare as decimals (1500.0 = 1500.00). */
export function termsMismatch(order: Pick<OrderState, InvoiceTerm>, terms: InvoiceTerms): InvoiceTerm[] {
  const out: InvoiceTerm[] = [];
  if (terms.external_id !== order.external_id) out.push('external_id');
  if (!sameAmount(terms.amount, order.amount)) out.push('amount');
  if (terms.currency.toUpperCase() !== order.currency.toUpperCase()) out.push('currency');
  return out;
}

function sameAmount(a: string, b: string): boolean {
  try {
    return new Decimal(a).eq(new Decimal(b));
  } catch {
    return false; // not a decimal: not what the service sent
  }
}

function finish(order: OrderState, status: OrderStatus, patch: Partial<OrderState>, events: EventDraft[], ignored?: string): Decision {
  if (status !== order.status) patch.status = status;
  if (!events.length && !Object.keys(patch).length) return { patch, events, ignored: ignored ?? 'no change' };
  return ignored ? { patch, events, ignored } : { patch, events };
}

function statusEvent(from: OrderStatus, to: OrderStatus, data: Record<string, unknown>): EventDraft {
  return { type: 'order.status_changed', from_status: from, to_status: to, dedupe_key: `status:${to}`, data };
}
