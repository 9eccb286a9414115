import { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Role, ROLE_KEY } from '../common/auth.guard';
import { codesIn, ERROR_CODES } from './error-codes';
import { ERROR_ENVELOPE_REF, ErrorEnvelopeSchema } from './schemas';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const BODY_METHODS = new Set(['post', 'put', 'patch']);
/** HTTP methods Nest's explorer lists for an @All route that an OpenAPI 3.0 path item cannot hold. */
const NOT_OAS3_METHODS = ['search', 'query'] as const;

/** When an error response names no catalogued code, the one the framework uses for its status. */
const GENERIC_CODE: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

const DESCRIPTION = [
  'Storefront orders over several payment gateways, their trusted callbacks, ops tools (version 1: it only grows, nothing here is renamed or removed).',
  '',
  '**Reference.** This document lists every route with its schemas and error codes. The rules behind them are in the',
  "repository's `docs/` folder: `docs/api.md` (the API in full: conventions, idempotency, order statuses and their rules,",
  'callbacks, notifications and how to verify them, every error code), `docs/settings.md` (every setting) and',
  '`docs/gateways/<gateway>.md` (each gateway: what the service sends and reads, how its callbacks are trusted).',
  '',
  '**Authentication.** Storefront routes take `Authorization: Bearer <storefront or ops key>` (`STOREFRONT_API_KEYS`, `OPS_API_KEYS`);',
  'ops routes take an ops key only (a storefront key gets 403 `FORBIDDEN`). No or an unknown key: 401 `UNAUTHENTICATED`.',
  'Each gateway\'s callback route under `/v1/webhooks/` takes no bearer: it is trusted by that gateway\'s own credential (an HMAC over the raw body, or a per-order token).',
  '',
  '**Errors.** Every 4xx and 5xx has one shape, the `ErrorEnvelope`: `{ "error": { "code", "message", "details" }, "request_id" }`.',
  'Each response lists the codes it may carry, with an example per code. A 5xx never carries a stack, SQL or a secret.',
  '',
  '**Conventions.** JSON in and out; bodies over 1 MiB get 413. Money is a decimal string with two decimals (`"1500.00"`),',
  'currencies ISO 4217, timestamps ISO-8601 UTC. Every response carries `X-Request-Id` (the request\'s own when it sent a sane one).',
  '',
  'The gateway emulators mounted under `/sandbox/<gateway>` (each in its gateway\'s sandbox mode) are not part of this API and are left out of this document.',
].join('\n');

/** The OpenAPI 3 document of every route of the service (sandbox routes excluded). */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Merchant payments service')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A storefront key (STOREFRONT_API_KEYS). Ops keys are accepted on storefront routes too.' }, 'storefront')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An ops key (OPS_API_KEYS).' }, 'ops')
    .addTag('orders', 'Create, read and cancel orders (storefront); list, timeline and reconcile (ops)')
    .addTag('catalogue', "The gateway's currencies and payment methods (storefront)")
    .addTag('callbacks', 'Gateway callbacks: signed by the gateway, no bearer')
    .addTag('ops', 'Stored callbacks, gateway webhook history, notifications, withdrawals (ops key)')
    .addTag('service', 'Health and metrics (no auth)')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorEnvelopeSchema] });
  return finishDocument(document, routeRoles(app));
}

/** `Controller_method` (the operationId Nest's explorer gives) → the role @Auth demands, or null. */
export function routeRoles(app: INestApplication): Map<string, Role | null> {
  const roles = new Map<string, Role | null>();
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (typeof type !== 'function' || !type.prototype) continue;
      const classRole = Reflect.getMetadata(ROLE_KEY, type) as Role | undefined;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const fn = Object.getOwnPropertyDescriptor(type.prototype, name)?.value;
        if (name === 'constructor' || typeof fn !== 'function') continue;
        roles.set(`${type.name}_${name}`, (Reflect.getMetadata(ROLE_KEY, fn) as Role | undefined) ?? classRole ?? null);
      }
    }
  }
  return roles;
}

/**
 * Makes the document say what the service does for every route: security from @Auth (storefront
 * routes take either key, ops routes an ops key, the rest none), the errors every route can give
 * (auth, limits, body rules, 5xx), and every 4xx/5xx as the ErrorEnvelope with its codes listed
 * and one example per code. Sandbox routes are dropped.
 */
export function finishDocument(document: OpenAPIObject, roles: Map<string, Role | null>): OpenAPIObject {
  for (const path of Object.keys(document.paths)) {
    if (path === '/sandbox' || path.startsWith('/sandbox/')) {
      delete document.paths[path];
      continue;
    }
    const item = document.paths[path];
    // A route of any method (@All): Nest lists methods OpenAPI 3.0 has no place for (search,
    // query), and one marked x-any-method is shown once, as GET.
    const keys = item as Record<string, unknown>;
    for (const key of NOT_OAS3_METHODS) delete keys[key];
    if ((item.get as (Operation & { 'x-any-method'?: boolean }) | undefined)?.['x-any-method']) for (const m of METHODS) if (m !== 'get') delete item[m];
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const known = op.operationId !== undefined && roles.has(op.operationId);
      const role = known ? roles.get(op.operationId!)! : op.security?.length ? 'storefront' : null;
      op.security = role === 'ops' ? [{ ops: [] }] : role === 'storefront' ? [{ storefront: [] }, { ops: [] }] : [];

      const extra = new Map<number, string[]>();
      const add = (status: number, code: string) => extra.set(status, [...(extra.get(status) ?? []), code]);
      if (role) add(401, 'UNAUTHENTICATED');
      if (role === 'ops') add(403, 'FORBIDDEN');
      if (role === 'storefront') add(429, 'RATE_LIMITED');
      if (BODY_METHODS.has(method)) {
        // Gateway callbacks take raw bytes (their own route answers bad JSON, any content type).
        const callback = path.startsWith('/v1/webhooks/');
        // A body that is not JSON: VALIDATION_FAILED naming `body` (src/common/http-exception.filter.ts).
        if (op.requestBody && !callback) add(400, 'VALIDATION_FAILED');
        add(413, 'PAYLOAD_TOO_LARGE');
        if (path.startsWith('/v1/') && !callback) add(415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      add(500, 'INTERNAL_ERROR');
      add(503, 'SERVICE_UNAVAILABLE'); // shutting down
      add(503, 'REQUEST_TIMEOUT'); // REQUEST_TIMEOUT_MS passed
      op.responses = finishResponses(op.responses ?? {}, extra);
      if (op.tags?.includes('sandbox')) op.tags = op.tags.filter((t) => t !== 'sandbox');
    }
  }
  document.tags = (document.tags ?? []).filter((t) => t.name !== 'sandbox');
  document.components ??= {};
  document.components.headers = {
    ...(document.components.headers ?? {}),
    'X-Request-Id': { description: 'the request id (the caller\'s X-Request-Id when sane, else a new one); also `request_id` in error bodies and logs', schema: { type: 'string' } },
  };
  return document;
}

function finishResponses(responses: Responses, extra: Map<number, string[]>): Responses {
  const statuses = new Set<string>([...Object.keys(responses), ...[...extra.keys()].map(String)]);
  const out: Responses = {};
  for (const status of [...statuses].sort()) {
    const n = Number(status);
    const given = responses[status] as (Responses[string] & { description?: string }) | undefined;
    if (!(n >= 400)) {
      out[status] = given && !('$ref' in given) ? { ...given, headers: { ...(given.headers ?? {}), 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } } } : given!;
      continue;
    }
    const original = given && !('$ref' in given) ? given : undefined;
    const text = original?.description && !/^(Bad Request|Unauthorized|Forbidden|Not Found|Conflict|Service Unavailable|Internal Server Error)$/i.test(original.description) ? original.description : '';
    const declared = codesIn(text);
    let codes = [...new Set([...declared, ...(extra.get(n) ?? [])])];
    if (!codes.length && GENERIC_CODE[n]) codes = [GENERIC_CODE[n]];
    const missing = codes.filter((c) => !declared.includes(c));
    const description = [text, missing.length ? `${text ? 'Also: ' : ''}${missing.map((c) => `${c} (${ERROR_CODES[c]?.message ?? ''})`.replace(' ()', '')).join('; ')}.` : '']
      .filter(Boolean)
      .join(' ');
    const examples = Object.fromEntries(
      codes.map((code) => [
        code,
        {
          summary: code,
          value: {
            error: { code, message: ERROR_CODES[code]?.message ?? code, details: ERROR_CODES[code]?.details ?? {} },
            request_id: '5f0c6a1e-3f7b-4c1e-9d7a-2b8f4e6c1a90',
          },
        },
      ]),
    );
    const headers: Record<string, unknown> = { ...(original?.headers ?? {}), 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
    if (n === 429 || n === 503) headers['Retry-After'] = { description: 'seconds to wait, when the service knows', schema: { type: 'string' } };
    out[status] = {
      description: description || `Error (${status})`,
      headers: headers as NonNullable<typeof original>['headers'],
      content: { 'application/json': { schema: { $ref: ERROR_ENVELOPE_REF }, examples } },
    };
  }
  return out;
}
