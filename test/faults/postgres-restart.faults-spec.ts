import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startDbProxy } from '../support/db-proxy';
import { freePort, TestDatabase } from '../support/app';
import {
  buildService, call, callbackRaw, createOrders, deliver, faultSeed, figures, HttpFailure, HttpResult, OrderRef, ORDER_STATUS_FOR, pool, query,
  SandboxProcess, sandboxCall, serviceEnv, ServiceProcess, setSandboxWebhooks, simulate, sleep, startSandbox, storefrontAuth, until,
} from './support';
import { signedHeaders } from '../support/callbacks';

/**
 * (b) Postgres restarted in the middle of a burst of callbacks and order creations. Requests
 * must fail fast (a 5xx in the envelope, never a hang past REQUEST_TIMEOUT_MS), /health/ready
 * must go 503 and come back, the service process must survive, and nothing that got a 2xx may be
 * lost; the retries afterwards (gateway: same callback; storefront: same Idempotency-Key) finish
 * the rest without doubling anything.
 *
 * Which Postgres is restarted (FAULTS_PG_RESTART):
 * - `cluster` (default): a throwaway cluster of the local installation (pg_createcluster), really
 *   stopped and started with pg_ctlcluster. Same server binaries and the same fast shutdown as the
 *   main cluster, without cutting the connections of anything else using the main one (other
 *   suites, other developers' runs on this machine).
 * - `main`: the main cluster itself (`pg_ctlcluster <version> main stop/start`), as CI may prefer.
 * - `proxy`: startDbProxy in front of DATABASE_URL's server (no root needed); also the fallback
 *   when a cluster cannot be created.
 * The sandbox gateway runs on embedded PGlite, so only our database goes away.
 */

const run = promisify(execFile);
const REQUEST_TIMEOUT_MS = 10_000;
const DOWN_MS = 3000;
const SEEDED = 200;

interface PgTarget {
  kind: string;
  why: string;
  /** Server URL (database `postgres`) on which the test database is made. */
  server: string;
  /** Takes the database away for DOWN_MS, brings it back, waits until it answers. */
  bounce(): Promise<void>;
  close(): Promise<void>;
}

async function pgReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`Postgres at ${url} did not come back within ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

async function clusterTarget(version: string, name: string, port: number, created: boolean): Promise<PgTarget> {
  const server = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ctl = (action: string, ...args: string[]) => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action, ...args], { timeout: 60_000 });
  return {
    kind: created ? 'dedicated cluster' : 'main cluster',
    why: created
      ? 'a throwaway cluster of the local installation, stopped and started with pg_ctlcluster (the main one is shared with other runs on this machine)'
      : 'the main cluster, stopped and started with pg_ctlcluster',
    server,
    async bounce() {
      await ctl('stop', '-m', 'fast');
      await sleep(DOWN_MS);
      await ctl('start');
      await pgReady(server, 60_000);
    },
    async close() {
      // Whatever happened, leave Postgres running (main) or gone (throwaway).
      if (created) await run('pg_dropcluster', ['--stop', version, name]).catch(() => undefined);
      else {
        await ctl('start').catch(() => undefined);
        await pgReady(server, 60_000);
      }
    },
  };
}

async function pgTarget(): Promise<PgTarget> {
  const mode = process.env.FAULTS_PG_RESTART ?? 'cluster';
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const proxy = async (why: string): Promise<PgTarget> => {
    const p = await startDbProxy(base);
    const u = new URL(p.url);
    u.pathname = '/postgres';
    return {
      kind: 'proxy',
      why,
      server: u.toString(),
      async bounce() {
        await p.down();
        await sleep(DOWN_MS);
        await p.up();
      },
      close: () => p.close(),
    };
  };
  if (mode === 'proxy') return proxy('FAULTS_PG_RESTART=proxy');
  try {
    const version = readdirSync('/etc/postgresql').sort().pop()!;
    if (mode === 'main') return await clusterTarget(version, 'main', Number(new URL(base).port || 5432), false);
    const name = `payments_faults_${process.pid}`;
    const port = await freePort();
    await run('pg_createcluster', [version, name, '-p', String(port), '--start', '--', '--auth=trust'], { timeout: 120_000 });
    const t = await clusterTarget(version, name, port, true);
    await pgReady(t.server, 60_000);
    return t;
  } catch (err) {
    return proxy(`no cluster could be made or restarted here (${(err as Error).message.split('\n')[0]}); the proxy takes the database away instead`);
  }
}

async function databaseOn(server: string): Promise<TestDatabase> {
  const name = `payments_pgrestart_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await query(server, `CREATE DATABASE ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    dataDir: '/nonexistent',
    drop: async () => {
      await query(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
  };
}

interface Outcome {
  kind: 'callback' | 'create';
  key: string;
  status: number | null;
  error?: string;
  code?: string;
  ms: number;
  at: number;
  orderId?: string;
}

describe('faults (b): Postgres restarted during a burst', () => {
  let build: string;
  let pg: PgTarget;
  let db: TestDatabase;
  let sandbox: SandboxProcess;
  let svc: ServiceProcess;
  const seed = faultSeed();

  beforeAll(async () => {
    build = await buildService();
    pg = await pgTarget();
    process.stdout.write(`[faults b] restarting: ${pg.kind} — ${pg.why}\n`);
    db = await databaseOn(pg.server);
    sandbox = await startSandbox(build, { embedded: true });
    const port = await freePort();
    svc = new ServiceProcess('service', build, port, serviceEnv(port, db, sandbox, { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }));
    await svc.start();
  }, 240_000);

  afterAll(async () => {
    await svc?.kill();
    await sandbox?.stop();
    await db?.drop().catch(() => undefined);
    await pg?.close();
  }, 120_000);

  it('fails fast, goes unready and back, loses nothing that got a 2xx', async () => {
    await setSandboxWebhooks(sandbox, { enabled: false });
    const outcomes = ['success', 'fail', 'expire', 'cancel'];
    const orders = await createOrders(svc.url, SEEDED, `pgr-${seed}`, 16);
    await pool(orders, 8, (o, i) => simulate(sandbox, o.gateway_invoice_id, outcomes[i % 4]!));
    const pid = svc.child!.proc.pid;

    // Readiness, every 100 ms, on its own connections.
    const readiness: Array<{ at: number; status: number | string }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const at = Date.now();
        const r = await call(svc.url, 'GET', '/health/ready', { timeoutMs: REQUEST_TIMEOUT_MS + 5000 }).catch((e: HttpFailure) => e);
        readiness.push({ at, status: r instanceof HttpFailure ? r.code : r.status });
        await sleep(100);
      }
    })();

    // The burst: 12 senders, each request sent once and timed; runs until 3 s after the database is back.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const results: Outcome[] = [];
    const badReplies: string[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    let n = 0;
    const sender = async () => {
      while (Date.now() < stopAt) {
        const i = n++;
        const at = Date.now();
        const kind = i % 3 === 2 ? 'create' : 'callback';
        const key = `pgr-${seed}-${kind}-${i}`;
        const send = (): Promise<HttpResult> => {
          if (kind === 'callback') {
            const raw = callbackRaw(orders[i % SEEDED]!, outcomes[(i % SEEDED) % 4]!, key);
            return call(svc.url, 'POST', '/v1/webhooks/eccaex', { agent, headers: signedHeaders(raw, { key }), body: raw, timeoutMs: REQUEST_TIMEOUT_MS * 3 });
          }
          return call(svc.url, 'POST', '/v1/orders', {
            agent,
            headers: { ...storefrontAuth, 'idempotency-key': key },
            body: { amount: '42.00', currency: 'UAH', customer_id: key },
            timeoutMs: REQUEST_TIMEOUT_MS * 3,
          });
        };
        const r = await send().catch((err: HttpFailure) => err);
        if (r instanceof HttpFailure) {
          results.push({ kind, key, status: null, error: r.code, ms: r.ms, at });
        } else {
          results.push({ kind, key, status: r.status, code: r.body?.error?.code, ms: r.ms, at, orderId: kind === 'create' && r.status === 201 ? r.body.id : undefined });
          // Checked after the burst (an expectation thrown here would end this sender, not the test).
          if (r.status >= 400 && Object.keys(r.body ?? {}).sort().join(',') !== 'error,request_id') badReplies.push(`${kind} ${r.status}: not the envelope: ${r.text.slice(0, 200)}`);
          if (r.status >= 500 && /select |insert |ECONNREFUSED|terminating connection|stack|node_modules/i.test(r.text)) badReplies.push(`${kind} ${r.status}: leaks internals: ${r.text.slice(0, 200)}`);
        }
        await sleep(15);
      }
    };
    const burst = Promise.all(Array.from({ length: 12 }, sender));
    await sleep(2000);
    const downAt = Date.now();
    await pg.bounce();
    const upAt = Date.now();
    stopAt = Date.now() + 3000;
    await burst;
    agent.destroy();
    // Readiness must come back by itself.
    let readyAgainMs: number;
    try {
      readyAgainMs = await until('readiness back', async () => (await call(svc.url, 'GET', '/health/ready')).status === 200, 60_000, 200);
    } catch (err) {
      const r = await call(svc.url, 'GET', '/health/ready').catch((e: HttpFailure) => e);
      process.stdout.write(`[faults b] readiness still ${r instanceof HttpFailure ? r.code : `${r.status} ${r.text}`}\n${svc.output().slice(-6000)}\n`);
      throw err;
    } finally {
      probing = false;
      await prober;
    }

    expect(svc.alive()).toBe(true);
    expect(svc.child!.proc.pid).toBe(pid);
    expect(badReplies).toEqual([]);
    const failed = results.filter((r) => r.status === null || r.status >= 300);
    const during = results.filter((r) => r.at >= downAt && r.at <= upAt);
    const maxMs = Math.max(...results.map((r) => r.ms));
    const maxFailedMs = Math.max(0, ...failed.map((r) => r.ms));
    // Fail fast: every failure is a 5xx reply (no dropped connection, no 4xx), none past the request timeout.
    expect(failed.filter((r) => r.status === null)).toEqual([]);
    expect(failed.filter((r) => r.status! < 500)).toEqual([]);
    expect(maxMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1000);
    expect(during.some((r) => r.status !== null && r.status >= 500)).toBe(true);
    // Readiness: 200 before, 503 while the database was away, 200 again.
    const before = readiness.filter((p) => p.at < downAt);
    const down = readiness.filter((p) => p.at >= downAt && p.at <= upAt);
    expect(before.some((p) => p.status === 200)).toBe(true);
    expect(down.some((p) => p.status === 503)).toBe(true);
    expect(readiness.every((p) => typeof p.status === 'number')).toBe(true);
    const notReady = readiness.filter((p) => p.status !== 200);
    const readyDownMs = notReady.length ? notReady[notReady.length - 1]!.at - notReady[0]!.at : 0;

    // Every 2xx took effect, as answered.
    const ackedCallbacks = results.filter((r) => r.kind === 'callback' && r.status === 200);
    const createdOrders = results.filter((r) => r.kind === 'create' && r.status === 201);
    const inboxKeys = new Set(
      (await query<{ k: string }>(db.url!, `SELECT idempotency_key AS k FROM webhook_inbox WHERE conflict_of IS NULL AND idempotency_key = ANY($1)`, [ackedCallbacks.map((r) => r.key)])).map((r) => r.k),
    );
    const orderIds = new Set(
      (await query<{ id: string }>(db.url!, `SELECT id::text AS id FROM orders WHERE id = ANY($1::uuid[])`, [createdOrders.map((r) => r.orderId)])).map((r) => r.id),
    );
    const lostAtOnce = ackedCallbacks.filter((r) => !inboxKeys.has(r.key)).length + createdOrders.filter((r) => !orderIds.has(r.orderId!)).length;

    // The retries: the gateway resends what failed, the storefront retries with the same key.
    const retryAgent = new Agent({ keepAlive: true, maxSockets: 16 });
    const deadline = Date.now() + 120_000;
    const retriedCallbacks = await pool(failed.filter((r) => r.kind === 'callback'), 8, (r) => {
      const i = Number(r.key.split('-').pop());
      return deliver(() => svc.url, callbackRaw(orders[i % SEEDED]!, outcomes[(i % SEEDED) % 4]!, r.key), r.key, retryAgent, deadline);
    });
    const retriedCreates = await pool(failed.filter((r) => r.kind === 'create'), 8, async (r) => {
      for (let attempt = 1; Date.now() < deadline; attempt++) {
        const res = await call(svc.url, 'POST', '/v1/orders', { agent: retryAgent, headers: { ...storefrontAuth, 'idempotency-key': r.key }, body: { amount: '42.00', currency: 'UAH', customer_id: r.key } }).catch(() => null);
        if (res?.status === 201) return res.body.id as string;
        // 409 IDEMPOTENCY_IN_PROGRESS: the failed call still holds the key until its lease ends.
        await sleep(Math.min(250 * attempt, 2000));
      }
      return null;
    });
    retryAgent.destroy();
    expect(retriedCallbacks.every((d) => d.ok)).toBe(true);
    expect(retriedCreates.every((id) => id !== null)).toBe(true);

    const drainMs = await until('no received callbacks', async () => (await query(db.url!, `SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'received'`))[0]!.n === 0, 180_000, 1000);

    // Callbacks: every key stored once and processed. Orders: one per key, none twice.
    const allCallbackKeys = results.filter((r) => r.kind === 'callback').map((r) => r.key);
    const inbox = await query<{ k: string; status: string; n: number }>(
      db.url!,
      `SELECT idempotency_key AS k, min(status) AS status, count(*)::int AS n FROM webhook_inbox WHERE conflict_of IS NULL AND idempotency_key = ANY($1) GROUP BY 1`,
      [allCallbackKeys],
    );
    const processed = inbox.filter((r) => r.status === 'processed').length;
    const createKeys = results.filter((r) => r.kind === 'create').map((r) => r.key);
    const perKey = await query<{ customer_id: string; n: number }>(db.url!, `SELECT customer_id, count(*)::int AS n FROM orders WHERE customer_id = ANY($1) GROUP BY 1`, [createKeys]);
    const doubledOrders = perKey.filter((r) => r.n > 1).length;
    const missingOrders = createKeys.length - perKey.length;
    const notAwaiting = (await query<{ n: number }>(db.url!, `SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1) AND status <> 'awaiting_payment'`, [createKeys]))[0]!.n;

    // The seeded orders: the gateway's status, one change each.
    const wrong: string[] = [];
    const doubled: string[] = [];
    const states = await query<{ id: string; status: string }>(db.url!, `SELECT id::text AS id, status FROM orders WHERE id = ANY($1::uuid[])`, [orders.map((o) => o.id)]);
    const changes = await query<{ order_id: string; n: number; dup: number }>(
      db.url!,
      `SELECT order_id::text AS order_id, count(*)::int AS n, (count(*) - count(DISTINCT to_status))::int AS dup FROM order_events WHERE type = 'order.status_changed' AND order_id = ANY($1::uuid[]) GROUP BY 1`,
      [orders.map((o) => o.id)],
    );
    const statusOf = new Map(states.map((s) => [s.id, s.status]));
    const changesOf = new Map(changes.map((c) => [c.order_id, c]));
    await pool(orders, 8, async (o: OrderRef) => {
      const inv = await sandboxCall(sandbox, 'GET', `/api/v1/invoices/${o.gateway_invoice_id}`);
      const gatewayStatus = (inv.body?.data ?? inv.body)?.status as string;
      const expected = ORDER_STATUS_FOR[gatewayStatus];
      if (statusOf.get(o.id) !== expected) wrong.push(`${o.external_id}: ${statusOf.get(o.id)} vs gateway ${gatewayStatus}`);
      const c = changesOf.get(o.id);
      if (!c || c.dup > 0 || c.n > 2) doubled.push(`${o.external_id}: ${JSON.stringify(c)}`);
    });

    const byStatus = results.reduce<Record<string, number>>((acc, r) => {
      const k = `${r.kind}:${r.status ?? r.error}`;
      acc[k] = (acc[k] ?? 0) + 1;
      return acc;
    }, {});
    figures('postgres-restart', {
      sent: allCallbackKeys.length,
      '2xx': ackedCallbacks.length,
      applied: processed,
      lost: lostAtOnce + (allCallbackKeys.length - processed) + missingOrders + wrong.length,
      doubled: doubledOrders + doubled.length + inbox.filter((r) => r.n > 1).length,
      orders_sent: createKeys.length,
      orders_201: createdOrders.length,
      failed_5xx: failed.length,
      max_latency_ms: Math.round(maxMs),
      max_failed_latency_ms: Math.round(maxFailedMs),
      unready_ms: readyDownMs,
      ready_again_ms: readyAgainMs,
      drain_s: (drainMs / 1000).toFixed(1),
      restarted: pg.kind.replace(' ', '-'),
    });
    process.stdout.write(`[faults b] outcomes ${JSON.stringify(byStatus)}; database away ${upAt - downAt} ms\n`);
    const unhandled = [...new Set(svc.output().split('\n').filter((l) => l.includes('"unhandled error"')).map((l) => (JSON.parse(l) as { err?: { message?: string } }).err?.message))];
    if (unhandled.length) process.stdout.write(`[faults b] 500s the service could not classify: ${JSON.stringify(unhandled.slice(0, 5))}\n`);

    expect(lostAtOnce).toBe(0);
    expect(processed).toBe(allCallbackKeys.length);
    expect(missingOrders).toBe(0);
    expect(doubledOrders).toBe(0);
    expect(notAwaiting).toBe(0);
    expect(wrong).toEqual([]);
    expect(doubled).toEqual([]);
  }, 600_000);
});
