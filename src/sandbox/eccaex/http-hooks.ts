import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const PREFIX = '/sandbox/eccaex/';
const PAGE_PREFIX = '/sandbox/eccaex/pay';

/**
 * Errors raised by Fastify before a sandbox controller runs (malformed JSON, body too large,
 * unknown route under the prefix) are rendered by the host's error handler in the service's
 * envelope; this onSend hook rewrites them into the EccaEx envelope, so every JSON error under
 * /sandbox/eccaex has the shape of EccaEx's error envelope (docs/gateways/eccaex.md, "Errors and retries").
 */
@Injectable()
export class EccaexEnvelopeHook implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (reply.statusCode < 400 || !req.url.startsWith(PREFIX) || req.url.startsWith(PAGE_PREFIX)) return payload;
      if (typeof payload !== 'string' || !payload.startsWith('{')) return payload;
      let body: { successful?: unknown; error?: { code?: unknown; message?: unknown; details?: unknown }; request_id?: unknown };
      try {
        body = JSON.parse(payload) as typeof body;
      } catch {
        return payload;
      }
      if (body.successful === false || !body.error || typeof body.error !== 'object') return payload;
      // The host names an unreadable body VALIDATION_FAILED (its own API's rule); the emulator keeps
      // the framework's BAD_REQUEST, its VALIDATION_ERROR being for fields (EccaEx's code here is UNKNOWN).
      const fields = (body.error.details as { fields?: Record<string, unknown> } | undefined)?.fields;
      if (body.error.code === 'VALIDATION_FAILED' && fields && Object.keys(fields).join() === 'body') {
        body.error = { code: 'BAD_REQUEST', message: body.error.message, details: {} };
      }
      return JSON.stringify({
        successful: false,
        request_id: typeof body.request_id === 'string' ? body.request_id : String(req.id),
        error: {
          code: typeof body.error.code === 'string' ? body.error.code : 'BAD_REQUEST',
          message: typeof body.error.message === 'string' ? body.error.message : 'The request could not be processed',
          details: body.error.details && typeof body.error.details === 'object' ? body.error.details : {},
        },
      });
    });
  }
}
