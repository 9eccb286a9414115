import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, envelope, ErrorEnvelope, STATUS_CODES } from './api-error';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03']);
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|server closed the connection unexpectedly|Client has encountered a connection error|Connection is not established|Query runner already released|connection provided by a query runner was already released/i;

/**
 * An error that says the database cannot be reached (pg / pg-pool / TypeORM, SQLSTATE class 08 and
 * admin shutdown 57P0x; TypeORM's "query runner already released" is what a transaction whose
 * connection died says next), as opposed to one a query itself caused. Found by the fault suite: during a
 * Postgres restart an order creation answered 500 INTERNAL_ERROR where 503 (retry) is the truth.
 */
export function databaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; driverError?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (CONNECTION_CODES.has(code) || /^08/.test(code)) return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
    e = e.driverError as typeof e;
  }
  return false;
}

/** Terminus' 503 from /health/ready whose only failing check is the shutdown (src/health). */
export function shuttingDownProbe(err: HttpException): boolean {
  const body = err.getResponse() as { error?: Record<string, { shutting_down?: unknown } | undefined> } | string;
  if (!body || typeof body !== 'object' || !body.error) return false;
  const failing = Object.keys(body.error);
  return failing.length === 1 && body.error.lifecycle?.shutting_down === true;
}

/** Turns any error into the error envelope (docs/api.md section 1); a 5xx never carries a stack, SQL or a secret. */
export function toEnvelope(err: unknown, requestId: string, log: Logger): { status: number; body: ErrorEnvelope; headers: Record<string, string> } {
  if (err instanceof ApiError) {
    if (err.status >= 500) log.warn(`${err.code}: ${err.message}`);
    return { status: err.status, body: envelope(err.code, err.message, err.details, requestId), headers: err.headers };
  }
  if (databaseUnavailable(err)) {
    // The database went away (restart, failover, network): retryable, and not a bug with a stack.
    log.warn(`database unavailable: ${(err as Error).message}`);
    return {
      status: 503,
      body: envelope('SERVICE_UNAVAILABLE', 'The database is unavailable right now; retry shortly.', {}, requestId),
      headers: { 'retry-after': '1' },
    };
  }
  let status = 500;
  if (err instanceof HttpException) status = err.getStatus();
  else if (err && typeof err === 'object' && typeof (err as { statusCode?: unknown }).statusCode === 'number') {
    status = (err as { statusCode: number }).statusCode;
  }
  if (status < 400 || status > 599) status = 500;
  if (status >= 500 && err instanceof HttpException && shuttingDownProbe(err)) {
    // Readiness saying "not ready" while the service drains is the shutdown working, not trouble.
    log.debug(`${status}: readiness is down while shutting down`);
  } else if (status >= 500 && err instanceof HttpException) {
    // Raised on purpose (e.g. readiness 503 with the database unreachable): no stack needed.
    log.warn(`${status}: ${err.message}`);
  } else if (status >= 500) {
    log.error({ msg: 'unhandled error', err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) });
  }
  // Fastify's own errors (body parser, URL), as they come or as the cause of the HttpException Nest wraps them in.
  const fastifyErr = err instanceof Error ? ((err as { code?: unknown }).code !== undefined ? err : (err as { cause?: unknown }).cause) : undefined;
  const fastifyCode = fastifyErr instanceof Error ? (fastifyErr as { code?: unknown }).code : undefined;
  // A body the parser could not read (not JSON, empty): a 400 VALIDATION_FAILED naming the body, the
  // one 400 the API's routes answer for their input (docs/api.md section 10).
  if (status === 400 && typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP_')) {
    return { status, body: envelope('VALIDATION_FAILED', 'The request body could not be read.', { fields: { body: [(fastifyErr as Error).message] } }, requestId), headers: {} };
  }
  const [code, message] = STATUS_CODES[status] ?? (status >= 500 ? STATUS_CODES[500] : ['BAD_REQUEST', 'The request could not be processed.']);
  // Body-parser errors carry a safe message worth showing; never for 5xx.
  const detail = status < 500 && typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_') ? (fastifyErr as Error).message : message;
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
