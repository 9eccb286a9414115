import { decimalOf, ExactJson, isJsonObject, JsonNumber } from '../../common/json-exact';
import { isoOf } from './smartwm.methods';
import type { GatewayInvoice, GatewayInvoiceStatus, GatewayPayment, Money } from '../gateway.port';
import {
  DPAY_TIME_RE,
  DpayCreated,
  DpayCrypto,
  DpayError,
  DpayInvoiceState,
  DpayProcessed,
  DpayStatement,
  SmartwmPaymentDetails,
} from './smartwm.types';

/**
 * DPAY answers → typed shapes → port shapes. Pure. Input is a verified response body parsed with
 * common/json-exact. Tolerant where the docs are loose (unknown fields ignored, payment_id as a
 * string or a number, `payment` for `payment_id`, is_recalc as 0/1); a shape that cannot be read
 * is a WireProblem saying why, so nothing moves on it.
 */

type Obj = { [key: string]: ExactJson };

/** An answer that cannot be read, and why; the caller turns it into an error that moves nothing. */
export class WireProblem {
  constructor(readonly reason: string) {}
}

export const isProblem = (v: unknown): v is WireProblem => v instanceof WireProblem;
const problem = (reason: string) => new WireProblem(reason);

function text(o: Obj, name: string): string | null {
  const v = o[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A string, or an integer written as a JSON number (payment_id: 123). */
function idText(v: ExactJson | undefined): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (v instanceof JsonNumber && /^\d+$/.test(v.source)) return v.source;
  return null;
}

/** A non-negative decimal (JSON number or decimal string), exact; `undefined` when absent or null. */
function amount(o: Obj, name: string): string | null | undefined | WireProblem {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  const d = decimalOf(v);
  if (d === null || d.startsWith('-')) return problem(`${name} is not a non-negative decimal`);
  return d;
}

function flag(v: ExactJson | undefined): boolean | WireProblem {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  const t = v instanceof JsonNumber ? v.source : typeof v === 'string' ? v.toLowerCase() : null;
  if (t === '0' || t === 'false' || t === '') return false;
  if (t === '1' || t === 'true') return true;
  return problem('is_recalc is not a boolean');
}

/**
 * The error envelope, or null when the body is not one. `{"error":{...}}` is an error whatever
 * else it holds; an `error` string only without a `status` (a status response carries its failure
 * description in a string `error`).
 */
export function dpayErrorOf(body: ExactJson): DpayError | null {
  if (!isJsonObject(body)) return null;
  const e = body.error;
  if (isJsonObject(e)) {
    const code = e.code instanceof JsonNumber ? e.code.source : typeof e.code === 'string' ? e.code : '';
    return { code, message: typeof e.message === 'string' ? e.message : '' };
  }
  if (typeof e === 'string' && e !== '' && body.status === undefined) return { code: '', message: e };
  return null;
}

function objectOrProblem(body: ExactJson, what: string): Obj | WireProblem {
  if (!isJsonObject(body)) return problem(`the ${what} answer is not a JSON object`);
  const err = dpayErrorOf(body);
  if (err) return problem(`the ${what} answer is an error (${err.code}: ${err.message})`);
  return body;
}

export function parseCreated(body: ExactJson): DpayCreated | WireProblem {
  const o = objectOrProblem(body, 'create');
  if (isProblem(o)) return o;
  const tracking = idText(o.tracking);
  if (!tracking) return problem('tracking is missing');
  return { tracking, payment_id: idText(o.payment_id) };
}

export function parseProcessed(body: ExactJson): DpayProcessed | WireProblem {
  const o = objectOrProblem(body, 'process');
  if (isProblem(o)) return o;
  const payLink = text(o, 'pay_link');
  const payForm = text(o, 'pay_form');
  let crypto: DpayCrypto | null = null;
  if (isJsonObject(o.crypto)) {
    const address = text(o.crypto, 'address');
    if (address) {
      const count = (v: ExactJson | undefined) => idText(v);
      crypto = { address, current_confirmations: count(o.crypto.current_confirmations), success_confirmations: count(o.crypto.success_confirmations) };
    }
  }
  if (!payLink && !payForm && !crypto) return problem('neither pay_link, pay_form nor crypto.address is given');
  if (payLink && !/^https?:\/\//i.test(payLink)) return problem('pay_link is not an http(s) URL');
  return { tracking: idText(o.tracking), payment_id: idText(o.payment_id), status: text(o, 'status'), pay_link: payLink, pay_form: payForm, crypto };
}

/** One invoice state (the status answer, or a statement element). */
export function parseInvoiceState(body: ExactJson): DpayInvoiceState | WireProblem {
  const o = objectOrProblem(body, 'status');
  if (isProblem(o)) return o;
  const tracking = idText(o.tracking);
  if (!tracking) return problem('tracking is missing');
  const status = text(o, 'status');
  if (!status) return problem('status is missing');
  const currency = text(o, 'currency');
  if (!currency) return problem('currency (the method) is missing');
  const invoiced = amount(o, 'amount');
  if (isProblem(invoiced)) return invoiced;
  if (invoiced === undefined || invoiced === null) return problem('amount is missing');
  const fee = amount(o, 'fee');
  if (isProblem(fee)) return fee;
  const accrual = amount(o, 'accrual_amount');
  if (isProblem(accrual)) return accrual;
  const recalc = flag(o.is_recalc);
  if (isProblem(recalc)) return recalc;
  if (mapStatus(status, recalc).adjusted && (accrual === undefined || accrual === null)) {
    return problem(`a recalculated payment (${status}) without accrual_amount: the credited amount is unknown`);
  }
  return {
    tracking,
    payment_id: idText(o.payment_id) ?? idText(o.payment),
    currency,
    created: text(o, 'created'),
    processed: text(o, 'processed'),
    status,
    amount: invoiced,
    fee: fee ?? null,
    accrual_amount: accrual ?? null,
    accrual_currency: text(o, 'accrual_currency'),
    is_recalc: recalc,
    error: typeof o.error === 'string' && o.error !== '' ? o.error : null,
  };
}

export function parseStatement(body: ExactJson): DpayStatement | WireProblem {
  const o = objectOrProblem(body, 'statement');
  if (isProblem(o)) return o;
  if (!Array.isArray(o.list)) return problem('list is missing');
  const list: DpayInvoiceState[] = [];
  const rejected: DpayStatement['rejected'] = [];
  o.list.forEach((element, index) => {
    const state = parseInvoiceState(element);
    if (isProblem(state)) rejected.push({ index, reason: state.reason });
    else list.push(state);
  });
  return { list, rejected };
}

// ---------------------------------------------------------------- statuses

const STATUS: Record<string, GatewayInvoiceStatus> = {
  CREATED: 'pending',
  PAYIN: 'pending',
  PAYED: 'success',
  FINISHED: 'success',
  PAYED_RECALC: 'success',
  FAILED: 'fail',
  PAYIN_ERROR: 'fail',
  CANCELED: 'canceled',
};

/** PAYED_RECALC, or is_recalc on a success: a success whose credited amount was recalculated (the order gets `exception: adjusted`). */
export function mapStatus(raw: string, isRecalc: boolean): { status: GatewayInvoiceStatus; adjusted: boolean } {
  const status = Object.prototype.hasOwnProperty.call(STATUS, raw) ? STATUS[raw]! : 'unknown';
  return { status, adjusted: status === 'success' && (raw === 'PAYED_RECALC' || isRecalc) };
}

// ---------------------------------------------------------------- port shapes

/** `+03:00`, `-05:30`, `Z`: the offset DPAY timestamps are in (not documented; a setting). */
export const UTC_OFFSET_RE = /^(Z|[+-](?:0\d|1[0-4]):[0-5]\d)$/;

/** `2017-03-14 21:14:05` at `+03:00` → `2017-03-14T21:14:05+03:00`; null when not that shape. */
export function dpayTimeToIso(value: string | null, utcOffset: string): string | null {
  if (value === null || !UTC_OFFSET_RE.test(utcOffset)) return null;
  const p = DPAY_TIME_RE.exec(value);
  if (!p) return null;
  const [, y, mo, d, h, mi, s] = p.map(Number) as [number, number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // 2017-02-30 would roll over to March: not a date.
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return `${value.replace(' ', 'T')}${utcOffset === 'Z' ? 'Z' : utcOffset}`;
}

/** At least two decimals, never rounded: `5000` → `5000.00`, `5000.5` → `5000.50`, `0.123` stays. */
export function moneyText(decimal: string): string {
  const [int, frac = ''] = decimal.split('.');
  return `${int}.${frac.padEnd(2, '0')}`;
}

export interface MappingContext {
  /** The customer's payment link, kept from process (status answers carry none). */
  paymentLink: string | null;
  /** SMARTWM time-zone setting: the offset of `created` / `processed`. */
  utcOffset: string;
}

/**
 * The port's invoice: amount and currency as invoiced (the method's ISO suffix), the payment with
 * the method actually used, the credited amount = accrual_amount (never the invoiced amount) and
 * the fee; SmartWM's own figures in `details`.
 */
export function toGatewayInvoice(s: DpayInvoiceState, ctx: MappingContext): GatewayInvoice {
  const { status, adjusted } = mapStatus(s.status, s.is_recalc);
  const unit = isoOf(s.currency) ?? s.currency.toUpperCase();
  const creditUnit = s.accrual_currency ?? unit;
  const money = (amount: string | null, of: string): Money | null => (amount === null ? null : { amount: moneyText(amount), unit: of });
  const details: SmartwmPaymentDetails = {
    tracking: s.tracking,
    fee: s.fee,
    accrual_amount: s.accrual_amount,
    accrual_currency: s.accrual_currency,
    is_recalc: s.is_recalc,
  };
  const payment: GatewayPayment<SmartwmPaymentDetails> = {
    method_code: s.currency,
    expected: money(s.amount, unit),
    // What arrived is not reported: a plain success received the invoiced amount; a recalculated one is unknown.
    received: status === 'success' && !adjusted ? money(s.amount, unit) : null,
    credited: money(s.accrual_amount, creditUnit),
    fee: money(s.fee, creditUnit),
    adjusted,
    details,
  };
  const final = status !== 'pending' && status !== 'unknown';
  return {
    invoiceId: s.tracking,
    externalId: s.payment_id,
    status,
    rawStatus: s.status,
    amount: moneyText(s.amount),
    currency: unit,
    paymentLink: ctx.paymentLink,
    expiresAt: null,
    finishedAt: final ? dpayTimeToIso(s.processed, ctx.utcOffset) : null,
    payment,
  };
}
