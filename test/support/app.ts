import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { RunningApp, startApp } from '../../src/app.factory';
import { loadSettings } from '../../src/config/settings';

export const STOREFRONT_KEY = 'sk_test_storefront_0123456789';
export const OPS_KEY = 'sk_test_ops_0123456789abcdef';
export const WEBHOOK_SECRET = 'whsk_test_secret_0123456789';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for embedded mode. */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh database on DATABASE_URL's server, or a fresh embedded data directory. */
export async function freshDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-test-'));
  const server = process.env.DATABASE_URL;
  if (!server) return { url: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  const name = `payments_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    dataDir,
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

export interface TestApp extends RunningApp {
  http: ReturnType<typeof request>;
  database: TestDatabase;
  /** Stops the app but keeps the database (for restart tests). */
  stop(): Promise<void>;
  /** Stops the app and drops its database. */
  close(): Promise<void>;
}

export function testEnv(port: number, db: TestDatabase, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    PORT: String(port),
    DATABASE_URL: db.url,
    DATA_DIR: db.dataDir,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    STOREFRONT_API_KEYS: STOREFRONT_KEY,
    OPS_API_KEYS: OPS_KEY,
    ECCAEX_WEBHOOK_SECRET: WEBHOOK_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ECCAEX_TIMEOUT_MS: '2000',
    ...extra,
  };
}

/** The whole service on a real port and a real database, sandbox gateway mounted. */
export async function startTestApp(extra: Record<string, string> = {}, database?: TestDatabase): Promise<TestApp> {
  const db = database ?? (await freshDatabase());
  // A port freePort found may be taken again before the app listens (the embedded database's own
  // server binds a free port meanwhile): then another one.
  let started: RunningApp | undefined;
  for (let attempt = 1; !started; attempt++) {
    const port = extra.PORT ? Number(extra.PORT) : await freePort();
    try {
      started = await startApp(loadSettings(testEnv(port, db, extra)), { host: '127.0.0.1' });
    } catch (err) {
      if (extra.PORT || attempt >= 3 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
    }
  }
  const running = started;
  return {
    ...running,
    http: request(running.url),
    database: db,
    stop: () => running.close(),
    async close() {
      await running.close();
      await db.drop();
    },
  };
}

export const storefront = { Authorization: `Bearer ${STOREFRONT_KEY}` };
export const ops = { Authorization: `Bearer ${OPS_KEY}` };

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
