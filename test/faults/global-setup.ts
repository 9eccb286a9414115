import { Client } from 'pg';
import { buildService } from '../hardening/support';

/** Checks Postgres is there and compiles the service once (children run the compiled build). */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('select 1');
  } catch (err) {
    throw new Error(`the fault suite needs Postgres at ${url.replace(/\/\/[^@]*@/, '//')}: ${(err as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
  const t0 = Date.now();
  const build = await buildService();
  process.stdout.write(`\n[faults] Postgres at ${url.replace(/\/\/[^@]*@/, '//')}; service build ${build} (${Date.now() - t0} ms)\n`);
}
