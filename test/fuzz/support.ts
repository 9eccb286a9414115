import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { DataSource } from 'typeorm';
import { OPS_KEY, STOREFRONT_KEY, TestApp, WEBHOOK_SECRET } from '../support/app';

/**
 * Fuzzing through Fastify's inject: the whole HTTP stack (routing, content-type parsers, hooks,
 * guards, pipes, filters) minus the socket, against one app per spec file. Every case must answer
 * below 500, every error must be the error envelope (docs/api.md section 1), and no row may appear for a request
 * that was refused (checked per batch against the database).
 */

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_108);
/** Cases per batch; the database is checked between batches. */
const BATCH = 1000;
/** Requests in flight at once (FUZZ_CONCURRENCY). */
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Never in a reply; the app's sandbox merchant key (random per data directory) joins when a Fuzzer is made. */
export const SECRETS: string[] = [OPS_KEY, STOREFRONT_KEY, WEBHOOK_SECRET];

export type Role = 'ops' | 'storefront' | 'none';
export type Auth = 'ops' | 'storefront' | 'none' | 'junk';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What the generator used as credentials (for the auth invariant). */
  auth: Auth;
  /** Runs just before the request is sent (time-dependent headers such as signatures). */
  prepare?: () => void;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  json: unknown;
}

// ------------------------------------------------------------------------------- arbitraries

/** Strings that have broken services before: control characters, odd unicode, injections, sizes. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\t', '\n', '\r\n', '\u0007', '\u001b[31mred', '\u007f', '\u0085', '\u2028', '\u202e', '\ufeff', '\ud800', '\udfff',
  '\ud83d\ude00', 'é', 'ｆｕｌｌ', '👨‍👩‍👧', 'Ā̴̢̛', 'null', 'undefined', 'NaN', 'Infinity', '-0', '0', '1e309', '0x10', 'true', '[]', '{}',
  '<script>alert(1)</script>', "' OR 1=1 --", '"; DROP TABLE orders; --', '../../etc/passwd', '%00', '%2e%2e%2f', '${jndi:ldap://x/a}', '{{7*7}}',
  '__proto__', 'constructor', 'prototype', 'a'.repeat(128), 'a'.repeat(129), 'a'.repeat(256), 'a'.repeat(513), 'a'.repeat(5000),
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

export const nasty = fc.constantFrom(...NASTY_STRINGS);

/** Any text: short random strings (ASCII, full code points, graphemes) and the nasty ones. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 3, arbitrary: nasty },
);

/** Raw JSON numbers JSON.stringify cannot make: huge, negative zero, more digits than a double holds. */
export const RAW_NUMBERS = ['0', '-0', '1', '-1', '1.5', '1.001', '-1.00', '1e309', '-1e309', '1e-400', '123456789012345678901234567890.12', '9007199254740993', '0.1', '1E2', '100'];

/** A JSON value as raw text, any type, nested a little. */
export const anyJson: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: text.map((s) => JSON.stringify(s)) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS) },
    { weight: 1, arbitrary: fc.double().map((d) => (Number.isFinite(d) ? String(d) : '1e999')) },
    { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 4 }).map((a) => `[${a.join(',')}]`) },
    { weight: 1, arbitrary: fc.array(fc.tuple(text, tie('v')), { maxLength: 4 }).map((e) => `{${e.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) },
  ),
})).v;

/** Raw bodies that are not a plain JSON object: broken JSON, deep nesting, prototype keys, binary. */
export const brokenBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom(
    '', ' ', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', 'null', 'true', '0', '"str"', '[]', '[{}]', 'NaN', '{"a":NaN}',
    '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}',
    '{"a":1e309}', '{"a":-0}', '\u0000', '{"a":"b"}\u0000',
  ),
  fc.integer({ min: 20, max: 6000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 20, max: 6000 }).map((d) => `{"x":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  anyJson,
);

/** Bodies over 1 MiB (built once). */
export const OVERSIZED = [
  `{"description":"${'x'.repeat(1024 * 1024)}"}`,
  `[${'1,'.repeat(600_000)}1]`,
];
export const oversized = fc.constantFrom(...OVERSIZED);

/** Header values a real HTTP parser lets through: printable ASCII, tab and obs-text (latin1). */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
).map((c) => String.fromCharCode(c));
export const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: headerChar, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a'.repeat(300), 'a'.repeat(5000), 'é', '\u00ff', 'null', '0', '-1', '99999999999999999999') },
);

export const authArb = (weights: Partial<Record<Auth, number>>): fc.Arbitrary<Auth> =>
  fc.oneof(...(Object.entries(weights) as Array<[Auth, number]>).filter(([, w]) => w > 0).map(([a, w]) => ({ weight: w, arbitrary: fc.constant(a) })));

const junkAuth = fc.oneof(
  fc.constantFrom(
    'Bearer', 'Bearer ', 'bearer', `Basic ${Buffer.from(`${OPS_KEY}:`).toString('base64')}`, `Bearer ${OPS_KEY}x`, `Bearer ${OPS_KEY.slice(0, -1)}`,
    `Bearer ${OPS_KEY} ${OPS_KEY}`, `Token ${OPS_KEY}`, OPS_KEY, `Bearer  ${STOREFRONT_KEY}x`, `Bearer ${'a'.repeat(600)}`, `Bearer ${WEBHOOK_SECRET}`,
  ),
  headerValue.map((v) => `Bearer ${v}`),
  headerValue,
);

/** The Authorization header for an Auth choice (junk: anything that is not a valid key). */
export function authHeader(auth: Auth): fc.Arbitrary<Record<string, string>> {
  switch (auth) {
    case 'ops':
      return fc.constantFrom({ authorization: `Bearer ${OPS_KEY}` }, { authorization: `bearer ${OPS_KEY}` }, { authorization: `Bearer ${OPS_KEY}  ` });
    case 'storefront':
      return fc.constant({ authorization: `Bearer ${STOREFRONT_KEY}` });
    case 'none':
      return fc.constant({});
    case 'junk':
      return junkAuth.map((v) => ({ authorization: v }));
  }
}

/** Extra headers: request ids, accept, odd names; sometimes a duplicate-looking content-length. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'x-request-id': headerValue,
      accept: fc.constantFrom('application/json', '*/*', 'text/html', 'application/xml', ''),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'garbage', '1.2.3.4, 5.6.7.8'),
      'x-fuzz': headerValue,
    },
    { requiredKeys: [] },
  );

export const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/JSON', 'application/json;charset=UTF-8') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
      'application/json, text/plain', 'application/xml', 'application/vnd.api+json', '', 'json', '*/*',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

/** Percent-encodes anything, lone surrogates included (as the invalid UTF-8 a raw client could send). */
export function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += `%${(0xe0 | (cp >> 12)).toString(16)}%${(0x80 | ((cp >> 6) & 0x3f)).toString(16)}%${(0x80 | (cp & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** A path segment: usually encoded text, sometimes raw malformed escapes or slashes. */
export const pathSegment = fc.oneof(
  { weight: 6, arbitrary: text.filter((s) => s.length > 0).map(enc) },
  { weight: 2, arbitrary: fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%C0%AF', '%FF', '..', '.', '%2F', 'a%2Fb', '%2e%2e', '%00', 'a%00b', 'a;b', 'a?b=c', '~', '*', '%u0041') },
  { weight: 2, arbitrary: fc.constantFrom('a'.repeat(128), 'a'.repeat(1024), 'a'.repeat(1025), 'a'.repeat(4000)) },
);

/** A query string from known and random keys; repeated keys, malformed escapes and prototype keys. */
export function queryString(known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const knownPair = fc.oneof(...Object.entries(known).map(([k, v]) => fc.tuple(fc.constant(k), v)));
  const randomPair = fc.tuple(fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'a[]', 'a[b]', 'limit[]', '')), text);
  const pair = fc.oneof({ weight: 4, arbitrary: knownPair }, { weight: 1, arbitrary: randomPair });
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(pair, { maxLength: 5 }).map((ps) => (ps.length ? `?${ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : '')) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&&', '?a', '?=', '?%', '?a=%ZZ', '?limit=%E0%A4%A', '?a=1#frag', `?${'a=1&'.repeat(2000)}`, `?x=${'y'.repeat(9000)}`) },
  );
}

/** Limit-like values: valid, zero, negative, huge, decimals, words. */
export const limitValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 20 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 21, max: 300 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('', '1e2', '1.5', '0x10', '200', '201', '999999999999999999999', '-0', ' 5', '5 ', '０', 'NaN', 'all') },
);

export const dateValue = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('', '2026-01-01', '2026-13-01', '2026-02-30T00:00:00Z', 'yesterday', '0', '-1', '1e12', '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '10000-01-01T00:00:00Z'),
);

/** Cursors: real-looking, foreign, and broken ones. */
export const cursorValue = fc.oneof(
  fc.tuple(dateValue, fc.oneof(fc.uuid(), text)).map(([t, id]) => Buffer.from(JSON.stringify([t, id])).toString('base64url')),
  anyJson.map((j) => Buffer.from(j).toString('base64url')),
  text,
);

// ------------------------------------------------------------------------------ the checks

/** A 4xx/5xx body must be exactly the envelope, with the X-Request-Id of the reply. */
export function envelopeProblem(res: FuzzResponse): string | null {
  const b = res.json as { error?: { code?: unknown; message?: unknown; details?: unknown }; request_id?: unknown } | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return `error body is not a JSON object: ${res.text.slice(0, 200)}`;
  if (Object.keys(b).sort().join(',') !== 'error,request_id') return `error body keys ${Object.keys(b).join(',')}`;
  const e = b.error;
  if (!e || typeof e !== 'object' || Object.keys(e).sort().join(',') !== 'code,details,message') return `error object keys ${e && Object.keys(e).join(',')}`;
  if (typeof e.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(e.code)) return `error.code ${String(e.code)}`;
  if (typeof e.message !== 'string' || !e.message) return 'error.message empty';
  if (!e.details || typeof e.details !== 'object' || Array.isArray(e.details)) return 'error.details not an object';
  if (typeof b.request_id !== 'string' || !b.request_id) return 'request_id missing';
  if (res.headers['x-request-id'] !== b.request_id) return `request_id ${b.request_id} != X-Request-Id ${String(res.headers['x-request-id'])}`;
  return null;
}

/** Statuses a request may get before authentication is looked at (routing, parsing, limits). */
const PRE_AUTH = new Set([400, 404, 413, 414, 415]);

export interface RowCounts {
  orders: Set<string>;
  inbox: number;
  inboxKeys: Map<string, string>;
  conflicts: number;
  idempotency: number;
  captures: number;
}

export interface Expect {
  /** Order ids a reply named as created (201) or kept pending (502/503 details.order_id). */
  orders: Set<string>;
  /** Callbacks answered 200 duplicate:false / duplicate:true. */
  stored: number;
  duplicates: number;
  /** The keys of the callbacks answered 200 duplicate:false (as the service derives them). */
  storedKeys: Set<string>;
  /** Idempotency keys first claimed by a request that reached the gateway step. */
  idempotency: number;
}

export type RouteCheck = (req: FuzzRequest, res: FuzzResponse, expect: Expect) => string | null | void | Promise<string | null | void>;

/** What a valid request must get: null when the reply is right, else why not. */
export type ValidReply = (res: FuzzResponse) => string | null | Promise<string | null>;

export interface RouteSpec {
  name: string;
  /** Who may call it: a 2xx for anyone else fails the run. */
  role: Role;
  arb: fc.Arbitrary<FuzzRequest>;
  check?: RouteCheck;
  /** Cases (default FUZZ_RUNS). */
  runs?: number;
  /** The route makes the gateway send us callbacks (resend): inbox rows are not counted. */
  allowInbox?: boolean;
  /**
   * For a request with nothing wrong in it (a key the route takes, a real reference, no odd
   * input), the reply it must get; null for any other request. A route that stopped working
   * fails the run, and so does a run that never generated such a request.
   */
  valid?: (req: FuzzRequest) => ValidReply | null;
  /** A fixed route path: its trailing-slash and upper-case variants are not routes (404). */
  path?: string;
}

export interface RouteFigures {
  name: string;
  cases: number;
  /** Cases that were valid requests (spec.valid), each required to succeed. */
  valid: number;
  ms: number;
  statuses: Record<string, number>;
}

export class Fuzzer {
  readonly ds: DataSource;
  private readonly fastify: FastifyInstance;
  readonly figures: RouteFigures[] = [];
  private replyLog: Map<FuzzRequest, string> | undefined;
  /** Replies per callback key in the current batch, for a failure report. */
  readonly lastReplies = new Map<string, string[]>();
  /** Idempotency keys seen answered (scope|key), so a reuse is not counted twice. */
  private readonly seenKeys = new Set<string>();

  constructor(readonly app: TestApp) {
    if (app.settings.eccaex.apiKey && !SECRETS.includes(app.settings.eccaex.apiKey)) SECRETS.push(app.settings.eccaex.apiKey);
    this.ds = app.app.get(DataSource);
    this.fastify = app.app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  }

  async inject(req: FuzzRequest): Promise<FuzzResponse> {
    req.prepare?.();
    const r = await this.fastify.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
    let json: unknown;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.statusCode, headers: r.headers, text: r.body, json };
  }

  async counts(): Promise<RowCounts> {
    const [orders, inbox, idem, captures] = await Promise.all([
      this.ds.query(`SELECT id::text AS id FROM orders`),
      this.ds.query(`SELECT id::text AS id, idempotency_key AS key, conflict_of IS NOT NULL AS conflict FROM webhook_inbox`),
      this.ds.query(`SELECT count(*)::int AS n FROM idempotency_keys`),
      this.ds.query(`SELECT count(*)::int AS n FROM signature_captures`),
    ]);
    const rows = inbox as Array<{ id: string; key: string; conflict: boolean }>;
    return {
      orders: new Set((orders as Array<{ id: string }>).map((r) => r.id)),
      inbox: rows.filter((r) => !r.conflict).length,
      inboxKeys: new Map(rows.filter((r) => !r.conflict).map((r) => [r.id, r.key])),
      conflicts: rows.filter((r) => r.conflict).length,
      idempotency: idem[0].n,
      captures: captures[0].n,
    };
  }

  /** Marks an Idempotency-Key as claimed once; true the first time. */
  firstUseOfKey(auth: string, key: string): boolean {
    const k = `${auth}|${key}`;
    if (this.seenKeys.has(k)) return false;
    this.seenKeys.add(k);
    return true;
  }

  /** Common invariants of every reply; a message when one is broken. */
  static common(spec: RouteSpec, req: FuzzRequest, res: FuzzResponse): string | null {
    if (res.status >= 500) return `5xx ${res.status}: ${res.text.slice(0, 300)}`;
    if (res.status >= 400 && req.method !== 'HEAD') {
      const p = envelopeProblem(res);
      if (p) return `${res.status} not in the envelope: ${p}`;
    }
    for (const s of SECRETS) if (res.text.includes(s)) return `reply leaks a secret (${s.slice(0, 6)}…)`;
    const ok = res.status >= 200 && res.status < 300;
    if (spec.role !== 'none' && (req.auth === 'none' || req.auth === 'junk')) {
      if (ok) return `${res.status} without a valid key`;
      if (!PRE_AUTH.has(res.status) && res.status !== 401) return `expected 401 without a valid key, got ${res.status} ${res.text.slice(0, 200)}`;
    }
    if (spec.role === 'ops' && req.auth === 'storefront') {
      if (ok) return `${res.status} for a storefront key on an ops route`;
      if (!PRE_AUTH.has(res.status) && res.status !== 403) return `expected 403 for a storefront key, got ${res.status}`;
    }
    return null;
  }

  /**
   * A trailing-slash or upper-case variant of a fixed route path is no route: 404 (405 for a
   * method), or a refusal of the request's own form that comes before routing (PRE_AUTH).
   */
  static notARoute(spec: RouteSpec, req: FuzzRequest, res: FuzzResponse): string | null {
    const path = pathOf(req);
    if (!spec.path || path === spec.path || (path !== `${spec.path}/` && path !== spec.path.toUpperCase())) return null;
    return unknownRouteProblem(req, res);
  }

  /** Runs a route's cases in batches, checking the database between batches. */
  async run(spec: RouteSpec): Promise<RouteFigures> {
    const total = spec.runs ?? FUZZ_RUNS;
    const fig: RouteFigures = { name: spec.name, cases: 0, valid: 0, ms: 0, statuses: {} };
    const started = Date.now();
    let injectMs = 0;
    for (let done = 0, b = 0; done < total; b++) {
      const n = Math.min(BATCH, total - done);
      const before = await this.counts();
      const expect: Expect = { orders: new Set(), stored: 0, duplicates: 0, idempotency: 0, storedKeys: new Set() };
      this.lastReplies.clear();
      const seed = FUZZ_SEED + hash(spec.name) + b;
      const one = async (req: FuzzRequest): Promise<string | null> => {
        const t0 = performance.now();
        const res = await this.inject(req);
        injectMs += performance.now() - t0;
        fig.cases++;
        fig.statuses[res.status] = (fig.statuses[res.status] ?? 0) + 1;
        this.replyLog?.set(req, `${res.status} ${res.text.slice(0, 100)}`);
        const validReply = spec.valid?.(req) ?? null;
        if (validReply) fig.valid++;
        const problem =
          Fuzzer.common(spec, req, res) ??
          Fuzzer.notARoute(spec, req, res) ??
          (validReply ? await validReply(res) : null) ??
          (spec.check ? await spec.check(req, res, expect) : null);
        return problem ? `${spec.name}: ${problem}\n  request: ${show(req)}` : null;
      };
      // The cases of the batch (fixed seed), CONCURRENCY at a time: concurrency is part of the
      // test, and it keeps the run short.
      let failure: string | null = null;
      const cases = fc.sample(spec.arb, { seed, numRuns: n });
      const replies = new Map<FuzzRequest, string>();
      this.replyLog = replies;
      await pool(cases, CONCURRENCY, async (req) => {
        if (failure) return;
        const problem = await one(req);
        failure ??= problem;
      });
      if (failure) {
        // Again one at a time through fast-check, to shrink it to a small counterexample.
        await fc.assert(
          fc.asyncProperty(spec.arb, async (req) => {
            const problem = await one(req);
            if (problem) throw new Error(problem);
          }),
          { seed, numRuns: n, endOnFailure: false },
        );
        throw new Error(`${failure}\n  (not reproduced one at a time: it needs concurrent requests)`);
      }
      done += n;
      await this.settle();
      const after = await this.counts();
      const newOrders = [...after.orders].filter((id) => !before.orders.has(id));
      const unexplained = newOrders.filter((id) => !expect.orders.has(id));
      if (unexplained.length) throw new Error(`${spec.name}: ${unexplained.length} order row(s) written for refused requests, e.g. ${unexplained[0]}`);
      if (!spec.allowInbox && after.inbox - before.inbox !== expect.stored) {
        const extra = [...after.inboxKeys].filter(([id]) => !before.inboxKeys.has(id)).map(([, k]) => k).filter((k) => !expect.storedKeys.has(k));
        const suspects = cases.filter((c) => extra[0] !== undefined && (show(c).includes(extra[0]) || (Buffer.isBuffer(c.payload) && c.payload.includes(extra[0]))));
        throw new Error(
          `${spec.name}: ${after.inbox - before.inbox} callbacks stored, ${expect.stored} answered 200 duplicate:false; stored without that answer: ${JSON.stringify(extra.slice(0, 5))}\n` +
            suspects.slice(0, 4).map((c) => `${replies.get(c) ?? "?"} ← ${show(c).slice(0, 500)} payload=${Buffer.isBuffer(c.payload) ? JSON.stringify(c.payload.toString("utf8").slice(0, 400)) : ""} mode=${(c as FuzzRequest & { mode?: string }).mode}`).join('\n'),
        );
      }
      if (!spec.allowInbox && after.conflicts - before.conflicts > expect.duplicates) throw new Error(`${spec.name}: conflict rows without a duplicate reply`);
      if (after.idempotency - before.idempotency !== expect.idempotency) {
        throw new Error(`${spec.name}: ${after.idempotency - before.idempotency} idempotency keys stored, ${expect.idempotency} expected`);
      }
      if (after.captures !== before.captures) throw new Error(`${spec.name}: rejected callbacks were captured with ECCAEX_SIGNATURE_CAPTURE off`);
    }
    fig.ms = Date.now() - started;
    this.figures.push(fig);
    if (spec.valid && fig.valid === 0) throw new Error(`${spec.name}: no valid request among ${fig.cases} cases, so nothing showed the route works`);
    process.stdout.write(`fuzz: ${spec.name} cases=${fig.cases} valid=${fig.valid} time=${(fig.ms / 1000).toFixed(1)}s statuses=${JSON.stringify(fig.statuses)} inject=${(injectMs / 1000).toFixed(1)}s\n`);
    return fig;
  }

  /** Waits (bounded) until no stored callback is left to process: a job still running at close outlives the suite. */
  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (await this.ds.query(`SELECT count(*)::int AS n FROM webhook_inbox WHERE status = 'received'`))[0].n > 0) {
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Lets background work started by accepted requests (callback jobs) write what it writes. */
  async settle(): Promise<void> {
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The reply to a request for a route that does not exist: 404 (405 for a method), or, when the
 * request is odd in itself (a query, a body, a URL too long or not validly encoded, a NUL), a
 * refusal of that which comes before routing.
 */
export function unknownRouteProblem(req: FuzzRequest, res: FuzzResponse): string | null {
  if (res.status === 404 || res.status === 405) return null;
  let decoded: string | null;
  try {
    decoded = decodeURIComponent(pathOf(req));
  } catch {
    decoded = null;
  }
  const odd = queryOf(req) !== '' || req.payload !== undefined || req.url.length > 2048 || decoded === null || decoded.includes('\u0000');
  if (odd && PRE_AUTH.has(res.status)) return null;
  return `${req.method} ${pathOf(req).slice(0, 100)} is not a route, answered ${res.status} ${res.text.slice(0, 200)}`;
}

export const pathOf = (req: FuzzRequest): string => req.url.split('?')[0]!;
export const queryOf = (req: FuzzRequest): string => (req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '');

/** The request carries a key the route takes. */
export const keyFor = (role: Role, req: FuzzRequest): boolean => role === 'none' || req.auth === 'ops' || (role === 'storefront' && req.auth === 'storefront');

/** Nothing odd about the request: exactly this path, no query string, no body. */
export const plain = (req: FuzzRequest, path: string): boolean => pathOf(req) === path && queryOf(req) === '' && req.payload === undefined;

/** The reply must have one of these statuses (and `also`, when given, must hold). */
export function answers(statuses: number[], also?: ValidReply): ValidReply {
  return (res) =>
    statuses.includes(res.status) ? (also?.(res) ?? null) : `a valid request answered ${res.status}, expected ${statuses.join(' or ')}: ${res.text.slice(0, 200)}`;
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Math.abs(h) % 1_000_000;
}

export function show(req: FuzzRequest): string {
  const payload = req.payload === undefined ? '' : Buffer.isBuffer(req.payload) ? `<${req.payload.length} bytes>` : req.payload.length > 300 ? `${JSON.stringify(req.payload.slice(0, 300))}… (${req.payload.length} chars)` : JSON.stringify(req.payload);
  const url = req.url.length > 300 ? `${req.url.slice(0, 300)}… (${req.url.length} chars)` : req.url;
  return `${req.method} ${url} auth=${req.auth} headers=${JSON.stringify(req.headers).slice(0, 400)} body=${payload}`;
}

/** Builds a FuzzRequest arbitrary from its parts. */
export function request(parts: {
  method: fc.Arbitrary<string>;
  path: fc.Arbitrary<string>;
  query?: fc.Arbitrary<string>;
  auth: fc.Arbitrary<Auth>;
  body?: fc.Arbitrary<string | Buffer | undefined>;
  headers?: fc.Arbitrary<Record<string, string>>;
  contentType?: fc.Arbitrary<string | undefined>;
}): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: parts.method,
      path: parts.path,
      query: parts.query ?? fc.constant(''),
      auth: parts.auth,
      body: parts.body ?? fc.constant(undefined),
      headers: parts.headers ?? extraHeaders,
      ct: parts.contentType ?? contentType,
    })
    .chain((r) =>
      authHeader(r.auth).map((a) => {
        const headers: Record<string, string> = { ...r.headers, ...a };
        if (r.body !== undefined && r.ct !== undefined) headers['content-type'] = r.ct;
        return printable({ method: r.method, url: r.path + r.query, headers, payload: r.body, auth: r.auth });
      }),
    );
}

/** A route's path, now and then with a trailing slash or in upper case (both not routes: 404). */
export const pathVariants = (path: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 18, arbitrary: fc.constant(path) }, { weight: 1, arbitrary: fc.constant(`${path}/`) }, { weight: 1, arbitrary: fc.constant(path.toUpperCase()) });

/** fast-check prints a failing case with this (short), not the megabyte bodies some cases carry. */
export function printable<T extends FuzzRequest>(req: T): T {
  Object.defineProperty(req, fc.toStringMethod, { value: () => show(req), enumerable: false });
  return req;
}
