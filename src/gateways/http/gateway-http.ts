import { Logger } from '@nestjs/common';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { isAxiosError } from 'axios';
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
  /** Largest response body accepted (default 10 MiB). */
  maxResponseBytes?: number;
}

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
]);

/**
 * The HTTP machinery every gateway client uses: a hard deadline per attempt, reads retried on
 * timeout / unavailable / rate_limited with exponential backoff honouring Retry-After (writes
 * never), every failure a typed GatewayError, one log line per attempt and the metrics observer.
 */
export class GatewayHttp {
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly maxResponseBytes: number;

  /** Observer for metrics: called once per HTTP attempt; exceptions it throws are ignored. */
  onCall?: (e: GatewayCallEvent) => void;

  constructor(
    private readonly http: AxiosInstance,
    private readonly profile: GatewayHttpProfile,
    options?: GatewayHttpOptions,
    loggerName = `${profile.label.replace(/[^A-Za-z0-9]/g, '')}Client`,
  ) {
    this.logger = new Logger(loggerName);
    this.baseUrl = profile.baseUrl.replace(/\/+$/, '');
    this.baseDelayMs = options?.baseDelayMs ?? 200;
    this.maxDelayMs = options?.maxDelayMs ?? 5000;
    this.maxAttempts = Math.max(1, options?.maxAttempts ?? 3);
    this.maxResponseBytes = options?.maxResponseBytes ?? 10 * 1024 * 1024;
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
    const headers: Record<string, string> = { Accept: 'application/json', ...this.profile.headers() };
    let data: string | undefined;
    if (spec.method === 'POST' || spec.method === 'PATCH') {
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
      res = await this.http.request<string>({
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
      failure = this.transportError(spec.endpoint, err, deadlineHit, timeoutMs);
    } finally {
      clearTimeout(deadline);
    }
    const durationMs = Math.round(performance.now() - started);

    let result: T | undefined;
    let requestId: string | undefined;
    if (res) {
      const body = typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data);
      const parsed = parseJson(body);
      const r = res;
      requestId = this.profile.requestIdOf(parsed.value, (name) => headerValue(r, name));
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

  private httpError(endpoint: string, res: AxiosResponse<string>, body: unknown, requestId: string | undefined): GatewayError {
    const status = res.status;
    const env = isObj(body) ? this.profile.errorOf(body) : {};
    const kind = kindForStatus(status);
    const retryAfterSec = env.retryAfterSec ?? parseRetryAfter(headerValue(res, 'retry-after'));
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

  /** No HTTP answer: timeout, or the connection failed/broke (outcome unclear either way). */
  private transportError(endpoint: string, err: unknown, deadlineHit: boolean, timeoutMs: number): GatewayError {
    const label = this.profile.label;
    const info = { gateway: this.profile.gateway, endpoint };
    const code = isAxiosError(err) ? err.code : (err as { code?: unknown } | null)?.code;
    const causeCode = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
    if (deadlineHit || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new GatewayError('timeout', `${label} ${endpoint}: no answer within ${timeoutMs} ms`, info);
    }
    const reason = typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : 'network error';
    const known = CONNECTION_ERRORS.has(reason) ? '' : ' (unclassified transport error)';
    // Only the error code is reported: axios errors carry the request config (headers, API key).
    return new GatewayError('unavailable', `${label} ${endpoint}: connection failed: ${reason}${known}`, info);
  }
}

function compactParams(params?: Record<string, string | number | undefined>): Record<string, string | number> | undefined {
  if (!params) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

function headerValue(res: AxiosResponse, name: string): string | undefined {
  return firstHeader((res.headers as Record<string, unknown> | undefined)?.[name]) || undefined;
}
