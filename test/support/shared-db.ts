import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGliteServer } from '../../src/database/pglite-server';
import { freshDatabase, TestDatabase } from './app';

export interface ServerDatabase extends TestDatabase {
  /** DATABASE_URL several app instances can share. */
  url: string;
  /** Extra env for the app instances (a pool of one on the embedded server, as the service uses there). */
  env: Record<string, string>;
}

/**
 * A database server several service instances can connect to. On a run against Postgres it is a
 * fresh database there; on an embedded run it is PGlite behind its socket server (the same thing
 * the service starts for itself), owned by the test so two instances can share it.
 */
export async function serverDatabase(): Promise<ServerDatabase> {
  if (process.env.DATABASE_URL) {
    const db = await freshDatabase();
    return { ...db, url: db.url!, env: {} };
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
    async drop() {
      await server.close().catch(() => undefined);
      await pg.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
