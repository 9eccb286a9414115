import { Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, Dispatcher } from 'undici';
import { firstHeader } from '../../common/headers';
import { sleep } from '../../common/sleep';
import { GatewayError, GatewayErrorKind } from '../gateway.errors';
import type { GatewayCallEvent } from '../gateway.port';
import { isObj, ParsedJson, parseJson, ShapeError } from './json-shape';
import { kindForStatus, parseRetryAfter } from './http-errors';

/** Tuning of a gateway client (tests pass smaller values). */
export interface GatewayHttpOptions {
  /** First retry delay for reads; doubles per attempt (default 200 ms → 200, 400). */
  baseDelayMs?: number;
  /** Cap of any single wait (default 5000 ms). A Retry-After above it is not waited for. */
  maxDelayMs?: number;
  /** Total attempts for reads, first one included (default 3). Writes are never retried. */
  maxAttempts?: number;
  /** Largest response body accepted (default 10 MiB); reading stops at the first byte past it. */
  maxResponseBytes?: number;
}

/**
 * The keep-alive pool a client gets when it is given none: connections to the gateway stay open
 * between calls (no TCP handshake per request), at most 64 at once (more calls wait for one), and
 * an idle one is closed after 4 s, below the 5 s that Node's HTTP server (and many others) keep an
 * idle connection, so a request is not written to a socket the server is closing. A server that
 * announces its own `Keep-Alive: timeout` is believed, up to 30 s.
 */
export function gatewayAgent(): Agent {
  return new Agent({ connections: 64, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });
}

/** The User-Agent of every gateway request. */
const USER_AGENT = 'merchant-payments/1';

/** A gateway's error envelope, as read by its own client. */
export interface GatewayErrorInfo {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  retryAfterSec?: number;
}

/** What differs from one gateway's HTTP API to another's; the machinery is the same. */
export interface GatewayHttpProfile {
  /** The provider value (GatewayError.info.gateway, log field `gateway`). */
  gateway: string;
  /** How log lines and error messages name it (its brand's spelling). */
  label: string;
  baseUrl: string;
  /** The deadline of one attempt, ms (read on every call: settings may be swapped by tests). */
  timeoutMs(): number;
  /** Headers of every request (credentials, Accept). */
  headers(): Record<string, string>;
  /** The gateway's request id: from the parsed body, else the response header. */
  requestIdOf(body: unknown, header: (name: string) => string | undefined): string | undefined;
  /** Reads the error envelope of a non-2xx answer (or of a 2xx that says it failed). */
  errorOf(body: Record<string, unknown>): GatewayErrorInfo;
  /** A 2xx answer whose body says it failed (e.g. `successful: false`). */
  failedDespite2xx?(body: unknown): boolean;
}

/** One request: the endpoint's name (metrics, logs), method, path under the base URL, and how to read a 2xx body. */
export interface GatewayCall<T> {
  endpoint: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  params?: Record<string, string | number | undefined>;
  body?: unknown;
  parse: (body: unknown) => T;
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
  'ECONNABORTED',
]);
/** undici's own timers (connect, headers, body): a timeout like the deadline. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/**
 * The reason reported for an undici error that has a classic socket code: a connection the other
 * side closed (or that broke) before the answer's head is the `socket hang up` of Node's HTTP client.
 */
const CLASSIC_CODES: Record<string, string> = { UND_ERR_SOCKET: 'ECONNRESET' };
/** The reason reported when the head of the answer came but its body could not be read whole (cut off, or too large). */
const BAD_RESPONSE = 'ERR_BAD_RESPONSE';

/** The body of an answer could not be read: cut off, or larger than maxResponseBytes. Not a GatewayError yet. */
class BodyError extends Error {
  constructor(readonly reason: unknown) {
    super('the answer could not be read whole');
  }
}

/** An answer that came whole: status, headers, body text. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * The HTTP machinery every gateway client uses: undici requests on a keep-alive pool (one per
 * client), a hard deadline per attempt, reads retried on timeout / unavailable / rate_limited with
 * exponential backoff honouring Retry-After (writes never), every failure a typed GatewayError,
 * one log line per attempt and the metrics observer.
 */
export class GatewayHttp {
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher;
  /** The pool is ours (made here, not given): close() closes it. */
  private readonly ownsDispatcher: boolean;
  /** The scheme, host and port of the base URL. */
  private readonly origin: string;
  /** The path of the base URL, without its trailing slash (every call's path is appended). */
  private readonly basePath: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly maxResponseBytes: number;

  /** Observer for metrics: called once per HTTP attempt; exceptions it throws are ignored. */
  onCall?: (e: GatewayCallEvent) => void;

  /** `dispatcher`: the connection pool to use (tests may give their own); a new gatewayAgent() otherwise, owned. */
  constructor(
    dispatcher: Dispatcher | undefined,
    private readonly profile: GatewayHttpProfile,
    options?: GatewayHttpOptions,
    loggerName = `${profile.label.replace(/[^A-Za-z0-9]/g, '')}Client`,
  ) {
    this.logger = new Logger(loggerName);
    this.ownsDispatcher = dispatcher === undefined;
    this.dispatcher = dispatcher ?? gatewayAgent();
    const base = new URL(profile.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.baseDelayMs = options?.baseDelayMs ?? 200;
    this.maxDelayMs = options?.maxDelayMs ?? 5000;
    this.maxAttempts = Math.max(1, options?.maxAttempts ?? 3);
    this.maxResponseBytes = options?.maxResponseBytes ?? 10 * 1024 * 1024;
  }

  /** Closes the pool when it is ours (lets requests in flight finish); a given dispatcher is left to its owner. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close().catch(() => undefined);
  }

  /** Encodes one path segment; refuses values that would change the path ('', '.', '..'). */
  seg(endpoint: string, value: string): string {
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw new GatewayError('rejected', `${this.profile.label} ${endpoint}: invalid path parameter ${JSON.stringify(value)} (request not sent)`, {
        gateway: this.profile.gateway,
        endpoint,
      });
    }
    return encodeURIComponent(value);
  }

  async call<T>(spec: GatewayCall<T>): Promise<T> {
    const attempts = spec.method === 'GET' ? this.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(spec, attempt, attempts);
      } catch (err) {
        if (!(err instanceof GatewayError) || attempt >= attempts || !RETRYABLE.has(err.kind)) throw err;
        const delay = this.retryDelay(attempt, err.info.retryAfterSec);
        if (delay === null) {
          this.logger.warn(
            `${this.profile.label} ${spec.endpoint}: not retrying, gateway asks to wait ${err.info.retryAfterSec} s (> ${this.maxDelayMs} ms cap)`,
          );
          throw err;
        }
        this.logger.warn(`${this.profile.label} ${spec.endpoint}: ${err.kind}, retry ${attempt + 1}/${attempts} in ${delay} ms`);
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

  private async attempt<T>(spec: GatewayCall<T>, attempt: number, attempts: number): Promise<T> {
    const label = this.profile.label;
    const timeoutMs = this.profile.timeoutMs();
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'application/json', ...this.profile.headers() };
    let data: string | undefined;
    if (spec.method === 'POST' || spec.method === 'PATCH') {
      headers['Content-Type'] = 'application/json';
      // Bodiless POSTs send `{}`: the docs require Content-Type on POST, and some servers refuse
      // an empty body declared as JSON.
      data = JSON.stringify(spec.body ?? {});
    }
    // Hard deadline for the whole exchange: connecting (or waiting for a free connection of the
    // pool), the answer's head and its body.
    const controller = new AbortController();
    let deadlineHit = false;
    const deadline = setTimeout(() => {
      deadlineHit = true;
      controller.abort();
    }, timeoutMs);
    const started = performance.now();
    let res: Answer | undefined;
    let failure: GatewayError | undefined;
    try {
      res = await this.exchange(spec.method, this.basePath + spec.path + queryString(spec.params), headers, data, controller.signal);
    } catch (err) {
      failure = this.transportError(spec.endpoint, err, deadlineHit, timeoutMs);
    } finally {
      clearTimeout(deadline);
    }
    const durationMs = Math.round(performance.now() - started);

    let result: T | undefined;
    let requestId: string | undefined;
    if (res) {
      const parsed = parseJson(res.text);
      const h = res.headers;
      requestId = this.profile.requestIdOf(parsed.value, (name) => headerValue(h, name));
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
      `${label} ${spec.endpoint} ${spec.method} ${spec.path} -> ${status ?? '-'} ${outcome} in ${durationMs} ms` +
      (attempts > 1 ? ` (attempt ${attempt}/${attempts})` : '') +
      (requestId ? ` request_id=${requestId}` : '') +
      (failure?.info.code ? ` code=${failure.info.code}` : '') +
      (failure && !status ? ` (${failure.message})` : '');
    // Structured too, so log search can follow one gateway request (its request_id) end to end.
    const entry = {
      msg: line,
      gateway: this.profile.gateway,
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

  private success<T>(spec: GatewayCall<T>, status: number, parsed: ParsedJson, requestId: string | undefined): T {
    const label = this.profile.label;
    const info = { gateway: this.profile.gateway, endpoint: spec.endpoint, httpStatus: status, requestId };
    if (!parsed.ok) {
      throw new GatewayError('rejected', `${label} ${spec.endpoint}: HTTP ${status} response is not valid JSON`, info);
    }
    const body = parsed.value;
    if (isObj(body) && this.profile.failedDespite2xx?.(body)) {
      const env = this.profile.errorOf(body);
      throw new GatewayError(
        'rejected',
        `${label} ${spec.endpoint}: HTTP ${status} with successful=false${env.code ? ` ${env.code}` : ''}${env.message ? `: ${env.message}` : ''}`,
        { ...info, code: env.code, details: env.details, retryAfterSec: env.retryAfterSec },
      );
    }
    try {
      return spec.parse(body);
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      throw new GatewayError('rejected', `${label} ${spec.endpoint}: HTTP ${status} response has an unexpected shape: ${err.message}`, info);
    }
  }

  private httpError(endpoint: string, res: Answer, body: unknown, requestId: string | undefined): GatewayError {
    const status = res.status;
    const env = isObj(body) ? this.profile.errorOf(body) : {};
    const kind = kindForStatus(status);
    const retryAfterSec = env.retryAfterSec ?? parseRetryAfter(headerValue(res.headers, 'retry-after'));
    const message =
      `${this.profile.label} ${endpoint} failed: HTTP ${status}` +
      (env.code ? ` ${env.code}` : '') +
      (env.message ? `: ${env.message}` : '');
    return new GatewayError(kind, message, {
      gateway: this.profile.gateway,
      endpoint,
      httpStatus: status,
      code: env.code,
      requestId,
      retryAfterSec,
      details: env.details,
    });
  }

  /**
   * One request on the pool and its whole answer. Redirects are not followed (undici's request
   * never does: the credentials stay with the gateway; a 3xx is an HTTP error). The body is always
   * read to its end or destroyed, so the connection goes back to the pool or is closed, never left
   * half-read; a failure while reading it is a BodyError.
   */
  private async exchange(method: GatewayCall<unknown>['method'], path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<Answer> {
    const res = await this.dispatcher.request({ origin: this.origin, path, method, headers, body, signal });
    try {
      return { status: res.statusCode, headers: res.headers, text: await readText(res.body, res.headers, this.maxResponseBytes) };
    } catch (err) {
      // Destroying an unread body emits an error: it is this one, already reported.
      res.body.on('error', () => undefined);
      res.body.destroy();
      throw new BodyError(err);
    }
  }

  /** No (whole) HTTP answer: timeout, or the connection failed/broke (outcome unclear either way). */
  private transportError(endpoint: string, err: unknown, deadlineHit: boolean, timeoutMs: number): GatewayError {
    const label = this.profile.label;
    const info = { gateway: this.profile.gateway, endpoint };
    const inBody = err instanceof BodyError;
    const cause = inBody ? err.reason : err;
    const code = (cause as { code?: unknown } | null)?.code;
    const causeCode = (cause as { cause?: { code?: unknown } } | null)?.cause?.code;
    if (deadlineHit || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
      return new GatewayError('timeout', `${label} ${endpoint}: no answer within ${timeoutMs} ms`, info);
    }
    const own = typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : 'network error';
    const reason = inBody ? BAD_RESPONSE : (CLASSIC_CODES[own] ?? own);
    const known = CONNECTION_ERRORS.has(reason) ? '' : ' (unclassified transport error)';
    // Only the error code is reported: an error's text may name the host, the path or the query.
    return new GatewayError('unavailable', `${label} ${endpoint}: connection failed: ${reason}${known}`, info);
  }
}

/**
 * The query string of a call (with its `?`), empty when no parameter has a value. Keys and values
 * are percent-encoded as encodeURIComponent does, but for `:`, `$` and `,` (kept as they are) and
 * the space (`+`): the form this service has always sent.
 */
function queryString(params?: Record<string, string | number | undefined>): string {
  if (!params) return '';
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') pairs.push(`${encodeQuery(k)}=${encodeQuery(String(v))}`);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function encodeQuery(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%20/g, '+');
}

/** The body as UTF-8 text (a leading BOM dropped); past `limit` bytes, reading stops and it throws. */
async function readText(body: Dispatcher.ResponseData['body'], headers: IncomingHttpHeaders, limit: number): Promise<string> {
  const declared = Number(firstHeader(headers['content-length']));
  if (declared > limit) throw new Error(`the answer declares ${declared} bytes, more than ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`the answer exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  return firstHeader(headers[name]) || undefined;
}
