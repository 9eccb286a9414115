import { Logger } from '@nestjs/common';
import { GatewayError, GatewayErrorKind } from '../gateway.errors';
import { kindForStatus, parseRetryAfter } from '../http/http-errors';
import { CsShapeError } from './cryptosteroid.mapping';

/**
 * The HTTP machinery of the CryptoSteroid client, on Node's fetch: a hard deadline per attempt,
 * reads (GET) retried on timeout / unavailable / rate_limited with a short backoff, writes never;
 * every failure a typed GatewayError; one log line per attempt that never carries a body, a key
 * or a secret. The shape of `call` and `seg` is the shared gateway HTTP layer's, so the client can
 * move onto it by swapping this class.
 */

export type CsHttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface CsCall<T> {
  endpoint: string;
  method: CsHttpMethod;
  path: string;
  body?: unknown;
  /** Reads a 2xx body; a CsShapeError is an answer we cannot read: an error that moves nothing. */
  parse: (body: unknown) => T;
  /** Strings never to appear in an error or a log line (the per-order secret). */
  redact?: readonly string[];
}

export interface CsHttpProfile {
  baseUrl: string;
  apiKey: () => string;
  timeoutMs: () => number;
}

export interface CsHttpOptions {
  /** Total attempts of a read, the first included (default 3). */
  maxAttempts?: number;
  /** First retry delay (default 200 ms, doubling, capped at maxDelayMs). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Largest response body read (default 1 MiB; an Invoice object is a few hundred bytes). */
  maxResponseBytes?: number;
}

/** One HTTP attempt, for metrics. `outcome` is 'ok' or a GatewayErrorKind. */
export interface CsCallEvent {
  endpoint: string;
  outcome: string;
  durationMs: number;
  httpStatus?: number;
  attempt?: number;
}

export const CS_GATEWAY = 'cryptosteroid';
const LABEL = 'CryptoSteroid';
const RETRYABLE: ReadonlySet<GatewayErrorKind> = new Set(['timeout', 'unavailable', 'rate_limited']);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The provider's error format is UNKNOWN: a code and a message where a common envelope has them, for the error text only. */
function errorInfo(body: unknown): { code?: string; message?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const o = body as Record<string, unknown>;
  const inner = typeof o.error === 'object' && o.error !== null && !Array.isArray(o.error) ? (o.error as Record<string, unknown>) : o;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v.slice(0, 200) : undefined);
  return { code: s(inner.code) ?? s(o.code), message: s(inner.message) ?? s(o.message) ?? s(typeof o.error === 'string' ? o.error : undefined) };
}

/** Reads at most `max` bytes of the body; more is an error (the answer is not what we asked for). */
async function readCapped(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class CsHttp {
  private readonly logger = new Logger('CryptosteroidClient');
  private readonly baseUrl: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxResponseBytes: number;

  /** Observer for metrics: once per attempt; its exceptions are ignored. */
  onCall?: (e: CsCallEvent) => void;

  constructor(
    private readonly profile: CsHttpProfile,
    options: CsHttpOptions = {},
  ) {
    this.baseUrl = profile.baseUrl.replace(/\/+$/, '');
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  }

  /** One path segment, encoded; a value that would change the path is refused before anything is sent. */
  seg(endpoint: string, value: string): string {
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw new GatewayError('rejected', `${LABEL} ${endpoint}: invalid path parameter (request not sent)`, { gateway: CS_GATEWAY, endpoint });
    }
    return encodeURIComponent(value);
  }

  async call<T>(spec: CsCall<T>): Promise<T> {
    const attempts = spec.method === 'GET' ? this.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(spec, attempt, attempts);
      } catch (err) {
        if (!(err instanceof GatewayError) || attempt >= attempts || !RETRYABLE.has(err.kind)) throw err;
        const asked = err.info.retryAfterSec;
        const backoff = Math.min(this.baseDelayMs * 2 ** (attempt - 1), this.maxDelayMs);
        if (asked !== undefined && asked * 1000 > this.maxDelayMs) throw err;
        await sleep(Math.max(backoff, (asked ?? 0) * 1000));
      }
    }
  }

  private async attempt<T>(spec: CsCall<T>, attempt: number, attempts: number): Promise<T> {
    const timeoutMs = this.profile.timeoutMs();
    const apiKey = this.profile.apiKey();
    const hidden = [apiKey, ...(spec.redact ?? [])].filter((s) => s.length >= 4);
    const scrub = (text: string) => hidden.reduce((t, s) => t.split(s).join('[redacted]'), text);
    const info = { gateway: CS_GATEWAY, endpoint: spec.endpoint };
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Api-Key': apiKey };
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    let status: number | undefined;
    let result: T | undefined;
    let failure: GatewayError | undefined;
    try {
      const res = await fetch(this.baseUrl + spec.path, { method: spec.method, headers, body, signal: controller.signal, redirect: 'manual' });
      status = res.status;
      const text = await readCapped(res, this.maxResponseBytes);
      if (text === null) {
        failure = new GatewayError(status >= 200 && status < 300 ? 'rejected' : kindForStatus(status), `${LABEL} ${spec.endpoint}: HTTP ${status} response larger than ${this.maxResponseBytes} bytes`, { ...info, httpStatus: status });
      } else {
        let parsed: unknown;
        let json = true;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = false;
        }
        if (status >= 200 && status < 300) {
          if (!json || parsed === undefined) {
            failure = new GatewayError('rejected', `${LABEL} ${spec.endpoint}: HTTP ${status} response is not JSON`, { ...info, httpStatus: status });
          } else {
            try {
              result = spec.parse(parsed);
            } catch (err) {
              if (!(err instanceof CsShapeError)) throw err;
              failure = new GatewayError('rejected', scrub(`${LABEL} ${spec.endpoint}: HTTP ${status} response has an unexpected shape: ${err.message}`), { ...info, httpStatus: status });
            }
          }
        } else {
          const e = json ? errorInfo(parsed) : {};
          const message = `${LABEL} ${spec.endpoint} failed: HTTP ${status}${e.code ? ` ${e.code}` : ''}${e.message ? `: ${e.message}` : ''}`;
          failure = new GatewayError(kindForStatus(status), scrub(message), {
            ...info,
            httpStatus: status,
            code: e.code === undefined ? undefined : scrub(e.code),
            retryAfterSec: parseRetryAfter(res.headers.get('retry-after') ?? undefined),
          });
        }
      }
    } catch (err) {
      if (controller.signal.aborted) failure = new GatewayError('timeout', `${LABEL} ${spec.endpoint}: no answer within ${timeoutMs} ms`, info);
      else {
        // Only the error code: a transport error may carry the request (headers, key).
        const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
        const code = typeof cause === 'string' ? cause : 'network error';
        failure = new GatewayError('unavailable', `${LABEL} ${spec.endpoint}: connection failed: ${code}`, { ...info, details: { transport: code } });
      }
    } finally {
      clearTimeout(deadline);
    }
    const durationMs = Math.round(performance.now() - started);
    const outcome = failure ? failure.kind : 'ok';
    const entry = {
      msg:
        `${LABEL} ${spec.endpoint} ${spec.method} -> ${status ?? '-'} ${outcome} in ${durationMs} ms` +
        (attempts > 1 ? ` (attempt ${attempt}/${attempts})` : '') +
        (failure ? ` (${failure.message})` : ''),
      gateway: CS_GATEWAY,
      gateway_endpoint: spec.endpoint,
      gateway_status: status ?? null,
      gateway_outcome: outcome,
      duration_ms: durationMs,
    };
    if (failure) this.logger.warn(entry);
    else this.logger.log(entry);
    try {
      this.onCall?.({ endpoint: spec.endpoint, outcome, durationMs, httpStatus: status, attempt });
    } catch {
      // metrics never break a payment call
    }
    if (failure) throw failure;
    return result as T;
  }
}
