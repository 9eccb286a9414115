import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import { PGliteServer } from './pglite-server';

/** Postgres settings of the embedded database (a development and single-node mode). */
export const EMBEDDED_PG_SETTINGS = ['shared_buffers=32MB', 'work_mem=2MB', 'maintenance_work_mem=16MB', 'temp_buffers=2MB', 'wal_buffers=1MB'];

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (Postgres compiled to WASM) under DATA_DIR, served on a loopback socket so the ordinary
 * `pg` driver and the same SQL serve both modes. PGlite is one session: the server gives
 * connections whole turns (see PGliteServer); the service itself uses a pool of one. The socket
 * takes only connections that know a password made at random for this start (it lives in `url`).
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = resolve(join(dataDir, 'pg'));
  mkdirSync(dir, { recursive: true });
  // A new data directory is initialised (initdb) in a worker thread that then exits: initdb's
  // WASM memory (~500 MB, never returned while its instance lives) goes with the worker.
  if (!existsSync(join(dir, 'PG_VERSION'))) await initInWorker(dir);
  const { PGlite } = await import('@electric-sql/pglite');
  // PGlite keeps its Postgres in WASM memory of this process, which never shrinks: smaller buffers
  // keep the service's RSS down (bench/: peak ~850 MB with the defaults under load).
  const db = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_PG_SETTINGS.flatMap((s) => ['-c', s])] });
  const password = randomBytes(24).toString('hex');
  const server = new PGliteServer(db, password);
  const address = await server.listen();
  return {
    url: `postgres://postgres:${password}@${address}/postgres`,
    async stop() {
      await server.close().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}

/** initdb of a new data directory in a short-lived worker thread (see startEmbeddedPostgres). */
function initInWorker(dir: string): Promise<void> {
  const code = `import('@electric-sql/pglite').then(async ({ PGlite }) => { const db = await PGlite.create(${JSON.stringify(dir)}); await db.close(); })`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`embedded database initialisation exited with code ${code}`))));
  });
}
