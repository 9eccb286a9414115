import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { envelope, ErrorEnvelope } from '../../common/api-error';
import { toEnvelope } from '../../common/http-exception.filter';
import { escapeHtml } from '../../common/html';
import { ConnectionDropped, SandboxError } from '../common/toolkit';
import { page } from './hosted-page.html';

/**
 * CryptoSteroid's error format is UNKNOWN; the emulator answers in the service's own envelope,
 * `{ "error": { "code", "message", "details" }, "request_id" }`, so framework errors (bad JSON,
 * unknown route) rendered by the host look the same. Sandbox errors are SandboxError(status, code).
 */
export function csErrorReply(err: unknown, requestId: string, log: Logger): { status: number; body: ErrorEnvelope; headers: Record<string, string> } {
  if (err instanceof SandboxError) return { status: err.status, body: envelope(err.code, err.message, err.details, requestId), headers: err.headers };
  return toEnvelope(err, requestId, log);
}

/** The status an error will be answered with (for the request record). */
export function statusOf(err: unknown): number {
  if (err instanceof SandboxError) return err.status;
  if (err instanceof HttpException) return err.getStatus();
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' && s >= 400 && s <= 599 ? s : 500;
}

export const notFound = (id: string) => new SandboxError(404, 'INVOICE_NOT_FOUND', 'Invoice not found', { invoiceId: id });

function dropped(reply: FastifyReply, err: unknown): boolean {
  return err instanceof ConnectionDropped || reply.sent || reply.raw.destroyed || reply.raw.headersSent;
}

/** The reply and the error to answer, or null when a fault already cut the connection. */
function caught(host: ArgumentsHost, exception: unknown, log: Logger) {
  const ctx = host.switchToHttp();
  const reply = ctx.getResponse<FastifyReply>();
  if (dropped(reply, exception)) return null;
  return { reply, ...csErrorReply(exception, String(ctx.getRequest<FastifyRequest>().id), log) };
}

/** Controller-scoped on the merchant API and the controls. */
@Catch()
export class CsErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('CryptosteroidSandbox');

  catch(exception: unknown, host: ArgumentsHost): void {
    const c = caught(host, exception, this.log);
    if (c) void c.reply.status(c.status).headers(c.headers).type('application/json; charset=utf-8').send(c.body);
  }
}

/** Controller-scoped on the hosted page: errors are an HTML page. */
@Catch()
export class CsHtmlErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('CryptosteroidSandboxPage');

  catch(exception: unknown, host: ArgumentsHost): void {
    const c = caught(host, exception, this.log);
    if (!c) return;
    const html = page('Payment', `<h1>Something went wrong</h1><p role="alert">${escapeHtml(c.body.error.message)}</p><p class="muted">Request id: ${escapeHtml(c.body.request_id)}</p>`);
    void c.reply.status(c.status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  }
}
