import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, envelope, ErrorEnvelope, STATUS_CODES } from './api-error';

/** Turns any error into the CONTRACT.md envelope; a 5xx never carries a stack, SQL or a secret. */
export function toEnvelope(err: unknown, requestId: string, log: Logger): { status: number; body: ErrorEnvelope; headers: Record<string, string> } {
  if (err instanceof ApiError) {
    if (err.status >= 500) log.warn(`${err.code}: ${err.message}`);
    return { status: err.status, body: envelope(err.code, err.message, err.details, requestId), headers: err.headers };
  }
  let status = 500;
  if (err instanceof HttpException) status = err.getStatus();
  else if (err && typeof err === 'object' && typeof (err as { statusCode?: unknown }).statusCode === 'number') {
    status = (err as { statusCode: number }).statusCode;
  }
  if (status < 400 || status > 599) status = 500;
  if (status >= 500 && err instanceof HttpException) {
    // Raised on purpose (e.g. readiness 503 while shutting down): no stack needed.
    log.warn(`${status}: ${err.message}`);
  } else if (status >= 500) {
    log.error({ msg: 'unhandled error', err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) });
  }
  const [code, message] = STATUS_CODES[status] ?? (status >= 500 ? STATUS_CODES[500] : ['BAD_REQUEST', 'The request could not be processed.']);
  // Body-parser errors (bad JSON) carry a safe message worth showing; never for 5xx.
  const detail = status < 500 && err instanceof Error && (err as { code?: string }).code?.startsWith('FST_') ? err.message : message;
  return { status, body: envelope(code, detail, {}, requestId), headers: {} };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { status, body, headers } = toEnvelope(exception, String(req.id), this.log);
    if (reply.sent) return;
    void reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
  }
}
