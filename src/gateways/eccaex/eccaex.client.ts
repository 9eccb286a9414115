import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AxiosResponse, isAxiosError } from 'axios';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { firstHeader } from '../../common/headers';
import { sleep } from '../../common/sleep';
import { GatewayError, GatewayErrorKind } from '../gateway.errors';
import {
  EccaexCreateInvoiceRequest,
  EccaexCurrency,
  EccaexDeal,
  EccaexInvoice,
  EccaexInvoiceListResponse,
  EccaexInvoiceWebhooksResponse,
  EccaexListInvoicesQuery,
  EccaexListResponse,
  EccaexListWithdrawalsQuery,
  EccaexPaymentMethod,
  EccaexPublicCancelResponse,
  EccaexPublicPaymentMethod,
  EccaexResendWebhookResponse,
  EccaexSelectMethodRequest,
  EccaexSelectMethodResponse,
  EccaexWebhookAttempt,
  EccaexWebhookEvent,
  EccaexWithdrawal,
  EccaexWithdrawalListResponse,
} from './eccaex.types';

export const ECCAEX_GATEWAY_NAME = 'eccaex';

/** Optional tuning of the client; injectable under ECCAEX_CLIENT_OPTIONS or passed by tests. */
export interface EccaexClientOptions {
  /** First retry delay for reads; doubles per attempt (default 200 ms → 200, 400). */
  baseDelayMs?: number;
  /** Cap of any single wait (default 5000 ms). A Retry-After above it is not waited for. */
  maxDelayMs?: number;
  /** Total attempts for reads, first one included (default 3). Writes are never retried. */
  maxAttempts?: number;
  /** Largest response body accepted (default 10 MiB). */
  maxResponseBytes?: number;
}

export const ECCAEX_CLIENT_OPTIONS = Symbol('ECCAEX_CLIENT_OPTIONS');

export type EccaexEndpoint =
  | 'createInvoice'
  | 'listInvoices'
  | 'getInvoice'
  | 'getInvoiceWebhooks'
  | 'resendInvoiceWebhook'
  | 'listPaymentMethods'
  | 'listCurrencies'
  | 'listWithdrawals'
  | 'getWithdrawal'
  | 'publicPaymentMethods'
  | 'publicSelectMethod'
  | 'publicCancel';

/** One HTTP attempt, for metrics. `outcome` is 'ok' or a GatewayErrorKind. */
export interface EccaexCallEvent {
  endpoint: string;
  outcome: string;
  durationMs: number;
  httpStatus?: number;
  attempt?: number;
}

const RETRYABLE: ReadonlySet<GatewayErrorKind> = new Set(['timeout', 'unavailable', 'rate_limited']);
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface CallSpec<T> {
  endpoint: EccaexEndpoint;
  method: 'GET' | 'POST';
  path: string;
  params?: Record<string, string | number | undefined>;
  body?: unknown;
  parse: (body: unknown) => T;
}

/**
 * HTTP client of the EccaEx merchant API: one method per endpoint, typed results, every failure a
 * GatewayError. Reads are retried on timeout / unavailable / rate_limited; writes never are.
 */
@Injectable()
export class EccaexClient {
  private readonly logger = new Logger('EccaexClient');
  private readonly baseUrl: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly maxResponseBytes: number;

  /** Observer for metrics: called once per HTTP attempt; exceptions it throws are ignored. */
  onCall?: (e: EccaexCallEvent) => void;

  constructor(
    private readonly http: HttpService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() @Inject(ECCAEX_CLIENT_OPTIONS) options?: EccaexClientOptions,
  ) {
    this.baseUrl = settings.eccaex.baseUrl.replace(/\/+$/, '');
    this.baseDelayMs = options?.baseDelayMs ?? 200;
    this.maxDelayMs = options?.maxDelayMs ?? 5000;
    this.maxAttempts = Math.max(1, options?.maxAttempts ?? 3);
    this.maxResponseBytes = options?.maxResponseBytes ?? 10 * 1024 * 1024;
  }

  // ----------------------------------------------------------------------- merchant endpoints

  /** POST /create-invoice. Never retried; on an unclear failure look the invoice up by external id. */
  async createInvoice(body: EccaexCreateInvoiceRequest): Promise<EccaexInvoice> {
    return this.call({
      endpoint: 'createInvoice',
      method: 'POST',
      path: '/create-invoice',
      body,
      parse: (b) => parseInvoice(unwrapObject(b), 'invoice'),
    });
  }

  /** GET /invoices (paginated). */
  async listInvoices(query: EccaexListInvoicesQuery = {}): Promise<EccaexInvoiceListResponse> {
    return this.call({
      endpoint: 'listInvoices',
      method: 'GET',
      path: '/invoices',
      params: { page: query.page, per_page: query.per_page, status: query.status, currency: query.currency, order: query.order },
      parse: (b) => parseList(b, parseInvoice),
    });
  }

  /** GET /invoices/{ref}; ref = EccaEx invoice id or our external id. 404 → GatewayError not_found. */
  async getInvoice(ref: string): Promise<EccaexInvoice> {
    return this.call({
      endpoint: 'getInvoice',
      method: 'GET',
      path: `/invoices/${this.seg('getInvoice', ref)}`,
      parse: (b) => parseInvoice(unwrapObject(b), 'invoice'),
    });
  }

  /** GET /invoices/{ref}/webhooks — webhook delivery history. */
  async getInvoiceWebhooks(ref: string): Promise<EccaexInvoiceWebhooksResponse> {
    return this.call({
      endpoint: 'getInvoiceWebhooks',
      method: 'GET',
      path: `/invoices/${this.seg('getInvoiceWebhooks', ref)}/webhooks`,
      parse: parseWebhookHistory,
    });
  }

  /** POST /invoices/{ref}/webhooks/resend. 409 → conflict (locked), 429 → rate_limited (cooldown). */
  async resendInvoiceWebhook(ref: string): Promise<EccaexResendWebhookResponse> {
    return this.call({
      endpoint: 'resendInvoiceWebhook',
      method: 'POST',
      path: `/invoices/${this.seg('resendInvoiceWebhook', ref)}/webhooks/resend`,
      parse: parseResend,
    });
  }

  /** GET /payment-methods[?currency=]. */
  async listPaymentMethods(currency?: string): Promise<EccaexPaymentMethod[]> {
    return this.call({
      endpoint: 'listPaymentMethods',
      method: 'GET',
      path: '/payment-methods',
      params: { currency: currency || undefined },
      parse: (b) => parseDataArray(b, parsePaymentMethod),
    });
  }

  /** GET /currencies. */
  async listCurrencies(): Promise<EccaexCurrency[]> {
    return this.call({
      endpoint: 'listCurrencies',
      method: 'GET',
      path: '/currencies',
      parse: (b) => parseDataArray(b, parseCurrency),
    });
  }

  /** GET /withdrawals (paginated). */
  async listWithdrawals(query: EccaexListWithdrawalsQuery = {}): Promise<EccaexWithdrawalListResponse> {
    return this.call({
      endpoint: 'listWithdrawals',
      method: 'GET',
      path: '/withdrawals',
      params: { page: query.page, per_page: query.per_page, status: query.status, order: query.order },
      parse: (b) => parseList(b, parseWithdrawal),
    });
  }

  /** GET /withdrawals/{uuid}. */
  async getWithdrawal(uuid: string): Promise<EccaexWithdrawal> {
    return this.call({
      endpoint: 'getWithdrawal',
      method: 'GET',
      path: `/withdrawals/${this.seg('getWithdrawal', uuid)}`,
      parse: (b) => parseWithdrawal(unwrapObject(b), 'withdrawal'),
    });
  }

  // ------------------------------------------------------ customer-side public endpoints

  /** GET /public/invoice/{orderId}/payment-methods (response shape [UNKNOWN], parsed leniently). */
  async publicPaymentMethods(orderId: string): Promise<EccaexPublicPaymentMethod[]> {
    return this.call({
      endpoint: 'publicPaymentMethods',
      method: 'GET',
      path: `/public/invoice/${this.seg('publicPaymentMethods', orderId)}/payment-methods`,
      parse: parsePublicMethods,
    });
  }

  /** POST /public/invoice/{orderId}/select-method — creates the deal. Never retried. */
  async publicSelectMethod(orderId: string, body: EccaexSelectMethodRequest): Promise<EccaexSelectMethodResponse> {
    return this.call({
      endpoint: 'publicSelectMethod',
      method: 'POST',
      path: `/public/invoice/${this.seg('publicSelectMethod', orderId)}/select-method`,
      body: { method_code: body.method_code },
      parse: (b) => unwrapObject(b) as EccaexSelectMethodResponse,
    });
  }

  /** POST /public/invoice/{orderId}/cancel. Never retried. An empty 2xx body is accepted. */
  async publicCancel(orderId: string): Promise<EccaexPublicCancelResponse> {
    return this.call({
      endpoint: 'publicCancel',
      method: 'POST',
      path: `/public/invoice/${this.seg('publicCancel', orderId)}/cancel`,
      parse: (b) => (b === undefined ? {} : (unwrapObject(b) as EccaexPublicCancelResponse)),
    });
  }

  // ------------------------------------------------------------------------------ plumbing

  /** Encodes one path segment; refuses values that would change the path ('', '.', '..'). */
  private seg(endpoint: EccaexEndpoint, value: string): string {
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw new GatewayError('rejected', `EccaEx ${endpoint}: invalid path parameter ${JSON.stringify(value)} (request not sent)`, {
        gateway: ECCAEX_GATEWAY_NAME,
        endpoint,
      });
    }
    return encodeURIComponent(value);
  }

  private async call<T>(spec: CallSpec<T>): Promise<T> {
    const attempts = spec.method === 'GET' ? this.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(spec, attempt, attempts);
      } catch (err) {
        if (!(err instanceof GatewayError) || attempt >= attempts || !RETRYABLE.has(err.kind)) throw err;
        const delay = this.retryDelay(attempt, err.info.retryAfterSec);
        if (delay === null) {
          this.logger.warn(
            `EccaEx ${spec.endpoint}: not retrying, gateway asks to wait ${err.info.retryAfterSec} s (> ${this.maxDelayMs} ms cap)`,
          );
          throw err;
        }
        this.logger.warn(`EccaEx ${spec.endpoint}: ${err.kind}, retry ${attempt + 1}/${attempts} in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  /** Exponential backoff honouring Retry-After; null when the gateway asks for more than the cap. */
  private retryDelay(attempt: number, retryAfterSec: number | undefined): number | null {
    const backoff = Math.min(this.baseDelayMs * 2 ** (attempt - 1), this.maxDelayMs);
    if (retryAfterSec === undefined) return backoff;
    const asked = retryAfterSec * 1000;
    if (asked > this.maxDelayMs) return null;
    return Math.max(backoff, asked);
  }

  private async attempt<T>(spec: CallSpec<T>, attempt: number, attempts: number): Promise<T> {
    const timeoutMs = this.settings.eccaex.timeoutMs;
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Api-Key': this.settings.eccaex.apiKey };
    let data: string | undefined;
    if (spec.method === 'POST') {
      headers['Content-Type'] = 'application/json';
      // Bodiless POSTs send `{}`: the docs require Content-Type on POST, and some servers refuse
      // an empty body declared as JSON.
      data = JSON.stringify(spec.body ?? {});
    }
    const params = compactParams(spec.params);
    // Hard deadline for the whole exchange (axios' own timeout is a socket-idle timer).
    const controller = new AbortController();
    let deadlineHit = false;
    const deadline = setTimeout(() => {
      deadlineHit = true;
      controller.abort();
    }, timeoutMs);
    const started = performance.now();
    let res: AxiosResponse<string> | undefined;
    let failure: GatewayError | undefined;
    try {
      // HttpService's axios instance directly: its Observable wrapper adds a CancelToken (and a
      // CanceledError built on every completed call) for nothing here; the deadline is our signal.
      res = await this.http.axiosRef.request<string>({
        method: spec.method,
        url: this.baseUrl + spec.path,
        params,
        data,
        headers,
        timeout: timeoutMs,
        signal: controller.signal,
        responseType: 'text',
        transformResponse: [(raw: unknown) => raw],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: this.maxResponseBytes,
        maxBodyLength: this.maxResponseBytes,
      });
    } catch (err) {
      failure = this.transportError(spec.endpoint, err, deadlineHit);
    } finally {
      clearTimeout(deadline);
    }
    const durationMs = Math.round(performance.now() - started);

    let result: T | undefined;
    let requestId: string | undefined;
    if (res) {
      const body = typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data);
      const parsed = parseJson(body);
      requestId = (isObj(parsed.value) && str(parsed.value.request_id)) || headerValue(res, 'x-request-id');
      if (res.status >= 200 && res.status < 300) {
        try {
          result = this.success(spec, res.status, parsed, requestId);
        } catch (err) {
          failure = err as GatewayError;
        }
      } else {
        failure = this.httpError(spec.endpoint, res, parsed.value, requestId);
      }
    }

    const status = res?.status;
    const outcome = failure ? failure.kind : 'ok';
    const line =
      `EccaEx ${spec.endpoint} ${spec.method} ${spec.path} -> ${status ?? '-'} ${outcome} in ${durationMs} ms` +
      (attempts > 1 ? ` (attempt ${attempt}/${attempts})` : '') +
      (requestId ? ` request_id=${requestId}` : '') +
      (failure?.info.code ? ` code=${failure.info.code}` : '') +
      (failure && !status ? ` (${failure.message})` : '');
    // Structured too, so log search can follow one gateway request (its request_id) end to end.
    const entry = {
      msg: line,
      gateway: ECCAEX_GATEWAY_NAME,
      gateway_endpoint: spec.endpoint,
      gateway_status: status ?? null,
      gateway_outcome: outcome,
      gateway_request_id: requestId ?? null,
      duration_ms: durationMs,
    };
    if (failure) this.logger.warn(entry);
    else this.logger.log(entry);
    if (this.onCall) {
      try {
        this.onCall({ endpoint: spec.endpoint, outcome, durationMs, httpStatus: status, attempt });
      } catch {
        // metrics must never break a payment call
      }
    }
    if (failure) throw failure;
    return result as T;
  }

  private success<T>(spec: CallSpec<T>, status: number, parsed: ParsedJson, requestId: string | undefined): T {
    const info = { gateway: ECCAEX_GATEWAY_NAME, endpoint: spec.endpoint, httpStatus: status, requestId };
    if (!parsed.ok) {
      throw new GatewayError('rejected', `EccaEx ${spec.endpoint}: HTTP ${status} response is not valid JSON`, info);
    }
    const body = parsed.value;
    if (isObj(body) && body.successful === false) {
      const env = readErrorEnvelope(body);
      throw new GatewayError(
        'rejected',
        `EccaEx ${spec.endpoint}: HTTP ${status} with successful=false${env.code ? ` ${env.code}` : ''}${env.message ? `: ${env.message}` : ''}`,
        { ...info, code: env.code, details: env.details, retryAfterSec: env.retryAfterSec },
      );
    }
    try {
      return spec.parse(body);
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      throw new GatewayError('rejected', `EccaEx ${spec.endpoint}: HTTP ${status} response has an unexpected shape: ${err.message}`, info);
    }
  }

  private httpError(endpoint: EccaexEndpoint, res: AxiosResponse<string>, body: unknown, requestId: string | undefined): GatewayError {
    const status = res.status;
    const env = isObj(body) ? readErrorEnvelope(body) : {};
    const kind = kindForStatus(status);
    const retryAfterSec = env.retryAfterSec ?? parseRetryAfter(headerValue(res, 'retry-after'));
    const message =
      `EccaEx ${endpoint} failed: HTTP ${status}` +
      (env.code ? ` ${env.code}` : '') +
      (env.message ? `: ${env.message}` : '');
    return new GatewayError(kind, message, {
      gateway: ECCAEX_GATEWAY_NAME,
      endpoint,
      httpStatus: status,
      code: env.code,
      requestId,
      retryAfterSec,
      details: env.details,
    });
  }

  /** No HTTP answer: timeout, or the connection failed/broke (outcome unclear either way). */
  private transportError(endpoint: EccaexEndpoint, err: unknown, deadlineHit: boolean): GatewayError {
    const info = { gateway: ECCAEX_GATEWAY_NAME, endpoint };
    const code = isAxiosError(err) ? err.code : (err as { code?: unknown } | null)?.code;
    const causeCode = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
    const timeoutMs = this.settings.eccaex.timeoutMs;
    if (deadlineHit || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new GatewayError('timeout', `EccaEx ${endpoint}: no answer within ${timeoutMs} ms`, info);
    }
    const reason = typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : 'network error';
    const known = CONNECTION_ERRORS.has(reason) ? '' : ' (unclassified transport error)';
    // Only the error code is reported: axios errors carry the request config (headers, API key).
    return new GatewayError('unavailable', `EccaEx ${endpoint}: connection failed: ${reason}${known}`, info);
  }
}

// ------------------------------------------------------------------------------- helpers

function compactParams(params?: Record<string, string | number | undefined>): Record<string, string | number> | undefined {
  if (!params) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

function headerValue(res: AxiosResponse, name: string): string | undefined {
  return firstHeader((res.headers as Record<string, unknown> | undefined)?.[name]) || undefined;
}

/** Maps a non-2xx HTTP status to the port's error kind. */
export function kindForStatus(status: number): GatewayErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 409) return 'conflict';
  if (status === 404) return 'not_found';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

interface ErrorInfo {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  retryAfterSec?: number;
}

/** Reads `{successful:false, request_id, error:{code, message, details|meta}}`. */
function readErrorEnvelope(body: Record<string, unknown>): ErrorInfo {
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

function truncate(s: string | undefined, max = 300): string | undefined {
  return s !== undefined && s.length > max ? `${s.slice(0, max)}…` : s;
}

interface ParsedJson {
  ok: boolean;
  value: unknown;
}

function parseJson(body: string): ParsedJson {
  if (body.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, value: undefined };
  }
}

// --------------------------------------------------------------------------- shape parsing

/** Thrown by the parsers below; becomes GatewayError('rejected'). */
export class ShapeError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new ShapeError(`${where} must be an object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'an empty body';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function reqStr(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v === 'string' && v !== '') return v;
  throw new ShapeError(`${where}.${key} must be a non-empty string, got ${describe(v)}`);
}

/** Money must be a decimal string. */
function reqMoney(o: Obj, key: string, where: string): string {
  const v = moneyOrUndefined(o[key], `${where}.${key}`);
  if (typeof v === 'string') return v;
  throw new ShapeError(`${where}.${key} must be a decimal string, got ${describe(o[key])}`);
}

/**
 * A JSON number in a money field has already been through a float (JSON.parse), so its exact
 * value is lost: the whole answer is refused (an error that moves nothing), never read back.
 */
function moneyOrUndefined(v: unknown, where: string): string | undefined {
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return v.trim();
  if (typeof v === 'number') throw new ShapeError(`${where} is a JSON number; money must be a decimal string (a number cannot be read exactly)`);
  return undefined;
}

function optMoney(o: Obj, key: string, where: string): string | null | undefined {
  const v = o[key];
  if (v === null) return null;
  return moneyOrUndefined(v, `${where}.${key}`);
}

function optStr(o: Obj, key: string): string | null | undefined {
  const v = o[key];
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function optNum(o: Obj, key: string): number | null | undefined {
  const v = o[key];
  if (v === null) return null;
  return num(v);
}

function optBool(o: Obj, key: string): boolean | null | undefined {
  const v = o[key];
  if (v === null) return null;
  return typeof v === 'boolean' ? v : undefined;
}

function reqInt(o: Obj, key: string, where: string): number {
  const v = num(o[key]);
  if (v !== undefined && Number.isInteger(v)) return v;
  throw new ShapeError(`${where}.${key} must be an integer, got ${describe(o[key])}`);
}

/** Drops keys whose value is undefined (keeps nulls). */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** `{data: {...}}` → the inner object; a bare object is returned as is. */
function unwrapObject(body: unknown): Obj {
  const b = obj(body, 'response');
  return isObj(b.data) ? b.data : b;
}

function parseDataArray<T>(body: unknown, item: (v: unknown, where: string) => T): T[] {
  const b = Array.isArray(body) ? { data: body } : obj(body, 'response');
  if (!Array.isArray(b.data)) throw new ShapeError(`response.data must be an array, got ${describe(b.data)}`);
  return b.data.map((v, i) => item(v, `data[${i}]`));
}

function parseList<T>(body: unknown, item: (v: unknown, where: string) => T): EccaexListResponse<T> {
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

function parseDeal(v: unknown, where: string): EccaexDeal {
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

function parseWebhookHistory(body: unknown): EccaexInvoiceWebhooksResponse {
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
function unwrapHistory(b: Obj): Obj {
  return !Array.isArray(b.events) && isObj(b.data) && Array.isArray(b.data.events) ? b.data : b;
}

function parseWebhookEvent(v: unknown, where: string): EccaexWebhookEvent {
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

function parseWebhookAttempt(v: unknown, where: string): EccaexWebhookAttempt {
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

function parseResend(body: unknown): EccaexResendWebhookResponse {
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

function parsePaymentMethod(v: unknown, where: string): EccaexPaymentMethod {
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

function parseCurrency(v: unknown, where: string): EccaexCurrency {
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

function parseWithdrawal(v: unknown, where: string): EccaexWithdrawal {
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
function parsePublicMethods(body: unknown): EccaexPublicPaymentMethod[] {
  const candidates: unknown[] = [body];
  if (isObj(body)) {
    candidates.push(body.data, body.payment_methods, body.methods);
    if (isObj(body.data)) candidates.push(body.data.payment_methods, body.data.methods);
  }
  const list = candidates.find(Array.isArray);
  if (!list) throw new ShapeError(`expected a list of payment methods, got ${describe(body)}`);
  return list.map((m, i) => parsePaymentMethod(m, `methods[${i}]`) as EccaexPublicPaymentMethod);
}
