import Decimal from 'decimal.js';
import fc from 'fast-check';
import type { GatewayInvoiceStatus } from '../../gateways/gateway.port';
import type { ObservedPayment as GatewayPayment } from './decide';
import { decide, Decision, EventDraft, InvoiceTerms, Observation, OrderState, termsMismatch } from './decide';
import { ORDER_EXCEPTIONS, PaymentFigures } from './exceptions';
import { canTransition, ORDER_STATUSES, OrderStatus, TERMINAL_STATUSES } from './order-status';

// Fixed seed so a failure reproduces; fast-check prints the seed and path of any counterexample.
const SEED = 20260426;
const RUNS = 1000;
fc.configureGlobal({ seed: SEED, numRuns: RUNS });

const NOW = new Date('2026-04-26T12:30:00.000Z');
const INV = '7f0e1c5a-3b9d-4e2f-8a61-0c9d2b4e6f18';
const OTHER_INV = '11111111-2222-4333-8444-555555555555';
const LINK = 'https://pay.ecca-ex.test/p/7f0e1c5a';
const EXPIRES = '2026-04-26T13:00:00+00:00';
const FINISHED = '2026-04-26T12:08:31+00:00';
const EXT = 'order-2026-0001';
/** What the service sent for the order (order() below): the invoice is the order's only with these. */
const TERMS: InvoiceTerms = { external_id: EXT, amount: '1500.00', currency: 'UAH' };

const PAY: GatewayPayment = {
  method_code: 'visamaster.uah',
  amount_fiat: '1500.00',
  conversion_rate: '41.50',
  merchant_usdt: '36.14',
  adjusted: false,
};

function order(over: Partial<OrderState> = {}): OrderState {
  return {
    external_id: EXT,
    amount: '1500.00',
    currency: 'UAH',
    status: 'awaiting_payment',
    gateway_invoice_id: INV,
    payment_link: LINK,
    expires_at: new Date(EXPIRES),
    payment: null,
    paid_at: null,
    exception: null,
    exception_resolved_at: null,
    ...over,
  };
}

function gw(status: GatewayInvoiceStatus, over: Partial<Extract<Observation, { kind: 'gateway_state' }>> = {}): Observation {
  return {
    kind: 'gateway_state',
    status,
    rawStatus: status,
    invoiceId: INV,
    paymentLink: LINK,
    expiresAt: EXPIRES,
    finishedAt: null,
    payment: null,
    terms: TERMS,
    ...over,
  };
}

/** What the order stores for a gateway payment; `gateway_flagged` remembers the gateway's own (sticky) flag. */
const paymentState = (p: GatewayPayment, adjusted = p.adjusted, gatewayFlagged = p.adjusted) => ({
  method_code: p.method_code,
  amount_fiat: p.amount_fiat,
  conversion_rate: p.conversion_rate,
  merchant_usdt: p.merchant_usdt,
  adjusted,
  gateway_flagged: gatewayFlagged,
});

const applied = (o: OrderState, d: Decision): OrderState => ({ ...o, ...d.patch });
const statusEvents = (events: EventDraft[]) => events.filter((e) => e.type === 'order.status_changed');

describe("decide: an invoice is the order's only if its terms are what the service sent", () => {
  it.each([
    ['external_id', { external_id: 'order-2026-0002' }],
    ['amount', { amount: '1.00' }],
    ['currency', { currency: 'USD' }],
  ] as const)('a different %s: refused, nothing moves, one rejection event for ops', (field, over) => {
    const o = order({ status: 'pending', gateway_invoice_id: null, payment_link: null, expires_at: null });
    const observations = [
      gw('success', { terms: { ...TERMS, ...over }, payment: PAY }),
      { kind: 'invoice_created', invoiceId: OTHER_INV, paymentLink: LINK, expiresAt: EXPIRES, terms: { ...TERMS, ...over } },
    ] as Array<Exclude<Observation, { kind: 'cancel' | 'resolve_exception' }>>;
    for (const obs of observations) {
      const d = decide(o, obs, NOW);
      expect(d.patch).toEqual({});
      expect(d.rejected).toEqual({ invoiceId: obs.invoiceId, mismatch: [field] });
      expect(d.events).toEqual([
        {
          type: 'order.invoice_rejected',
          from_status: 'pending',
          to_status: 'pending',
          dedupe_key: `invoice_rejected:${obs.invoiceId}`,
          data: { gateway_invoice_id: obs.invoiceId, mismatch: { [field]: { order: o[field], invoice: over[field as keyof typeof over] } } },
        },
      ]);
    }
  });

  it('compares amounts as decimals: 1500.0 and 1500 are 1500.00', () => {
    for (const amount of ['1500.0', '1500', '1500.000']) {
      const d = decide(order(), gw('success', { terms: { ...TERMS, amount } }), NOW);
      expect([amount, d.rejected, d.patch.status]).toEqual([amount, undefined, 'paid']);
    }
    expect(termsMismatch(order(), { ...TERMS, amount: 'not a number' })).toEqual(['amount']);
  });
});

describe('decide: examples', () => {
  it('pending + invoice_created → awaiting_payment with the invoice fields and one status event', () => {
    const o = order({ status: 'pending', gateway_invoice_id: null, payment_link: null, expires_at: null });
    const d = decide(o, { kind: 'invoice_created', invoiceId: INV, paymentLink: LINK, expiresAt: EXPIRES, terms: TERMS }, NOW);

    expect(d.patch).toEqual({ status: 'awaiting_payment', gateway_invoice_id: INV, payment_link: LINK, expires_at: new Date(EXPIRES) });
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({ type: 'order.status_changed', from_status: 'pending', to_status: 'awaiting_payment' });
    expect(d.refused).toBeUndefined();
  });

  it('gateway success → paid, paid_at = finishedAt', () => {
    const d = decide(order(), gw('success', { finishedAt: FINISHED, payment: PAY }), NOW);

    expect(d.patch.status).toBe('paid');
    expect(d.patch.paid_at).toEqual(new Date(FINISHED));
    expect(d.patch.payment).toEqual(paymentState(PAY));
    expect(statusEvents(d.events)).toEqual([expect.objectContaining({ from_status: 'awaiting_payment', to_status: 'paid' })]);
    expect(d.events).toHaveLength(1);
  });

  it.each([null, 'not a date'])('gateway success without a usable finishedAt (%p) → paid_at = now', (finishedAt) => {
    const d = decide(order(), gw('success', { finishedAt }), NOW);

    expect(d.patch.status).toBe('paid');
    expect(d.patch.paid_at).toEqual(NOW);
  });

  it.each([
    ['fail', 'failed'],
    ['expired', 'expired'],
    ['canceled', 'canceled'],
  ] as const)('gateway %s → %s, one status event, not paid', (gatewayStatus, orderStatus) => {
    const d = decide(order(), gw(gatewayStatus, { finishedAt: FINISHED }), NOW);

    expect(d.patch.status).toBe(orderStatus);
    expect(d.patch.paid_at).toBeUndefined();
    expect(d.events).toEqual([expect.objectContaining({ type: 'order.status_changed', from_status: 'awaiting_payment', to_status: orderStatus })]);
  });

  it.each(['pending', 'unknown'] as const)('gateway %s on an awaiting_payment order changes nothing', (gatewayStatus) => {
    const d = decide(order(), gw(gatewayStatus, { rawStatus: gatewayStatus === 'unknown' ? 'processing' : 'pending' }), NOW);

    expect(d.patch).toEqual({});
    expect(d.events).toEqual([]);
    expect(d.ignored).toBeDefined();
  });

  it.each(['fail', 'expired', 'canceled', 'pending', 'unknown'] as const)('a paid order stays paid when the gateway later says %s', (gatewayStatus) => {
    const paid = order({ status: 'paid', paid_at: new Date(FINISHED), payment: paymentState(PAY) });
    const d = decide(paid, gw(gatewayStatus, { finishedAt: FINISHED, payment: PAY }), NOW);

    expect(d.patch.status).toBeUndefined();
    expect(d.patch.paid_at).toBeUndefined();
    expect(statusEvents(d.events)).toEqual([]);
    expect(applied(paid, d).status).toBe('paid');
  });

  it.each(['failed', 'expired', 'canceled'] as const)('a late success after %s → paid, marked late', (before) => {
    const d = decide(order({ status: before }), gw('success', { finishedAt: FINISHED, payment: PAY }), NOW);

    expect(d.patch.status).toBe('paid');
    expect(d.patch.paid_at).toEqual(new Date(FINISHED));
    const [e] = statusEvents(d.events);
    expect(statusEvents(d.events)).toHaveLength(1);
    expect(e).toMatchObject({ from_status: before, to_status: 'paid' });
    expect(e.data).toMatchObject({ late: true, late_after: before });
  });

  it('an on-time success is not marked late', () => {
    const d = decide(order(), gw('success', { finishedAt: FINISHED }), NOW);
    expect(statusEvents(d.events)[0].data.late).toBeUndefined();
  });

  describe('adjustment on a paid order', () => {
    const paid = order({ status: 'paid', paid_at: new Date(FINISHED), payment: paymentState(PAY) });

    it('amounts differ (gateway does not flag it) → payment updated, adjusted, one order.adjusted event', () => {
      const adj: GatewayPayment = { ...PAY, amount_fiat: '1537.50', merchant_usdt: '37.05' };
      const d = decide(paid, gw('success', { finishedAt: FINISHED, payment: adj }), NOW);

      expect(d.patch).toEqual({ payment: paymentState(adj, true), exception: 'adjusted', exception_resolved_at: null });
      expect(d.events.map((e) => e.type)).toEqual(['order.adjusted', 'order.exception']);
      expect(d.events[0]).toMatchObject({ type: 'order.adjusted', from_status: 'paid', to_status: 'paid' });
      expect(d.events[1]).toMatchObject({ from_status: 'paid', to_status: 'paid', data: { exception: 'adjusted' } });
      expect(d.events[0].data).toMatchObject({ previous: paymentState(PAY), payment: paymentState(adj, true) });
    });

    it('the gateway flags it (amounts as before) → adjusted, one order.adjusted event', () => {
      const d = decide(paid, gw('success', { finishedAt: FINISHED, payment: { ...PAY, adjusted: true } }), NOW);

      expect(d.patch).toEqual({ payment: paymentState(PAY, true, true), exception: 'adjusted', exception_resolved_at: null });
      expect(d.events).toEqual([
        expect.objectContaining({ type: 'order.adjusted', from_status: 'paid', to_status: 'paid' }),
        expect.objectContaining({ type: 'order.exception', data: expect.objectContaining({ exception: 'adjusted' }) }),
      ]);
    });

    it('the gateway flags it and the amounts differ → adjusted once', () => {
      const adj: GatewayPayment = { ...PAY, amount_fiat: '1537.50', merchant_usdt: '37.05', adjusted: true };
      const d = decide(paid, gw('success', { finishedAt: FINISHED, payment: adj }), NOW);

      expect(d.patch).toEqual({ payment: paymentState(adj, true), exception: 'adjusted', exception_resolved_at: null });
      expect(d.events.map((e) => e.type)).toEqual(['order.adjusted', 'order.exception']);
    });

    // docs/api.md section 8: every adjustment is an `order.adjusted` notification, not just the first one.
    it('a second adjustment with new amounts is another order.adjusted event', () => {
      const first: GatewayPayment = { ...PAY, amount_fiat: '1537.50', merchant_usdt: '37.05', adjusted: true };
      const second: GatewayPayment = { ...PAY, amount_fiat: '1490.00', merchant_usdt: '35.90', adjusted: true };
      const afterFirst = applied(paid, decide(paid, gw('success', { finishedAt: FINISHED, payment: first }), NOW));
      const d = decide(afterFirst, gw('success', { finishedAt: FINISHED, payment: second }), NOW);

      expect(d.patch).toEqual({ payment: paymentState(second, true), exception: 'adjusted', exception_resolved_at: null });
      expect(d.events.map((e) => e.type)).toEqual(['order.adjusted', 'order.exception']);
      expect(d.events[1].dedupe_key).not.toBe(decide(paid, gw('success', { finishedAt: FINISHED, payment: first }), NOW).events[1].dedupe_key);
    });
  });

  describe('exceptions: the figures need a person', () => {
    const coin = (amount: string) => ({ amount, unit: 'USDT_TRC20' });
    const figures = (expected: string, received: string): PaymentFigures => ({ expected: coin(expected), received: coin(received) });

    it('a success with less than asked is never paid: the order waits, exception underpaid, one order.exception event', () => {
      const d = decide(order(), gw('success', { finishedAt: FINISHED, figures: figures('36.30', '30.00') }), NOW);

      expect(d.patch.status).toBeUndefined();
      expect(d.patch.paid_at).toBeUndefined();
      expect(d.patch).toMatchObject({ exception: 'underpaid', exception_resolved_at: null });
      expect(d.events).toEqual([
        expect.objectContaining({
          type: 'order.exception',
          from_status: 'awaiting_payment',
          to_status: 'awaiting_payment',
          data: { exception: 'underpaid', gateway_status: 'success', expected: coin('36.30'), received: coin('30.00') },
        }),
      ]);
    });

    it('an expired invoice that received something: expired, and underpaid', () => {
      const d = decide(order(), gw('expired', { figures: figures('36.30', '0.01') }), NOW);

      expect(d.patch).toMatchObject({ status: 'expired', exception: 'underpaid' });
      expect(d.events.map((e) => e.type)).toEqual(['order.status_changed', 'order.exception']);
    });

    it('an expired invoice that received nothing is only expired', () => {
      const d = decide(order(), gw('expired', { figures: figures('36.30', '0') }), NOW);

      expect(d.patch.status).toBe('expired');
      expect(d.patch.exception).toBeUndefined();
    });

    it('a success with more than asked: paid, exception overpaid', () => {
      const d = decide(order(), gw('success', { finishedAt: FINISHED, figures: figures('36.30', '40.00') }), NOW);

      expect(d.patch).toMatchObject({ status: 'paid', exception: 'overpaid' });
      expect(d.events.map((e) => e.type)).toEqual(['order.status_changed', 'order.exception']);
    });

    it('exactly what was asked (36.3 = 36.30): paid, no exception', () => {
      const d = decide(order(), gw('success', { finishedAt: FINISHED, figures: figures('36.30', '36.3') }), NOW);

      expect(d.patch.status).toBe('paid');
      expect(d.patch.exception).toBeUndefined();
    });

    it.each([
      ['different units', { expected: coin('36.30'), received: { amount: '1', unit: 'BTC' } }],
      ['unreadable amounts', figures('36.30', 'lots')],
      ['no received figure', { expected: coin('36.30'), received: null }],
    ])('figures that say nothing (%s) decide nothing: paid on success', (_n, f) => {
      const d = decide(order(), gw('success', { finishedAt: FINISHED, figures: f as PaymentFigures }), NOW);

      expect(d.patch.status).toBe('paid');
      expect(d.patch.exception).toBeUndefined();
    });

    it.each(['failed', 'expired', 'canceled'] as const)('a success after %s: paid, exception paid_late', (before) => {
      const d = decide(order({ status: before }), gw('success', { finishedAt: FINISHED }), NOW);

      expect(d.patch).toMatchObject({ status: 'paid', exception: 'paid_late' });
      expect(d.events.find((e) => e.type === 'order.exception')?.data).toMatchObject({ exception: 'paid_late', late_after: before });
    });

    it('the same underpaid read again changes nothing', () => {
      const obs = gw('success', { finishedAt: FINISHED, figures: figures('36.30', '30.00') });
      const once = applied(order(), decide(order(), obs, NOW));
      const d = decide(once, obs, NOW);

      expect(d.patch).toEqual({});
      expect(d.events).toEqual([]);
    });

    it('resolve: an open exception is resolved with the note, in the timeline', () => {
      const open = order({ status: 'paid', exception: 'overpaid' });
      const d = decide(open, { kind: 'resolve_exception', note: 'refunded 3.70 USDT by hand' }, NOW);

      expect(d.patch).toEqual({ exception_resolved_at: NOW });
      expect(d.events).toEqual([
        expect.objectContaining({ type: 'order.exception_resolved', from_status: 'paid', to_status: 'paid', data: { exception: 'overpaid', note: 'refunded 3.70 USDT by hand' } }),
      ]);
    });

    it.each([
      ['no exception', order()],
      ['an exception already resolved', order({ exception: 'underpaid', exception_resolved_at: NOW })],
    ])('resolve with %s is refused', (_n, o) => {
      expect(decide(o, { kind: 'resolve_exception', note: 'x' }, NOW)).toMatchObject({ refused: 'NO_OPEN_EXCEPTION', patch: {}, events: [] });
    });

    it('a new adjustment reopens a resolved exception', () => {
      const resolved = order({ status: 'paid', paid_at: new Date(FINISHED), payment: paymentState(PAY), exception: 'adjusted', exception_resolved_at: NOW });
      const d = decide(resolved, gw('success', { finishedAt: FINISHED, payment: { ...PAY, amount_fiat: '1400.00', adjusted: true } }), NOW);

      expect(d.patch).toMatchObject({ exception: 'adjusted', exception_resolved_at: null });
    });

    it('a re-read of a resolved underpaid order does not reopen it', () => {
      const resolved = order({ exception: 'underpaid', exception_resolved_at: NOW });
      const d = decide(resolved, gw('success', { finishedAt: FINISHED, figures: figures('36.30', '30.00') }), NOW);

      expect(d.patch).toEqual({});
    });
  });

  describe('the same observation applied twice changes nothing the second time', () => {
    const cases: Array<[string, OrderState, Observation]> = [
      ['invoice_created on pending', order({ status: 'pending', gateway_invoice_id: null, payment_link: null, expires_at: null }), { kind: 'invoice_created', invoiceId: INV, paymentLink: LINK, expiresAt: EXPIRES, terms: TERMS }],
      ['gateway pending on pending', order({ status: 'pending', gateway_invoice_id: null, payment_link: null, expires_at: null }), gw('pending')],
      ['payment method chosen', order(), gw('pending', { payment: PAY })],
      ['success', order(), gw('success', { finishedAt: FINISHED, payment: PAY })],
      ['success without finishedAt', order(), gw('success', { payment: PAY })],
      ['fail', order(), gw('fail', { finishedAt: FINISHED })],
      ['expired', order(), gw('expired', { finishedAt: FINISHED })],
      ['late success', order({ status: 'failed' }), gw('success', { finishedAt: FINISHED, payment: PAY })],
      ['adjustment', order({ status: 'paid', payment: paymentState(PAY), paid_at: new Date(FINISHED) }), gw('success', { finishedAt: FINISHED, payment: { ...PAY, amount_fiat: '1537.50', adjusted: true } })],
      ['cancel', order(), { kind: 'cancel' }],
    ];

    it.each(cases)('%s', (_name, o, obs) => {
      const first = decide(o, obs, NOW);
      expect(first.events.length).toBeGreaterThan(0);
      const second = decide(applied(o, first), obs, new Date(NOW.getTime() + 60_000));

      expect(second.events).toEqual([]);
      expect(second.patch).toEqual({});
    });
  });

  it.each(['pending', 'awaiting_payment'] as const)('cancel from %s → canceled, one status event', (from) => {
    const d = decide(order({ status: from }), { kind: 'cancel' }, NOW);

    expect(d.refused).toBeUndefined();
    expect(d.patch).toEqual({ status: 'canceled' });
    expect(d.events).toEqual([expect.objectContaining({ type: 'order.status_changed', from_status: from, to_status: 'canceled' })]);
  });

  it.each(TERMINAL_STATUSES)('cancel from %s → refused ORDER_NOT_CANCELABLE, nothing written', (from) => {
    const d = decide(order({ status: from }), { kind: 'cancel' }, NOW);

    expect(d.refused).toBe('ORDER_NOT_CANCELABLE');
    expect(d.patch).toEqual({});
    expect(d.events).toEqual([]);
  });

  it.each(['success', 'fail', 'expired', 'canceled', 'pending'] as const)('gateway %s about another invoice is ignored', (status) => {
    const o = order({ payment: paymentState(PAY) });
    const d = decide(o, gw(status, { invoiceId: OTHER_INV, finishedAt: FINISHED, paymentLink: 'https://elsewhere', expiresAt: '2030-01-01T00:00:00Z', payment: { ...PAY, amount_fiat: '1.00', adjusted: true } }), NOW);

    expect(d.patch).toEqual({});
    expect(d.events).toEqual([]);
    expect(d.ignored).toContain(OTHER_INV);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: the gateway's truth is a legal history; we receive its states as stale, duplicated,
// reordered reads (callbacks and reconciles racing), then one final fresh read.

interface GatewayTruth {
  status: GatewayInvoiceStatus;
  rawStatus: string;
  payment: GatewayPayment | null;
  finishedAt: string | null;
}

const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const RATE_CENTS = 4150;

const historyOf = (maxAdjustments: number): fc.Arbitrary<GatewayTruth[]> => fc
  .record({
    pendingAs: fc.constantFrom<[GatewayInvoiceStatus, string]>(['pending', 'pending'], ['unknown', 'processing']),
    method: fc.constantFrom('visamaster.uah', 'USDT_TRC20', 'privat24.uah'),
    picksMethodFirst: fc.boolean(),
    failure: fc.option(fc.constantFrom<GatewayInvoiceStatus>('fail', 'expired', 'canceled'), { nil: null }),
    succeeds: fc.boolean(),
    // Base amount plus up to two adjustments, all distinct (an adjustment changes the amounts).
    amounts: fc.uniqueArray(fc.integer({ min: 100, max: 100_000_000 }), { minLength: 1, maxLength: 1 + maxAdjustments }),
  })
  .map(({ pendingAs, method, picksMethodFirst, failure, succeeds, amounts }) => {
    const pay = (cents: number, adjusted: boolean): GatewayPayment => ({
      method_code: method,
      amount_fiat: money(cents),
      conversion_rate: '41.50',
      merchant_usdt: money(Math.floor((cents * 100) / RATE_CENTS)),
      adjusted,
    });
    const base = pay(amounts[0], false);
    const steps: GatewayTruth[] = [{ status: pendingAs[0], rawStatus: pendingAs[1], payment: null, finishedAt: null }];
    if (picksMethodFirst) steps.push({ status: pendingAs[0], rawStatus: pendingAs[1], payment: base, finishedAt: null });
    if (failure) steps.push({ status: failure, rawStatus: failure, payment: picksMethodFirst ? base : null, finishedAt: '2026-04-26T12:05:00+00:00' });
    if (succeeds) {
      steps.push({ status: 'success', rawStatus: 'success', payment: base, finishedAt: FINISHED });
      // The gateway's is_adjusted flag is sticky once set.
      for (const cents of amounts.slice(1)) steps.push({ status: 'success', rawStatus: 'success', payment: pay(cents, true), finishedAt: FINISHED });
    }
    return steps;
  });
const historyArb = historyOf(2);

const read = (t: GatewayTruth): Observation => gw(t.status, { rawStatus: t.rawStatus, finishedAt: t.finishedAt, payment: t.payment });

/** Each step delivered 1–3 times, in any order. */
const racingOf = (histories: fc.Arbitrary<GatewayTruth[]>) => histories.chain((history) =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: history.length, maxLength: history.length })
    .chain((copies) => {
      const all = copies.flatMap((n, i) => Array.from({ length: n }, () => i));
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    })
    .map((deliveries) => ({ history, deliveries })),
);
const racingArb = racingOf(historyArb);
/**
 * Two gateway-flagged adjustments read out of order cannot be told apart: the gateway gives no
 * version of a payment. The final re-read still settles the amounts (checked above); the
 * no-duplicate-change guarantee is checked for histories with at most one adjustment.
 */
const racingOneAdjustmentArb = racingOf(historyOf(1));

/** Each step delivered 1–3 times, never older than what was delivered before (no stale reads). */
const inOrderArb = historyArb.chain((history) =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: history.length, maxLength: history.length })
    .map((copies) => ({ history, deliveries: copies.flatMap((n, i) => Array.from({ length: n }, () => i)) })),
);

const EXPECTED: Record<GatewayInvoiceStatus, OrderStatus> = {
  pending: 'awaiting_payment',
  unknown: 'awaiting_payment',
  success: 'paid',
  fail: 'failed',
  expired: 'expired',
  canceled: 'canceled',
};

interface Run {
  final: OrderState;
  /** Status after the start and after every applied observation. */
  trace: OrderStatus[];
  /** What the timeline kept (first copy of each dedupe_key). */
  timeline: EventDraft[];
  /** Events the UNIQUE(order_id, dedupe_key) constraint would have refused. */
  rejected: EventDraft[];
  leftPaid: boolean;
}

/** Fold decide over the deliveries and a final fresh read, as OrdersRepository.apply does. */
function fold(history: GatewayTruth[], deliveries: number[]): Run {
  let o = order();
  const trace: OrderStatus[] = [o.status];
  const keys = new Set<string>();
  const timeline: EventDraft[] = [];
  const rejected: EventDraft[] = [];
  let leftPaid = false;
  const observations = [...deliveries.map((i) => read(history[i])), read(history[history.length - 1])];
  for (const obs of observations) {
    const d = decide(o, obs, NOW);
    if (d.refused) continue;
    const wasPaid = o.status === 'paid';
    o = applied(o, d);
    if (wasPaid && o.status !== 'paid') leftPaid = true;
    trace.push(o.status);
    for (const e of d.events) {
      if (keys.has(e.dedupe_key)) rejected.push(e);
      else {
        keys.add(e.dedupe_key);
        timeline.push(e);
      }
    }
  }
  return { final: o, trace, timeline, rejected, leftPaid };
}

const amountsOf = (p: { amount_fiat: string | null; merchant_usdt: string | null } | null) => (p ? { amount_fiat: p.amount_fiat, merchant_usdt: p.merchant_usdt } : null);

function checkOutcome({ history, deliveries }: { history: GatewayTruth[]; deliveries: number[] }): void {
  const run = fold(history, deliveries);
  const last = history[history.length - 1];

  // (a) ends where the gateway ends
  expect(run.final.status).toBe(EXPECTED[last.status]);
  // (b) once paid, always paid
  expect(run.leftPaid).toBe(false);
  // (d) a success anywhere in the history sets paid_at (the success read carries finishedAt)
  const firstSuccess = history.find((t) => t.status === 'success');
  if (firstSuccess) expect(run.final.paid_at).toEqual(new Date(FINISHED));
  else expect(run.final.paid_at).toBeNull();
  // (e) adjusted amounts win and are flagged; an unadjusted payment is not flagged
  if (firstSuccess) {
    const differ = JSON.stringify(amountsOf(last.payment)) !== JSON.stringify(amountsOf(firstSuccess.payment));
    expect(amountsOf(run.final.payment)).toEqual(amountsOf(last.payment));
    expect(run.final.payment?.adjusted).toBe(differ);
  }
}

function checkTimeline({ history, deliveries }: { history: GatewayTruth[]; deliveries: number[] }): void {
  const run = fold(history, deliveries);
  const changes = statusEvents(run.timeline);

  // (c) one event per status change, in the order the order went through them, along TRANSITIONS
  const reached = run.trace.filter((s, i) => i === 0 || s !== run.trace[i - 1]).slice(1);
  expect(changes.map((e) => e.to_status)).toEqual(reached);
  expect(new Set(reached).size).toBe(reached.length);
  let at: OrderStatus = 'awaiting_payment';
  for (const e of changes) {
    expect(e.from_status).toBe(at);
    expect(canTransition(at, e.to_status as OrderStatus)).toBe(true);
    at = e.to_status as OrderStatus;
  }
  expect(at).toBe(run.final.status);
}

function checkNoDuplicates({ history, deliveries }: { history: GatewayTruth[]; deliveries: number[] }): void {
  const run = fold(history, deliveries);
  expect(run.rejected).toEqual([]);
}

describe(`decide: racing gateway reads (seed ${SEED}, ${RUNS} runs)`, () => {
  it('ends in the status the gateway ends in; paid stays paid; paid_at and adjusted amounts are kept', () => {
    fc.assert(fc.property(racingArb, checkOutcome));
  });

  it('records each status change exactly once, along a legal path', () => {
    fc.assert(fc.property(racingArb, checkTimeline));
  });

  it('never emits a change the timeline would refuse as a duplicate (stale, reordered reads)', () => {
    fc.assert(fc.property(racingOneAdjustmentArb, checkNoDuplicates));
  });

  it('never emits a change the timeline would refuse as a duplicate (in-order reads, duplicated)', () => {
    fc.assert(fc.property(inOrderArb, checkNoDuplicates));
  });
});

// ---------------------------------------------------------------------------------------------
// Purity and robustness for arbitrary input.

const maybeStr = fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('1500.00', '0.00', '', '2026-04-26T12:08:31Z', 'not a date')), { nil: null });
const dateArb = fc.option(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), { nil: null });
const gatewayStatusArb = fc.oneof(
  fc.constantFrom<string>('pending', 'success', 'fail', 'expired', 'canceled', 'unknown', 'constructor', '__proto__', 'toString', ''),
  fc.string({ maxLength: 10 }),
) as fc.Arbitrary<GatewayInvoiceStatus>;
const gatewayPaymentArb: fc.Arbitrary<GatewayPayment | null> = fc.option(
  fc.record({ method_code: maybeStr, amount_fiat: maybeStr, conversion_rate: maybeStr, merchant_usdt: maybeStr, adjusted: fc.boolean() }),
  { nil: null },
);
const invoiceIdArb = fc.constantFrom(INV, OTHER_INV, '');
const moneyArb = fc.record({ amount: fc.constantFrom('0', '0.00050000', '0.00100000', '0.00150000', '12.5', 'x'), unit: fc.constantFrom('BTC', 'USDT_TRC20') });
const figuresArb: fc.Arbitrary<PaymentFigures> = fc.record({ expected: fc.option(moneyArb, { nil: null }), received: fc.option(moneyArb, { nil: null }) });

const orderArb: fc.Arbitrary<OrderState> = fc.record({
  external_id: fc.constant(EXT),
  amount: fc.constant('1500.00'),
  currency: fc.constant('UAH'),
  status: fc.constantFrom(...ORDER_STATUSES),
  gateway_invoice_id: fc.option(invoiceIdArb, { nil: null }),
  payment_link: maybeStr,
  expires_at: dateArb,
  payment: fc.option(
    fc.record({ method_code: maybeStr, amount_fiat: maybeStr, conversion_rate: maybeStr, merchant_usdt: maybeStr, adjusted: fc.boolean() }),
    { nil: null },
  ),
  paid_at: dateArb,
  exception: fc.option(fc.constantFrom(...ORDER_EXCEPTIONS), { nil: null }),
  exception_resolved_at: dateArb,
});

/** Mostly the order's own terms, sometimes another invoice's (or nonsense). */
const termsArb: fc.Arbitrary<InvoiceTerms> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(TERMS) },
  {
    weight: 1,
    arbitrary: fc.record({
      external_id: fc.constantFrom(EXT, 'order-2026-0002', ''),
      amount: fc.constantFrom('1500.00', '1500.0', '1500', '1.00', '1500.01', 'NaN', 'abc', ''),
      currency: fc.constantFrom('UAH', 'uah', 'USD', ''),
    }),
  },
);

const observationArb: fc.Arbitrary<Observation> = fc.oneof(
  fc.record({ kind: fc.constant('invoice_created' as const), invoiceId: invoiceIdArb, paymentLink: maybeStr, expiresAt: maybeStr, terms: termsArb }),
  fc.record({
    kind: fc.constant('gateway_state' as const),
    status: gatewayStatusArb,
    rawStatus: fc.string({ maxLength: 10 }),
    invoiceId: invoiceIdArb,
    paymentLink: maybeStr,
    expiresAt: maybeStr,
    finishedAt: maybeStr,
    payment: gatewayPaymentArb,
    figures: fc.option(figuresArb, { nil: null }),
    terms: termsArb,
  }),
  fc.constant({ kind: 'cancel' as const }),
  fc.record({ kind: fc.constant('resolve_exception' as const), note: fc.string({ maxLength: 20 }) }),
);

describe(`decide: pure and total (seed ${SEED}, ${RUNS} runs)`, () => {
  it('is deterministic, does not mutate its input and never throws', () => {
    fc.assert(
      fc.property(orderArb, observationArb, fc.date({ noInvalidDate: true }), (o, obs, now) => {
        const before = structuredClone({ o, obs, now });
        const a = decide(o, obs, now);
        const b = decide(o, obs, now);
        expect(b).toEqual(a);
        expect({ o, obs, now }).toEqual(before);
      }),
    );
  });

  it('only ever proposes legal transitions, and never moves a paid order', () => {
    fc.assert(
      fc.property(orderArb, observationArb, (o, obs) => {
        const d = decide(o, obs, NOW);
        if (d.patch.status !== undefined) {
          expect(canTransition(o.status, d.patch.status)).toBe(true);
          expect(o.status).not.toBe('paid');
        }
        let at = o.status;
        for (const e of statusEvents(d.events)) {
          expect(e.from_status).toBe(at);
          expect(canTransition(at, e.to_status as OrderStatus)).toBe(true);
          at = e.to_status as OrderStatus;
        }
        expect(at).toBe(d.patch.status ?? o.status);
        if (d.refused) expect(d.patch).toEqual({});
      }),
    );
  });

  it('never pays an order on figures that show less arrived than was asked', () => {
    fc.assert(
      fc.property(orderArb, observationArb, (o, obs) => {
        const d = decide(o, obs, NOW);
        if (obs.kind !== 'gateway_state' || !obs.figures?.expected || !obs.figures.received) return;
        if (obs.figures.expected.unit !== obs.figures.received.unit) return;
        const { expected, received } = obs.figures;
        if (expected.amount === 'x' || received.amount === 'x') return;
        const short = new Decimal(expected.amount).gt(0) && new Decimal(received.amount).lt(expected.amount);
        if (short) expect(d.patch.status).not.toBe('paid');
      }),
    );
  });

  it("never lets an invoice whose terms are not the order's change anything but the timeline's rejection", () => {
    fc.assert(
      fc.property(orderArb, observationArb, (o, obs) => {
        const d = decide(o, obs, NOW);
        if (obs.kind === 'cancel' || obs.kind === 'resolve_exception' || termsMismatch(o, obs.terms).length === 0) {
          expect(d.rejected).toBeUndefined();
          return;
        }
        expect(d.patch).toEqual({});
        expect(d.events.map((e) => e.type)).toEqual(['order.invoice_rejected']);
        expect(d.rejected).toEqual({ invoiceId: obs.invoiceId, mismatch: termsMismatch(o, obs.terms) });
      }),
    );
  });
});
