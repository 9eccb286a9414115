import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const pg = await PGlite.create(join(dataDir, 'pg'));
  const server = new PGLiteSocketServer({ db: pg, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    dataDir,
    env: { DATABASE_POOL_SIZE: '1' },
    async drop() {
      await server.stop().catch(() => undefined);
      await pg.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
