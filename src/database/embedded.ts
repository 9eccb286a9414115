import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGliteServer } from './pglite-server';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (Postgres compiled to WASM) under DATA_DIR, served on a loopback socket so the ordinary
 * `pg` driver and the same SQL serve both modes. PGlite is one session: the server gives
 * connections whole turns (see PGliteServer); the service itself uses a pool of one.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = resolve(join(dataDir, 'pg'));
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir);
  const server = new PGliteServer(db);
  const address = await server.listen();
  return {
    url: `postgres://postgres@${address}/postgres`,
    async stop() {
      await server.close().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}
