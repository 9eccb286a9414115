import { Agent } from 'node:http';
import { freePort, freshDatabase, TestDatabase } from '../support/app';
import { FaultGateway, faultGateways } from './gateways';
import { buildService, call, faultSeed, figures, HttpFailure, opsAuth, pool, query, SandboxProcess, serviceEnv, ServiceProcess, sleep, startSandbox, storefrontAuth } from './support';

/**
 * (c) Gateway faults on order creation. For each fault mode, 20 % of create-invoice calls (and of
 * get-invoice calls, the look-up the service makes after an unclear failure) misbehave while 200
 * storefront orders are placed with Idempotency-Keys and retried like a storefront would (same
 * key, a few times). Then: never two invoices for one order at the gateway, and never a create
 * sent once the gateway held the order's invoice (the sandbox's request log: the sandbox refuses
 * a second invoice itself, so what it holds cannot tell), every order ended
 * awaiting_payment or with a retryable 502/503 naming it (details.order_id), and once the gateway
 * is healthy the reconciler (POST /v1/orders/{id}/reconcile) finishes the rest.
 *
 * For each gateway of FAULTS_GATEWAYS (default all), with the fault modes its sandbox has (its
 * _control/faults API: EccaEx's and CryptoSteroid's error, drop, timeout, timeout_after_work and
 * delay; SmartWM's too, and bad_signature: the work done, the answer's DPAY_SECURE not matching)
 * on its create and read-back endpoints. A gateway's truth is its sandbox's database.
 */

const ORDERS = 200;
const STOREFRONT_ATTEMPTS = 4;
const GATEWAY_TIMEOUT_MS = 1500;

/** FAULTS_MODES (comma list): only these modes (default: every mode of each gateway's sandbox). */
const ONLY_MODES = process.env.FAULTS_MODES?.split(',').map((m) => m.trim()).filter(Boolean);

interface Result {
  externalId: string;
  attempts: number;
  final: number | string;
  orderId: string | null;
  code?: string;
}

async function sandboxFaults(s: SandboxProcess, gw: FaultGateway, method: 'POST' | 'DELETE', body?: object): Promise<void> {
  const r = await call(s.url, method, gw.faultsPath, { body });
  if (r.status >= 300) throw new Error(`${gw.name} sandbox faults: ${r.status} ${r.text}`);
}

describe.each(faultGateways().map((g) => [g.name, g] as const))('faults (c): gateway faults on order creation, %s', (gwName: string, gw: FaultGateway) => {
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
    svc = new ServiceProcess('service', build, port, serviceEnv(port, db, sandbox, { ...gw.serviceEnv(sandbox), [gw.timeoutSetting]: String(GATEWAY_TIMEOUT_MS) }));
    await svc.start();
    await gw.prepare(sandbox);
  }, 180_000);

  afterAll(async () => {
    await svc?.kill();
    await sandbox?.stop();
    await db?.drop();
  });

  for (const { name, fault } of gw.faultModes.filter((m) => !ONLY_MODES || ONLY_MODES.includes(m.name))) {
    it(`${name} at 20 %: one invoice per order, a clear error or awaiting_payment, the reconciler finishes`, async () => {
      await sandboxFaults(sandbox, gw, 'DELETE');
      await gw.clearRequests(sandbox);
      await sandboxFaults(sandbox, gw, 'POST', { endpoint: gw.createEndpoint, probability: 0.2, ...fault });
      await sandboxFaults(sandbox, gw, 'POST', { endpoint: gw.readEndpoint, probability: 0.2, ...fault });
      const prefix = `gf-${gwName}-${seed}-${name}`;
      const agent = new Agent({ keepAlive: true, maxSockets: 16 });
      const t0 = Date.now();

      // The storefront: same key and body on every attempt; retries 5xx, 409 in progress and 429.
      const results: Result[] = await pool(Array.from({ length: ORDERS }, (_, i) => i), 16, async (i) => {
        const externalId = `${prefix}-${i}`;
        const body = { ...gw.orderBody(i, externalId, `gf-${i % 20}`), provider: gwName };
        let last: Result = { externalId, attempts: 0, final: 'none', orderId: null };
        for (let attempt = 1; attempt <= STOREFRONT_ATTEMPTS; attempt++) {
          const r = await call(svc.url, 'POST', '/v1/orders', { agent, headers: { ...storefrontAuth, 'idempotency-key': `key-${externalId}` }, body, timeoutMs: 60_000 }).catch(
            (e: HttpFailure) => e,
          );
          if (r instanceof HttpFailure) {
            last = { externalId, attempts: attempt, final: r.code, orderId: null };
          } else {
            last = { externalId, attempts: attempt, final: r.status, orderId: r.body?.id ?? r.body?.error?.details?.order_id ?? null, code: r.body?.error?.code };
            if (r.status === 201) return last;
            const retryable = r.status >= 500 || r.status === 429 || (r.status === 409 && r.body?.error?.code === 'IDEMPOTENCY_IN_PROGRESS');
            if (!retryable) return last;
            const after = Number(r.headers['retry-after'] ?? r.body?.error?.details?.retry_after_sec ?? 0);
            await sleep(Math.min(Math.max(after * 1000, 150 * attempt), 2000));
          }
        }
        return last;
      });
      const storefrontMs = Date.now() - t0;
      agent.destroy();

      // Every order ended awaiting_payment (201) or with a retryable gateway error naming it.
      const created = results.filter((r) => r.final === 201);
      const unclear = results.filter((r) => r.final !== 201);
      const badEnds = unclear.filter((r) => !((r.final === 502 || r.final === 503) && r.orderId && ['GATEWAY_ERROR', 'GATEWAY_UNAVAILABLE'].includes(r.code ?? '')));

      // The gateway recovers; the reconciler finishes what is still pending.
      const faultsApplied = await gw.faultsApplied(sandbox);
      await sandboxFaults(sandbox, gw, 'DELETE');
      if (name.startsWith('delay') || name.startsWith('timeout')) await sleep(3000); // work still landing at the gateway
      const pending = await query<{ id: string }>(db.url!, `SELECT id::text AS id FROM orders WHERE external_id LIKE $1 AND status = 'pending'`, [`${prefix}-%`]);
      const reconciles = await pool(pending, 8, async (o) => {
        const r = await call(svc.url, 'POST', `/v1/orders/${o.id}/reconcile`, { headers: opsAuth });
        return { status: r.status, text: r.text };
      });
      const reconciled = reconciles.map((r) => r.status);
      const badReconciles = reconciles.filter((r) => r.status !== 200);
      if (badReconciles.length) process.stdout.write(`[faults c] ${gwName} ${name}: ${badReconciles.length} reconciles not 200, e.g. ${badReconciles.slice(0, 2).map((r) => `${r.status} ${r.text.slice(0, 400)}`).join(' | ')}\n`);

      // One order per external id, one invoice per order at the gateway, and they match.
      const rows = await query<{ external_id: string; status: string; gateway_invoice_id: string | null }>(
        db.url!,
        `SELECT external_id, status, gateway_invoice_id FROM orders WHERE external_id LIKE $1`,
        [`${prefix}-%`],
      );
      const externalIds = Array.from({ length: ORDERS }, (_, i) => `${prefix}-${i}`);
      const invoices = await gw.invoices(sandbox, externalIds);
      const twoInvoices = [...invoices.values()].filter((v) => v.length > 1).length;
      // CryptoSteroid: an order whose create got no clear answer stays pending (reconcile says 502/503;
      // an invoice made then is never shown and expires), never given a second invoice.
      const heldIds = new Set(
        gw.unclearCreateStaysPending ? pending.filter((_, k) => reconciles[k]!.status === 503 || reconciles[k]!.status === 502).map((o) => o.id) : [],
      );
      const held = await query<{ id: string; external_id: string; status: string; gateway_invoice_id: string | null }>(
        db.url!,
        `SELECT id::text AS id, external_id, status, gateway_invoice_id FROM orders WHERE id = ANY($1::uuid[])`,
        [[...heldIds]],
      );
      const heldPending = new Set(held.filter((r) => r.status === 'pending' && r.gateway_invoice_id === null).map((r) => r.external_id));
      const mismatched = rows.filter(
        (r) => !heldPending.has(r.external_id) && (r.status !== 'awaiting_payment' || invoices.get(r.external_id)?.[0]?.id !== r.gateway_invoice_id),
      );
      // Did the service ever create again once the gateway held the order's invoice? Seen at the
      // gateway (a create that arrived when the external_id already had an invoice: a late first
      // create landing after its retry made the invoice is not one) and by the service (a create
      // answered as a conflict). The sandbox refuses such a create; a real gateway might make a
      // second invoice. (delay: a create that lands after the service gave up can land between a
      // retry's look-up and its create; that race fails this run, as it should.)
      const resent = await gw.secondCreates(sandbox, externalIds);
      const metrics = (await call(svc.url, 'GET', '/metrics')).text;
      const dupCreates = gw.createMetric
        ? metrics
            .split('\n')
            .filter((l) => l.startsWith('payments_gateway_calls_total') && l.includes(`endpoint="${gw.createMetric}"`) && /outcome="(conflict|rejected)"/.test(l))
            .reduce((s, l) => s + Number(l.split(' ').pop()), 0)
        : 0;

      figures(`gateway-${name}/${gwName}`, {
        sent: ORDERS,
        '2xx': created.length,
        applied: rows.filter((r) => r.status === 'awaiting_payment').length,
        lost: ORDERS - rows.length + mismatched.length,
        doubled: twoInvoices + (rows.length - new Set(rows.map((r) => r.external_id)).size),
        retryable_errors: unclear.length,
        reconciled: pending.length - heldPending.size,
        held_for_ops: heldPending.size,
        faults_applied: faultsApplied,
        storefront_attempts: results.reduce((s, r) => s + r.attempts, 0),
        second_creates: resent.length,
        second_creates_refused: dupCreates,
        storefront_s: (storefrontMs / 1000).toFixed(1),
      });
      if (badEnds.length) process.stdout.write(`[faults c] ${gwName} ${name}: unclear ends ${JSON.stringify(badEnds.slice(0, 5))}\n`);
      if (resent.length) process.stdout.write(`[faults c] ${gwName} ${name}: creates after the invoice existed ${JSON.stringify(resent.slice(0, 5))}\n`);

      expect(badEnds).toEqual([]);
      expect(reconciled.filter((s, k) => s !== 200 && !heldIds.has(pending[k]!.id))).toEqual([]);
      expect(rows).toHaveLength(ORDERS);
      expect(mismatched).toEqual([]);
      expect(twoInvoices).toBe(0);
      expect(resent).toEqual([]);
      expect(dupCreates).toBe(0);
      expect(faultsApplied).toBeGreaterThan(0);
    }, 300_000);
  }
});
