/**
 * EccaEx's wire shapes, read strictly (eccaex.types.ts says what they are): the parsers of every
 * answer and of the error envelope. Money stays a decimal string.
 */
import type { GatewayErrorInfo } from '../http/gateway-http';
import {
  compact, describe, isObj, num, obj, Obj, optBool, optMoney, optNum, optStr, parseDataArray, reqInt, reqMoney, reqStr, ShapeError, str, truncate, unwrapObject,
} from '../http/json-shape';
import {
  EccaexCurrency,
  EccaexDeal,
  EccaexInvoice,
  EccaexInvoiceWebhooksResponse,
  EccaexListResponse,
  EccaexPaymentMethod,
  EccaexPublicPaymentMethod,
  EccaexResendWebhookResponse,
  EccaexWebhookAttempt,
  EccaexWebhookEvent,
  EccaexWithdrawal,
} from './eccaex.types';

/** Reads `{successful:false, request_id, error:{code, message, details|meta}}`. */
export function readErrorEnvelope(body: Record<string, unknown>): GatewayErrorInfo {
  const error = body.error;
  if (!isObj(error)) {
    // Some stacks answer {code, message} without the `error` wrapper.
    return { code: str(body.code), message: truncate(str(body.message)) };
  }
  const details = isObj(error.details) ? error.details : undefined;
  const meta = isObj(error.meta) ? error.meta : undefined;
  const retry = num(details?.retry_after_sec) ?? num(meta?.retry_after_sec);
  return {
    code: str(error.code),
    message: truncate(str(error.message)),
    // `details ?? meta`, but an empty details object does not hide a populated meta.
    details: details && (Object.keys(details).length > 0 || !meta) ? details : meta,
    retryAfterSec: retry !== undefined && retry >= 0 ? retry : undefined,
  };
}


export function parseList<T>(body: unknown, item: (v: unknown, where: string) => T): EccaexListResponse<T> {
  const b = obj(body, 'response');
  const data = parseDataArray(b, item);
  return compact({
    successful: optBool(b, 'successful') ?? undefined,
    data,
    page: reqInt(b, 'page', 'response'),
    per_page: reqInt(b, 'per_page', 'response'),
    total: reqInt(b, 'total', 'response'),
    total_pages: reqInt(b, 'total_pages', 'response'),
  });
}

export function parseInvoice(v: unknown, where: string): EccaexInvoice {
  const o = obj(v, where);
  const invoiceId = str(o.invoice_id) ?? str(o.order_id);
  if (!invoiceId) throw new ShapeError(`${where}.invoice_id must be a non-empty string, got ${describe(o.invoice_id)}`);
  return compact({
    ...o,
    invoice_id: invoiceId,
    external_id: reqStr(o, 'external_id', where),
    amount: reqMoney(o, 'amount', where),
    currency: reqStr(o, 'currency', where),
    status: reqStr(o, 'status', where),
    customer_id: optStr(o, 'customer_id') ?? undefined,
    purpose: optStr(o, 'purpose'),
    callback_url: optStr(o, 'callback_url'),
    success_url: optStr(o, 'success_url'),
    fail_url: optStr(o, 'fail_url'),
    payment_link: optStr(o, 'payment_link'),
    created_at: optStr(o, 'created_at') ?? undefined,
    expires_at: optStr(o, 'expires_at'),
    finished_at: optStr(o, 'finished_at'),
    method_selected: optBool(o, 'method_selected') ?? undefined,
    deal: o.deal === undefined || o.deal === null ? (o.deal as null | undefined) : parseDeal(o.deal, `${where}.deal`),
    is_adjusted: optBool(o, 'is_adjusted'),
  });
}

export function parseDeal(v: unknown, where: string): EccaexDeal {
  const o = obj(v, where);
  return compact({
    ...o,
    deal_id: reqStr(o, 'deal_id', where),
    status: optStr(o, 'status') ?? undefined,
    sub_status: optStr(o, 'sub_status'),
    payment_method_code: optStr(o, 'payment_method_code') ?? undefined,
    payment_method_name: optStr(o, 'payment_method_name') ?? undefined,
    amount_fiat: optMoney(o, 'amount_fiat', where) ?? undefined,
    conversion_rate: optMoney(o, 'conversion_rate', where) ?? undefined,
    merchant_usdt: optMoney(o, 'merchant_usdt', where) ?? undefined,
    expires_at: optStr(o, 'expires_at'),
    finished_at: optStr(o, 'finished_at'),
    mark_paid_at: optStr(o, 'mark_paid_at'),
    is_adjusted: optBool(o, 'is_adjusted'),
  });
}

export function parseWebhookHistory(body: unknown): EccaexInvoiceWebhooksResponse {
  const b = unwrapHistory(obj(body, 'response'));
  if (!Array.isArray(b.events)) throw new ShapeError(`response.events must be an array, got ${describe(b.events)}`);
  const events = b.events.map((e, i) => parseWebhookEvent(e, `events[${i}]`));
  return compact({
    successful: optBool(b, 'successful') ?? undefined,
    invoice_id: reqStr(b, 'invoice_id', 'response'),
    external_id: optStr(b, 'external_id') ?? undefined,
    events_count: num(b.events_count) ?? events.length,
    events,
  });
}

/** History is documented without a `data` wrapper; accept one anyway. */
export function unwrapHistory(b: Obj): Obj {
  return !Array.isArray(b.events) && isObj(b.data) && Array.isArray(b.data.events) ? b.data : b;
}

export function parseWebhookEvent(v: unknown, where: string): EccaexWebhookEvent {
  const o = obj(v, where);
  const attempts = o.attempts === undefined || o.attempts === null ? [] : o.attempts;
  if (!Array.isArray(attempts)) throw new ShapeError(`${where}.attempts must be an array, got ${describe(attempts)}`);
  return compact({
    ...o,
    event_id: reqInt(o, 'event_id', where),
    event_type: reqStr(o, 'event_type', where),
    status: reqStr(o, 'status', where),
    callback_url: optStr(o, 'callback_url'),
    auto_attempts: optNum(o, 'auto_attempts') ?? undefined,
    manual_attempts: optNum(o, 'manual_attempts') ?? undefined,
    total_attempts: optNum(o, 'total_attempts') ?? undefined,
    next_retry_at: optStr(o, 'next_retry_at'),
    locked_at: optStr(o, 'locked_at'),
    locked_by: optStr(o, 'locked_by'),
    created_at: optStr(o, 'created_at') ?? undefined,
    updated_at: optStr(o, 'updated_at') ?? undefined,
    attempts: attempts.map((a, i) => parseWebhookAttempt(a, `${where}.attempts[${i}]`)),
  });
}

export function parseWebhookAttempt(v: unknown, where: string): EccaexWebhookAttempt {
  const o = obj(v, where);
  return compact({
    ...o,
    try_number: reqInt(o, 'try_number', where),
    trigger: reqStr(o, 'trigger', where),
    attempt_status: optStr(o, 'attempt_status') ?? undefined,
    http_status: optNum(o, 'http_status'),
    response_headers: isObj(o.response_headers) ? o.response_headers : o.response_headers === null ? null : undefined,
    response_body: optStr(o, 'response_body'),
    error_message: optStr(o, 'error_message'),
    duration_ms: optNum(o, 'duration_ms'),
    created_at: optStr(o, 'created_at') ?? undefined,
  });
}

export function parseResend(body: unknown): EccaexResendWebhookResponse {
  const b = obj(body, 'response');
  // Documented without a `data` wrapper; accept one anyway.
  const top = !isObj(b.resend) && isObj(b.data) && isObj(b.data.resend) ? b.data : b;
  const r = top.resend;
  if (!isObj(r)) throw new ShapeError(`response.resend must be an object, got ${describe(r)}`);
  if (typeof r.ok !== 'boolean') throw new ShapeError(`response.resend.ok must be a boolean, got ${describe(r.ok)}`);
  return compact({
    successful: optBool(b, 'successful') ?? undefined,
    invoice_id: reqStr(top, 'invoice_id', 'response'),
    event_id: reqInt(top, 'event_id', 'response'),
    resend: compact({
      ...r,
      ok: r.ok,
      http_status: optNum(r, 'http_status'),
      duration_ms: optNum(r, 'duration_ms'),
      attempt_id: optNum(r, 'attempt_id') ?? undefined,
    }),
  });
}

export function parsePaymentMethod(v: unknown, where: string): EccaexPaymentMethod {
  const o = obj(v, where);
  const methodCode = reqStr(o, 'method_code', where);
  const c = o.currency;
  let currency: EccaexPaymentMethod['currency'];
  if (isObj(c) && str(c.code)) {
    currency = compact({ code: str(c.code)!, name: optStr(c, 'name'), symbol: optStr(c, 'symbol') });
  } else if (typeof c === 'string' && c !== '') {
    currency = { code: c };
  } else {
    currency = c === null ? null : undefined;
  }
  return compact({
    ...o,
    name: str(o.name) ?? methodCode,
    method_code: methodCode,
    min_sum: optMoney(o, 'min_sum', where),
    max_sum: optMoney(o, 'max_sum', where),
    logo_url: optStr(o, 'logo_url'),
    payment_time: optNum(o, 'payment_time'),
    currency,
    max_commission: optMoney(o, 'max_commission', where),
    client_commission: optMoney(o, 'client_commission', where),
    merchant_commission: optMoney(o, 'merchant_commission', where),
  });
}

export function parseCurrency(v: unknown, where: string): EccaexCurrency {
  const o = obj(v, where);
  const decimal = optNum(o, 'decimal');
  return compact({
    ...o,
    currency: reqStr(o, 'currency', where),
    decimal: decimal === null ? undefined : decimal,
    symbol: optStr(o, 'symbol'),
    name: optStr(o, 'name'),
    rate: optMoney(o, 'rate', where),
  });
}

export function parseWithdrawal(v: unknown, where: string): EccaexWithdrawal {
  const o = obj(v, where);
  return compact({
    ...o,
    withdraw_uuid: reqStr(o, 'withdraw_uuid', where),
    status: reqStr(o, 'status', where),
    amount: reqMoney(o, 'amount', where),
    withdrawal_method_id: optNum(o, 'withdrawal_method_id') ?? undefined,
    address: optStr(o, 'address') ?? undefined,
    address_memo: optStr(o, 'address_memo'),
    network_fee: optMoney(o, 'network_fee', where) ?? undefined,
    amount_to_receive: optMoney(o, 'amount_to_receive', where) ?? undefined,
    substatus: optStr(o, 'substatus'),
    external_tx_id: optStr(o, 'external_tx_id'),
    created_at: optStr(o, 'created_at') ?? undefined,
    updated_at: optStr(o, 'updated_at') ?? undefined,
    processed_at: optStr(o, 'processed_at'),
  });
}

/** Shape [UNKNOWN]: accept a bare array, `{data: [...]}`, or `{data|…: {payment_methods|methods: [...]}}`. */
export function parsePublicMethods(body: unknown): EccaexPublicPaymentMethod[] {
  const candidates: unknown[] = [body];
  if (isObj(body)) {
    candidates.push(body.data, body.payment_methods, body.methods);
    if (isObj(body.data)) candidates.push(body.data.payment_methods, body.data.methods);
  }
  const list = candidates.find(Array.isArray);
  if (!list) throw new ShapeError(`expected a list of payment methods, got ${describe(body)}`);
  return list.map((m, i) => parsePaymentMethod(m, `methods[${i}]`) as EccaexPublicPaymentMethod);
}
