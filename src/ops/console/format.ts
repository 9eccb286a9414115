/**
 * What the console shows people, as pure functions of what the API says: money with thousands
 * separators, statuses and event types in words, timestamps to the millisecond (timeline events
 * a few milliseconds apart must not look simultaneous). No DOM here: unit-tested in Node.
 */

export const ORDER_STATUSES = ['pending', 'awaiting_payment', 'paid', 'failed', 'expired', 'canceled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const FINAL_STATUSES: readonly string[] = ['paid', 'failed', 'expired', 'canceled'];

/** A gateway as GET /v1/gateways answers it (the fields the console reads). */
export interface GatewayInfo {
  provider: string;
  label: string;
}

/** The service's gateways that are on, as it last said (the console names none itself). */
let gateways: readonly GatewayInfo[] = [];
export const setGateways = (list: readonly GatewayInfo[]): void => {
  gateways = list;
};

/** The gateway filter's choices: the gateways that are on, and `current` (a filter already in the address) when it is not one of them. */
export function providerChoices(current?: string | null): string[] {
  const names = gateways.map((g) => g.provider);
  return current && !names.includes(current) ? [...names, current] : names;
}

/** A gateway's name as people write it (its label), else the provider value as it came. */
export const providerName = (p: string | null | undefined): string => (p ? (gateways.find((g) => g.provider === p)?.label ?? p) : '—');

const STATUS_NAMES: Record<string, string> = {
  pending: 'Pending',
  awaiting_payment: 'Awaiting payment',
  paid: 'Paid',
  failed: 'Failed',
  expired: 'Expired',
  canceled: 'Canceled',
  // stored callbacks and notifications
  received: 'Received',
  processed: 'Processed',
  unmatched: 'Unmatched',
  conflict: 'Conflict',
  delivering: 'Delivering',
  delivered: 'Delivered',
  dead: 'Given up',
  // withdrawals (the gateway's words; `completed` is some gateways' word for success)
  success: 'Succeeded',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

/** "awaiting_payment" → "Awaiting payment"; an unknown status is shown as it came, underscores as spaces. */
export function statusName(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '—';
  return STATUS_NAMES[s] ?? s.replace(/_/g, ' ');
}

const EXCEPTION_NAMES: Record<string, string> = {
  underpaid: 'Underpaid',
  overpaid: 'Overpaid',
  paid_late: 'Paid late',
  adjusted: 'Amount adjusted',
};
export const exceptionName = (e: string | null | undefined): string => (e ? (EXCEPTION_NAMES[e] ?? e.replace(/_/g, ' ')) : '—');

const EXCEPTION_HELP: Record<string, string> = {
  underpaid: 'Less arrived than the order asks; the order is not paid.',
  overpaid: 'More arrived than the order asks.',
  paid_late: 'The money arrived after the order had ended (failed, expired or canceled).',
  adjusted: 'The gateway changed the amounts after the payment.',
};
export const exceptionHelp = (e: string | null | undefined): string => (e ? (EXCEPTION_HELP[e] ?? '') : '');

const EVENT_NAMES: Record<string, string> = {
  'order.created': 'Order created',
  'order.status_changed': 'Status changed',
  'order.adjusted': 'Amount adjusted by the gateway',
  'order.payment_updated': 'Payment details updated',
  'order.invoice_attached': 'Gateway invoice attached',
  'order.invoice_rejected': "Invoice refused (not this order's)",
  'order.exception': 'Needs review',
  'order.exception_resolved': 'Review resolved',
};
export const eventName = (t: string): string => EVENT_NAMES[t] ?? t;

/**
 * "12345678.5" → "12,345,678.50" (at least two decimals, every decimal the API gave kept): decimal
 * strings stay strings, never floats. Anything not a plain decimal is shown as it came.
 */
export function money(amount: string | null | undefined, minDecimals = 2): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign, int, frac = ''] = m;
  const grouped = int!.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const decimals = frac.length >= minDecimals ? frac : frac.padEnd(minDecimals, '0');
  return `${sign}${grouped}${decimals ? `.${decimals}` : ''}`;
}

/** Money with its unit: "1,537.50 UAH". */
export const amountOf = (amount: string | null | undefined, unit: string | null | undefined, minDecimals = 2): string =>
  amount === null || amount === undefined || amount === '' ? '—' : `${money(amount, minDecimals)}${unit ? ` ${unit}` : ''}`;

/** Coins have their own precision: keep what the gateway gave, group the integer part. */
export const coinAmount = (amount: string | null | undefined, coin: string | null | undefined): string => amountOf(amount, coin, 0);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "2026-11-30 04:22:30.123 UTC": to the millisecond, in UTC (the service's logs are UTC too). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${whenDate(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} UTC`;
}

function whenDate(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** For tables: date and time to the second on two short lines at most ("2026-11-30", "04:22:30"). */
export function whenShort(iso: string | null | undefined): { date: string; time: string } | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return { date: whenDate(d), time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` };
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export interface ApiErrorShape {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
  requestId?: string | null;
}

/**
 * An API error as a sentence a person can act on; the code and HTTP status are shown beside it,
 * small. The gateway's own messages (which may name internal client methods) are not repeated.
 */
export function errorInWords(action: string, e: ApiErrorShape): string {
  const retry = typeof e.details.retry_after_sec === 'number' ? Math.ceil(e.details.retry_after_sec) : null;
  switch (e.code) {
    case 'WEBHOOK_RESEND_COOLDOWN':
    case 'GATEWAY_RATE_LIMITED':
      return `${action}: the gateway allows this only once in a while${retry !== null ? `; try again in ${plural(retry, 'second')}` : '; try again in a minute'}.`;
    case 'WEBHOOK_RESEND_CONFLICT':
    case 'GATEWAY_CONFLICT':
      return `${action}: the gateway is delivering that webhook right now; try again in a moment.`;
    case 'NOT_SUPPORTED':
      return `${action}: ${e.message}`;
    case 'GATEWAY_NOT_FOUND':
      return `${action}: the gateway has no such invoice.`;
    case 'GATEWAY_UNAVAILABLE':
      return `${action}: the gateway did not answer in time; nothing changed. Try again.`;
    case 'GATEWAY_ERROR':
      return `${action}: the gateway answered with an error; nothing changed.`;
    case 'NO_OPEN_EXCEPTION':
      return `${action}: this order has no open exception any more (someone resolved it).`;
    case 'ORDER_NOT_FOUND':
      return `${action}: no such order.`;
    case 'NETWORK_ERROR':
      return `${action}: the service could not be reached.`;
    case 'VALIDATION_FAILED':
      return `${action}: ${validationText(e.details) || e.message}`;
    default:
      return `${action}: ${e.message}`;
  }
}

function validationText(details: Record<string, unknown>): string {
  const fields = (details.fields ?? details) as Record<string, unknown>;
  return Object.entries(fields)
    .filter(([, v]) => Array.isArray(v))
    .map(([k, v]) => `${k} ${(v as string[]).join(', ')}`)
    .join('; ');
}

/** The order's payment as figures with names; `settled` false for orders that are not paid. */
export interface PaymentFigure {
  label: string;
  value: string;
  /** `fee` and `net` are shown apart; `gross` is what the customer paid. */
  kind?: 'gross' | 'fee' | 'net' | 'rate' | 'info';
}

type Payment = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const moneyObj = (v: unknown): { amount: string; unit: string } | null =>
  v && typeof v === 'object' && typeof (v as { amount?: unknown }).amount === 'string' ? (v as { amount: string; unit: string }) : null;

/** Keys the figures below already show (the rest is listed as the gateway gave it). */
const SHOWN = new Set([
  'method_code', 'amount_fiat', 'conversion_rate', 'merchant_usdt', 'adjusted',
  'coin', 'coin_amount', 'coin_received', 'coin_fee', 'coin_net', 'fiat_received',
  'fee', 'accrual_amount', 'accrual_currency', 'is_recalc',
  'expected', 'received', 'credited',
]);

/**
 * The payment's figures, named by their keys whichever gateway reports them: fiat paid, conversion
 * rate and USDT credited; coin amount asked and received, coin fee and net; fee and credited
 * amount. Neutral `expected`/`received`/`credited`/`fee` objects fill what a gateway lacks; keys
 * not named here are listed as the gateway gave them.
 */
export function paymentFigures(currency: string, p: Payment): { figures: PaymentFigure[]; other: Array<[string, string]> } {
  const f: PaymentFigure[] = [];
  const add = (label: string, value: string | null, kind: PaymentFigure['kind'] = 'info') => {
    if (value !== null && value !== '—') f.push({ label, value, kind });
  };
  const method = str(p.method_code) ?? str(p.coin);
  add('Method', method);
  const coin = str(p.coin);
  // What the customer paid (or was asked to pay)
  if (str(p.amount_fiat)) add('Customer pays', amountOf(str(p.amount_fiat), currency), 'gross');
  if (str(p.coin_amount)) add('Coin amount asked', coinAmount(str(p.coin_amount), coin), 'gross');
  if (str(p.coin_received)) add('Coin amount received', coinAmount(str(p.coin_received), coin), 'gross');
  if (str(p.fiat_received)) add('Received, in fiat', amountOf(str(p.fiat_received), currency), 'gross');
  const expected = moneyObj(p.expected);
  const received = moneyObj(p.received);
  if (expected && !str(p.amount_fiat) && !str(p.coin_amount)) add('Asked', amountOf(expected.amount, expected.unit, 0), 'gross');
  if (received && !str(p.coin_received)) add('Received', amountOf(received.amount, received.unit, 0), 'gross');
  // The rate is fiat per unit of what the merchant is credited in: the coin, or USDT.
  const per = coin ?? (str(p.merchant_usdt) ? 'USDT' : null);
  add('Conversion rate', str(p.conversion_rate) ? `${str(p.conversion_rate)}${per ? ` ${currency} per ${per}` : ''}` : null, 'rate');
  // Fee and net, apart
  const accrualUnit = str(p.accrual_currency) ?? currency;
  const feeObj = moneyObj(p.fee);
  if (str(p.coin_fee)) add('Fee', coinAmount(str(p.coin_fee), coin), 'fee');
  else if (str(p.fee)) add('Fee', amountOf(str(p.fee), accrualUnit), 'fee');
  else if (feeObj) add('Fee', amountOf(feeObj.amount, feeObj.unit, 0), 'fee');
  const credited = moneyObj(p.credited);
  if (str(p.merchant_usdt)) add('Credited to the merchant (net)', amountOf(str(p.merchant_usdt), 'USDT'), 'net');
  else if (str(p.coin_net)) add('Credited to the merchant (net)', coinAmount(str(p.coin_net), coin), 'net');
  else if (str(p.accrual_amount)) add('Credited to the merchant (net)', amountOf(str(p.accrual_amount), accrualUnit), 'net');
  else if (credited) add('Credited to the merchant (net)', amountOf(credited.amount, credited.unit, 0), 'net');
  if (p.adjusted === true || p.is_recalc === true) add('Adjusted', 'yes: the gateway changed the amounts afterwards');
  const other: Array<[string, string]> = Object.entries(p)
    .filter(([k, v]) => !SHOWN.has(k) && v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => [k.replace(/_/g, ' '), Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  return { figures: f, other };
}

/** Hash routes: "#/order/abc?x=1" → { path: "/order/abc", params: { x: "1" } }. */
export function parseRoute(hash: string): { path: string; params: Record<string, string> } {
  const h = hash.replace(/^#/, '') || '/orders';
  const qi = h.indexOf('?');
  const path = qi >= 0 ? h.slice(0, qi) : h;
  const params: Record<string, string> = {};
  if (qi >= 0) {
    for (const [k, v] of new URLSearchParams(h.slice(qi + 1))) params[k] = v;
  }
  return { path, params };
}

/** "?a=1&b=x" from the non-empty values; "" when none. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
