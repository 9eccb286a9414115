import { Agent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildService, Child, childEnv, sleep, startChild } from '../hardening/support';
import { freePort, freshDatabase, OPS_KEY, STOREFRONT_KEY, TestDatabase, testEnv, WEBHOOK_SECRET } from '../support/app';
import { signedHeaders } from '../support/callbacks';
import type { GatewayRequest } from '../support/gateway-requests';

/**
 * The fault suite's processes: the service and the sandbox EccaEx as children running the
 * compiled build (test/hardening/support.ts builds it into the temp dir, keyed by the sources),
 * so a test can SIGKILL the service and start it again on the same database and port.
 */

export { buildService, sleep };
/** The sandbox child's merchant key, given to both sides (each would otherwise make its own in its DATA_DIR). */
export const SANDBOX_API_KEY = 'sandbox_fault_suite_key_0001';
/** The other gateways' credentials, given to both sides the same way. */
export const CS_MERCHANT_ID = '5f0c8a8e-2b53-4a6e-9f1d-0c7e2a4b9d11';
export const CS_API_KEY = 'cs_sbx_fault_suite_key_0123456789';
export const SWM_CLIENT_ID = '48151';
export const SWM_SECRET = 'swm_fault_suite_secret_0123456789';

// ------------------------------------------------------------------------------------ HTTP

export interface HttpResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  headers: IncomingHttpHeaders;
  ms: number;
}

export class HttpFailure extends Error {
  constructor(
    readonly code: string,
    readonly ms: number,
  ) {
    super(code);
  }
}

/** One HTTP exchange; a connection error or the client timeout rejects with HttpFailure (code, ms). */
export function call(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer | object; timeoutMs?: number; agent?: Agent } = {},
): Promise<HttpResult> {
  const started = performance.now();
  const u = new URL(path, base);
  const data =
    opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
  const headers: Record<string, string> = { ...(data ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  if (data) headers['content-length'] = String(data.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* kept as text */
        }
        resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers, ms: performance.now() - started });
      });
      res.on('error', (err: NodeJS.ErrnoException) => reject(new HttpFailure(err.code ?? err.message, performance.now() - started)));
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new HttpFailure(err.code ?? err.message, performance.now() - started)));
    if (data) req.write(data);
    req.end();
  });
}

export const storefrontAuth = { authorization: `Bearer ${STOREFRONT_KEY}` };
export const opsAuth = { authorization: `Bearer ${OPS_KEY}` };

/** Runs `fn` over `items` with `n` at a time. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** A seeded PRNG (mulberry32), so a fault run can be repeated from the seed it prints. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultSeed(): number {
  return Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000_000);
}

// ------------------------------------------------------------------------------- database

export async function query<T = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

// -------------------------------------------------------------------------------- sandbox

export interface SandboxProcess {
  url: string;
  /** ECCAEX_BASE_URL for the service. */
  api: string;
  child: Child;
  /** Its own database on the Postgres server, or undefined when it runs on embedded PGlite. */
  db: TestDatabase | undefined;
  stop(): Promise<void>;
}

/**
 * The EccaEx sandbox alone (`node dist/src/sandbox/eccaex/standalone.js`), never killed by the tests: the
 * gateway that outlives our crashes. On Postgres it gets a database of its own; `embedded` puts it
 * on PGlite so it does not notice what happens to the Postgres server.
 */
export async function startSandbox(build: string, opts: { embedded?: boolean; env?: Record<string, string> } = {}): Promise<SandboxProcess> {
  const port = await freePort();
  const db = opts.embedded ? undefined : await freshDatabase();
  const dataDir = db?.dataDir ?? mkdtempSync(join(tmpdir(), 'payments-sandbox-'));
  const env = childEnv({
    SANDBOX_PORT: String(port),
    SANDBOX_HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db?.url,
    DATA_DIR: dataDir,
    // The same secret the service verifies with, and the same merchant key the service sends.
    ECCAEX_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ECCAEX_API_KEY: SANDBOX_API_KEY,
    CRYPTOSTEROID_MERCHANT_ID: CS_MERCHANT_ID,
    CRYPTOSTEROID_API_KEY: CS_API_KEY,
    SMARTWM_CLIENT_ID: SWM_CLIENT_ID,
    SMARTWM_SECRET: SWM_SECRET,
    STOREFRONT_API_KEYS: STOREFRONT_KEY,
    OPS_API_KEYS: OPS_KEY,
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const child = startChild(join(build, 'src', 'sandbox', 'eccaex', 'standalone.js'), env);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await call(url, 'GET', '/sandbox/eccaex/api/v1/currencies', { headers: { 'x-api-key': SANDBOX_API_KEY }, timeoutMs: 2000 }).catch(() => null);
    if (r?.status === 200) break;
    if (Date.now() > deadline || child.proc.exitCode !== null) throw new Error(`sandbox did not start:\n${child.output().slice(-3000)}`);
    await sleep(200);
  }
  return {
    url,
    api: `${url}/sandbox/eccaex/api/v1`,
    child,
    db,
    async stop() {
      if (child.proc.exitCode === null && child.proc.signalCode === null) {
        child.proc.kill('SIGTERM');
        const t = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
        await child.exited;
        clearTimeout(t);
      }
      if (db) await db.drop();
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const sandboxCall = (s: SandboxProcess, method: string, path: string, body?: object) =>
  call(s.url, method, `/sandbox/eccaex${path}`, { body, headers: { 'x-api-key': SANDBOX_API_KEY } });

export async function setSandboxWebhooks(s: SandboxProcess, controls: object): Promise<void> {
  const r = await sandboxCall(s, 'PUT', '/_control/webhooks', controls);
  if (r.status !== 200) throw new Error(`sandbox webhooks control: ${r.status} ${r.text}`);
}

export async function addFault(s: SandboxProcess, fault: object): Promise<void> {
  const r = await sandboxCall(s, 'POST', '/_control/faults', fault);
  if (r.status !== 200 && r.status !== 201) throw new Error(`sandbox fault: ${r.status} ${r.text}`);
}

export async function clearFaults(s: SandboxProcess): Promise<void> {
  await sandboxCall(s, 'DELETE', '/_control/faults');
}

/** Drives an invoice to an outcome at the gateway (no browser). */
export async function simulate(s: SandboxProcess, invoiceId: string, outcome: string, amountFiat?: string): Promise<void> {
  const r = await sandboxCall(s, 'POST', `/api/v1/sandbox/invoices/${invoiceId}/simulate`, amountFiat ? { outcome, amount_fiat: amountFiat } : { outcome });
  if (r.status !== 200) throw new Error(`simulate ${outcome} on ${invoiceId}: ${r.status} ${r.text}`);
}

/** The invoice creates the sandbox received, by external_id, oldest first (its request log). */
export async function gatewayCreatesByRef(s: SandboxProcess): Promise<Map<string, GatewayRequest[]>> {
  const r = await sandboxCall(s, 'GET', '/_control/requests?endpoint=create-invoice');
  if (r.status !== 200) throw new Error(`sandbox request log: ${r.status} ${r.text}`);
  const out = new Map<string, GatewayRequest[]>();
  for (const c of r.body.data as GatewayRequest[]) out.set(c.ref ?? '', [...(out.get(c.ref ?? '') ?? []), c]);
  return out;
}

export async function clearGatewayRequests(s: SandboxProcess): Promise<void> {
  await sandboxCall(s, 'DELETE', '/_control/requests');
}

/** The gateway's invoice statuses by external_id, read from the sandbox's own database. */
export async function gatewayInvoices(s: SandboxProcess, externalIds: string[]): Promise<Map<string, Array<{ id: string; status: string; is_adjusted: boolean }>>> {
  if (!s.db) throw new Error('gatewayInvoices needs the sandbox on Postgres');
  const rows = await query<{ id: string; external_id: string; status: string; is_adjusted: boolean }>(
    s.db.url!,
    `SELECT id::text AS id, external_id, status, is_adjusted FROM sandbox_invoices WHERE external_id = ANY($1) ORDER BY created_at`,
    [externalIds],
  );
  const out = new Map<string, Array<{ id: string; status: string; is_adjusted: boolean }>>();
  for (const r of rows) out.set(r.external_id, [...(out.get(r.external_id) ?? []), r]);
  return out;
}

/** What an order's status must be for a gateway invoice status. */
export const ORDER_STATUS_FOR: Record<string, string> = { pending: 'awaiting_payment', success: 'paid', fail: 'failed', expired: 'expired', canceled: 'canceled' };

// -------------------------------------------------------------------------------- service

/** One service instance as a child process on a fixed port, restartable on the same database. */
export class ServiceProcess {
  child: Child | undefined;
  private readonly logs: string[] = [];
  starts = 0;
  kills = 0;

  constructor(
    readonly name: string,
    readonly build: string,
    readonly port: number,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits for /health/ready; resolves with the ms it took. */
  async start(timeoutMs = 90_000): Promise<number> {
    const t0 = Date.now();
    const child = startChild(join(this.build, 'src', 'main.js'), this.env);
    this.child = child;
    this.starts++;
    const deadline = t0 + timeoutMs;
    for (;;) {
      const r = await call(this.url, 'GET', '/health/ready', { timeoutMs: 2000 }).catch(() => null);
      if (r?.status === 200) return Date.now() - t0;
      if (Date.now() > deadline || child.proc.exitCode !== null || child.proc.signalCode !== null) {
        throw new Error(`${this.name} did not become ready:\n${child.output().slice(-4000)}`);
      }
      await sleep(100);
    }
  }

  alive(): boolean {
    return !!this.child && this.child.proc.exitCode === null && this.child.proc.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests and jobs are cut. */
  async kill(): Promise<void> {
    if (!this.child || !this.alive()) return;
    const c = this.child;
    c.proc.kill('SIGKILL');
    await c.exited;
    this.kills++;
    this.logs.push(c.output());
  }

  async stop(): Promise<void> {
    if (!this.child || !this.alive()) return;
    const c = this.child;
    c.proc.kill('SIGTERM');
    const t = setTimeout(() => c.proc.kill('SIGKILL'), 30_000);
    await c.exited;
    clearTimeout(t);
    this.logs.push(c.output());
  }

  /** Everything every incarnation wrote (the current one too, dead or alive). */
  output(): string {
    const current = this.child && !this.logs.includes(this.child.output()) ? this.child.output() : '';
    const exit = this.child && !this.alive() ? `\n[${this.name} exited: code ${this.child.proc.exitCode}, signal ${this.child.proc.signalCode}]` : '';
    return [...this.logs, current].join('\n') + exit;
  }
}

/** The service's environment: a real database, the sandbox child as its gateway (sandbox mode). */
export function serviceEnv(port: number, db: TestDatabase, sandbox: SandboxProcess, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv(
    testEnv(port, db, {
      ECCAEX_MODE: 'sandbox',
      ECCAEX_BASE_URL: sandbox.api,
      ECCAEX_API_KEY: SANDBOX_API_KEY,
      RATE_LIMIT_PER_MIN: '0',
      LOG_LEVEL: 'warn',
      // The reconciler stays out of the way unless a test wants it.
      RECONCILE_AFTER_S: '86400',
      WITHDRAWALS_SYNC_CRON: 'off',
      ...extra,
    }),
  );
}

// ------------------------------------------------------------------------------ callbacks

export interface OrderRef {
  id: string;
  external_id: string;
  gateway_invoice_id: string;
}

export interface OrderMaker {
  /** The create body of order i (default: EccaEx's, in UAH). */
  body?(i: number, externalId: string, customerId: string): Record<string, unknown>;
  /** After each create (a gateway driver learning the order's callback credential). */
  ready?(order: OrderRef): Promise<void>;
}

export async function createOrders(base: string, n: number, prefix: string, concurrency = 16, maker: OrderMaker = {}): Promise<OrderRef[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    return await pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
      for (let attempt = 1; ; attempt++) {
        const r = await call(base, 'POST', '/v1/orders', {
          agent,
          headers: { ...storefrontAuth, 'idempotency-key': `${prefix}-${i}` },
          body: maker.body
            ? maker.body(i, `${prefix}-${i}`, `${prefix}-customer-${i % 50}`)
            : { amount: `${100 + (i % 900)}.00`, currency: 'UAH', customer_id: `${prefix}-customer-${i % 50}`, external_id: `${prefix}-${i}` },
        }).catch((e: HttpFailure) => ({ status: 0, body: e.code }) as HttpResult);
        if (r.status === 201) {
          await maker.ready?.(r.body as OrderRef);
          return r.body as OrderRef;
        }
        if (attempt >= 5) throw new Error(`create ${prefix}-${i}: ${r.status} ${JSON.stringify(r.body)}`);
        await sleep(200 * attempt);
      }
    });
  } finally {
    agent.destroy();
  }
}

/**
 * A callback body as EccaEx sends it. Its `event_id` is what the service recognises duplicates by
 * (the X-Idempotency-Key header is not signed, so it is only kept for ops): the suites pass their
 * delivery key as the event id, so a delivery is found in the inbox under the key it was sent with.
 */
export function callbackRaw(o: OrderRef, status: string, eventId: string): string {
  return JSON.stringify({ event_id: eventId, order_id: o.gateway_invoice_id, external_id: o.external_id, status });
}

/** A callback ready to send again and again: the same bytes, headers made per attempt (EccaEx signs the time). */
export interface FaultCallback {
  method: 'GET' | 'POST';
  path: string;
  body: string;
  headers(): Record<string, string>;
  /** The webhook_inbox idempotency_key it is stored under (the first time it is stored). */
  inboxKey: string;
}

/** A gateway invoice as its sandbox's database holds it. */
export interface GatewayInvoice {
  id: string;
  status: string;
}

export interface Delivery {
  key: string;
  attempts: number;
  /** Status codes and connection errors seen before the 2xx. */
  failures: Record<string, number>;
  /** The first 2xx said duplicate: an earlier attempt was stored but its reply was lost. */
  duplicateOnAck: boolean;
  ok: boolean;
}

/**
 * Delivers one callback like a gateway: signs it afresh per attempt and retries every non-2xx and
 * every connection error until a 2xx or the deadline. `target` picks the instance per attempt.
 */
export async function deliver(target: (attempt: number) => string | null, raw: string | FaultCallback, key: string, agent: Agent, deadline: number): Promise<Delivery> {
  const d: Delivery = { key, attempts: 0, failures: {}, duplicateOnAck: false, ok: false };
  // A bare body is EccaEx's (signed per attempt, the delivery key as its idempotency header).
  const cb: FaultCallback =
    typeof raw === 'string' ? { method: 'POST', path: '/v1/webhooks/eccaex', body: raw, headers: () => signedHeaders(raw, { key }), inboxKey: key } : raw;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const base = target(attempt);
    if (base === null) break;
    d.attempts++;
    try {
      const r = await call(base, cb.method, cb.path, { agent, headers: cb.headers(), body: cb.method === 'GET' ? undefined : cb.body, timeoutMs: 15_000 });
      if (r.status >= 200 && r.status < 300) {
        d.ok = true;
        d.duplicateOnAck = r.body?.duplicate === true;
        return d;
      }
      d.failures[r.status] = (d.failures[r.status] ?? 0) + 1;
    } catch (err) {
      const code = err instanceof HttpFailure ? err.code : (err as Error).message;
      d.failures[code] = (d.failures[code] ?? 0) + 1;
    }
    await sleep(Math.min(50 * 2 ** Math.min(attempt, 4), 500));
  }
  return d;
}

export function figures(run: string, f: Record<string, number | string>): string {
  const line = `faults: ${run} ${Object.entries(f).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  process.stdout.write(`${line}\n`);
  return line;
}

/** Polls until `probe` is truthy; returns how long it took. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * The end state of a set of orders against the gateway's truth: wrong statuses, and orders whose
 * timeline has a status change twice or more changes than the gateway history allows.
 */
export interface GatewayTruth {
  /** The gateway's invoices by external_id, oldest first. */
  invoices(sandbox: SandboxProcess, externalIds: string[]): Promise<Map<string, GatewayInvoice[]>>;
  /** The order status a gateway invoice status must end as. */
  orderStatusFor(gatewayStatus: string): string | undefined;
}

/** EccaEx's truth: its sandbox's invoices table. */
export const ECCAEX_TRUTH: GatewayTruth = { invoices: gatewayInvoices, orderStatusFor: (s) => ORDER_STATUS_FOR[s] };

export async function auditOrders(
  dbUrl: string,
  sandbox: SandboxProcess,
  orders: OrderRef[],
  truth: GatewayTruth = ECCAEX_TRUTH,
): Promise<{ wrong: string[]; doubled: string[]; byStatus: Record<string, number> }> {
  const ids = orders.map((o) => o.id);
  const rows = await query<{ id: string; external_id: string; status: string; gateway_invoice_id: string | null }>(
    dbUrl,
    `SELECT id::text AS id, external_id, status, gateway_invoice_id FROM orders WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const events = await query<{ order_id: string; to_status: string; n: number }>(
    dbUrl,
    `SELECT order_id::text AS order_id, to_status, count(*)::int AS n FROM order_events WHERE type = 'order.status_changed' AND order_id = ANY($1::uuid[]) GROUP BY 1, 2`,
    [ids],
  );
  const invoices = await truth.invoices(sandbox, orders.map((o) => o.external_id));
  const changes = new Map<string, Array<{ to: string; n: number }>>();
  for (const e of events) changes.set(e.order_id, [...(changes.get(e.order_id) ?? []), { to: e.to_status, n: e.n }]);
  const wrong: string[] = [];
  const doubled: string[] = [];
  const byStatus: Record<string, number> = {};
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const o of orders) {
    const row = byId.get(o.id);
    const inv = invoices.get(o.external_id) ?? [];
    if (!row || inv.length !== 1) {
      wrong.push(`${o.external_id}: ${row ? `${inv.length} gateway invoices` : 'order missing'}`);
      continue;
    }
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    const expected = truth.orderStatusFor(inv[0]!.status);
    if (row.status !== expected || row.gateway_invoice_id !== inv[0]!.id) wrong.push(`${o.external_id}: ${row.status}, gateway says ${inv[0]!.status}`);
    const c = changes.get(o.id) ?? [];
    // The gateway history of these orders is one outcome: pending → awaiting_payment → outcome.
    const allowed = expected === 'awaiting_payment' ? 1 : 2;
    const total = c.reduce((s, x) => s + x.n, 0);
    if (c.some((x) => x.n > 1) || total > allowed) doubled.push(`${o.external_id}: ${c.map((x) => `${x.to}×${x.n}`).join(', ')}`);
  }
  return { wrong, doubled, byStatus };
}
