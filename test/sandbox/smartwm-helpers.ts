import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServer, Server } from 'node:http';
import request from 'supertest';
import { BODY_LIMIT } from '../../src/app.factory';
import { ExactJson, parseExactJson } from '../../src/common/json-exact';
import { loadSettings } from '../../src/config/settings';
import { DatabaseHandle, dataSourceOptions, openDatabase, runMigrations } from '../../src/database/database';
import { signDpay, verifyDpay } from '../../src/gateways/smartwm/smartwm-signature';
import { SmartwmSandboxModule } from '../../src/sandbox/smartwm/smartwm-sandbox.module';
import { SmartwmSandboxConfig, smartwmSandboxConfig, SmartwmSandboxOptions } from '../../src/sandbox/smartwm/sandbox-config';
import { freePort, freshDatabase, testEnv, TestDatabase } from '../support/app';

export const SWM_API = '/sandbox/smartwm/api/einvoice';
export const SWM_CONTROL = '/sandbox/smartwm/_control';
export const SWM_PAY = '/sandbox/smartwm/pay';
export const CLIENT_ID = '48151';
export const SECRET = 'swm_test_secret_0123456789abcdef';
export const TRACKING = /^[0-9A-F]{4}(-[0-9A-F]{4}){7}$/;
export const DPAY_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

@Module({})
class SmartwmSandboxHost {
  static forRoot(db: DatabaseHandle, config: SmartwmSandboxConfig): DynamicModule {
    return { module: SmartwmSandboxHost, imports: [TypeOrmModule.forRoot(dataSourceOptions(db)), SmartwmSandboxModule.forRoot(config)] };
  }
}

export interface SwmSandbox {
  url: string;
  http: ReturnType<typeof request>;
  config: SmartwmSandboxConfig;
  app: NestFastifyApplication;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The emulator on a real port and a fresh database (DATABASE_URL's server, or embedded PGlite),
 * migrated as the service migrates, served by Nest on Fastify with raw bodies kept, as the service
 * serves it.
 */
export async function startSmartwmSandbox(options: Partial<SmartwmSandboxOptions> = {}): Promise<SwmSandbox> {
  const database = await freshDatabase();
  const port = await freePort();
  const settings = loadSettings(testEnv(port, database));
  const db = await openDatabase(settings);
  try {
    await runMigrations(db);
    const config = smartwmSandboxConfig({ clientId: CLIENT_ID, secret: SECRET, publicBaseUrl: `http://127.0.0.1:${port}`, pingPollMs: 50, ...options });
    const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, trustProxy: true });
    const app = await NestFactory.create<NestFastifyApplication>(SmartwmSandboxHost.forRoot(db, config), adapter, { rawBody: true, logger: process.env.TEST_LOG_LEVEL ? ['error', 'warn'] : false });
    await app.listen(port, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      http: request(url),
      config,
      app,
      database,
      async close() {
        await app.close();
        await db.stop();
        await database.drop();
      },
    };
  } catch (err) {
    await db.stop();
    await database.drop();
    throw err;
  }
}

/** Starts the emulator before the suite's tests and stops it after them; `use` receives it. */
export function withSmartwmSandbox(use: (sb: SwmSandbox) => void, options: Partial<SmartwmSandboxOptions> = {}): void {
  let started: SwmSandbox | undefined;
  beforeAll(async () => {
    started = await startSmartwmSandbox(options);
    use(started);
  }, 180_000);
  afterAll(async () => {
    await started?.close();
  });
}

export interface DpayAnswer {
  status: number;
  headers: Headers;
  raw: Buffer;
  text: string;
  /** Parsed with exact numbers; undefined when the answer is not JSON. */
  json: ExactJson | undefined;
  /** DPAY_SECURE verified over the raw answer with the sandbox secret. */
  signed: boolean;
}

export interface DpayCallOptions {
  client?: string | null;
  secret?: string;
  /** Replaces the computed DPAY_SECURE; null sends none. */
  signature?: string | null;
  headers?: Record<string, string>;
  /** Client-side deadline (fetch aborts). */
  timeoutMs?: number;
}

/** A DPAY call as a client makes it: the exact bytes signed and sent, the raw answer kept. */
export async function dpayPost(baseUrl: string, endpoint: string, body: string | Buffer, opts: DpayCallOptions = {}): Promise<DpayAnswer> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...opts.headers };
  const client = opts.client === undefined ? CLIENT_ID : opts.client;
  if (client !== null) headers.DPAY_CLIENT = client;
  const signature = opts.signature === undefined ? signDpay(opts.secret ?? SECRET, bytes) : opts.signature;
  if (signature !== null) headers.DPAY_SECURE = signature;
  const signal = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
  const res = await fetch(`${baseUrl}${SWM_API}/${endpoint}`, { method: 'POST', headers, body: bytes, signal });
  const raw = Buffer.from(await res.arrayBuffer());
  let json: ExactJson | undefined;
  try {
    json = parseExactJson(raw);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, raw, text: raw.toString('utf8'), json, signed: verifyDpay(SECRET, raw, res.headers.get('dpay_secure') ?? undefined) };
}

/** dpayPost that answers a transport failure (reset, timeout) instead of throwing it. */
export async function dpayAttempt(baseUrl: string, endpoint: string, body: string, opts: DpayCallOptions = {}): Promise<DpayAnswer | { error: string }> {
  try {
    return await dpayPost(baseUrl, endpoint, body, opts);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { error: e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message) };
  }
}

let seq = 0;
/** A unique payment_id per call within a run. */
export const pid = (prefix = 'ord') => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

export function createBody(over: Record<string, string> = {}): string {
  const f = {
    payment_id: JSON.stringify(pid()),
    currency: '"visamaster.uah"',
    amount: '5000.00',
    description: '"Order"',
    success_url: '"https://shop.example/success"',
    fail_url: '"https://shop.example/fail"',
    ...over,
  };
  return `{${Object.entries(f)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `"${k}":${v}`)
    .join(',')}}`;
}

export const field = (json: ExactJson | undefined, name: string): unknown => (json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>)[name] : undefined);

/** Creates an invoice (signed, checked) and answers its ids. `over` holds raw JSON values by field. */
export async function createInvoice(baseUrl: string, over: Record<string, string> = {}): Promise<{ tracking: string; payment_id: string }> {
  const r = await dpayPost(baseUrl, 'create', createBody(over));
  if (r.status !== 200 || !r.signed || field(r.json, 'error') !== undefined) throw new Error(`create failed: ${r.status} ${r.text}`);
  return { tracking: field(r.json, 'tracking') as string, payment_id: field(r.json, 'payment_id') as string };
}

/** process, then the invoice is PAYIN; answers the process body. */
export async function processInvoice(baseUrl: string, tracking: string): Promise<Record<string, unknown>> {
  const r = await dpayPost(baseUrl, 'process', JSON.stringify({ tracking }));
  if (r.status !== 200 || !r.signed || field(r.json, 'error') !== undefined) throw new Error(`process failed: ${r.status} ${r.text}`);
  return r.json as Record<string, unknown>;
}

export async function statusOf(baseUrl: string, ref: { tracking: string } | { payment_id: string }): Promise<DpayAnswer> {
  return dpayPost(baseUrl, 'status', JSON.stringify(ref));
}

export interface Ping {
  method: string;
  url: string;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A local status_url receiver: records every request (method, URL, body) and answers `respond(nth for that URL)`. */
export class PingReceiver {
  private server: Server | null = null;
  base = '';
  received: Ping[] = [];
  respond: (nth: number) => number = () => 200;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const ping = { method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks), headers: req.headers };
        this.received.push(ping);
        res.writeHead(this.respond(this.to(ping.url).length), { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  to(url: string): Ping[] {
    return this.received.filter((p) => p.url === url);
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
