import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, TestApp } from '../support/app';

// GET /docs-json: a valid OpenAPI 3 document of every route of docs/api.md, with request and
// response schemas, and every error response in the one ErrorEnvelope with its codes.

/** Every route of docs/api.md sections 3, 5, 6, 7 and 9. */
const API_ROUTES = [
  // 3. orders (storefront)
  'POST /v1/orders',
  'GET /v1/orders/{ref}',
  'POST /v1/orders/{ref}/cancel',
  // 5. catalogue
  'GET /v1/currencies',
  'GET /v1/payment-methods',
  'GET /v1/gateways',
  // 6. gateway callbacks
  'POST /v1/webhooks/eccaex',
  'POST /v1/webhooks/cryptosteroid',
  'GET /v1/webhooks/smartwm/{order_id}',
  // 7. ops
  'GET /v1/orders',
  'GET /v1/orders/{ref}/events',
  'POST /v1/orders/{ref}/exception/resolve',
  'POST /v1/orders/{ref}/reconcile',
  'GET /v1/orders/{ref}/gateway-webhooks',
  'POST /v1/orders/{ref}/gateway-webhooks/resend',
  'GET /v1/webhook-events',
  'POST /v1/webhook-events/{id}/replay',
  'GET /v1/withdrawals',
  'GET /v1/withdrawals/{id}',
  'POST /v1/withdrawals/sync',
  'GET /v1/notifications',
  'GET /v1/notifications/{id}/attempts',
  'POST /v1/notifications/{id}/retry',
  // 9. service
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
];
const OPS_ROUTES = API_ROUTES.slice(9, 23);
const STOREFRONT_ROUTES = API_ROUTES.slice(0, 6);
const PUBLIC_ROUTES = ['POST /v1/webhooks/eccaex', 'POST /v1/webhooks/cryptosteroid', 'GET /v1/webhooks/smartwm/{order_id}', 'GET /health/live', 'GET /health/ready', 'GET /metrics'];

const ENVELOPE = '#/components/schemas/ErrorEnvelope';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

jest.setTimeout(120_000);

let app: TestApp;
let doc: Json;

function operations(d: Json): Array<{ key: string; path: string; method: string; op: Json }> {
  return Object.entries(d.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([m]) => HTTP_METHODS.includes(m))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op: op as Json })),
  );
}

const op = (key: string): Json => {
  const [method, path] = key.split(' ');
  const found = doc.paths[path]?.[method.toLowerCase()];
  if (!found) throw new Error(`${key} is not in the document`);
  return found;
};

beforeAll(async () => {
  app = await startTestApp();
  const res = await app.http.get('/docs-json').expect(200);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  doc = res.body;
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3 (swagger-parser)', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it("points at the project's own reference (docs/), and at nothing outside the repository", () => {
    const text = JSON.stringify(doc);
    expect(doc.info.description).toContain('docs/api.md');
    expect(doc.info.description).toContain('docs/settings.md');
    expect(doc.info.description).toContain('docs/gateways/');
    expect(text).not.toMatch(/CONTRACT\.md|API\.md|\.\.\/shared|\/work\//);
  });

  it('has every route of docs/api.md, and no sandbox route', () => {
    const keys = operations(doc).map((o) => o.key);
    expect(keys).toEqual(expect.arrayContaining(API_ROUTES));
    expect(keys.filter((k) => k.includes(' /sandbox'))).toEqual([]);
    expect((doc.tags as Json[]).map((t) => t.name)).not.toContain('sandbox');
  });

  it('every operation has a summary, tags and a 2xx response with a schema (204s excepted)', () => {
    for (const { key, op: o } of operations(doc)) {
      expect({ key, summary: typeof o.summary }).toEqual({ key, summary: 'string' });
      expect({ key, tags: (o.tags ?? []).length > 0 }).toEqual({ key, tags: true });
      const ok = Object.entries(o.responses as Json).filter(([s]) => /^2\d\d$/.test(s));
      expect({ key, has2xx: ok.length > 0 }).toEqual({ key, has2xx: true });
      for (const [status, res] of ok) {
        if (status === '204') continue;
        const schemas = Object.values((res as Json).content ?? {}).map((c) => (c as Json).schema);
        expect({ key, status, schema: schemas.length > 0 && schemas.every(Boolean) }).toEqual({ key, status, schema: true });
      }
    }
  });

  it('every 4xx and 5xx response is the ErrorEnvelope, with its codes described and exemplified', () => {
    let count = 0;
    for (const { key, op: o } of operations(doc)) {
      const errors = Object.entries(o.responses as Json).filter(([s]) => /^[45]\d\d$/.test(s));
      expect({ key, hasErrors: errors.length > 0 }).toEqual({ key, hasErrors: true });
      for (const [status, res] of errors) {
        count++;
        const json = (res as Json).content?.['application/json'];
        expect({ key, status, ref: json?.schema?.$ref }).toEqual({ key, status, ref: ENVELOPE });
        const examples = Object.entries((json?.examples ?? {}) as Json);
        expect({ key, status, examples: examples.length > 0 }).toEqual({ key, status, examples: true });
        for (const [code, ex] of examples) {
          expect(ex.value).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Object) }, request_id: expect.any(String) });
          expect({ key, status, code, described: String((res as Json).description).includes(code) }).toEqual({ key, status, code, described: true });
        }
      }
    }
    expect(count).toBeGreaterThan(50);
  });

  it('ErrorEnvelope is { error: { code, message, details }, request_id }', () => {
    const schemas = doc.components.schemas as Json;
    expect(schemas.ErrorEnvelope).toMatchObject({ type: 'object', required: expect.arrayContaining(['error', 'request_id']) });
    expect(schemas.ErrorEnvelope.properties.request_id).toMatchObject({ type: 'string' });
    const body = schemas.ErrorEnvelope.properties.error;
    const errorSchema = body.$ref ? schemas[String(body.$ref).split('/').pop()!] : body.allOf?.[0]?.$ref ? schemas[String(body.allOf[0].$ref).split('/').pop()!] : body;
    expect(errorSchema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['code', 'message', 'details']),
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
    });
  });

  it('the route-specific error codes of the contract are listed where they apply', () => {
    const codes = (key: string, status: number) => Object.keys(op(key).responses[String(status)]?.content?.['application/json']?.examples ?? {});
    expect(codes('POST /v1/orders', 400)).toContain('VALIDATION_FAILED');
    expect(codes('POST /v1/orders', 409)).toEqual(expect.arrayContaining(['DUPLICATE_EXTERNAL_ID', 'IDEMPOTENCY_IN_PROGRESS']));
    expect(codes('POST /v1/orders', 422)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes('POST /v1/orders', 502)).toEqual(['GATEWAY_ERROR']);
    expect(codes('POST /v1/orders', 503)).toContain('GATEWAY_UNAVAILABLE');
    expect(codes('POST /v1/orders', 413)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(codes('POST /v1/orders', 415)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    expect(codes('POST /v1/orders', 429)).toEqual(['RATE_LIMITED']);
    expect(codes('GET /v1/orders/{ref}', 404)).toEqual(['ORDER_NOT_FOUND']);
    expect(codes('POST /v1/orders/{ref}/cancel', 409)).toEqual(['ORDER_NOT_CANCELABLE']);
    expect(codes('POST /v1/orders/{ref}/gateway-webhooks/resend', 409)).toContain('WEBHOOK_RESEND_CONFLICT');
    expect(codes('POST /v1/orders/{ref}/gateway-webhooks/resend', 429)).toContain('WEBHOOK_RESEND_COOLDOWN');
    expect(codes('POST /v1/webhook-events/{id}/replay', 404)).toEqual(['WEBHOOK_EVENT_NOT_FOUND']);
    expect(codes('GET /v1/withdrawals/{id}', 404)).toEqual(['WITHDRAWAL_NOT_FOUND']);
    expect(codes('POST /v1/notifications/{id}/retry', 409)).toEqual(expect.arrayContaining(['NOTIFICATION_NOT_RETRYABLE', 'NOTIFICATIONS_DISABLED']));
    for (const key of [...STOREFRONT_ROUTES, ...OPS_ROUTES]) expect({ key, codes: codes(key, 401) }).toEqual({ key, codes: ['UNAUTHENTICATED'] });
    for (const key of OPS_ROUTES) expect({ key, codes: codes(key, 403) }).toEqual({ key, codes: ['FORBIDDEN'] });
  });

  it('security: bearer schemes for storefront and ops; the callback and service routes take none', () => {
    expect(doc.components.securitySchemes).toEqual({
      storefront: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      ops: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    for (const key of STOREFRONT_ROUTES) expect({ key, security: op(key).security }).toEqual({ key, security: [{ storefront: [] }, { ops: [] }] });
    for (const key of OPS_ROUTES) expect({ key, security: op(key).security }).toEqual({ key, security: [{ ops: [] }] });
    for (const key of PUBLIC_ROUTES) expect({ key, security: op(key).security }).toEqual({ key, security: [] });
    expect(doc.security ?? []).toEqual([]);
  });

  it('the EccaEx callback: its three headers, its body and its replies', () => {
    const cb = op('POST /v1/webhooks/eccaex');
    const headers = Object.fromEntries((cb.parameters as Json[]).filter((p) => p.in === 'header').map((p) => [p.name, p.required]));
    expect(headers).toEqual({ 'X-Signature': true, 'X-Signature-Timestamp': true, 'X-Idempotency-Key': false });
    expect(cb.requestBody.content['application/json'].schema.properties).toEqual(
      expect.objectContaining({ order_id: expect.any(Object), external_id: expect.any(Object), status: expect.any(Object) }),
    );
    const ok = cb.responses['200'].content['application/json'];
    expect(ok.schema.$ref).toBe('#/components/schemas/CallbackReceivedOutput');
    expect(Object.values(ok.examples as Json).map((e) => e.value)).toEqual([
      { received: true, duplicate: false },
      { received: true, duplicate: true },
    ]);
    expect(Object.keys(cb.responses['401'].content['application/json'].examples)).toEqual(['INVALID_SIGNATURE']);
    expect(Object.keys(cb.responses['400'].content['application/json'].examples)).toEqual(['MALFORMED_PAYLOAD']);
    expect(Object.keys(cb.responses['503'].content['application/json'].examples)).toContain('STORAGE_UNAVAILABLE');
  });

  it('the SmartWM status ping: once, as GET (any method accepted), the order id and token in the URL, INVALID_TOKEN', () => {
    const item = doc.paths['/v1/webhooks/smartwm/{order_id}'];
    expect(Object.keys(item).filter((m) => HTTP_METHODS.includes(m) || ['search', 'query'].includes(m))).toEqual(['get']);
    const cb = op('GET /v1/webhooks/smartwm/{order_id}');
    expect(cb.summary).toMatch(/any method/);
    expect(Object.fromEntries((cb.parameters as Json[]).map((p) => [`${p.in}:${p.name}`, p.required]))).toEqual({ 'path:order_id': true, 'query:token': true });
    expect(cb.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/CallbackReceivedOutput');
    expect(Object.keys(cb.responses['401'].content['application/json'].examples)).toEqual(['INVALID_TOKEN']);
  });

  it('request and response schemas carry examples', () => {
    const schemas = doc.components.schemas as Json;
    const create = op('POST /v1/orders');
    expect(create.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateOrderInput');
    expect(create.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/OrderOutput');
    expect(schemas.CreateOrderInput.required).toEqual(expect.arrayContaining(['amount', 'currency', 'customer_id']));
    for (const f of ['amount', 'currency', 'customer_id']) expect(schemas.CreateOrderInput.properties[f].example).toBeDefined();
    expect(schemas.OrderOutput.properties.amount.example).toBe('1500.00');
    expect(op('GET /v1/orders/{ref}/events').responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/OrderEventListOutput');
    expect(op('GET /metrics').responses['200'].content['text/plain'].schema).toMatchObject({ type: 'string', example: expect.stringContaining('# TYPE') });
  });

  it('every $ref resolves to a component', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const [, , kind, name] = ref.slice(8, -1).split('/');
      expect({ ref, found: Boolean(doc.components[kind]?.[name]) }).toEqual({ ref, found: true });
    }
  });
});

describe('GET /docs', () => {
  it('serves the OpenAPI UI as HTML', async () => {
    const res = await app.http.get('/docs').redirects(2).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });
});
