import pino, { type DestinationStream } from 'pino';
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

export function pinoHttpOptions(settings: Settings, destination: DestinationStream | undefined = logDestination.stream): Options {
  return {
    ...(destination ? { stream: destination } : {}),
    level: settings.logLevel,
    // Secrets are blanked by `scrubSecrets` in a line's fields as it is written. The only
    // per-request bindings are the request id and the `req` serializer's id, method and URL (the
    // query's credentials blanked): no headers. Not pino's `redact`: it copies and walks the
    // bindings of every per-request child logger (bench/: a tenth of what the callback route
    // allocated), and no child logger is made anywhere else.
    formatters: { log: (fields: Record<string, unknown>) => scrubSecrets(fields) },
    genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestIdOf(req),
    // request_id on every line logged while a request is handled: pino-http's own lines and, via
    // nestjs-pino's AsyncLocalStorage, every Nest `Logger` line of the services it calls. Bound
    // once per request (quietReqLogger: req.log carries only the id; the access line adds req);
    // `service` is a base field of every line, not a per-request binding (each child() costs a
    // serialisation and a redaction pass on the hot path).
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'request_id' },
    base: { service: 'merchant-payments', pid: process.pid, hostname: hostname() },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: safeUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // Probes and scrapes stay out of the access log. Inside Nest middleware (middie) req.url is
    // relative to the mount point; originalUrl is the URL as requested.
    autoLogging: {
      ignore: (req) => {
        const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
        return url.startsWith('/health') || /^\/metrics(\?|$)/.test(url);
      },
    },
  };
}
