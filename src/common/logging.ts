import pino, { type DestinationStream, type Logger } from 'pino';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Options } from 'pino-http';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import { Settings } from '../config/settings';

/** Keys whose values never reach a log line, at the top of a line or one level down. */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'apiKey',
  'api_key',
  'x-api-key',
  'X-Api-Key',
  'secret',
  'secrets',
  'webhookSecret',
  'webhookSecrets',
  'merchantWebhookSecret',
  'storefrontApiKeys',
  'opsApiKeys',
  'password',
  'signature',
  'x-signature',
  'X-Signature',
  'webhook-signature',
  'token',
  'cookie',
];
const HEADER_KEYS = ['authorization', 'Authorization', 'x-api-key', 'X-Api-Key', 'x-signature', 'X-Signature', 'webhook-signature', 'cookie', 'set-cookie'];

const SECRET_NAMES = new Set([...SECRET_KEYS, ...HEADER_KEYS].map((k) => k.toLowerCase()));
const MAX_DEPTH = 8;

/**
 * A log line's fields with every value under a secret-named key (any case, any depth up to 8)
 * replaced by "[redacted]"; errors are serialised first (message, stack and their own fields,
 * e.g. an HTTP client error's request config and headers). Objects are copied only where
 * something was blanked; the caller's objects are never modified.
 */
export function scrubSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return value;
  if (value instanceof Error) return scrubSecrets(pino.stdSerializers.err(value) as unknown as T, depth);
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    value.forEach((v, i) => {
      const r = scrubSecrets(v, depth + 1);
      if (r !== v) (out ??= [...value])[i] = r;
    });
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const r = SECRET_NAMES.has(key.toLowerCase()) && v !== undefined && v !== null ? '[redacted]' : scrubSecrets(v, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[key] = r;
  }
  return (out ?? value) as T;
}

/** Query parameters whose values are blanked in logged URLs. */
const SECRET_QUERY = /^(token|key|api_?key|secret|signature|sig|password|access_token)$/i;

/** The URL as logged: the path, and the query with credential-like values blanked. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        /* keep as sent */
      }
      return eq !== -1 && SECRET_QUERY.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** X-Request-Id from the caller when it is sane, else a new one; Fastify and pino share it. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  (req as IncomingMessage & { id?: string }).id = id;
  return id;
}

/**
 * Where log lines go when pinoHttpOptions is not given a destination: unset = stdout. Tests set
 * it (before starting the app) to capture every line the service writes.
 */
export const logDestination: { stream?: DestinationStream } = {};

/**
 * The root logger's options (nestjs-pino builds it through pino-http's factory; no pino-http
 * middleware runs: `registerRequestLog` writes the access lines).
 */
export function pinoHttpOptions(settings: Settings, destination: DestinationStream | undefined = logDestination.stream): Options {
  return {
    ...(destination ? { stream: destination } : {}),
    level: settings.logLevel,
    // Secrets are blanked by `scrubSecrets` in a line's fields as it is written. No per-request
    // child logger is made: the request id comes from `requestIdMixin`, and the access line builds
    // its own `req` (id, method, URL with the query's credentials blanked; no headers). Not pino's
    // `redact`: it copies and walks every line's fields (bench/: a tenth of what the callback
    // route allocated).
    formatters: { log: (fields: Record<string, unknown>) => scrubSecrets(fields) },
    mixin: requestIdMixin,
    // The access line's `req` and `res` are written as built (pino-http would wrap them in its
    // serializers of Node's request and response objects).
    wrapSerializers: false,
    // `service` is a base field of every line, not a binding.
    base: { service: 'merchant-payments', pid: process.pid, hostname: hostname() },
  };
}

/**
 * The id of the request being handled, for every line written while it is: the access line, and
 * every Nest `Logger` line of the services it calls (through the root logger's `mixin`). One
 * string per request, in place of pino-http's two child loggers and its Nest middleware (bench/:
 * with middie, those were about a tenth of the service's CPU on the callback route).
 */
const requestContext = new AsyncLocalStorage<string>();

/** pino's `mixin`: the current request's id; a new object each time (pino merges into it). */
export function requestIdMixin(): Record<string, unknown> {
  const id = requestContext.getStore();
  return id === undefined ? {} : { request_id: id };
}

/** Probes and scrapes stay out of the access log. */
function quietUrl(url: string): boolean {
  return url.startsWith('/health') || url === '/metrics' || url.startsWith('/metrics?');
}

/**
 * Every request runs inside its id's context (registered as the first `onRequest` hook, so the
 * hooks after it and the handler log with it) and ends with one access line: `request completed`
 * (`request errored`, level error, for a 5xx) with the id, the method, the URL (its query's
 * credentials blanked), the status and the time taken in ms.
 */
export function registerRequestLog(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    requestContext.run(req.id, done);
  });
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const url = req.url;
    if (!quietUrl(url)) {
      const statusCode = reply.statusCode;
      const line = {
        request_id: req.id,
        req: { id: req.id, method: req.method, url: safeUrl(url) },
        res: { statusCode },
        responseTime: Math.round(reply.elapsedTime),
      };
      if (statusCode >= 500) logger.error(line, 'request errored');
      else logger.info(line, 'request completed');
    }
    done();
  });
}
