import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { catchError, Observable, throwError, timeout, TimeoutError } from 'rxjs';
import { ApiError } from './api-error';

/** Paths the timeout leaves alone: the gateway emulators, whose faults hold requests on purpose. */
const EXEMPT = ['/sandbox/'];

/**
 * REQUEST_TIMEOUT_MS for handlers: a handler that has not answered in time gets a 503
 * `REQUEST_TIMEOUT` in the error envelope instead of a hung socket. The work it started is not
 * cancelled (an order creation still finishes or stays `pending`, and a retry with the same
 * Idempotency-Key or a reconcile completes it); only the reply is given up.
 */
@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(private readonly ms: number) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const url = ctx.switchToHttp().getRequest<FastifyRequest>().url ?? '';
    if (EXEMPT.some((p) => url.startsWith(p))) return next.handle();
    return next.handle().pipe(
      timeout(this.ms),
      catchError((err: unknown) =>
        throwError(() =>
          err instanceof TimeoutError
            ? new ApiError(503, 'REQUEST_TIMEOUT', `The request did not finish within ${this.ms} ms; it may still complete. Retry with the same Idempotency-Key, or read the resource.`, {
                timeout_ms: this.ms,
              }, { 'retry-after': '1' })
            : err,
        ),
      ),
    );
  }
}
