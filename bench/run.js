'use strict';
/**
 * `npm run bench` (after `nest build`): issue 7's scenarios against the compiled service in dist/,
 * each in fresh child processes, on fresh databases that are dropped at the end. Plain CommonJS.
 *
 *   BENCH_DURATION_S   measured seconds per scenario (default 10)
 *   BENCH_WARMUP_S     warm-up seconds before each measurement (default 3)
 *   BENCH_CONNECTIONS  autocannon connections (default 64)
 *   BENCH_ONLY         comma list of scenarios (ceiling-http, ceiling-write, callback-ack,
 *                      callback-duplicates, ceiling-apply, callback-drain, callback-latency, ceiling-order, order-create,
 *                      order-read, embedded; growth only when named here)
 *   BENCH_GATEWAYS     gateways of the per-gateway scenarios (ceiling-order, order-create,
 *                      ceiling-apply, callback-drain), comma list of bench/gateways/ (default all three)
 *   BENCH_GROWTH_ROWS  stored callbacks and timeline events in the growth scenario's large tables
 *                      (default 10000000; against 10000)
 *   BENCH_RETENTION_RUNS  runs of the retention sweep measured after growth (default 3)
 *   BENCH_PG_URL       the running Postgres (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_PROFILE=1    run the service and the sandbox under `node --cpu-prof`; profiles in bench/profiles/<stamp>/
 *   BENCH_LABEL        a free label stored in the JSON (e.g. before / after)
 *   BENCH_DRAIN_COUNT  stored callbacks for callback-drain (default 20000)
 *   BENCH_DRAIN_TIMEOUT_S  bound of the drain (default 240)
 *   BENCH_LATENCY_COUNT    callbacks of callback-latency, one at a time (default 30)
 *   BENCH_PACED_RATE   order-paced's offered req/s when ceiling-order is not in the run (default 0: skipped);
 *                      otherwise half of ceiling-order's rate of the same gateway
 *   BENCH_READ_LARGE   rows of the large order-read table (default 1000000)
 *   BENCH_MAX_S        hard bound of the whole run (default 1200, 4800 with growth): past it, children are stopped,
 *                      databases dropped, and the run exits 2
 *   BENCH_SERVICE_ENV  extra service settings, "K=V,K=V" (e.g. DATABASE_POOL_SIZE=10)
 *   BENCH_SERVICE_NODE_FLAGS  extra Node flags for the service, after start:prod's (e.g. --trace-gc)
 *   BENCH_CHILD_OUTPUT=1  print every child's output (service, sandbox, ceilings) as it comes
 *
 * Every target is 127.0.0.1. Results: printed, and bench/results/<stamp>.json.
 */
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Child, freePort, request, sleep } = require('./lib/proc');
const { drive } = require('./lib/load');
const { paced, percentile } = require('./lib/paced');
const db = require('./lib/db');
const cpu = require('./lib/cpu');
const growth = require('./lib/growth');
const { pooled } = require('./lib/pool');
const { DRIVERS, selectGateways } = require('./gateways');

const ROOT = path.join(__dirname, '..');
const DIST_MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
/** The service runs with the V8 flags production uses: those of `npm run start:prod` (and the Dockerfile). */
const PROD_NODE_FLAGS = (require('../package.json').scripts['start:prod'].match(/^node((?:\s+--\S+)*)\s/)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
const DIST_SANDBOX = path.join(ROOT, 'dist', 'src', 'sandbox', 'eccaex', 'standalone.js');
const DIST_MIGRATE = path.join(ROOT, 'dist', 'src', 'database', 'migrate.js');

const ALL = ['ceiling-http', 'ceiling-write', 'callback-ack', 'callback-duplicates', 'ceiling-apply', 'callback-drain', 'callback-latency', 'ceiling-order', 'order-create', 'order-read', 'growth', 'embedded'];
/** Long (it seeds BENCH_GROWTH_ROWS rows): run only when BENCH_ONLY names it. */
const OPT_IN = ['growth'];
/** What needs neither the sandbox nor the service. */
const BARE = ['ceiling-http', 'ceiling-write'];

function intEnv(name, def, min = 0) {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return def;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new Error(`${name}: expected a whole number >= ${min}, got "${v}"`);
  return Number(v);
}

const CFG = {
  durationS: intEnv('BENCH_DURATION_S', 10, 1),
  warmupS: intEnv('BENCH_WARMUP_S', 3, 0),
  connections: intEnv('BENCH_CONNECTIONS', 64, 1),
  drainCount: intEnv('BENCH_DRAIN_COUNT', 20_000, 1),
  drainTimeoutS: intEnv('BENCH_DRAIN_TIMEOUT_S', 240, 1),
  sandboxHistory: intEnv('BENCH_SANDBOX_HISTORY', 20_000, 0),
  latencyCount: intEnv('BENCH_LATENCY_COUNT', 30, 1),
  /** order-paced's offered rate when ceiling-order did not run (0: order-paced is skipped then). */
  pacedRate: intEnv('BENCH_PACED_RATE', 0, 0),
  readSmall: 10_000,
  readLarge: intEnv('BENCH_READ_LARGE', 1_000_000, 10_001),
  growthSmall: 10_000,
  growthRows: intEnv('BENCH_GROWTH_ROWS', 10_000_000, 20_002),
  retentionRuns: intEnv('BENCH_RETENTION_RUNS', 3, 1),
  maxS: intEnv('BENCH_MAX_S', (process.env.BENCH_ONLY || '').includes('growth') ? 4800 : 1200, 60),
  adminUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  profile: process.env.BENCH_PROFILE === '1',
  label: process.env.BENCH_LABEL || null,
  /** Extra Node flags for the service, after start:prod's (e.g. --trace-gc, which NODE_OPTIONS refuses). */
  serviceNodeFlags: (process.env.BENCH_SERVICE_NODE_FLAGS || '').split(/\s+/).filter(Boolean),
  only: (process.env.BENCH_ONLY || '').split(',').map((s) => s.trim()).filter(Boolean),
  serviceEnv: Object.fromEntries(
    (process.env.BENCH_SERVICE_ENV || '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ),
};
for (const s of CFG.only) if (!ALL.includes(s)) throw new Error(`BENCH_ONLY: unknown scenario "${s}" (known: ${ALL.join(', ')})`);
const selected = CFG.only.length ? ALL.filter((s) => CFG.only.includes(s)) : ALL.filter((s) => !OPT_IN.includes(s));
/** The per-gateway scenarios' gateways; EccaEx is always on in the service and the sandbox (the callback scenarios are its). */
const GATEWAYS = selectGateways(process.env.BENCH_GATEWAYS);
const ECCAEX = DRIVERS.eccaex;
const ACTIVE = [ECCAEX, ...GATEWAYS.filter((g) => g !== ECCAEX)];

const now = new Date();
const pad = (n) => String(n).padStart(2, '0');
const STAMP = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
const SERVICE_DB = `bench_${STAMP}`;
const SANDBOX_DB = `bench_${STAMP}_sandbox`;
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
const PROFILE_DIR = path.join(__dirname, 'profiles', STAMP);

// Secrets of this run only (16+ characters, as the settings demand); each gateway's the same on both sides.
const CREDS = Object.fromEntries(ACTIVE.map((g) => [g.name, g.credentials()]));
const SECRET = CREDS.eccaex.webhookSecret;
const STOREFRONT_KEY = `sk_store_bench_${randomBytes(18).toString('base64url')}`;
const OPS_KEY = `sk_ops_bench_${randomBytes(18).toString('base64url')}`;
const MERCHANT_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

const children = new Set();
const createdDbs = [];
const t0 = Date.now();
const log = (msg) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

function spawnChild(name, args, env) {
  const child = new Child(name, args, { env, cwd: ROOT });
  children.add(child);
  child.exit.then(() => children.delete(child));
  return child;
}

/** Environment of a child: this process's, minus every setting the benchmark controls. */
function baseEnv(extra) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(DATABASE_|ECCAEX_|CRYPTOSTEROID_|SMARTWM_|DEFAULT_PROVIDER|SANDBOX_|STOREFRONT_|OPS_|MERCHANT_|PUBLIC_BASE_URL|CALLBACK_BASE_URL|PORT$|DATA_DIR|LOG_LEVEL|RATE_LIMIT|RECONCILE_|RETENTION_|REQUEST_TIMEOUT|SHUTDOWN_|NODE_OPTIONS|BENCH_|GATEWAY)/.test(k)) delete env[k];
  }
  return { ...env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...extra };
}

// ------------------------------------------------------------------------------------- infra

const infra = { sandbox: null, sandboxPort: 0, sandboxOrigin: '', sandboxHttp: null, sink: null, sinkPort: 0, serviceUrl: '', sandboxUrl: '' };

/** Every active gateway on in the service, each against the standalone sandbox (the migration, run before it, only needs them on). */
const gatewayServiceEnv = () => Object.assign({}, ...ACTIVE.map((g) => g.serviceEnv(infra.sandboxOrigin || 'http://127.0.0.1:1', CREDS[g.name])));

async function startSink() {
  infra.sinkPort = await freePort();
  infra.sink = spawnChild('sink', [path.join(__dirname, 'sink.js')], baseEnv({ PORT: String(infra.sinkPort) }));
  await infra.sink.waitFor('sink listening', async () => (await request(infra.sinkPort, 'GET', '/count')).status === 200, 15_000);
}

async function startSandbox() {
  infra.sandboxPort = await freePort();
  infra.sandboxOrigin = `http://127.0.0.1:${infra.sandboxPort}`;
  const profileArgs = [];
  if (CFG.profile) {
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    profileArgs.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-name=sandbox.cpuprofile');
  }
  infra.sandbox = spawnChild(
    'sandbox',
    [...profileArgs, DIST_SANDBOX],
    baseEnv({
      SANDBOX_PORT: String(infra.sandboxPort),
      SANDBOX_HOST: '127.0.0.1',
      PUBLIC_BASE_URL: infra.sandboxOrigin,
      DATABASE_URL: infra.sandboxUrl,
      DATA_DIR: path.join(TMP, 'sandbox-data'),
      STOREFRONT_API_KEYS: STOREFRONT_KEY,
      OPS_API_KEYS: OPS_KEY,
      // Each gateway's key and secret of this run: the sandbox accepts, and the service sends, the same ones.
      ...Object.assign({}, ...ACTIVE.map((g) => g.sandboxEnv(CREDS[g.name]))),
    }),
  );
  infra.sandboxHttp = pooled(infra.sandboxOrigin, { connections: 4 });
  for (const g of ACTIVE) {
    await infra.sandbox.waitFor(`${g.label} sandbox ready`, () => g.ready(infra.sandboxHttp, CREDS[g.name]), 120_000);
    await g.quiet(infra.sandboxHttp);
  }
}

/** The service in production mode; embedded = no DATABASE_URL (PGlite under DATA_DIR). */
async function startService(name, { embedded = false, waitReady = true } = {}) {
  const port = await freePort();
  const env = baseEnv({
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...gatewayServiceEnv(),
    STOREFRONT_API_KEYS: STOREFRONT_KEY,
    OPS_API_KEYS: OPS_KEY,
    MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${infra.sinkPort}/hooks/payments`,
    MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
    // The storefront limit (default 6000/min per key) would cap every storefront scenario at 100 req/s.
    RATE_LIMIT_PER_MIN: '10000000',
    SHUTDOWN_DRAIN_MS: '0',
    DATA_DIR: path.join(TMP, embedded ? 'embedded-data' : 'service-data'),
    ...(embedded ? {} : { DATABASE_URL: infra.serviceUrl }),
    ...CFG.serviceEnv,
  });
  const args = [];
  if (CFG.profile) {
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name.replace(/\//g, '-')}.cpuprofile`);
  }
  args.push(...PROD_NODE_FLAGS, ...CFG.serviceNodeFlags, DIST_MAIN);
  const child = spawnChild(`service:${name}`, args, env);
  child.port = port;
  child.profileName = name.replace(/\//g, '-');
  if (waitReady) await waitServiceReady(child, embedded ? 300_000 : 120_000);
  return child;
}

function waitServiceReady(child, timeoutMs = 120_000) {
  return child.waitFor('/health/ready', async () => (await request(child.port, 'GET', '/health/ready', { timeoutMs: 5000 })).status === 200, timeoutMs);
}

/** The embedded scenario's one-time data-directory initialisation (seconds, peak RSS). */
let embeddedInit = null;

async function runNode(name, script, env, timeoutMs = 120_000) {
  const child = spawnChild(name, [script], env);
  const timer = setTimeout(() => child.stop(1000), timeoutMs);
  const { code } = await child.exit;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${name} failed (exit ${code}):\n${child.tail()}`);
}

// ------------------------------------------------------------------------------- requests

const SIGN = () => require('./lib/callbacks');
const bearer = (key) => ({ authorization: `Bearer ${key}` });
const md5uuid = (s) => {
  const h = createHash('md5').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** The n-th order of a load: the gateway's order body, a new Idempotency-Key each. */
function orderCreateCall(gw = ECCAEX) {
  const prefix = randomBytes(4).toString('hex');
  const body = JSON.stringify(gw.orderBody());
  return (n) => ({
    method: 'POST',
    path: '/v1/orders',
    headers: { ...bearer(STOREFRONT_KEY), 'content-type': 'application/json', 'idempotency-key': `bench-${prefix}-${n}` },
    body,
  });
}

function orderCreateRequests(gw = ECCAEX) {
  let n = 0;
  const call = orderCreateCall(gw);
  return [{ method: 'POST', path: '/v1/orders', setupRequest: (req) => ({ ...req, ...call(++n) }) }];
}

function orderReadRequests(tag, rows) {
  const headers = bearer(STOREFRONT_KEY);
  return [
    {
      method: 'GET',
      path: '/v1/orders/x',
      setupRequest: (req) => ({ ...req, headers, path: `/v1/orders/${md5uuid(`${tag}-${1 + Math.floor(Math.random() * rows)}`)}` }),
    },
  ];
}

/**
 * Warm-up, then the measured run; CPU of `pids` and of the Postgres backends of `dbs` over the
 * measured window. `requests`: autocannon's, as many as the connections carry (closed loop); or,
 * with `rate`, a function of n offered at that fixed rate (open loop, bench/lib/paced.js).
 */
async function load(port, requests, title, { pids = {}, dbs = {}, profileName, rate } = {}) {
  log(`  load: ${title} — ${rate ? `${Math.round(rate)} req/s offered over at most ` : ''}${CFG.connections} connections, warm-up ${CFG.warmupS} s, measure ${CFG.durationS} s`);
  let start;
  let fromUs;
  let walStart;
  let units = 0;
  const monoUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = {
    connections: CFG.connections,
    durationS: CFG.durationS,
    warmupS: CFG.warmupS,
    onMeasureStart: () => {
      start = cpu.snapshot(pids, dbs);
      fromUs = monoUs();
      walStart = db.walCounters(infra.serviceUrl).catch(() => null);
    },
    onMeasureEnd: (n) => {
      units = n;
      return cpu.diff(start, cpu.snapshot(pids, dbs), n);
    },
  };
  const figures = rate ? await paced({ port, rate, request: requests, ...window }) : await drive({ port, requests, title, ...window });
  const walEnd = await db.walCounters(infra.serviceUrl).catch(() => null);
  figures.wal = db.walPerUnit(await walStart, walEnd, units);
  // The measured window on the monotonic clock V8's profiler uses, for bench/profile-top.js.
  // The sandbox's one profile gets every window, each titled with its scenario (--phase picks one).
  if (CFG.profile) {
    const toUs = monoUs();
    for (const name of [profileName, 'sandbox'].filter(Boolean)) {
      const file = path.join(PROFILE_DIR, `${name}.window.json`);
      const windows = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
      windows.push({ title, from_us: fromUs, to_us: toUs });
      fs.mkdirSync(PROFILE_DIR, { recursive: true });
      fs.writeFileSync(file, JSON.stringify(windows, null, 2));
    }
  }
  return figures;
}

/** What a service scenario watches: the service, the sandbox, and both databases' backends. */
const watch = (svc, { embedded = false } = {}) => ({
  profileName: svc.profileName,
  pids: { service: svc.pid, sandbox: infra.sandbox?.pid },
  dbs: embedded ? { sandbox: SANDBOX_DB } : { service: SERVICE_DB, sandbox: SANDBOX_DB },
});

// ------------------------------------------------------------------------------- scenarios

const results = [];

function record(name, figures, child, extra = {}) {
  const row = {
    scenario: name,
    rps: figures?.rps ?? null,
    p50_ms: figures?.p50_ms ?? null,
    p99_ms: figures?.p99_ms ?? null,
    non2xx: figures?.non2xx ?? null,
    errors: figures ? figures.errors + figures.timeouts : null,
    peak_rss_mb: child ? child.peakMb : null,
    ...(figures ? { detail: figures } : {}),
    ...extra,
  };
  results.push(row);
  log(
    `  => ${name}: ${row.rps ?? '-'} req/s, p50 ${row.p50_ms ?? '-'} ms, p99 ${row.p99_ms ?? '-'} ms, non-2xx ${row.non2xx ?? '-'}, errors ${row.errors ?? '-'}, peak RSS ${row.peak_rss_mb ?? '-'} MB` +
      (extra.note ? ` (${extra.note})` : ''),
  );
  const w = figures?.wal;
  if (w) log(`     WAL per unit: ${w.fpi_per_unit} full-page images, ${w.wal_kb_per_unit} kB; ${w.backend_writes_per_unit} buffers written by backends; ${w.checkpoints} checkpoint(s) in the window`);
  return row;
}

/**
 * callback-ack on the tables as they are: every callback new, signed per request. `settle`: the
 * service runs on until its workers have settled every stored callback (growth: nothing left over
 * for the drain that follows).
 */
async function runAck(name, { settle = false } = {}) {
  const svc = await startService(name);
  const f = await load(svc.port, SIGN().uniqueCallbackRequests(SECRET), name, watch(svc));
  if (settle) {
    const deadline = Date.now() + CFG.drainTimeoutS * 1000;
    const left = () => db.withClient(infra.serviceUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'received'`)).rows[0].n);
    while ((await left()) > 0 && Date.now() < deadline && !svc.exited) await sleep(500);
  }
  await svc.stop();
  const stored = await db.withClient(infra.serviceUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM webhook_inbox`)).rows[0].n);
  return record(name, f, svc, { stored_rows: stored, note: 'bodies name invoices that are not ours: the workers settle them as unmatched meanwhile' });
}

/** What a ceiling process needs to reach the gateway's sandbox as the service does. */
const ceilingEnv = (gw) => ({ GATEWAY: gw.name, SANDBOX_ORIGIN: infra.sandboxOrigin, GATEWAY_CREDENTIALS: JSON.stringify(CREDS[gw.name]) });

/**
 * `n` awaiting_payment orders of gateway `gw`, `n` paid invoices at its sandbox and `n` stored
 * callbacks (with their pg-boss jobs when `jobs`), seeded by SQL while nothing runs.
 */
async function seedDrain(gw, n, { jobs = true, label = '' } = {}) {
  const tag = `drain${label}${gw.name.slice(0, 3)}${STAMP.replace('_', '')}${randomBytes(2).toString('hex')}`;
  const invTag = `${tag}-inv`;
  log(`  seeding ${n} awaiting_payment ${gw.label} orders, ${n} paid sandbox invoices, ${n} stored callbacks${jobs ? ' + jobs' : ''}`);
  const ts = Date.now();
  await db.seedOrders(infra.serviceUrl, { tag, count: n, status: 'awaiting_payment', order: gw.order, invoiceIdSql: gw.invoiceIdSql(invTag), recent: true });
  await db.withClient(infra.sandboxUrl, (c) => gw.seedPaidInvoices(c, { invoiceTag: invTag, orderTag: tag, count: n, creds: CREDS[gw.name] }));
  const seeded = await db.seedStoredCallbacks(infra.serviceUrl, { gw, creds: CREDS[gw.name], invoiceTag: invTag, orderTag: tag, count: n, jobs });
  if (seeded.inbox !== n || (jobs && seeded.ids !== n)) throw new Error(`seeded ${seeded.inbox} callbacks, ${seeded.jobs} jobs naming ${seeded.ids} of ${n} (is the queue defined?)`);
  log(`  seeded in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
  return { tag };
}

/**
 * Each emulated gateway starts with a history of settled invoices (BENCH_SANDBOX_HISTORY, 20,000
 * each), analyzed, as a gateway in service has. On empty, never-analyzed tables the emulator's
 * statements got plans made for no rows (its lookups by the merchant's order id walked an index
 * that leads with the one merchant, so every row): its Postgres time per invoice then grew with
 * every invoice created, up to 4 ms, and weighed on whichever scenario ran later.
 */
async function seedGatewayHistory() {
  const n = CFG.sandboxHistory;
  if (!n) return;
  const ts = Date.now();
  await db.withClient(infra.sandboxUrl, async (c) => {
    for (const gw of ACTIVE) await gw.seedPaidInvoices(c, { invoiceTag: `history-${STAMP}-inv`, orderTag: `history-${STAMP}`, count: n, creds: CREDS[gw.name] });
  });
  log(`  gateway history: ${n} settled invoices per gateway in the sandbox, in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
}

/** Each order-create scenario starts from the same gateway state (see the driver's expireOpenInvoices). */
async function expireOpenInvoices(gw) {
  if (gw.expireOpenInvoices) await db.withClient(infra.sandboxUrl, (c) => gw.expireOpenInvoices(c));
}

/** callback-drain: seeds, starts the service, callbacks/s until no callback of the seeded set is `received`. */
async function runDrain(gw, name) {
  const n = CFG.drainCount;
  const { tag } = await seedDrain(gw, n);
  log('  starting the service, measuring until no callback is left received');
  const svc = await startService(name, { waitReady: false });
  return measureDrain(name, svc, { n, tag, gw, stop: true });
}

/**
 * Watches `child` settle the `n` stored callbacks of `tag` (service or ceiling-apply): callbacks/s
 * from the first look after processing began until none is `received`, CPU per callback over that
 * window, then checks what was written (paid orders, timeline events, outbox rows).
 */
async function measureDrain(name, child, { n, tag, gw, stop }) {
  const c = new (require('pg').Client)({ connectionString: infra.serviceUrl });
  await c.connect();
  cpu.excludeBackend((await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  const remaining = async () => (await c.query(`SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'received' AND external_id LIKE $1`, [`${tag}-%`])).rows[0].n;
  // Rows read by sequential scans of the service's tables (the inbox apart: this loop's count scans it).
  const seqRows = async () =>
    (await c.query(`SELECT coalesce(sum(seq_tup_read), 0)::bigint AS n FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname <> 'webhook_inbox'`)).rows[0].n;
  const pids = { service: child.pid, sandbox: infra.sandbox?.pid };
  const dbs = { service: SERVICE_DB, sandbox: SANDBOX_DB };
  let startAt = null;
  let startLeft = n;
  let startCpu = null;
  let startSeq = 0;
  let startWal = null;
  let endAt = null;
  let left = n;
  const deadline = Date.now() + CFG.drainTimeoutS * 1000;
  for (;;) {
    const t = Date.now();
    left = await remaining();
    if (startAt === null && left < n) {
      // The first look after processing began: the window starts here.
      startAt = t;
      startLeft = left;
      startCpu = cpu.snapshot(pids, dbs);
      startSeq = Number(await seqRows());
      startWal = await db.walCounters(infra.serviceUrl).catch(() => null);
    }
    if (left === 0) {
      endAt = t;
      break;
    }
    if (Date.now() > deadline || child.exited) break;
    await sleep(250);
  }
  const ready = stop ? await waitServiceReady(child, 5000).then(() => true, () => false) : null;
  const endCpu = cpu.snapshot(pids, dbs);
  const endWal = await db.walCounters(infra.serviceUrl).catch(() => null);
  const elapsedS = startAt === null ? 0 : ((endAt ?? Date.now()) - startAt) / 1000;
  const inWindow = startLeft - left;
  const rate = elapsedS > 0 ? Math.round((inWindow / elapsedS) * 10) / 10 : 0;
  const drainCpu = startCpu ? cpu.diff(startCpu, endCpu, inWindow) : undefined;
  // Statistics reach the counters within a second or so: read them once that has passed.
  await sleep(1500);
  const seqPerCallback = inWindow > 0 ? Math.round(((Number(await seqRows()) - startSeq) / inWindow) * 10) / 10 : null;
  // What the drain wrote: transitions, timeline, outbox.
  const check = (
    await c.query(
      `SELECT (SELECT count(*)::int FROM orders WHERE external_id LIKE $1 AND status = 'paid') AS paid_orders,
              (SELECT count(*)::int FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.external_id LIKE $1 AND e.type = 'order.status_changed' AND e.to_status = 'paid') AS paid_events,
              (SELECT count(*)::int FROM notifications nt JOIN orders o ON o.id = nt.order_id WHERE o.external_id LIKE $1 AND nt.type = 'order.paid') AS outbox_rows,
              (SELECT count(*)::int FROM webhook_inbox WHERE external_id LIKE $1 AND status = 'processed') AS processed,
              (SELECT count(*)::int FROM webhook_inbox WHERE external_id LIKE $1 AND status NOT IN ('processed','received')) AS not_processed`,
      [`${tag}-%`],
    )
  ).rows[0];
  await c.end();
  if (stop) await child.stop();
  check.ok = endAt !== null && check.paid_orders === n && check.paid_events === n && check.outbox_rows === n && check.not_processed === 0;
  return record(
    name,
    { rps: rate, p50_ms: null, p99_ms: null, non2xx: 0, errors: check.not_processed, timeouts: 0, ...(drainCpu ? { cpu: drainCpu } : {}), wal: db.walPerUnit(startWal, endWal, inWindow) },
    child,
    {
      gateway: gw.name,
      callbacks: n,
      processed: n - left,
      elapsed_s: Math.round(elapsedS * 10) / 10,
      finished: endAt !== null,
      ...(stop ? { service_was_ready: ready } : {}),
      check,
      seq_rows_per_callback: seqPerCallback,
      note: endAt === null ? `stopped with ${left} left` : 'callbacks/s until no inbox row is received',
    },
  );
}

/**
 * The retention sweep's effect on the grown tables (the history is 30 days old and more):
 * RETENTION_DAYS=7, up to BENCH_RETENTION_RUNS runs of the service's own sweep (bench/retention-run.js);
 * rows deleted per second and CPU per 1,000 rows deleted (the sweep's process and Postgres).
 */
async function measureRetention() {
  const counts = () =>
    db.withClient(infra.serviceUrl, async (c) =>
      (await c.query(`SELECT (SELECT count(*) FROM webhook_inbox)::int AS callbacks, (SELECT count(*) FROM order_events)::int AS events, (SELECT count(*) FROM notifications)::int AS notifications`)).rows[0],
    );
  const before = await counts();
  const child = spawnChild(
    'retention-run',
    // Under the service's own Node flags (its heap limit above all), as its hourly job runs in it.
    [...PROD_NODE_FLAGS, path.join(__dirname, 'retention-run.js')],
    baseEnv({ ...gatewayServiceEnv(), DATABASE_URL: infra.serviceUrl, DATA_DIR: path.join(TMP, 'retention'), STOREFRONT_API_KEYS: STOREFRONT_KEY, OPS_API_KEYS: OPS_KEY, RETENTION_DAYS: '7', RETENTION_RUNS: String(CFG.retentionRuns) }),
  );
  const start = cpu.snapshot({}, { service: SERVICE_DB });
  const { code } = await child.exit;
  if (code !== 0) throw new Error(`retention-run failed (exit ${code}):\n${child.tail()}`);
  const pg = cpu.diff(start, cpu.snapshot({}, { service: SERVICE_DB }), 1).per_request_ms.pg_service;
  // Its own lines only (the service's log lines are JSON too).
  const runs = child.lines.filter((l) => l.startsWith('{"run":')).map((l) => JSON.parse(l));
  const rows = runs.reduce((a, r) => a + Object.values(r.deleted).reduce((x, y) => x + y, 0), 0);
  const ms = runs.reduce((a, r) => a + r.ms, 0);
  const cpuMs = runs.reduce((a, r) => a + r.cpu_ms, 0) + (pg ?? 0);
  const after = await counts();
  const row = {
    scenario: 'growth-retention',
    rps: ms > 0 ? Math.round((rows / ms) * 10_000) / 10 : null,
    peak_rss_mb: child.peakMb,
    runs,
    rows_deleted: rows,
    cpu_ms_per_1000_rows: rows ? Math.round((cpuMs / rows) * 1_000_000) / 1000 : null,
    before,
    after,
    note: 'rows deleted per second by RETENTION_DAYS=7 runs (req/s column); CPU of the sweep process and Postgres per 1,000 rows',
  };
  results.push(row);
  log(`  => growth-retention: ${runs.length} run(s) deleted ${rows} rows in ${(ms / 1000).toFixed(1)} s (${row.rps} rows/s, ${row.cpu_ms_per_1000_rows} CPU ms per 1,000 rows); before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
}

/** The growth scenario's seeding times and table sizes (printed apart). */
let growthSeeding = null;

const scenarios = {
  async 'ceiling-http'() {
    const port = await freePort();
    const child = spawnChild('ceiling-http', [path.join(__dirname, 'ceiling-http.js')], baseEnv({ PORT: String(port) }));
    await child.waitFor('listening', async () => (await request(port, 'GET', '/')).status === 200, 30_000);
    const f = await load(port, SIGN().uniqueCallbackRequests(SECRET), 'ceiling-http', { pids: { service: child.pid } });
    await child.stop();
    record('ceiling-http', f, child);
  },

  async 'ceiling-write'() {
    const port = await freePort();
    const child = spawnChild(
      'ceiling-write',
      [path.join(__dirname, 'ceiling-write.js')],
      baseEnv({ PORT: String(port), DATABASE_URL: infra.serviceUrl, ECCAEX_WEBHOOK_SECRET: SECRET }),
    );
    await child.waitFor('listening', async () => (await request(port, 'GET', '/')).status === 404, 30_000);
    const f = await load(port, SIGN().uniqueCallbackRequests(SECRET), 'ceiling-write', { pids: { service: child.pid }, dbs: { service: SERVICE_DB } });
    await child.stop();
    const stored = await db.withClient(infra.serviceUrl, async (c) => {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM bench_ceiling_inbox`);
      await c.query(`DROP TABLE bench_ceiling_inbox`);
      return rows[0].n;
    });
    record('ceiling-write', f, child, { stored_rows: stored });
  },

  async 'callback-ack'() {
    await db.resetServiceData(infra.serviceUrl);
    await runAck('callback-ack');
  },

  async 'callback-duplicates'() {
    await db.resetServiceData(infra.serviceUrl);
    const svc = await startService('callback-duplicates');
    // One real order, paid at the sandbox, and its callback: the first delivery applies it.
    const created = await request(svc.port, 'POST', '/v1/orders', {
      headers: { ...bearer(STOREFRONT_KEY), 'idempotency-key': `dup-${STAMP}` },
      body: { amount: '1500.00', currency: 'UAH', customer_id: 'bench-dup' },
    });
    if (created.status !== 201) throw new Error(`create order: HTTP ${created.status} ${created.text}`);
    const order = created.body;
    const sim = await request(infra.sandboxPort, 'POST', `/sandbox/eccaex/api/v1/sandbox/invoices/${order.gateway_invoice_id}/simulate`, { body: { outcome: 'success' } });
    if (sim.status !== 200) throw new Error(`simulate: HTTP ${sim.status} ${sim.text}`);
    const key = `${order.gateway_invoice_id}:success:bench`;
    const transitions = () =>
      db.withClient(infra.serviceUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM order_events WHERE order_id = $1 AND type = 'order.status_changed'`, [order.id])).rows[0].n);
    const before = await transitions();
    const { requests } = SIGN().sameCallbackRequests(SECRET, { invoiceId: order.gateway_invoice_id, externalId: order.external_id, key });
    const f = await load(svc.port, requests, 'callback-duplicates', watch(svc));
    // Let the one stored callback be processed, then look.
    let check;
    const deadline = Date.now() + 30_000;
    for (;;) {
      check = await db.withClient(infra.serviceUrl, async (c) => {
        // Every copy names the same invoice: however the intake keys duplicates, one row is stored.
        const rows = (await c.query(`SELECT status, conflict_of FROM webhook_inbox WHERE provider = 'eccaex' AND gateway_order_id = $1`, [order.gateway_invoice_id])).rows;
        const st = (await c.query(`SELECT status FROM orders WHERE id = $1`, [order.id])).rows[0].status;
        return { inbox_rows: rows.length, inbox_statuses: rows.map((r) => r.status), order_status: st };
      });
      if (check.inbox_statuses.every((s) => s !== 'received') || Date.now() > deadline) break;
      await sleep(200);
    }
    await svc.stop();
    const after = await transitions();
    check.transitions_before = before;
    check.transitions_after = after;
    check.extra_transitions = after - before - 1; // exactly one: awaiting_payment -> paid
    check.ok = check.inbox_rows === 1 && check.extra_transitions === 0 && check.order_status === 'paid';
    record('callback-duplicates', f, svc, { check });
  },

  /**
   * The contract's "processing may finish after the reply (p99 within 2 s when idle)": callbacks
   * sent one at a time to an otherwise idle service, each timed from its 200 to the order read
   * back as paid (polled every 5 ms).
   */
  async 'callback-latency'() {
    await db.resetServiceData(infra.serviceUrl);
    const svc = await startService('callback-latency');
    const samples = [];
    for (let i = 0; i < CFG.latencyCount; i++) {
      const created = await request(svc.port, 'POST', '/v1/orders', { headers: bearer(STOREFRONT_KEY), body: { amount: '1500.00', currency: 'UAH', customer_id: 'bench-latency' } });
      if (created.status !== 201) throw new Error(`create order: HTTP ${created.status} ${created.text}`);
      const order = created.body;
      const sim = await request(infra.sandboxPort, 'POST', `/sandbox/eccaex/api/v1/sandbox/invoices/${order.gateway_invoice_id}/simulate`, { body: { outcome: 'success' } });
      if (sim.status !== 200) throw new Error(`simulate: HTTP ${sim.status} ${sim.text}`);
      const raw = SIGN().callbackBody({ invoiceId: order.gateway_invoice_id, externalId: order.external_id });
      const ack = await request(svc.port, 'POST', '/v1/webhooks/eccaex', { headers: SIGN().signedHeaders(SECRET, raw, `latency-${order.id}`), body: raw });
      if (ack.status !== 200) throw new Error(`callback: HTTP ${ack.status} ${ack.text}`);
      const acked = Date.now();
      const deadline = acked + 30_000;
      while ((await request(svc.port, 'GET', `/v1/orders/${order.id}`, { headers: bearer(STOREFRONT_KEY) })).body?.status !== 'paid') {
        if (Date.now() > deadline) throw new Error(`order ${order.id} not paid 30 s after its callback was acknowledged`);
        await sleep(5);
      }
      samples.push(Date.now() - acked);
    }
    await svc.stop();
    samples.sort((a, b) => a - b);
    record('callback-latency', { rps: null, p50_ms: percentile(samples, 50), p99_ms: percentile(samples, 99), non2xx: 0, errors: 0, timeouts: 0 }, svc, {
      callbacks: samples.length,
      max_ms: samples[samples.length - 1],
      note: 'from the 200 to the order read back as paid, one callback at a time',
    });
  },

  async 'ceiling-apply'() {
    for (const gw of GATEWAYS) {
      await db.resetServiceData(infra.serviceUrl);
      const n = CFG.drainCount;
      const { tag } = await seedDrain(gw, n, { jobs: false, label: 'ceiling' });
      const child = spawnChild(`ceiling-apply:${gw.name}`, [path.join(__dirname, 'ceiling-apply.js')], baseEnv({ ...ceilingEnv(gw), DATABASE_URL: infra.serviceUrl }));
      const row = await measureDrain(`ceiling-apply/${gw.name}`, child, { n, tag, gw, stop: false });
      await child.stop();
      const out = child.lines.find((l) => l.startsWith('{'));
      row.ceiling = out ? JSON.parse(out) : null;
    }
  },

  async 'callback-drain'() {
    for (const gw of GATEWAYS) {
      await db.resetServiceData(infra.serviceUrl);
      await runDrain(gw, `callback-drain/${gw.name}`);
    }
  },

  async 'ceiling-order'() {
    for (const gw of GATEWAYS) {
      await expireOpenInvoices(gw);
      const port = await freePort();
      const child = spawnChild(
        `ceiling-order:${gw.name}`,
        [path.join(__dirname, 'ceiling-order.js')],
        baseEnv({ ...ceilingEnv(gw), PORT: String(port), DATABASE_URL: infra.serviceUrl, STOREFRONT_API_KEYS: STOREFRONT_KEY }),
      );
      await child.waitFor('listening', async () => (await request(port, 'GET', '/')).status === 404, 30_000);
      const watched = { pids: { service: child.pid, sandbox: infra.sandbox.pid }, dbs: { service: SERVICE_DB, sandbox: SANDBOX_DB } };
      const f = await load(port, orderCreateRequests(gw), `ceiling-order/${gw.name}`, watched);
      // The same offered rate as order-paced will get (half of this rate), for its latency's baseline.
      const pacedFigures = await load(port, orderCreateCall(gw), `ceiling-paced/${gw.name}`, { ...watched, rate: f.rps * 0.5 });
      await child.stop();
      const created = await db.withClient(infra.serviceUrl, async (c) => {
        const { rows } = await c.query(`SELECT status, count(*)::int AS n FROM bench_ceiling_orders GROUP BY status`);
        await c.query(`DROP TABLE bench_ceiling_orders`);
        return rows;
      });
      record(`ceiling-order/${gw.name}`, f, child, { orders_by_status: Object.fromEntries(created.map((r) => [r.status, r.n])) });
      record(`ceiling-paced/${gw.name}`, pacedFigures, child, { note: `offered ${pacedFigures.offered_rps} req/s: half of ceiling-order/${gw.name}'s rate` });
    }
  },

  async 'order-create'() {
    for (const gw of GATEWAYS) {
      await db.resetServiceData(infra.serviceUrl);
      await expireOpenInvoices(gw);
      const svc = await startService(`order-create-${gw.name}`);
      const f = await load(svc.port, orderCreateRequests(gw), `order-create/${gw.name}`, watch(svc));
      // Latency below saturation: the same service offered half the ceiling's rate of this run
      // (the throughput the order-create goal asks for), at evenly spaced times.
      const ceiling = byName(`ceiling-order/${gw.name}`);
      const offered = ceiling?.rps ? ceiling.rps * 0.5 : CFG.pacedRate;
      let pacedFigures = null;
      if (offered) pacedFigures = await load(svc.port, orderCreateCall(gw), `order-paced/${gw.name}`, { ...watch(svc), rate: offered });
      await svc.stop();
      const created = await db.withClient(infra.serviceUrl, async (c) => (await c.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`)).rows);
      record(`order-create/${gw.name}`, f, svc, { orders_by_status: Object.fromEntries(created.map((r) => [r.status, r.n])) });
      if (pacedFigures) record(`order-paced/${gw.name}`, pacedFigures, svc, { note: `offered ${pacedFigures.offered_rps} req/s: ${ceiling?.rps ? `half of ceiling-order/${gw.name}'s rate in this run` : 'BENCH_PACED_RATE'}` });
    }
  },

  async growth() {
    // Cost per callback (CPU of the service and of Postgres) with 10,000 stored callbacks and
    // timeline events in the tables, then with BENCH_GROWTH_ROWS; the callbacks are EccaEx's.
    await db.resetServiceData(infra.serviceUrl);
    const seeding = {};
    const atSize = async (rows) => {
      const ack = await runAck(`growth-ack-${rows}`, { settle: true });
      await runDrain(ECCAEX, `growth-drain-${rows}`);
      return ack;
    };
    let ts = Date.now();
    await growth.seedHistory(infra.serviceUrl, { tag: 'hist', orders: CFG.growthSmall / 2 });
    await growth.settle(infra.serviceUrl);
    seeding[CFG.growthSmall] = Math.round((Date.now() - ts) / 100) / 10;
    log(`  seeded ${CFG.growthSmall} callbacks and ${CFG.growthSmall} timeline events (${CFG.growthSmall / 2} orders) in ${seeding[CFG.growthSmall]} s`);
    await atSize(CFG.growthSmall);
    ts = Date.now();
    const more = (CFG.growthRows - CFG.growthSmall) / 2;
    let shown = 0;
    await growth.seedHistory(infra.serviceUrl, {
      tag: 'hist',
      fromOrder: CFG.growthSmall / 2 + 1,
      orders: Math.floor(more),
      onProgress: (k) => {
        if (k - shown >= 500_000 || k === Math.floor(more)) {
          shown = k;
          log(`  seeding: ${CFG.growthSmall + 2 * k} / ${CFG.growthRows} callbacks and timeline events (${((Date.now() - ts) / 1000).toFixed(0)} s)`);
        }
      },
    });
    const loaded = Date.now();
    await growth.settle(infra.serviceUrl);
    seeding[CFG.growthRows] = Math.round((Date.now() - ts) / 100) / 10;
    const sizes = await db.withClient(infra.serviceUrl, async (c) =>
      (
        await c.query(
          `SELECT (SELECT count(*) FROM webhook_inbox)::int AS callbacks, (SELECT count(*) FROM order_events)::int AS events, (SELECT count(*) FROM orders)::int AS orders,
                  pg_size_pretty(pg_total_relation_size('webhook_inbox')) AS inbox_size, pg_size_pretty(pg_total_relation_size('order_events')) AS events_size`,
        )
      ).rows[0],
    );
    log(`  seeded up to ${CFG.growthRows} in ${seeding[CFG.growthRows]} s (of which VACUUM ANALYZE ${((Date.now() - loaded) / 1000).toFixed(1)} s): ${JSON.stringify(sizes)}`);
    await atSize(CFG.growthRows);
    growthSeeding = { seconds: seeding, tables: sizes };
    await measureRetention();
    await db.resetServiceData(infra.serviceUrl);
  },

  async 'order-read'() {
    await db.resetServiceData(infra.serviceUrl);
    const tag = 'read';
    let ts = Date.now();
    await db.seedOrders(infra.serviceUrl, { tag, count: CFG.readSmall });
    log(`  seeded ${CFG.readSmall} orders in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
    let svc = await startService('order-read-10k');
    const small = await load(svc.port, orderReadRequests(tag, CFG.readSmall), `order-read over ${CFG.readSmall}`, watch(svc));
    await svc.stop();
    record(`order-read-${CFG.readSmall}`, small, svc);
    ts = Date.now();
    await db.seedOrders(infra.serviceUrl, {
      tag,
      from: CFG.readSmall + 1,
      count: CFG.readLarge - CFG.readSmall,
      onProgress: (k) => log(`  seeding: ${CFG.readSmall + k} / ${CFG.readLarge} orders`),
    });
    await db.withClient(infra.serviceUrl, (c) => c.query('VACUUM ANALYZE orders'));
    log(`  seeded ${CFG.readLarge} orders in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
    svc = await startService('order-read-1m');
    const large = await load(svc.port, orderReadRequests(tag, CFG.readLarge), `order-read over ${CFG.readLarge}`, watch(svc));
    await svc.stop();
    record(`order-read-${CFG.readLarge}`, large, svc);
    await db.resetServiceData(infra.serviceUrl);
  },

  async embedded() {
    // A new data directory is initialised once (initdb, in a worker thread that exits, ~870 MB
    // for a moment): done first by the migration command, as an operator's first start would,
    // and reported apart; the service is then measured on the initialised directory.
    let ts = Date.now();
    const init = spawnChild('embedded-init', [DIST_MIGRATE], baseEnv({ ...gatewayServiceEnv(), DATA_DIR: path.join(TMP, 'embedded-data') }));
    const { code } = await init.exit;
    if (code !== 0) throw new Error(`embedded init failed (exit ${code}):\n${init.tail()}`);
    embeddedInit = { seconds: Math.round((Date.now() - ts) / 100) / 10, peak_rss_mb: init.peakMb };
    log(`  embedded data directory initialised (initdb + migrations) in ${embeddedInit.seconds} s, peak RSS ${embeddedInit.peak_rss_mb} MB (once per data directory)`);
    log('  starting the service on the embedded database (PGlite)');
    ts = Date.now();
    const svc = await startService('embedded', { embedded: true });
    log(`  ready in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
    const create = await load(svc.port, orderCreateRequests(), 'embedded order-create', watch(svc, { embedded: true }));
    record('embedded-order-create', create, svc, { note: 'peak RSS since start-up (on an initialised data directory)', init: embeddedInit });
    svc.resetPeak();
    const ack = await load(svc.port, SIGN().uniqueCallbackRequests(SECRET), 'embedded callback-ack', watch(svc, { embedded: true }));
    await svc.stop(60_000);
    record('embedded-callback-ack', ack, svc, { note: 'same process as embedded-order-create; peak RSS of this phase' });
  },
};

// ---------------------------------------------------------------------------------- report

function byName(name) {
  return results.find((r) => r.scenario === name);
}

/** CPU ms per unit of the service and of Postgres (both databases): the growth goal's cost. */
function costPerUnit(row) {
  const per = row?.detail?.cpu?.per_request_ms;
  if (!per || per.service == null) return null;
  return Math.round((per.service + (per.pg_service ?? 0) + (per.pg_sandbox ?? 0)) * 1000) / 1000;
}

/**
 * Issue 18's ratios, each against its goal: the scenario over its ceiling (req/s or callbacks/s,
 * higher is better), and the cost per callback at BENCH_GROWTH_ROWS over at 10,000 (lower is better).
 */
function ratios() {
  const out = [];
  const r = (a, b) => (a != null && b ? Math.round((a / b) * 1000) / 1000 : null);
  const add = (ratio, scenario, value, goal, atLeast) =>
    out.push({ ratio, scenario, value, goal: goal === null ? null : `${atLeast ? '>=' : '<='} ${goal}`, result: value === null || goal === null ? 'n/a' : (atLeast ? value >= goal : value <= goal) ? 'PASS' : 'MISS' });
  add('callback-ack / ceiling-write (req/s)', 'callback-ack', r(byName('callback-ack')?.rps, byName('ceiling-write')?.rps), 1.0, true);
  for (const gw of GATEWAYS) {
    add(`order-create / ceiling-order, ${gw.name} (req/s)`, `order-create/${gw.name}`, r(byName(`order-create/${gw.name}`)?.rps, byName(`ceiling-order/${gw.name}`)?.rps), 0.5, true);
    add(`callback-drain / ceiling-apply, ${gw.name} (callbacks/s)`, `callback-drain/${gw.name}`, r(byName(`callback-drain/${gw.name}`)?.rps, byName(`ceiling-apply/${gw.name}`)?.rps), 0.5, true);
  }
  for (const kind of ['ack', 'drain']) {
    add(
      `${kind} CPU ms per callback (service + Postgres) at ${CFG.growthRows} / at ${CFG.growthSmall} rows`,
      `growth-${kind}-${CFG.growthRows}`,
      r(costPerUnit(byName(`growth-${kind}-${CFG.growthRows}`)), costPerUnit(byName(`growth-${kind}-${CFG.growthSmall}`))),
      1.25,
      false,
    );
  }
  const small = byName(`order-read-${CFG.readSmall}`);
  const large = byName(`order-read-${CFG.readLarge}`);
  add(`order-read p99 at ${CFG.readLarge} / at ${CFG.readSmall}`, `order-read-${CFG.readLarge}`, r(large?.p99_ms, small?.p99_ms), 1.25, false);
  add('callback-ack / ceiling-http (req/s)', 'callback-ack', r(byName('callback-ack')?.rps, byName('ceiling-http')?.rps), null, true);
  return out;
}

function goals() {
  const out = [];
  const goal = (name, measured, pass) => out.push({ goal: name, measured, result: pass === null ? 'n/a' : pass ? 'PASS' : 'MISS' });
  const ack = byName('callback-ack');
  const dup = byName('callback-duplicates');
  const has = (...rows) => rows.every(Boolean);
  goal('callback-ack p99 <= 50 ms', ack ? `${ack.p99_ms} ms` : 'not run', ack ? ack.p99_ms <= 50 : null);
  goal('callback-ack zero non-2xx', ack ? `${ack.non2xx} non-2xx, ${ack.errors} errors` : 'not run', ack ? ack.non2xx === 0 && ack.errors === 0 : null);
  goal('callback-duplicates >= callback-ack', has(dup, ack) ? `${dup.rps} vs ${ack.rps} req/s` : 'not run', has(dup, ack) ? dup.rps >= ack.rps : null);
  goal(
    'callback-duplicates: one inbox row, not one extra transition',
    dup ? `${dup.check.inbox_rows} inbox row(s), ${dup.check.extra_transitions} extra transition(s), order ${dup.check.order_status}` : 'not run',
    dup ? dup.check.ok : null,
  );
  const latency = byName('callback-latency');
  goal('callback applied p99 <= 2 s when idle', latency ? `${latency.p99_ms} ms (max ${latency.max_ms} ms)` : 'not run', latency ? latency.p99_ms <= 2000 : null);
  for (const gw of GATEWAYS) {
    const create = byName(`order-create/${gw.name}`);
    goal(`order-create ${gw.name} p99 <= 100 ms (${CFG.connections} connections, as many as they carry)`, create ? `${create.p99_ms} ms` : 'not run', create ? create.p99_ms <= 100 : null);
    goal(`order-create ${gw.name} zero non-2xx`, create ? `${create.non2xx} non-2xx, ${create.errors} errors` : 'not run', create ? create.non2xx === 0 && create.errors === 0 : null);
    const pacedRow = byName(`order-paced/${gw.name}`);
    goal(
      `order-create ${gw.name} p99 <= 100 ms and zero non-2xx at half ceiling-order's rate (order-paced, evenly spaced)`,
      pacedRow
        ? `${pacedRow.p99_ms} ms (the ceiling's at its own half rate: ${byName(`ceiling-paced/${gw.name}`)?.p99_ms ?? '-'} ms) at ${pacedRow.rps} of ${pacedRow.detail.offered_rps} req/s offered, ${pacedRow.non2xx} non-2xx, ${pacedRow.errors} errors`
        : 'not run',
      pacedRow ? pacedRow.p99_ms <= 100 && pacedRow.non2xx === 0 && pacedRow.errors === 0 : null,
    );
    for (const name of [`callback-drain/${gw.name}`, `ceiling-apply/${gw.name}`]) {
      const d = byName(name);
      goal(
        `${name}: every callback applied once (paid orders, timeline events, outbox rows)`,
        d ? `${d.check.paid_orders} / ${d.check.paid_events} / ${d.check.outbox_rows} of ${d.callbacks}, ${d.check.not_processed} not processed${d.finished ? '' : ' (did not finish)'}` : 'not run',
        d ? d.check.ok : null,
      );
      // A plan that reads a whole table per callback (a cached plan made for an empty table, a
      // missing index) shows here long before it shows in the rate.
      goal(
        `${name}: no table read whole per callback (rows read by sequential scans per callback <= 1)`,
        d ? `${d.seq_rows_per_callback}` : 'not run',
        d && d.seq_rows_per_callback != null ? d.seq_rows_per_callback <= 1 : null,
      );
    }
  }
  const svcRows = results.filter((r) => !r.failed && !r.scenario.startsWith('ceiling') && !r.scenario.startsWith('embedded') && r.peak_rss_mb != null);
  const worst = svcRows.reduce((a, r) => (a && a.peak_rss_mb >= r.peak_rss_mb ? a : r), null);
  goal('service peak RSS <= 256 MB in every Postgres scenario', worst ? `max ${worst.peak_rss_mb} MB (${worst.scenario})` : 'not run', worst ? svcRows.every((r) => r.peak_rss_mb <= 256) : null);
  const emb = byName('embedded-order-create');
  const embAck = byName('embedded-callback-ack');
  goal('embedded peak RSS (reported)', emb ? `order-create ${emb.peak_rss_mb} MB, callback-ack ${embAck?.peak_rss_mb ?? '-'} MB` : 'not run', null);
  return out;
}

function table(rows) {
  const head = ['scenario', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'peak RSS MB', 'CPU ms/req: svc', 'sandbox', 'pg', 'loadgen', 'others (cores)'];
  const goalOf = (r) => ratios().find((x) => x.scenario === r.scenario && x.goal !== null && x.value !== null);
  const vs = (r) => (goalOf(r) ? `${goalOf(r).value} ${goalOf(r).result}` : null);
  const c = (r) => r.detail?.cpu;
  const pg = (r) => (c(r) ? Math.round(((c(r).per_request_ms.pg_service ?? 0) + (c(r).per_request_ms.pg_sandbox ?? 0)) * 1000) / 1000 : null);
  const body = rows.map((r) =>
    [r.scenario, r.rps, vs(r), r.p50_ms, r.p99_ms, r.non2xx, r.errors, r.peak_rss_mb, c(r)?.per_request_ms.service, c(r)?.per_request_ms.sandbox, pg(r), c(r)?.per_request_ms.loadgen, c(r)?.other_cores].map((v) =>
      v === null || v === undefined ? '-' : String(v),
    ),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------ main

let cleaning = null;
async function cleanup() {
  cleaning ??= (async () => {
    await infra.sandboxHttp?.close().catch(() => undefined);
    await Promise.all([...children].map((c) => c.stop(5000).catch(() => undefined)));
    for (const name of createdDbs.reverse()) await db.dropDatabase(CFG.adminUrl, name).catch((e) => log(`could not drop ${name}: ${e.message}`));
    fs.rmSync(TMP, { recursive: true, force: true });
  })();
  return cleaning;
}

async function main() {
  for (const f of [DIST_MAIN, DIST_SANDBOX, DIST_MIGRATE]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run bench\` (it builds first)`);
  }
  const hard = setTimeout(() => {
    log(`BENCH_MAX_S=${CFG.maxS} s reached: stopping`);
    cleanup().finally(() => process.exit(2));
  }, CFG.maxS * 1000);
  hard.unref();

  log(`bench ${STAMP}: ${selected.join(', ')} — ${os.cpus().length} cores, node ${process.version} ${PROD_NODE_FLAGS.join(' ')}, ${CFG.connections} connections, warm-up ${CFG.warmupS} s, ${CFG.durationS} s each${CFG.profile ? ', --cpu-prof on the service and the sandbox' : ''}`);
  infra.serviceUrl = await db.createDatabase(CFG.adminUrl, SERVICE_DB);
  createdDbs.push(SERVICE_DB);
  log(`database ${SERVICE_DB} created`);
  await runNode('migrate', DIST_MIGRATE, baseEnv({ ...gatewayServiceEnv(), DATABASE_URL: infra.serviceUrl, DATA_DIR: path.join(TMP, 'migrate') }));

  const needService = selected.some((s) => !BARE.includes(s));
  if (needService) {
    infra.sandboxUrl = await db.createDatabase(CFG.adminUrl, SANDBOX_DB);
    createdDbs.push(SANDBOX_DB);
    await startSink();
    await startSandbox();
    log(`sandbox (${ACTIVE.map((g) => g.label).join(', ')}) on :${infra.sandboxPort} (database ${SANDBOX_DB}), merchant webhook sink on :${infra.sinkPort}`);
    await seedGatewayHistory();
    // One start-up defines pg-boss's schema and queues, so stored jobs can be seeded.
    const first = await startService('prepare');
    await first.stop();
  }

  for (const name of selected) {
    log(`scenario ${name}`);
    try {
      await scenarios[name]();
    } catch (err) {
      log(`  scenario ${name} failed: ${err.stack || err}`);
      results.push({ scenario: name, failed: String(err.message || err).split('\n')[0] });
      for (const c of [...children]) if (c.name.startsWith('service:') || c.name.startsWith('ceiling')) await c.stop(5000);
    }
  }

  const r = ratios();
  const g = goals();
  const out = [
    '',
    `Results (${STAMP}${CFG.label ? `, ${CFG.label}` : ''}; ${CFG.connections} connections, ${CFG.durationS} s after ${CFG.warmupS} s warm-up; req/s counts every reply)`,
    table(results.filter((x) => !x.failed)),
    ...results.filter((x) => x.failed).map((x) => `${x.scenario}: FAILED — ${x.failed}`),
    '',
    ...(growthSeeding
      ? [`Growth seeding (apart from the measurements): ${Object.entries(growthSeeding.seconds).map(([rows, sec]) => `${rows} rows in ${sec} s`).join(', ')}; tables ${JSON.stringify(growthSeeding.tables)}`, '']
      : []),
    'Ratios (issue 18)',
    ...r.map((x) => `  ${x.result.padEnd(4)}  ${x.ratio}: ${x.value ?? '-'}${x.goal ? ` (goal ${x.goal})` : ''}`),
    '',
    'Goals (issues 7 and 18)',
    ...g.map((x) => `  ${x.result.padEnd(4)}  ${x.goal} — ${x.measured}`),
    '',
  ].join('\n');
  process.stdout.write(out);

  const file = path.join(__dirname, 'results', `${STAMP}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        stamp: STAMP,
        label: CFG.label,
        machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
        config: {
          connections: CFG.connections,
          duration_s: CFG.durationS,
          warmup_s: CFG.warmupS,
          drain_count: CFG.drainCount,
          sandbox_history: CFG.sandboxHistory,
          read_rows: [CFG.readSmall, CFG.readLarge],
          gateways: GATEWAYS.map((g) => g.name),
          growth_rows: [CFG.growthSmall, CFG.growthRows],
          profile: CFG.profile,
          service_env: CFG.serviceEnv,
        },
        scenarios: results,
        ...(growthSeeding ? { growth_seeding: growthSeeding } : {}),
        ratios: r,
        goals: g,
        total_s: Math.round((Date.now() - t0) / 1000),
      },
      null,
      2,
    ) + '\n',
  );
  log(`written ${path.relative(ROOT, file)}${CFG.profile ? `; profiles in ${path.relative(ROOT, PROFILE_DIR)} (node bench/profile-top.js <file>)` : ''}`);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: stopping children, dropping databases`);
    cleanup().finally(() => process.exit(130));
  });
}

main()
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async (err) => {
    log(`bench failed: ${err.stack || err}`);
    await cleanup();
    process.exit(1);
  });
