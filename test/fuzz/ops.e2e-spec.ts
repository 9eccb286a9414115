import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { OPS_KEY, startTestApp, STOREFRONT_KEY, TestApp } from '../support/app';
import { SANDBOX } from '../support/callbacks';
import {
  answers, FUZZ_RUNS, pathVariants, anyJson, authArb, brokenBody, cursorValue, extraHeaders, FuzzRequest, Fuzzer, headerValue, keyFor, limitValue, pathSegment,
  plain, queryString, request, text, unknownRouteProblem,
} from './support';

/**
 * Notifications, withdrawals, health, metrics and routes that do not exist, under generated
 * input (docs/api.md sections 7 and 9): no 5xx, every error in the envelope, nothing written.
 */

jest.setTimeout(600_000);

let app: TestApp;
let fuzz: Fuzzer;
let receiver: Server;
let notificationIds: string[] = [];
let withdrawalIds: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  app = await startTestApp({
    RATE_LIMIT_PER_MIN: '0',
    MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks`,
    MERCHANT_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    WITHDRAWALS_SYNC_CRON: 'off',
  });
  fuzz = new Fuzzer(app);
  await app.http.put(`${SANDBOX}/_control/webhooks`).send({ enabled: false }).expect(200);
  // A few notifications (cancel → order.canceled) and mirrored withdrawals for the routes to find.
  for (let i = 0; i < 3; i++) {
    const o = await app.http.post('/v1/orders').set({ Authorization: `Bearer ${STOREFRONT_KEY}` }).send({ amount: '10.00', currency: 'UAH', customer_id: `ops-fuzz-${i}` }).expect(201);
    await app.http.post(`/v1/orders/${o.body.id}/cancel`).set({ Authorization: `Bearer ${STOREFRONT_KEY}` }).expect(200);
  }
  await app.http.post('/v1/withdrawals/sync').set({ Authorization: `Bearer ${OPS_KEY}` }).expect(200);
  notificationIds = ((await fuzz.ds.query(`SELECT id::text AS id FROM notifications`)) as Array<{ id: string }>).map((r) => r.id);
  withdrawalIds = ((await fuzz.ds.query(`SELECT id::text AS id FROM withdrawals LIMIT 5`)) as Array<{ id: string }>).map((r) => r.id);
  expect(notificationIds.length).toBeGreaterThan(0);
  expect(withdrawalIds.length).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await fuzz?.drain();
  await app?.close();
  await new Promise((r) => receiver?.close(r));
}, 90_000);

const listShape = (_req: unknown, res: { status: number; json: unknown }) => {
  if (res.status !== 200) return null;
  const b = res.json as { data?: unknown[]; next_cursor?: unknown };
  return Array.isArray(b.data) && b.data.length <= 200 && (b.next_cursor === null || typeof b.next_cursor === 'string') ? null : 'list reply shape';
};

/** A seeded row's own route (`prefix/{id}` + suffix), asked plainly with an ops key. */
const seededRoute = (req: FuzzRequest, ids: string[], prefix: string, suffix = '') =>
  keyFor('ops', req) && ids.some((id) => plain(req, `${prefix}/${id}${suffix}`));
const plainOps = (path: string) => (req: FuzzRequest) => (keyFor('ops', req) && plain(req, path) ? answers([200]) : null);

const idOr = (ids: () => string[]) => fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...ids()) }, { weight: 3, arbitrary: fc.uuid() }, { weight: 12, arbitrary: pathSegment });
const junkQuery = queryString({ x: text });
const noBodyOrJunk = fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: brokenBody }, { weight: 1, arbitrary: anyJson });

describe('fuzz: notifications, withdrawals, service routes', () => {
  it('GET /v1/notifications', async () => {
    await fuzz.run({
      name: 'GET /v1/notifications',
      path: '/v1/notifications',
      valid: plainOps('/v1/notifications'),
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: pathVariants('/v1/notifications'),
        query: queryString({
          status: fc.oneof(fc.constantFrom('pending', 'delivering', 'delivered', 'failed', 'abandoned', ''), text),
          order_id: fc.oneof(fc.uuid(), text),
          limit: limitValue,
          cursor: cursorValue,
        }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
      check: listShape,
    });
  });

  it('GET /v1/notifications/{id}/attempts', async () => {
    await fuzz.run({
      name: 'GET /v1/notifications/{id}/attempts',
      valid: (req) =>
        seededRoute(req, notificationIds, '/v1/notifications', '/attempts') ? answers([200], (res) => (Array.isArray((res.json as { data?: unknown }).data) ? null : 'attempts reply shape')) : null,
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: idOr(() => notificationIds).map((id) => `/v1/notifications/${id}/attempts`),
        query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
    });
  });

  it('POST /v1/notifications/{id}/retry', async () => {
    await fuzz.run({
      name: 'POST /v1/notifications/{id}/retry',
      // Re-armed, or (delivered already) refused as not retryable.
      valid: (req) =>
        seededRoute(req, notificationIds, '/v1/notifications', '/retry')
          ? answers([200, 409], (res) => (res.status === 200 || (res.json as { error?: { code?: string } }).error?.code === 'NOTIFICATION_NOT_RETRYABLE' ? null : `409 ${res.text.slice(0, 200)}`))
          : null,
      role: 'ops',
      arb: request({
        method: fc.constant('POST'),
        path: idOr(() => notificationIds).map((id) => `/v1/notifications/${id}/retry`),
        auth: authArb({ ops: 45, storefront: 15, none: 15, junk: 25 }),
        body: noBodyOrJunk,
      }),
    });
  });

  it('GET /v1/withdrawals', async () => {
    await fuzz.run({
      name: 'GET /v1/withdrawals',
      path: '/v1/withdrawals',
      valid: plainOps('/v1/withdrawals'),
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: pathVariants('/v1/withdrawals'),
        query: queryString({
          status: fc.oneof(fc.constantFrom('pending', 'success', 'completed', 'failed', 'cancelled', ''), text),
          limit: limitValue,
          cursor: cursorValue,
        }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
      check: listShape,
    });
  });

  it('GET /v1/withdrawals/{id}', async () => {
    await fuzz.run({
      name: 'GET /v1/withdrawals/{id}',
      valid: (req) =>
        seededRoute(req, withdrawalIds, '/v1/withdrawals') ? answers([200], (res) => (withdrawalIds.includes((res.json as { id?: string }).id ?? '') ? null : 'another withdrawal')) : null,
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: idOr(() => withdrawalIds).map((id) => `/v1/withdrawals/${id}`),
        query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
    });
  });

  it('POST /v1/withdrawals/sync', async () => {
    // A real sync reads every page from the gateway: mostly refused cases, a real one now and then.
    await fuzz.run({
      name: 'POST /v1/withdrawals/sync',
      path: '/v1/withdrawals/sync',
      valid: plainOps('/v1/withdrawals/sync'),
      role: 'ops',
      arb: request({
        method: fc.constant('POST'),
        path: pathVariants('/v1/withdrawals/sync'),
        query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ ops: 3, storefront: 30, none: 30, junk: 37 }),
        body: noBodyOrJunk,
      }),
      check: (_req, res) => {
        if (res.status !== 200) return null;
        const b = res.json as Record<string, unknown>;
        return ['fetched', 'created', 'updated'].every((k) => typeof b[k] === 'number') ? null : 'sync reply shape';
      },
    });
  });

  for (const path of ['/health/live', '/health/ready', '/metrics']) {
    it(`GET ${path}`, async () => {
      await fuzz.run({
        name: `GET ${path}`,
        role: 'none',
        path,
        valid: (req) => (req.method === 'GET' && plain(req, path) ? answers([200]) : null),
        // A scrape renders every series (tens of ms): the route takes no input, 1,000 cases say enough.
        runs: path === '/metrics' ? Math.min(FUZZ_RUNS, 1000) : undefined,
        arb: request({
          method: fc.oneof({ weight: 7, arbitrary: fc.constant('GET') }, { weight: 3, arbitrary: fc.constantFrom('HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH') }),
          path: pathVariants(path),
          query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
          auth: authArb({ none: 60, junk: 20, ops: 10, storefront: 10 }),
          body: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: brokenBody }),
          headers: extraHeaders,
        }),
        check: (req, res) => {
          if (req.method !== 'GET' || res.status !== 200) return null;
          if (path === '/metrics') return /^# HELP /m.test(res.text) ? null : 'metrics are not Prometheus text';
          return (res.json as { status?: string }).status === 'ok' ? null : 'health reply shape';
        },
      });
    });
  }

  it('routes and methods that do not exist', async () => {
    await fuzz.run({
      name: 'unknown routes',
      role: 'none',
      // Not a route of the contract: a smaller share of the run.
      runs: Math.min(FUZZ_RUNS, 2000),
      arb: request({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'),
        path: fc.oneof(
          fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => `/v1/${s.join('/')}`),
          fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`),
          fc.constantFrom('/v1', '/v1/', '/v2/orders', '//v1/orders', '/v1//orders', '/v1/orders/x/y/z', '/v1/webhooks/paypal', '/v1/webhooks/', '/.env', '/%2e%2e/etc/passwd', '/v1/orders/%2F..%2F'),
        ),
        query: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ ops: 30, storefront: 30, none: 20, junk: 20 }),
        body: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: anyJson }, { weight: 1, arbitrary: brokenBody }),
        headers: fc.tuple(extraHeaders, headerValue).map(([h, v]) => ({ ...h, 'x-http-method-override': v })),
      }),
      // `/v1/orders/%2F..%2F` is GET (and HEAD) /v1/orders/{ref} with a ref that names no order.
      // A path whose dot segments lead back to `/` (`/%2e%2e`) is GET / (the front page, answered 200).
      check: (req, res) =>
        ['GET', 'HEAD'].includes(req.method) && (req.url.startsWith('/v1/orders/%2F..%2F') || (res.status === 200 && new URL(req.url, 'http://x').pathname === '/'))
          ? null
          : unknownRouteProblem(req, res),
    });
  });
});
