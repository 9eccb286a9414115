import { Logger } from '@nestjs/common';
import { Dispatcher, request } from 'undici';
import { ExactJson, parseExactJson, stringifyExactJson } from '../../common/json-exact';
import { GatewayError, GatewayErrorKind } from '../gateway.errors';
import type { GatewayCallEvent } from '../gateway.port';
import { signDpay, verifyDpay } from './smartwm-signature';
import { dpayErrorOf, isProblem, parseCreated, parseInvoiceState, parseProcessed, parseStatement, WireProblem } from './smartwm.mapping';
import {
  DPAY_CLIENT_HEADER,
  DPAY_SECURE_HEADER,
  DpayCreated,
  DpayCreateRequest,
  DpayError,
  DpayInvoiceRef,
  DpayInvoiceState,
  DpayProcessed,
  DpayStatement,
  DpayStatementRequest,
} from './smartwm.types';

export const SMARTWM_GATEWAY_NAME = 'smartwm';

export type SmartwmEndpoint = 'create' | 'process' | 'status' | 'statement';

/** Where and as whom: the cash register's number and signing secret, and the deadline of one call. */
export interface SmartwmClientConfig {
  /** Without the `/api/...` path (https://acquiring_api.obmenka.ua, or the sandbox's /sandbox/smartwm). */
  baseUrl: string;
  clientId: string;
  secret: string;
  timeoutMs: number;
}

export interface SmartwmClientOptions {
  /** The connection pool (tests give one with their own DNS lookup or CA); undici's global one otherwise. */
  dispatcher?: Dispatcher;
  /** Largest answer read (default 1 MiB); a larger one is an error that moves nothing. */
  maxResponseBytes?: number;
}

/** One call, for metrics (the port's GatewayCallEvent): `outcome` is 'ok', 'invalid_signature' or a GatewayErrorKind. */
export type SmartwmCallEvent = GatewayCallEvent;

/** The bytes of one request and its headers: what is signed is exactly what is sent. */
export interface SignedRequest {
  bytes: Buffer;
  headers: Record<string, string>;
}

/** Code of the GatewayError for an answer whose DPAY_SECURE does not verify. */
export const INVALID_RESPONSE_SIGNATURE = 'INVALID_RESPONSE_SIGNATURE';
/** Code of the GatewayError for a verified answer that cannot be read. */
export const UNREADABLE_RESPONSE = 'UNREADABLE_RESPONSE';

/**
 * Serialises once and signs those bytes: `DPAY_SECURE = base64(md5(secret + base64(sha1(body)) +
 * secret))`. The caller sends `bytes` as they are; nothing re-serialises them after signing.
 */
export function signedRequest(config: Pick<SmartwmClientConfig, 'clientId' | 'secret'>, body: unknown): SignedRequest {
  const bytes = Buffer.from(stringifyExactJson(body), 'utf8');
  return {
    bytes,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      [DPAY_CLIENT_HEADER]: config.clientId,
      [DPAY_SECURE_HEADER]: signDpay(config.secret, bytes),
    },
  };
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * HTTP client of the DPAY invoice API (SmartWM acquiring). Every request is a JSON POST signed
 * over the exact bytes sent; every answer's DPAY_SECURE is verified over the exact bytes received
 * before a byte of it is parsed, and one that fails is an error (counted, logged) that moves
 * nothing. Error bodies `{"error":{"code","message"}}` are read whatever the HTTP status. One
 * attempt per call, with a deadline: nothing is retried here (create and process are not
 * idempotent; the callers read back instead).
 */
export class SmartwmClient {
  private readonly log = new Logger('SmartwmClient');
  private readonly baseUrl: string;
  private readonly maxResponseBytes: number;

  /** Observer for metrics: one call per request; what it throws is ignored. */
  onCall?: (e: SmartwmCallEvent) => void;
  /** Answers refused because their DPAY_SECURE did not verify, since start. */
  signatureFailures = 0;

  constructor(
    private readonly config: SmartwmClientConfig,
    private readonly options: SmartwmClientOptions = {},
  ) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  }

  /** POST /api/einvoice/create. "Transaction already exists" → GatewayError conflict (read the invoice instead). */
  async create(body: DpayCreateRequest): Promise<DpayCreated> {
    return this.call('create', body, parseCreated);
  }

  /** POST /api/einvoice/process: starts the debit (or answers the same while PAYIN) with pay_link / pay_form. */
  async process(ref: DpayInvoiceRef): Promise<DpayProcessed> {
    return this.call('process', ref, parseProcessed);
  }

  /** POST /api/einvoice/status. An unknown invoice → GatewayError not_found. */
  async status(ref: DpayInvoiceRef): Promise<DpayInvoiceState> {
    return this.call('status', ref, parseInvoiceState);
  }

  /** POST /api/einvoice/statement: the invoices created in the range. */
  async statement(body: DpayStatementRequest): Promise<DpayStatement> {
    return this.call('statement', body, parseStatement);
  }

  private error(kind: GatewayErrorKind, endpoint: SmartwmEndpoint, message: string, info: { httpStatus?: number; code?: string; retryAfterSec?: number } = {}): GatewayError {
    return new GatewayError(kind, `SmartWM ${endpoint}: ${message}`, { gateway: SMARTWM_GATEWAY_NAME, endpoint, ...info });
  }

  private observe(e: SmartwmCallEvent): void {
    try {
      this.onCall?.(e);
    } catch {
      // metrics never break a call
    }
  }

  private async call<T>(endpoint: SmartwmEndpoint, body: unknown, parse: (b: ExactJson) => T | WireProblem): Promise<T> {
    const started = performance.now();
    let httpStatus: number | undefined;
    try {
      const answer = await this.exchange(endpoint, body);
      httpStatus = answer.status;
      const parsed = parse(answer.body);
      if (isProblem(parsed)) throw this.error('unavailable', endpoint, `unreadable answer: ${parsed.reason}`, { httpStatus, code: UNREADABLE_RESPONSE });
      this.observe({ endpoint, outcome: 'ok', durationMs: performance.now() - started, httpStatus });
      return parsed;
    } catch (err) {
      const outcome = err instanceof GatewayError ? (err.info.code === INVALID_RESPONSE_SIGNATURE ? 'invalid_signature' : err.kind) : 'unavailable';
      this.observe({ endpoint, outcome, durationMs: performance.now() - started, httpStatus: err instanceof GatewayError ? err.info.httpStatus : httpStatus });
      throw err;
    }
  }

  /** Sends, reads, verifies; a DPAY error envelope (any HTTP status) or a non-2xx becomes a GatewayError. */
  private async exchange(endpoint: SmartwmEndpoint, body: unknown): Promise<{ status: number; body: ExactJson }> {
    const { bytes, headers } = signedRequest(this.config, body);
    const url = `${this.baseUrl}/api/einvoice/${endpoint}`;
    const deadline = AbortSignal.timeout(this.config.timeoutMs);
    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let raw: Buffer;
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body: bytes,
        signal: deadline,
        dispatcher: this.options.dispatcher,
        headersTimeout: this.config.timeoutMs,
        bodyTimeout: this.config.timeoutMs,
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      raw = await this.readBody(endpoint, res.body, status);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const e = err as Error & { code?: string; cause?: { code?: string } };
      const code = e.code ?? e.cause?.code;
      if (deadline.aborted || e.name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
        throw this.error('timeout', endpoint, `no answer within ${this.config.timeoutMs} ms`);
      }
      throw this.error('unavailable', endpoint, `request failed (${code ?? e.name})`, { code });
    }

    // Nothing of an answer is believed before its signature is: not its body, not its error, not its status.
    if (!verifyDpay(this.config.secret, raw, responseHeaders[DPAY_SECURE_HEADER.toLowerCase()])) {
      this.signatureFailures += 1;
      const given = responseHeaders[DPAY_SECURE_HEADER.toLowerCase()];
      this.log.warn(
        `SmartWM ${endpoint}: the answer's DPAY_SECURE does not verify (${given === undefined ? 'missing' : 'mismatch'}; HTTP ${status}, ${raw.length} bytes); nothing is taken from it`,
      );
      throw this.error('unavailable', endpoint, `the answer's DPAY_SECURE does not verify (HTTP ${status})`, { httpStatus: status, code: INVALID_RESPONSE_SIGNATURE });
    }

    let parsed: ExactJson;
    try {
      parsed = parseExactJson(raw);
    } catch {
      throw this.error(status >= 500 ? 'unavailable' : status >= 400 ? 'rejected' : 'unavailable', endpoint, `the answer is not JSON (HTTP ${status})`, { httpStatus: status, code: UNREADABLE_RESPONSE });
    }
    const envelope = dpayErrorOf(parsed);
    if (envelope) throw this.refusal(endpoint, status, envelope, responseHeaders);
    if (status < 200 || status > 299) throw this.error(status >= 500 ? 'unavailable' : 'rejected', endpoint, `HTTP ${status} without an error body`, { httpStatus: status });
    return { status, body: parsed };
  }

  private refusal(endpoint: SmartwmEndpoint, status: number, e: DpayError, headers: Record<string, string | string[] | undefined>): GatewayError {
    const info = { httpStatus: status, code: e.code };
    const message = `${e.message || 'error'} (code ${e.code || 'none'}, HTTP ${status})`;
    if (status === 429) {
      const retryAfter = Number(headers['retry-after']);
      return this.error('rate_limited', endpoint, message, { ...info, ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSec: retryAfter } : {}) });
    }
    if (status >= 500) return this.error('unavailable', endpoint, message, info);
    if (endpoint === 'create' && /already exists/i.test(e.message)) return this.error('conflict', endpoint, message, info);
    if (/not found/i.test(e.message)) return this.error('not_found', endpoint, message, info);
    if (e.code === '409') return this.error('conflict', endpoint, message, info);
    if (status === 401 || status === 403) return this.error('auth', endpoint, message, info);
    return this.error('rejected', endpoint, message, info);
  }

  private async readBody(endpoint: SmartwmEndpoint, body: AsyncIterable<Uint8Array> & { destroy?: () => void }, status: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxResponseBytes) {
        body.destroy?.();
        throw this.error('unavailable', endpoint, `the answer exceeds ${this.maxResponseBytes} bytes`, { httpStatus: status, code: UNREADABLE_RESPONSE });
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
}
