import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { Settings } from '../config/settings';
import { ENTITIES } from './entities';
import { startEmbeddedPostgres } from './embedded';
import { UNPREPARED } from './sql';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  poolSize: number;
  /** Named prepared statements for hot statements (DATABASE_PREPARED_STATEMENTS). */
  preparedStatements?: boolean;
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
    return { url: pg.url, embedded: true, poolSize: 1, preparedStatements: settings.databasePreparedStatements, stop: () => pg.stop() };
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
  return { url, embedded: false, poolSize: settings.databasePoolSize, preparedStatements: settings.databasePreparedStatements, stop: async () => undefined };
}

/**
 * Pool clients that never take the process down. pg emits 'error' on a client whose connection
 * dies (a Postgres restart sends FATAL 57P01 to every backend); on a checked-out client whose
 * holder has no 'error' listener at that moment, that was an uncaught exception and the service
 * exited (found by the fault suite, test/faults/postgres-restart). The client is broken either
 * way: its holder gets the error on its next query, and the pool drops it when it comes back.
 */
let clientSerial = 0;
/** Unique to this process: several processes may share one PGlite session (tests, replicas on a shared embedded server). */
const processTag = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;

export class ResilientClient extends Client {
  private readonly prepares: boolean;
  /** Prefix of this connection's statement names: PGlite is ONE session behind every connection
   * (pglite-server.ts), where a name another connection prepared may still exist. */
  private readonly prefix = `mp${processTag}${(++clientSerial).toString(36)}_`;

  /** Bumped for a statement whose prepared plan went stale (see query): the next use prepares it under a new name. */
  private readonly generations = new Map<string, number>();
  /** The server's transaction status at the last ReadyForQuery: I (idle), T (in a transaction), E (failed transaction). */
  private txStatus = 'I';

  constructor(config?: ConstructorParameters<typeof Client>[0] & { preparedStatements?: boolean }) {
    super(config);
    this.prepares = typeof config === 'object' && config?.preparedStatements === true;
    this.on('error', (err: Error) => {
      if (this.listenerCount('error') === 1) log.warn(`database connection lost on a connection in use: ${err.message}`);
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (this as any).connection?.on('readyForQuery', (msg: { status?: string }) => {
      this.txStatus = msg?.status ?? 'I';
    });
  }

  /**
   * A parameterised statement the service runs again and again goes as a named prepared
   * statement (see preparedName): Postgres parses it once per connection and, once its generic
   * plan is as good as a fresh one, stops planning it. Planning was a third of the database's
   * time for the order-change and order-create statements.
   *
   * A table that gains a column while the service runs (a newer replica's migration) makes a
   * prepared `SELECT *` fail with "cached plan must not change result type": the statement is
   * then prepared again under a new name, and run again at once when no transaction was open
   * (nothing ran: the check comes before execution); inside a transaction the error stands and
   * the transaction's owner retries as for any failure.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [text, values] = args;
    const callback = args.length > 2 || typeof values === 'function';
    if (this.prepares && !callback && typeof text === 'string' && Array.isArray(values) && values.length) {
      const hash = preparedName(text);
      if (hash) {
        const named = () => `${this.prefix}${hash}${this.generations.has(hash) ? `_${this.generations.get(hash)}` : ''}`;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const run = () => (super.query as any)({ name: named(), text, values }) as Promise<unknown>;
        return run().catch((err: { code?: string; message?: string }) => {
          if (err?.code !== '0A000' || !/cached plan must not change result type/.test(err.message ?? '')) throw err;
          this.generations.set(hash, (this.generations.get(hash) ?? 0) + 1);
          log.warn(`a prepared statement's tables changed shape; preparing it again${this.txStatus === 'I' ? ' and running it again' : ' (inside a transaction: the error stands)'}`);
          if (this.txStatus !== 'I') throw err;
          return run();
        });
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (super.query as any)(...args);
  }
}

/** Statements seen this often are prepared; the rest (one-off texts, IN lists of every length) are not. */
const PREPARE_AFTER = 3;
/** At most this many texts are prepared (process-wide, so also per connection: each holds a parse tree and a plan). */
const MAX_PREPARED = 200;
const seen = new Map<string, number>();
const prepared = new Map<string, string>();

/** The statement name (before the connection's prefix) for a hot statement text, or null. */
export function preparedName(text: string): string | null {
  if (text.startsWith(UNPREPARED)) return null;
  const known = prepared.get(text);
  if (known) return known;
  if (prepared.size >= MAX_PREPARED) return null;
  const n = (seen.get(text) ?? 0) + 1;
  if (n < PREPARE_AFTER) {
    if (seen.size >= 10_000) seen.clear();
    seen.set(text, n);
    return null;
  }
  seen.delete(text);
  const name = createHash('sha1').update(text).digest('hex').slice(0, 24);
  prepared.set(text, name);
  return name;
}

export function dataSourceOptions(db: Pick<DatabaseHandle, 'url' | 'poolSize' | 'preparedStatements'> & { embedded?: boolean }): DataSourceOptions {
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
      preparedStatements: db.preparedStatements !== false,
      max: db.poolSize,
      connectionTimeoutMillis: 5000,
      // Embedded: the one connection is kept (a closed one's prepared statements would stay in
      // PGlite's single session until the process ends).
      idleTimeoutMillis: db.embedded ? 0 : 30_000,
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
  const ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 1, embedded: db.embedded, preparedStatements: db.preparedStatements }));
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
