import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { Settings } from '../config/settings';
import { ENTITIES } from './entities';
import { startEmbeddedPostgres } from './embedded';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  poolSize: number;
  stop(): Promise<void>;
}

const log = new Logger('Database');

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/** Waits for a real Postgres (bounded), saying what it waits for; embedded mode starts PGlite. */
export async function openDatabase(settings: Settings, waitMs = 60_000): Promise<DatabaseHandle> {
  if (!settings.databaseUrl) {
    log.log(`starting embedded Postgres (PGlite) under ${settings.dataDir}`);
    const pg = await startEmbeddedPostgres(settings.dataDir);
    return { url: pg.url, embedded: true, poolSize: 1, stop: () => pg.stop() };
  }
  const url = settings.databaseUrl;
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => undefined);
      const reason = (err as Error).message;
      if (Date.now() > deadline) throw new Error(`database ${describe(url)} not reachable after ${waitMs} ms: ${reason}`);
      log.warn(`waiting for database ${describe(url)} (attempt ${attempt}): ${reason}`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
    }
  }
  return { url, embedded: false, poolSize: settings.databasePoolSize, stop: async () => undefined };
}

/**
 * Pool clients that never take the process down. pg emits 'error' on a client whose connection
 * dies (a Postgres restart sends FATAL 57P01 to every backend); on a checked-out client whose
 * holder has no 'error' listener at that moment, that was an uncaught exception and the service
 * exited (found by the fault suite, test/faults/postgres-restart). The client is broken either
 * way: its holder gets the error on its next query, and the pool drops it when it comes back.
 */
export class ResilientClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', (err: Error) => {
      if (this.listenerCount('error') === 1) log.warn(`database connection lost on a connection in use: ${err.message}`);
    });
  }
}

export function dataSourceOptions(db: Pick<DatabaseHandle, 'url' | 'poolSize'>): DataSourceOptions {
  return {
    type: 'postgres',
    url: db.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      Client: ResilientClient,
      max: db.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      // A dead database must fail requests fast, not hang them.
      query_timeout: 15_000,
      application_name: 'merchant-payments',
    },
  };
}

const MIGRATION_LOCK = 727_001;

/**
 * Runs pending migrations once, whatever the number of replicas starting together: a session
 * advisory lock serialises them on a real Postgres (embedded mode has a single process).
 */
export async function runMigrations(db: DatabaseHandle): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 1 }));
  let lock: Client | undefined;
  if (!db.embedded) {
    lock = new Client({ connectionString: db.url });
    await lock.connect();
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
  }
  try {
    await ds.initialize();
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy().catch(() => undefined);
    if (lock) {
      await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await lock.end().catch(() => undefined);
    }
  }
}
