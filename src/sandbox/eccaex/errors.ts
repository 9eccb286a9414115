import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../common/html';
import { page } from './hosted-page.html';

/**
 * An error answered in the EccaEx envelope (docs/gateways/eccaex.md, "Errors and retries"):
 *   { "successful": false, "request_id": "...", "error": { "code", "message", "details" } }
 * `meta` is added to `error` only when set (EccaEx's resend cooldown speaks of "meta").
 */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    readonly meta?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SandboxError';
  }

  /**
   * The real code of EccaEx validation errors is [UNKNOWN] (its /errors page was not recovered):
   * the sandbox answers 422 `VALIDATION_ERROR` with `details.fields` naming every bad field.
   */
  static validation(fields: Record<string, string[]>): SandboxError {
    return new SandboxError(422, 'VALIDATION_ERROR', 'The request is invalid', { fields });
  }

  /** 404 code [UNKNOWN] at EccaEx; sandbox choice. */
  static invoiceNotFound(ref: string): SandboxError {
    return new SandboxError(404, 'INVOICE_NOT_FOUND', 'Invoice not found', { invoice_ref: ref });
  }

  static notPending(status: string, extra: Record<string, unknown> = {}): SandboxError {
    return new SandboxError(409, 'INVOICE_NOT_PENDING', `The invoice is ${status}, not pending`, { status, ...extra });
  }
}

/** Thrown after a fault destroyed the connection on purpose: nothing must be sent. */
export class ConnectionDropped extends Error {
  /** `unsentAnswer`: what the handler answered before the fault dropped it (the work was done). */
  constructor(readonly unsentAnswer?: unknown) {
    super('connection dropped by a sandbox fault');
    this.name = 'ConnectionDropped';
  }
}

export interface EccaexErrorEnvelope {
  successful: false;
  request_id: string;
  error: { code: string; message: string; details: Record<string, unknown>; meta?: Record<string, unknown> };
}

const GENERIC: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'The request could not be read'],
  401: ['API_KEY_MISSING', 'Missing X-Api-Key header'],
  403: ['FORBIDDEN', 'Forbidden'],
  404: ['NOT_FOUND', 'Not found'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  413: ['PAYLOAD_TOO_LARGE', 'Request body too large'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
  422: ['VALIDATION_ERROR', 'The request is invalid'],
  429: ['RATE_LIMITED', 'Too many requests'],
  500: ['INTERNAL_ERROR', 'Internal server error'],
  502: ['BAD_GATEWAY', 'Bad gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service temporarily unavailable'],
};

export function genericError(status: number): [string, string] {
  return GENERIC[status] ?? (status >= 500 ? GENERIC[500]! : ['BAD_REQUEST', 'The request could not be processed']);
}

export function toEccaexEnvelope(
  err: unknown,
  requestId: string,
  log: Logger,
): { status: number; body: EccaexErrorEnvelope; headers: Record<string, string> } {
  if (err instanceof SandboxError) {
    const error: EccaexErrorEnvelope['error'] = { code: err.code, message: err.message, details: err.details };
    if (err.meta) error.meta = err.meta;
    return { status: err.status, body: { successful: false, request_id: requestId, error }, headers: err.headers };
  }
  let status = 500;
  if (err instanceof HttpException) status = err.getStatus();
  else if (err && typeof err === 'object' && typeof (err as { statusCode?: unknown }).statusCode === 'number') {
    status = (err as { statusCode: number }).statusCode;
  }
  if (status < 400 || status > 599) status = 500;
  if (status >= 500) {
    log.error({ msg: 'sandbox error', err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) });
  }
  const [code, message] = genericError(status);
  return { status, body: { successful: false, request_id: requestId, error: { code, message, details: {} } }, headers: {} };
}

function dropped(reply: FastifyReply, err: unknown): boolean {
  return err instanceof ConnectionDropped || reply.sent || reply.raw.destroyed || reply.raw.headersSent;
}

/** Controller-scoped: the EccaEx envelope for every error of the emulated API. */
@Catch()
export class EccaexErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('EccaexSandbox');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if (dropped(reply, exception)) return;
    const { status, body, headers } = toEccaexEnvelope(exception, String(req.id), this.log);
    void reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
  }
}

/** Controller-scoped on the hosted page: errors are shown as an HTML page. */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('EccaexSandboxPage');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if (dropped(reply, exception)) return;
    const { status, body } = toEccaexEnvelope(exception, String(req.id), this.log);
    const html = page(
      'Payment',
      `<h1>Something went wrong</h1><p role="alert">${escapeHtml(body.error.message)}</p><p class="muted">Request id: ${escapeHtml(body.request_id)}</p>`,
    );
    void reply.status(status).type('text/html; charset=utf-8').send(html);
  }
}
