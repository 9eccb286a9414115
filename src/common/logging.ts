import type { DestinationStream } from 'pino';
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

/** Paths pino blanks out wherever they occur in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`]),
  // headers objects anywhere a line may carry them (a request, an axios error's config, ...)
  ...HEADER_KEYS.flatMap((k) => [`headers["${k}"]`, `*.headers["${k}"]`, `*.config.headers["${k}"]`, `*.*.headers["${k}"]`]),
];

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
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
