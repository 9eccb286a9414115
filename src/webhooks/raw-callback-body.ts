import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Every gateway's callback route lives under this prefix. */
export const CALLBACK_ROUTES = '/v1/webhooks/';

/** Internal only: the type a callback request is parsed as, whatever the gateway declared. */
const RAW_CALLBACK = 'application/x-payments-raw-callback';
const declared = new WeakMap<object, string | undefined>();

const isCallback = (req: FastifyRequest) => req.url.startsWith(CALLBACK_ROUTES);

/**
 * Callback routes get the request's exact bytes as a Buffer, whatever its Content-Type says
 * (JSON, text/plain, form-encoded, none at all): a signature is checked on the bytes, and a
 * parser picked by a header the signature does not cover must not get to change or drop them.
 * The declared type is put back before the route runs, so the route and the signature capture
 * see what the gateway sent.
 */
export function registerRawCallbackBodies(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.addContentTypeParser(RAW_CALLBACK, { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  fastify.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (isCallback(req)) {
      declared.set(req.raw, req.headers['content-type']);
      req.headers['content-type'] = RAW_CALLBACK;
    }
    done();
  });
  fastify.addHook('preValidation', (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (isCallback(req) && declared.has(req.raw)) {
      const type = declared.get(req.raw);
      if (type === undefined) delete req.headers['content-type'];
      else req.headers['content-type'] = type;
    }
    done();
  });
}
