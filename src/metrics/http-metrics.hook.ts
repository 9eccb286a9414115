import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MetricsService } from './metrics.service';

/**
 * Times every HTTP request with a Fastify onResponse hook, labelled by the route *pattern*
 * (`/v1/orders/:ref`), never the raw URL, so ids and tokens stay out of the labels and the
 * number of series stays bounded; requests that matched no route are `unmatched`.
 * Registered while the app is being built (before its routes), so it covers every route.
 */
@Injectable()
export class HttpMetricsHook {
  constructor(adapterHost: HttpAdapterHost, metrics: MetricsService) {
    const fastify = adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      try {
        const route = req.is404 ? 'unmatched' : (req.routeOptions?.url ?? 'unmatched');
        metrics.httpRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
      } catch {
        // metrics never break a request
      }
      done();
    });
  }
}
