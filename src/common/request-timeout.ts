import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error';

/** Paths the timeout leaves alone: the gateway emulators, whose faults hold requests on purpose. */
const EXEMPT = ['/sandbox/'];

/** The 503 a request that ran out of time gets, in the error envelope. */
function requestTimeoutError(ms: number): ApiError {
  return new ApiError(
    503,
    'REQUEST_TIMEOUT',
    `The request did not finish within ${ms} ms; it may still complete. Retry with the same Idempotency-Key, or read the resource.`,
    { timeout_ms: ms },
    { 'retry-after': '1' },
  );
}

/**
 * REQUEST_TIMEOUT_MS for handlers: a handler that has not answered in time gets a 503
 * `REQUEST_TIMEOUT` in the error envelope instead of a hung socket. The work it started is not
 * cancelled (an order creation still finishes or stays `pending`, and a retry with the same
 * Idempotency-Key or a reconcile completes it); only the reply is given up.
 *
 * A timer per request in a Fastify hook, cleared when the response closes, rather than a Nest
 * interceptor: an interceptor wraps every request in an rxjs pipeline (bench/: 4 % of the
 * callback route's CPU and a fifth of what it allocated). Not Fastify's `handlerTimeout`: it
 * clears its timer when the request stream closes, which for a request with a body is as soon
 * as the body has been read. The error goes through the error handler (Nest's exception filter,
 * so the usual envelope and headers); the handler's own late reply finds the reply sent
 * and is dropped by Fastify.
 */
export function registerRequestTimeout(fastify: FastifyInstance, ms: number): void {
  if (!(ms > 0)) return;
  fastify.addHook('onRequest', (req, reply, done) => {
    if (EXEMPT.some((p) => req.url.startsWith(p))) return done();
    const timer = setTimeout(() => {
      if (!reply.sent && !reply.raw.headersSent && !reply.raw.destroyed) void reply.send(requestTimeoutError(ms));
    }, ms);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
