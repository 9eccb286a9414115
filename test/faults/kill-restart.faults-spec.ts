import { Agent } from 'node:http';
import { freePort, freshDatabase, TestDatabase } from '../support/app';
import { FaultGateway, faultGateways } from './gateways';
import { auditOrders, buildService, createOrders, deliver, Delivery, faultSeed, figures, OrderRef, pool, query, rng, SandboxProcess, serviceEnv, ServiceProcess, sleep, startSandbox, until } from './support';

/**
 * (a) Distinct callbacks (1,000 for EccaEx; FAULTS_KILL_CALLBACKS_OTHER, default 300, for the
 * others) at concurrency 32 while the service is SIGKILLed three times at random moments and
 * started again on the same database, for each gateway of FAULTS_GATEWAYS (default all). The
 * sender retries every non-2xx and every connection error until a 2xx. The gateway (the sandbox,
 * its own process, its own callbacks off) is the truth: afterwards every acknowledged callback is
 * stored and processed, every order is in the gateway's status, and no order changed status twice.
 * Each gateway's callback is its own: EccaEx's signed body, CryptoSteroid's Invoice notice with
 * the order's Token, SmartWM's GET ping with the order's token (which triggers a signed status read).
 */

const CONCURRENCY = 32;
const KILLS = 3;

describe.each(faultGateways().map((g) => [g.name, g] as const))('faults (a): SIGKILL ×3 during callbacks, %s', (name: string, gw: FaultGateway) => {
  const ORDERS = gw.killCallbacks;
  let build: string;
  let db: TestDatabase;
  let sandbox: SandboxProcess;
  let svc: ServiceProcess;
  const seed = faultSeed();

  beforeAll(async () => {
    build = await buildService();
    db = await freshDatabase();
    sandbox = await startSandbox(build);
    const port = await freePort();
    svc = new ServiceProcess('service', build, port, serviceEnv(port, db, sandbox, gw.serviceEnv(sandbox)));
    await svc.start();
  }, 180_000);

  afterAll(async () => {
    await svc?.kill();
    await sandbox?.stop();
    await db?.drop();
  });

  it('loses nothing and doubles nothing', async () => {
    const random = rng(seed);
    await gw.prepare(sandbox);
    const orders = await createOrders(svc.url, ORDERS, `kill-${name}-${seed}`, CONCURRENCY, { body: gw.orderBody, ready: (o) => gw.ready(sandbox, o) });
    const outcome = (i: number) => gw.outcome(i);
    await pool(orders, 16, (o, i) => gw.settle(sandbox, o, outcome(i), i));

    // Kill moments: after a random number of acknowledged callbacks, plus a random delay.
    const marks = Array.from({ length: KILLS }, (_, k) => Math.floor(((k + 0.2 + random() * 0.6) * ORDERS) / (KILLS + 0.5)));
    const delays = marks.map(() => Math.floor(random() * 250));
    process.stdout.write(`[faults a] ${name} seed ${seed}: ${ORDERS} callbacks, kills after ${marks.map((m, k) => `${m} acks + ${delays[k]} ms`).join(', ')}\n`);

    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let acked = 0;
    let sending = true;
    const kills: Array<{ at: number; acked: number; downMs: number }> = [];
    let killsDone = false;
    const killer = (async () => {
      try {
        for (let k = 0; k < KILLS; k++) {
          while (sending && acked < marks[k]!) await sleep(5);
          if (!sending) break;
          await sleep(delays[k]!);
          const t0 = Date.now();
          await svc.kill();
          const at = acked;
          await svc.start();
          kills.push({ at, acked: at, downMs: Date.now() - t0 });
        }
      } finally {
        killsDone = true;
      }
    })();
    // The last callbacks wait for the last kill, so the burst cannot end before every kill has
    // happened: on a fast machine the callbacks left after the second kill were all acknowledged
    // while the service restarted, and the third kill never came (kills=2 of 3).
    const holdFrom = Math.min(ORDERS, Math.max(...marks) + CONCURRENCY + 1);

    const deadline = Date.now() + 240_000;
    const t0 = Date.now();
    const deliveries: Delivery[] = await pool(orders, CONCURRENCY, async (o, i) => {
      while (i >= holdFrom && !killsDone) await sleep(5);
      const cb = gw.callback(o, outcome(i), `kill-cb-${name}-${seed}-${i}`);
      const d = await deliver(() => svc.url, cb, cb.inboxKey, agent, deadline);
      if (d.ok) acked++;
      return d;
    });
    sending = false;
    await killer;
    const burstMs = Date.now() - t0;
    agent.destroy();
    expect(svc.alive()).toBe(true);

    // Let the service finish: nothing left `received` (jobs of killed processes expire and run again).
    const drainMs = await until(
      'the inbox to have no received rows',
      async () => (await query(db.url!, `SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'received'`))[0]!.n === 0,
      300_000,
      1000,
    );

    const keys = deliveries.map((d) => d.key);
    const stored = await query<{ idempotency_key: string; status: string; n: number }>(
      db.url!,
      `SELECT idempotency_key, min(status) AS status, count(*)::int AS n FROM webhook_inbox WHERE idempotency_key = ANY($1) AND conflict_of IS NULL GROUP BY 1`,
      [keys],
    );
    const byKey = new Map(stored.map((r) => [r.idempotency_key, r]));
    const acks = deliveries.filter((d) => d.ok);
    const lostCallbacks = acks.filter((d) => byKey.get(d.key)?.status !== 'processed');
    const doubledRows = stored.filter((r) => r.n > 1);
    const audit = await auditOrders(db.url!, sandbox, orders as OrderRef[], gw);
    const applied = acks.length - lostCallbacks.length;
    const attempts = deliveries.reduce((s, d) => s + d.attempts, 0);
    const failures: Record<string, number> = {};
    for (const d of deliveries) for (const [k, v] of Object.entries(d.failures)) failures[k] = (failures[k] ?? 0) + v;

    figures(`kill-restart/${name}`, {
      sent: deliveries.length,
      '2xx': acks.length,
      applied,
      lost: lostCallbacks.length + audit.wrong.length,
      doubled: doubledRows.length + audit.doubled.length,
      kills: kills.length,
      attempts,
      ack_was_duplicate: deliveries.filter((d) => d.duplicateOnAck).length,
      burst_s: (burstMs / 1000).toFixed(1),
      drain_s: (drainMs / 1000).toFixed(1),
      restart_ms: kills.map((k) => k.downMs).join('/'),
    });
    process.stdout.write(`[faults a] ${name} failures before a 2xx: ${JSON.stringify(failures)}; orders by status ${JSON.stringify(audit.byStatus)}\n`);
    if (lostCallbacks.length || audit.wrong.length || audit.doubled.length) {
      process.stdout.write(`[faults a] ${name} lost ${JSON.stringify(lostCallbacks.slice(0, 5))} wrong ${JSON.stringify(audit.wrong.slice(0, 5))} doubled ${JSON.stringify(audit.doubled.slice(0, 5))}\n`);
    }

    expect(kills).toHaveLength(KILLS);
    expect(acks).toHaveLength(ORDERS);
    expect(lostCallbacks).toEqual([]);
    expect(doubledRows).toEqual([]);
    expect(audit.wrong).toEqual([]);
    expect(audit.doubled).toEqual([]);
    // The service says the same as its database.
    expect(svc.output()).not.toMatch(/unhandled error/);
  }, 600_000);
});
