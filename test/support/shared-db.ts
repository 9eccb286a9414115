import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PGliteServer } from '../../src/database/pglite-server';
import { freshDatabase, TestDatabase } from './app';

export interface ServerDatabase extends TestDatabase {
  /** DATABASE_URL several app instances can share. */
  url: string;
  /** Extra env for the app instances (a pool of one on the embedded server, as the service uses there). */
  env: Record<string, string>;
  /** Connections the service's instances hold to it now (application_name merchant-payments; on PGlite, every client). */
  connections(): Promise<number>;
}

/**
 * A database server several service instances can connect to. On a run against Postgres it is a
 * fresh database there; on an embedded run it is PGlite behind its socket server (the same thing
 * the service starts for itself), owned by the test so two instances can share it.
 */
export async function serverDatabase(): Promise<ServerDatabase> {
  if (process.env.DATABASE_URL) {
    const db = await freshDatabase();
    const url = db.url!;
    const connections = async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'merchant-payments'`);
        return rows[0].n as number;
      } finally {
        await c.end();
      }
    };
    return { ...db, url, env: {}, connections };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-shared-'));
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(join(dataDir, 'pg'));
  const server = new PGliteServer(pg);
  const address = await server.listen();
  return {
    url: `postgres://postgres@${address}/postgres`,
    dataDir,
    env: { DATABASE_POOL_SIZE: '1' },
    connections: async () => server.connections,
    async drop() {
      await server.close().catch(() => undefined);
      await pg.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
