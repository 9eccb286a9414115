import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, freshDatabase, STOREFRONT_KEY, TestDatabase, testEnv } from '../support/app';
import { buildService, Child, childEnv, sleep, startChild } from './support';

/**
 * SIGTERM during a burst: the real service (compiled, `node dist/src/main.js`-style) as a child
 * process. Every request that got a 2xx must have taken effect; readiness must go 503 before the
 * server stops accepting; the process must exit 0 within SHUTDOWN_TIMEOUT_MS.
 */

interface Outcome {
  kind: 'create' | 'read';
  externalId?: string;
  status?: number;
  body?: { id?: string; external_id?: string; status?: string; error?: { code: string } };
  error?: string;
  at: number;
}

function call(agent: Agent, port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${STOREFRONT_KEY}`,
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // kept as text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function ordersInDatabase(db: TestDatabase, ids: string[]): Promise<Map<string, { status: string; external_id: string }>> {
  const found = new Map<string, { status: string; external_id: string }>();
  if (!ids.length) return found;
  if (db.url) {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const r = await c.query<{ id: string; status: string; external_id: string }>('SELECT id::text AS id, status, external_id FROM orders WHERE id = ANY($1::uuid[])', [ids]);
      for (const row of r.rows) found.set(row.id, row);
    } finally {
      await c.end();
    }
    return found;
  }
  // Embedded: the service has exited and closed its database; open the same files directly.
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(join(db.dataDir, 'pg'));
  try {
    const r = await pg.query<{ id: string; status: string; external_id: string }>('SELECT id::text AS id, status, external_id FROM orders WHERE id = ANY($1::uuid[])', [ids]);
    for (const row of r.rows) found.set(row.id, row);
  } finally {
    await pg.close();
  }
  return found;
}

describe('graceful shutdown (SIGTERM during a burst, real process)', () => {
  const DRAIN_MS = 1000;
  const BOUND_MS = 20_000;
  let build: string;
  let db: TestDatabase;
  let port: number;
  let child: Child | undefined;

  beforeAll(async () => {
    build = await buildService();
    db = await freshDatabase();
    port = await freePort();
  }, 180_000);

  afterAll(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await db?.drop();
  });

  it('loses no request that got a 2xx, goes unready first, exits 0 within the bound', async () => {
    const env = childEnv({
      ...testEnv(port, db, { SHUTDOWN_DRAIN_MS: String(DRAIN_MS), SHUTDOWN_TIMEOUT_MS: String(BOUND_MS), RATE_LIMIT_PER_MIN: '0', LOG_LEVEL: 'info' }),
    });
    child = startChild(join(build, 'src', 'main.js'), env);
    const probe = new Agent({ keepAlive: false });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await call(probe, port, 'GET', '/health/ready').catch(() => null);
      if (r?.status === 200) break;
      if (Date.now() > deadline || child.proc.exitCode !== null) throw new Error(`service did not become ready:\n${child.output().slice(-3000)}`);
      await sleep(200);
    }

    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    // A few orders to read during the burst.
    const seeded: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(agent, port, 'POST', '/v1/orders', { amount: '100.00', currency: 'UAH', customer_id: 'shutdown-seed', external_id: `seed-${port}-${i}` });
      expect(r.status).toBe(201);
      seeded.push((r.body as { id: string }).id);
    }

    // Readiness probe on its own connections, every 25 ms, until the server refuses.
    const readiness: Array<{ at: number; status?: number; error?: string }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const at = Date.now();
        try {
          const r = await call(probe, port, 'GET', '/health/ready');
          readiness.push({ at, status: r.status });
        } catch (err) {
          readiness.push({ at, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
        }
        await sleep(25);
      }
    })();

    const outcomes: Outcome[] = [];
    let sigtermAt = 0;
    const TOTAL = 200;
    const burst = Array.from({ length: TOTAL }, async (_, i) => {
      const create = i % 4 !== 3;
      const externalId = `burst-${port}-${i}`;
      try {
        const r = create
          ? await call(agent, port, 'POST', '/v1/orders', { amount: '250.00', currency: 'UAH', customer_id: 'shutdown-burst', external_id: externalId })
          : await call(agent, port, 'GET', `/v1/orders/${seeded[i % seeded.length]}`);
        outcomes.push({ kind: create ? 'create' : 'read', externalId, status: r.status, body: r.body as Outcome['body'], at: Date.now() });
      } catch (err) {
        outcomes.push({ kind: create ? 'create' : 'read', externalId, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message, at: Date.now() });
      }
      if (!sigtermAt && outcomes.length >= 30) {
        sigtermAt = Date.now();
        child!.proc.kill('SIGTERM');
      }
    });
    await Promise.all(burst);
    if (!sigtermAt) {
      sigtermAt = Date.now();
      child.proc.kill('SIGTERM');
    }
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([child.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), BOUND_MS + 10_000)))]);
    clearTimeout(timer);
    probing = false;
    await prober;
    agent.destroy();
    const log = child.output();

    // Exit 0 within the bound.
    expect(exit).not.toBeNull();
    expect({ code: exit!.code, signal: exit!.signal }).toEqual({ code: 0, signal: null });
    expect(exit!.at - sigtermAt).toBeLessThan(BOUND_MS);
    expect(log).toMatch(/SIGTERM received/);
    expect(log).toMatch(/shutdown complete in \d+ ms; exiting 0/);

    // Readiness: 503 while still answering, and only then refused.
    const after = readiness.filter((p) => p.at >= sigtermAt);
    const first503 = after.find((p) => p.status === 503);
    const firstRefused = after.find((p) => p.error !== undefined);
    // (It answered 200 before: start-up waited for that.)
    expect(first503).toBeDefined();
    expect(firstRefused).toBeDefined();
    expect(first503!.at).toBeLessThan(firstRefused!.at);
    // The drain: it kept answering (503 on readiness) for about SHUTDOWN_DRAIN_MS.
    expect(firstRefused!.at - sigtermAt).toBeGreaterThanOrEqual(DRAIN_MS - 100);

    // Every 2xx took effect: each 201'd order exists, as it was reported.
    const created = outcomes.filter((o) => o.kind === 'create' && o.status === 201);
    const reads = outcomes.filter((o) => o.kind === 'read' && o.status === 200);
    expect(created.length).toBeGreaterThan(0);
    expect(outcomes.length).toBe(TOTAL);
    const stored = await ordersInDatabase(db, created.map((o) => o.body!.id!));
    for (const o of created) {
      const row = stored.get(o.body!.id!);
      expect(row).toBeDefined();
      expect(row!.external_id).toBe(o.externalId);
      expect(row!.status).toBe(o.body!.status);
    }
    // Reads that answered 200 answered with the order asked for.
    for (const r of reads) expect(seeded).toContain(r.body!.id);
    // Nothing else than a 2xx, a clean 503 (gate, gateway unavailable) or a refused/reset connection.
    for (const o of outcomes) {
      if (o.status !== undefined && o.status >= 300) expect([502, 503]).toContain(o.status);
    }
    const summary = outcomes.reduce<Record<string, number>>((acc, o) => {
      const k = o.status !== undefined ? String(o.status) : (o.error ?? 'error');
      acc[k] = (acc[k] ?? 0) + 1;
      return acc;
    }, {});
    process.stdout.write(`[shutdown] burst outcomes ${JSON.stringify(summary)}; exit ${exit!.at - sigtermAt} ms after SIGTERM\n`);
  }, 240_000);
});
