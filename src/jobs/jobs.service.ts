import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';

const PGBOSS_SCHEMA = 'pgboss';
/** pg-boss checks every second whether the workers it was told to stop have stopped (manager.offWork). */
const PGBOSS_STOP_CHECK_MS = 1100;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pgBossPlans = require('pg-boss/src/plans') as { completeJobs(schema: string): string; failJobsById(schema: string): string };
/** The statements pg-boss's workers run, unawaited, to complete or fail a batch. */
const SETTLE_SQL = new Set([pgBossPlans.completeJobs(PGBOSS_SCHEMA), pgBossPlans.failJobsById(PGBOSS_SCHEMA)]);

type Handler<T> = (jobs: PgBoss.JobWithMetadata<T>[]) => Promise<unknown>;

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
    this.boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => this.settleSafely(text, this.tracked(pool.query(text, values))) },
      schema: PGBOSS_SCHEMA,
      supervise: true,
      schedule: true,
      migrate: true,
      monitorStateIntervalSeconds: 30,
      // Also how soon an `active` job of a dead process is retried once its expireIn has passed.
      maintenanceIntervalSeconds: 15,
    });
    this.boss.on('error', (err: Error) => this.log.error(`pg-boss: ${err.message}`));
    await this.boss.start();
    this.started = true;
    this.metrics?.setQueueDepthSource(async () => {
      const depths: Record<string, number> = {};
      for (const name of this.queues.keys()) depths[name] = await this.queueSize(name);
      return depths;
    });
  }

  async defineQueue(spec: QueueSpec): Promise<void> {
    this.queues.set(spec.name, spec);
    const existing = await this.boss.getQueue(spec.name);
    const { name, ...policy } = spec;
    if (!existing) await this.boss.createQueue(name, { name, ...policy });
    else await this.boss.updateQueue(name, { name, ...policy });
  }

  /** Sends a job; inside `manager`'s transaction when given, so it exists only if that commits. */
  async send(queue: string, data: object, options: PgBoss.SendOptions = {}, manager?: EntityManager): Promise<string | null> {
    const db = manager ? { executeSql: async (text: string, values?: unknown[]) => ({ rows: rowsOf(await manager.query(text, values)) }) } : undefined;
    return this.boss.send(queue, data, db ? { ...options, db } : options);
  }

  /**
   * The statement and values with which pg-boss itself would send this job, built by pg-boss's
   * own `send` (nothing is executed), so a caller can run it as part of one SQL statement of its
   * own. Null when pg-boss did not produce exactly one statement.
   */
  async sendStatement(queue: string, data: object, options: PgBoss.SendOptions = {}): Promise<{ text: string; values: unknown[] } | null> {
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
    opts: { when: string; dataSql?: string; send?: PgBoss.SendOptions },
  ): Promise<{ text: string; values: unknown[] } | null> {
    const job = await this.sendStatement(queue, data, opts.send);
    if (!job) return null;
    const NAME = /\$2 as name\b/g;
    const DATA = /\$3::jsonb as data\b/g;
    if (
      (job.text.match(NAME) ?? []).length !== 1 ||
      (job.text.match(DATA) ?? []).length !== 1 ||
      !/^\s*INSERT INTO\b/i.test(job.text) ||
      !/RETURNING\s+id\s*$/i.test(job.text)
    ) {
      return null;
    }
    // No queue row joins a NULL name: the job is not inserted when `when` is false.
    let text = job.text.replace(NAME, `(SELECT $2::text WHERE ${opts.when}) as name`);
    if (opts.dataSql) text = text.replace(DATA, `COALESCE(${opts.dataSql}, $3::jsonb) as data`);
    return { text, values: job.values };
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
      workerId = await this.boss.work<T>(queue, { pollingIntervalSeconds: 0.5, batchSize: 1, ...rest, includeMetadata: true }, again);
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

  async queueSize(queue: string): Promise<number> {
    return this.boss.getQueueSize(queue);
  }

  /**
   * Stop fetching, let handlers in flight finish (bounded), then release what is left. pg-boss
   * stops its workers in the background, checking once a second until their loops have ended (a
   * loop ends after its last fetch and handler); so this waits until no fetch and no handler of
   * ours is running, and until that first check is past, before the pool may close: nothing of
   * pg-boss's is left running after the service (or a test's environment) is gone.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const t0 = Date.now();
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 }).catch((err: Error) => this.log.warn(`pg-boss stop: ${err.message}`));
    const deadline = Date.now() + 5000;
    while ((this.sqlInFlight > 0 || this.handlersInFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const rest = PGBOSS_STOP_CHECK_MS - (Date.now() - t0);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }

  /** Our handlers running (see beforeApplicationShutdown). */
  private handlersInFlight = 0;

  /** pg-boss's own queries in flight (see beforeApplicationShutdown). */
  private sqlInFlight = 0;

  /**
   * pg-boss 10 records a job's completion or failure without awaiting it (manager.js, onFetch), so
   * a database that goes away at that moment (a restart, a failover) turned into an unhandled
   * rejection that killed the process, on every replica at once (found by the fault suite,
   * test/faults/postgres-restart). Those two statements never reject here: the job stays active
   * and is retried once its expireIn has passed, which processing tolerates. pg-boss 11 awaits
   * them (timgit/pg-boss#577).
   */
  private settleSafely<T>(text: string, p: Promise<T>): Promise<T> {
    if (!SETTLE_SQL.has(text)) return p;
    return p.catch((err: Error) => {
      this.log.warn(`pg-boss could not record a job outcome (${err.message}); the job stays active and is retried after it expires`);
      return { rows: [{ count: '0' }] } as T;
    });
  }

  private tracked<T>(p: Promise<T>): Promise<T> {
    this.sqlInFlight += 1;
    return p.finally(() => {
      this.sqlInFlight -= 1;
    });
  }
}
