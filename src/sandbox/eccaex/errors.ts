import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../common/html';
import { page } from './hosted-page.html';
import { ConnectionDropped, genericError, SandboxError } from '../common/errors';

export { ConnectionDropped, genericError, SandboxError };

export interface EccaexErrorEnvelope {
  successful: false;
  request_id: string;
  error: { code: string; message: string; details: Record<string, unknown>; meta?: Record<string, unknown> };
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
