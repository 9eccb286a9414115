import helmet, { HelmetOptions } from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { envelope, STATUS_CODES } from './api-error';

/**
 * HTTP hardening shared by every route: security headers (helmet), the content-type rule of the
 * JSON API, and the gate that turns new requests away while the server shuts down.
 */

/** JSON API responses: nothing may be loaded or framed from them. */
export const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * HTML pages (/docs, the sandbox's hosted payment page and demo shop, the ops console): their own
 * scripts, styles and images plus small inline ones. `form-action` also allows http(s) targets
 * because browsers apply it to the redirect after a form post, and the hosted payment page sends
 * the customer on to the merchant's success_url / fail_url, which may be on any origin.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "form-action 'self' http: https:",
].join('; ');

const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  // Cross-origin storefront code never reads this API from a browser; keep the safe default.
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
};

/**
 * The headers helmet sets with these options, worked out once: they do not depend on the
 * request. (@fastify/helmet built the helmet middleware again, directives parsed, on every
 * request: 4 % of the service's CPU on the callback route.)
 */
export function securityHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, res as never, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}

/** Sets the security headers on every response (errors and 404s included). */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  const headers = securityHeaders();
  if (!headers['content-security-policy']) throw new Error('security headers: helmet set no content-security-policy');
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRequest', (_req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.headers(headers);
    done();
  });
  // HTML documents get the page policy; everything else keeps the strict API one.
  fastify.addHook('onSend', (_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.toLowerCase().startsWith('text/html')) void reply.header('content-security-policy', PAGE_CSP);
    done(null, payload);
  });
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  if (raw.headers['transfer-encoding'] !== undefined) return true;
  return length !== undefined && length.trim() !== '0';
}

/** `application/json`, with or without parameters (charset). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * The JSON API (/v1) takes JSON bodies only: a POST/PUT/PATCH with a body of another type is
 * refused with 415 before the body is read. Gateway callbacks (/v1/webhooks/…) are left to their
 * routes: they are trusted by signature or token, and the content type is the gateway's choice.
 * Pages under /sandbox keep their HTML form posts.
 */
export function registerContentTypeRule(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!BODY_METHODS.has(req.method) || !req.url.startsWith('/v1/') || req.url.startsWith('/v1/webhooks/')) return done();
    if (!hasBody(req.raw) || isJsonMediaType(req.headers['content-type'])) return done();
    const [code, message] = STATUS_CODES[415]!;
    void reply
      .code(415)
      .type('application/json; charset=utf-8')
      .send(envelope(code, message, { content_type: (req.headers['content-type'] ?? '').slice(0, 100) || null }, String(req.id)));
  });
}

/**
 * Shutdown gate: once closed, a request arriving on a kept-alive connection gets 503 in the
 * envelope with `Connection: close`, and replies to requests still in flight close their
 * connection, so every socket ends and the server can finish closing.
 */
export class HttpGate {
  closed = false;

  register(fastify: FastifyInstance): void {
    // Callback-style hooks (no promise per request); a hook that replies does not call done.
    fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (!this.closed) return done();
      void reply
        .code(503)
        .header('connection', 'close')
        .header('retry-after', '1')
        .type('application/json; charset=utf-8')
        .send(envelope('SERVICE_UNAVAILABLE', 'The service is shutting down; retry on another instance.', {}, String(req.id)));
    });
    fastify.addHook('onSend', (_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
      if (this.closed) void reply.header('connection', 'close');
      done(null, payload);
    });
  }
}
