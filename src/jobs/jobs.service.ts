import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';

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

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async onModuleInit(): Promise<void> {
    const pool = (this.ds.driver as unknown as { master: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } }).master;
    this.boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => pool.query(text, values) },
      schema: 'pgboss',
      supervise: true,
      schedule: true,
      migrate: true,
      monitorStateIntervalSeconds: 30,
      maintenanceIntervalSeconds: 120,
    });
    this.boss.on('error', (err: Error) => this.log.error(`pg-boss: ${err.message}`));
    await this.boss.start();
    this.started = true;
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

  async work<T>(queue: string, options: { batchSize?: number; pollingIntervalSeconds?: number; workers?: number }, handler: Handler<T>): Promise<void> {
    const { workers = 1, ...rest } = options;
    for (let i = 0; i < workers; i++) {
      await this.boss.work<T>(queue, { pollingIntervalSeconds: 0.5, batchSize: 1, ...rest, includeMetadata: true }, handler);
    }
  }

  async schedule(queue: string, cron: string, data: object = {}): Promise<void> {
    await this.boss.schedule(queue, cron, data, { tz: 'UTC' });
  }

  async queueSize(queue: string): Promise<number> {
    return this.boss.getQueueSize(queue);
  }

  /** Stop fetching, let handlers in flight finish (bounded), then release what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 }).catch((err: Error) => this.log.warn(`pg-boss stop: ${err.message}`));
  }
}
