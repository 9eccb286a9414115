import type { GatewayInvoice, GatewayInvoiceStatus, GatewayPayment, Money } from '../gateway.port';
import type { CsInvoiceStatus } from './cryptosteroid.types';

/**
 * CryptoSteroid → port shapes. The read-back GET and the webhook body are INFERRED to be the
 * Invoice object, so the reader is tolerant where the docs are open and strict where money is:
 * a field that is missing or null reads as null; a field of the wrong type is a CsShapeError (the
 * caller moves nothing); money is a decimal string, and a JSON number in a money field is refused
 * rather than read through a float.
 */

/** The body is not an Invoice object we can read safely. `field` is the JSON path that failed. */
export class CsShapeError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`CryptoSteroid invoice: ${field} ${problem}`);
    this.name = 'CsShapeError';
  }
}

const STATUS: Record<CsInvoiceStatus, GatewayInvoiceStatus> = {
  NEW: 'pending',
  WAITING: 'pending',
  PAID: 'success',
  EXPIRED: 'expired',
  CANCELLED: 'canceled',
};

/** Exact, case-sensitive: anything the provider did not document is `unknown` (non-terminal). */
export function csStatus(raw: string): GatewayInvoiceStatus {
  return Object.prototype.hasOwnProperty.call(STATUS, raw) ? STATUS[raw as CsInvoiceStatus] : 'unknown';
}

const FINAL = new Set<GatewayInvoiceStatus>(['success', 'expired', 'canceled']);

/** Non-negative decimal without exponent or sign, as every documented amount is a String. */
const DECIMAL = /^\d{1,30}(\.\d{1,30})?$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(o: Obj, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new CsShapeError(`${path}${key}`, `must be a string, got ${typeof v}`);
  return v;
}

function reqString(o: Obj, key: string, path: string): string {
  const v = optString(o, key, path);
  if (v === null || v.trim() === '') throw new CsShapeError(`${path}${key}`, 'is missing');
  return v;
}

function optMoney(o: Obj, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') throw new CsShapeError(`${path}${key}`, 'is a JSON number; money must be a decimal string');
  if (typeof v !== 'string' || !DECIMAL.test(v)) throw new CsShapeError(`${path}${key}`, 'must be a non-negative decimal string');
  return v;
}

function reqMoney(o: Obj, key: string, path: string): string {
  const v = optMoney(o, key, path);
  if (v === null) throw new CsShapeError(`${path}${key}`, 'is missing');
  return v;
}

function optBool(o: Obj, key: string, path: string): boolean | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw new CsShapeError(`${path}${key}`, 'must be true or false');
  return v;
}

function stringList(o: Obj, key: string, path: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new CsShapeError(`${path}${key}`, 'must be an array of strings');
  return v as string[];
}

/** Whole numbers below 1e11 are seconds (until the year 5138), above are milliseconds (after 1973). */
function epochToIso(n: number): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  const d = new Date(n < 1e11 ? n * 1000 : n);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * The format is UNKNOWN: a number (seconds or milliseconds), a string of digits, or an ISO-8601
 * string. Anything unreadable is null (these times inform, they never move money); a value of
 * another JSON type is a shape error.
 */
export function csTimestamp(o: Obj, key: string, path = ''): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return epochToIso(v);
  if (typeof v !== 'string') throw new CsShapeError(`${path}${key}`, 'must be a number or a string');
  if (/^\d{1,16}$/.test(v)) return epochToIso(Number(v));
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface CsPaidRead {
  hash: string[];
  received: string | null;
  fiat: string | null;
  finished: boolean | null;
}

export interface CsPaymentRead {
  method: string | null;
  address: string | null;
  amount: string | null;
  net: string | null;
  fee: string | null;
  paid: CsPaidRead | null;
}

/** What we read from an Invoice object: required fields are there and typed, the rest may be null. */
export interface CsInvoiceRead {
  invoiceId: string;
  merchantId: string | null;
  externalId: string | null;
  status: string;
  fiatAmount: string;
  fiatCurrency: string;
  whoPayCommission: string | null;
  invoiceUrl: string | null;
  returnUrl: string | null;
  failReturnUrl: string | null;
  createdAt: string | null;
  expiresAt: string | null;
  updatedAt: string | null;
  payment: CsPaymentRead | null;
}

function readPaid(v: unknown): CsPaidRead | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new CsShapeError('payment.paid', 'must be an object');
  const p = 'payment.paid.';
  return { hash: stringList(v, 'hash', p), received: optMoney(v, 'received', p), fiat: optMoney(v, 'fiat', p), finished: optBool(v, 'finished', p) };
}

/** Null or `{}` before a method is chosen (INFERRED); otherwise every field as far as it is given. */
function readPayment(v: unknown): CsPaymentRead | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new CsShapeError('payment', 'must be an object or null');
  if (Object.keys(v).length === 0) return null;
  const p = 'payment.';
  return {
    method: optString(v, 'method', p),
    address: optString(v, 'address', p),
    amount: optMoney(v, 'amount', p),
    net: optMoney(v, 'net', p),
    fee: optMoney(v, 'fee', p),
    paid: readPaid(v.paid),
  };
}

/** Reads an Invoice object (create / GET / PATCH answer, webhook body); throws CsShapeError. */
export function readCsInvoice(body: unknown): CsInvoiceRead {
  if (!isObj(body)) throw new CsShapeError('body', 'must be a JSON object');
  return {
    invoiceId: reqString(body, 'invoiceId', ''),
    merchantId: optString(body, 'merchantId', ''),
    externalId: optString(body, 'externalId', ''),
    status: reqString(body, 'status', ''),
    fiatAmount: reqMoney(body, 'fiatAmount', ''),
    fiatCurrency: reqString(body, 'fiatCurrency', ''),
    whoPayCommission: optString(body, 'whoPayCommission', ''),
    invoiceUrl: optString(body, 'invoiceUrl', ''),
    returnUrl: optString(body, 'returnUrl', ''),
    failReturnUrl: optString(body, 'failReturnUrl', ''),
    createdAt: csTimestamp(body, 'createdAt'),
    expiresAt: csTimestamp(body, 'expiresAt'),
    updatedAt: csTimestamp(body, 'updatedAt'),
    payment: readPayment(body.payment),
  };
}

/** CryptoSteroid's own figures inside the Order's `payment` (coin amounts in `coin`). */
export interface CsPaymentDetails {
  [key: string]: string | boolean | null | string[];
  coin: string | null;
  address: string | null;
  /** What the customer was asked to send. */
  coin_amount: string | null;
  coin_received: string | null;
  coin_fee: string | null;
  /** Credited to the merchant after the fee. */
  coin_net: string | null;
  /** Fiat equivalent of what arrived, in the invoice currency. */
  fiat_received: string | null;
  tx_hashes: string[];
  /** The provider's `paid.finished`: the payment has its confirmations. */
  payment_finished: boolean | null;
  /** `whoPayCommission`: buyer (fee on top of the price) or seller (fee off the credit). */
  commission_paid_by: string | null;
}

const inCoin = (amount: string | null, coin: string | null): Money | null => (amount !== null && coin !== null ? { amount, unit: coin } : null);

/** Neutral figures, all in the chosen coin; null before a coin is chosen. */
export function csPayment(inv: CsInvoiceRead): GatewayPayment<CsPaymentDetails> | null {
  const p = inv.payment;
  if (!p) return null;
  return {
    method_code: p.method,
    expected: inCoin(p.amount, p.method),
    received: inCoin(p.paid?.received ?? null, p.method),
    credited: inCoin(p.net, p.method),
    fee: inCoin(p.fee, p.method),
    // The provider has no notion of an amount changed after the fact.
    adjusted: false,
    details: {
      coin: p.method,
      address: p.address,
      coin_amount: p.amount,
      coin_received: p.paid?.received ?? null,
      coin_fee: p.fee,
      coin_net: p.net,
      fiat_received: p.paid?.fiat ?? null,
      tx_hashes: p.paid?.hash ?? [],
      payment_finished: p.paid?.finished ?? null,
      commission_paid_by: inv.whoPayCommission,
    },
  };
}

export function toGatewayInvoice(inv: CsInvoiceRead): GatewayInvoice {
  const status = csStatus(inv.status);
  return {
    invoiceId: inv.invoiceId,
    externalId: inv.externalId,
    status,
    rawStatus: inv.status,
    amount: inv.fiatAmount,
    currency: inv.fiatCurrency,
    paymentLink: inv.invoiceUrl,
    expiresAt: inv.expiresAt,
    // No finish time in the Invoice object: a final invoice's last change is when it became final.
    finishedAt: FINAL.has(status) ? inv.updatedAt : null,
    payment: csPayment(inv),
  };
}

/** Body → GatewayInvoice; throws CsShapeError on a shape we cannot read safely. */
export function mapCsInvoice(body: unknown): GatewayInvoice {
  return toGatewayInvoice(readCsInvoice(body));
}

export interface CsCancelRead {
  /** Documented as Boolean (INFERRED a doc error): the UUID when it is a string, else null. */
  invoiceId: string | null;
  status: string;
  failUrl: string | null;
}

/** The DELETE answer: `status` is what matters (CANCELLED); throws CsShapeError. */
export function readCsCancel(body: unknown): CsCancelRead {
  if (!isObj(body)) throw new CsShapeError('body', 'must be a JSON object');
  const id = body.invoiceId;
  return {
    invoiceId: typeof id === 'string' && id !== '' ? id : null,
    status: reqString(body, 'status', ''),
    failUrl: optString(body, 'failUrl', ''),
  };
}
