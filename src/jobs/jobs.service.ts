import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PgBoss, type JobInsert, type JobWithMetadata, type SendOptions, type WorkOptions } from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';

export const PGBOSS_SCHEMA = 'pgboss';
/**
 * pg-boss 11 and later cannot migrate pg-boss 10's schema (version 24): at start-up it is set
 * aside under this name, and each queue takes over its jobs still to run when it is defined.
 */
export const PGBOSS_10_SCHEMA = 'pgboss_v10';
/** The first schema version of pg-boss 11. */
const PGBOSS_11_SCHEMA_VERSION = 25;
/** Serialises setting aside and draining pg-boss 10's schema across replicas starting together. */
const PGBOSS_10_LOCK = `SELECT pg_advisory_xact_lock(hashtext('${PGBOSS_10_SCHEMA}'))`;

type Handler<T> = (jobs: JobWithMetadata<T>[]) => Promise<unknown>;

export interface QueueSpec {
  name: string;
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
}

/**
 * pg-boss on the service's own database and its own connection pool (TypeORM's), so the
 * embedded single-connection database works too and a job can be sent inside the transaction
 * that makes it necessary. Any number of replicas share the queues.
 */
@Injectable()
export class JobsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger('Jobs');
  private boss!: PgBoss;
  private started = false;
  private readonly queues = new Map<string, QueueSpec>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const pool = (this.ds.driver as unknown as { master: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } }).master;
    await this.setAsidePgBoss10();
    this.boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => this.tracked(pool.query(text, values)) },
      schema: PGBOSS_SCHEMA,
      supervise: true,
      schedule: true,
      migrate: true,
      // Each pass fails `active` jobs past their expireIn, so this is also how soon a job of a dead
      // process is retried (the monitor interval gates the expiry within a pass).
      superviseIntervalSeconds: 15,
      monitorIntervalSeconds: 15,
      // No instance registry: nothing reads it, and its heartbeat is one more writer on the embedded database.
      registerInstance: false,
    });
    this.boss.on('error', (err: Error) => this.log.error(`pg-boss: ${err.message}`));
    await this.boss.start();
    this.started = true;
    this.metrics?.setQueueDepthSource(async () => {
      const depths: Record<string, number> = {};
      for (const q of await this.boss.getQueues([...this.queues.keys()])) depths[q.name] = q.queuedCount;
      return depths;
    });
  }

  async defineQueue(spec: QueueSpec): Promise<void> {
    this.queues.set(spec.name, spec);
    const { name, policy = 'standard', ...options } = spec;
    const existing = await this.boss.getQueue(name);
    if (!existing) await this.boss.createQueue(name, { ...options, policy });
    else {
      await this.boss.updateQueue(name, options);
      if (existing.policy !== policy) this.log.warn(`queue ${name} keeps its policy ${existing.policy}: pg-boss cannot change a queue's policy (${policy} asked)`);
    }
    await this.adoptPgBoss10Jobs(name);
  }

  /** Sends a job; inside `manager`'s transaction when given, so it exists only if that commits. */
  async send(queue: string, data: object, options: SendOptions = {}, manager?: EntityManager): Promise<string | null> {
    const db = manager ? { executeSql: async (text: string, values?: unknown[]) => ({ rows: rowsOf(await manager.query(text, values)) }) } : undefined;
    return this.boss.send(queue, data, db ? { ...options, db } : options);
  }

  /**
   * The statement and values with which pg-boss itself would send this job, built by pg-boss's
   * own `send` (nothing is executed), so a caller can run it as part of one SQL statement of its
   * own. Null when pg-boss did not produce exactly one statement.
   */
  async sendStatement(queue: string, data: object, options: SendOptions = {}): Promise<{ text: string; values: unknown[] } | null> {
    const seen: { text: string; values: unknown[] }[] = [];
    const capture = {
      executeSql: async (text: string, values?: unknown[]) => {
        seen.push({ text, values: values ?? [] });
        return { rows: [{ id: 'captured' }] };
      },
    };
    await this.boss.send(queue, data, { ...options, db: capture });
    return seen.length === 1 ? seen[0]! : null;
  }

  /**
   * pg-boss's own insert statement for one job on `queue`, rewritten as the body of a CTE for a
   * caller's statement (so a row and its job are one round trip, atomic like a transaction): the
   * job is inserted only when `when` (SQL over the caller's earlier CTEs) holds, and `dataSql`, if
   * given, replaces the data. Its parameters are $1..$n (`values`); the caller numbers its own
   * from n + 1. Null when pg-boss's statement is not of the expected shape (then use `send`).
   */
  async jobCte(
    queue: string,
    data: object,
    opts: { when: string; dataSql?: string; send?: SendOptions },
  ): Promise<{ text: string; values: unknown[] } | null> {
    const job = await this.sendStatement(queue, data, opts.send);
    if (!job) return null;
    // pg-boss 12 reads the job's fields from one JSON array parameter: `json_to_recordset($1::text::json)`.
    const JOBS = '$1::text::json';
    if (
      job.values.length !== 1 ||
      job.text.split(JOBS).length !== 2 ||
      !/^\s*INSERT INTO\b/i.test(job.text) ||
      !/\bjson_to_recordset\(\$1::text::json\)/.test(job.text) ||
      !/RETURNING\s+id\s*$/i.test(job.text)
    ) {
      return null;
    }
    // When `when` is false the array is NULL, and json_to_recordset(NULL) yields no row: no job.
    const jobs = opts.dataSql
      ? `(SELECT jsonb_set($1::text::jsonb, '{0,data}', COALESCE(${opts.dataSql}, $1::text::jsonb #> '{0,data}')) WHERE ${opts.when})::text::json`
      : `(SELECT $1::text WHERE ${opts.when})::json`;
    return { text: job.text.replace(JOBS, () => jobs), values: job.values };
  }

  async work<T>(queue: string, options: { batchSize?: number; pollingIntervalSeconds?: number; workers?: number }, handler: Handler<T>): Promise<void> {
    const { workers = 1, ...rest } = options;
    const counted: Handler<T> = async (jobs) => {
      this.handlersInFlight += 1;
      try {
        return await handler(jobs);
      } catch (err) {
        this.metrics?.jobFailed(queue, jobs.length); // pg-boss fails every job of the batch
        throw err;
      } finally {
        this.handlersInFlight -= 1;
      }
    };
    const batchSize = rest.batchSize ?? 1;
    for (let i = 0; i < workers; i++) {
      // pg-boss waits the polling interval after every fetch, even a full one (at most batchSize
      // jobs per worker per interval: 16 callbacks/s with 2 workers of 4 every 0.5 s). A worker
      // whose batch was full fetches again at once; an empty or partial fetch still waits.
      let workerId: string | undefined;
      const again: Handler<T> = async (jobs) => {
        try {
          return await counted(jobs);
        } finally {
          if (jobs.length >= batchSize && workerId) this.boss.notifyWorker(workerId);
        }
      };
      workerId = await this.boss.work<T, unknown, WorkOptions & { includeMetadata: true }>(queue, { pollingIntervalSeconds: 0.5, batchSize: 1, ...rest, includeMetadata: true }, again);
    }
  }

  /** Fails one job of a batch the handler otherwise settled (pg-boss retries it per the queue's policy). */
  async fail(queue: string, id: string, err: Error): Promise<void> {
    await this.boss.fail(queue, id, { message: err.message });
    this.metrics?.jobFailed(queue, 1);
  }

  async schedule(queue: string, cron: string, data: object = {}): Promise<void> {
    await this.boss.schedule(queue, cron, data, { tz: 'UTC' });
  }

  /**
   * Stop fetching, let handlers in flight finish (bounded), then release what is left. pg-boss's
   * stop resolves once its workers, timers and maintenance have ended; this then waits (bounded)
   * until no statement of pg-boss's and no handler of ours is running, before the pool may close:
   * nothing of pg-boss's is left running after the service (or a test's environment) is gone.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, close: false, timeout: 10_000 }).catch((err: Error) => this.log.warn(`pg-boss stop: ${err.message}`));
    const deadline = Date.now() + 5000;
    while ((this.sqlInFlight > 0 || this.handlersInFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Our handlers running (see beforeApplicationShutdown). */
  private handlersInFlight = 0;

  /** pg-boss's own queries in flight (see beforeApplicationShutdown). */
  private sqlInFlight = 0;

  private tracked<T>(p: Promise<T>): Promise<T> {
    this.sqlInFlight += 1;
    return p.finally(() => {
      this.sqlInFlight -= 1;
    });
  }

  /** Renames a pg-boss 10 schema out of pg-boss 12's way (see PGBOSS_10_SCHEMA); once, whatever the number of replicas. */
  private async setAsidePgBoss10(): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(PGBOSS_10_LOCK);
      const [found] = rowsOf<{ installed: boolean }>(await m.query(`SELECT to_regclass('${PGBOSS_SCHEMA}.version') IS NOT NULL AS installed`));
      if (!found?.installed) return;
      const [v] = rowsOf<{ version: number }>(await m.query(`SELECT version FROM ${PGBOSS_SCHEMA}.version`));
      if (!v || Number(v.version) >= PGBOSS_11_SCHEMA_VERSION) return;
      await m.query(`ALTER SCHEMA ${PGBOSS_SCHEMA} RENAME TO ${PGBOSS_10_SCHEMA}`);
      this.log.warn(`pg-boss 10's schema (version ${v.version}) set aside as ${PGBOSS_10_SCHEMA}; its queued jobs move to their queues as they are defined`);
    });
  }

  /**
   * Moves `queue`'s jobs still to run (created, retry, or active in a process that is gone) from
   * pg-boss 10's schema into the queue, in one transaction, as new jobs with their ids and data;
   * drops that schema once no job to run is left in it.
   */
  private async adoptPgBoss10Jobs(queue: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(PGBOSS_10_LOCK);
      const [found] = rowsOf<{ present: boolean }>(await m.query(`SELECT to_regclass('${PGBOSS_10_SCHEMA}.job') IS NOT NULL AS present`));
      if (!found?.present) return;
      const TO_RUN = `state::text IN ('created', 'retry', 'active')`;
      const rows = rowsOf<{ id: string; data: object | null; priority: number; start_after: Date; singleton_key: string | null }>(
        await m.query(`SELECT id, data, priority, start_after, singleton_key FROM ${PGBOSS_10_SCHEMA}.job WHERE name = $1 AND ${TO_RUN}`, [queue]),
      );
      if (rows.length) {
        const jobs: JobInsert[] = rows.map((r) => ({ id: r.id, data: r.data ?? {}, priority: r.priority, startAfter: r.start_after, ...(r.singleton_key ? { singletonKey: r.singleton_key } : {}) }));
        const db = { executeSql: async (text: string, values?: unknown[]) => ({ rows: rowsOf(await m.query(text, values)) }) };
        await this.boss.insert(queue, jobs, { db });
        await m.query(`DELETE FROM ${PGBOSS_10_SCHEMA}.job WHERE name = $1 AND ${TO_RUN}`, [queue]);
        this.log.warn(`${rows.length} job(s) of queue ${queue} moved from pg-boss 10's schema`);
      }
      const [left] = rowsOf<{ n: number }>(await m.query(`SELECT count(*)::int AS n FROM ${PGBOSS_10_SCHEMA}.job WHERE ${TO_RUN}`));
      if (left?.n === 0) {
        await m.query(`DROP SCHEMA ${PGBOSS_10_SCHEMA} CASCADE`);
        this.log.log(`pg-boss 10's schema dropped: every job it still had to run was moved`);
      }
    });
  }
}
