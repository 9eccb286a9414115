import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { sleep } from '../common/sleep';
import { GatewayError } from '../gateways/gateway.errors';
import type { GatewayWithdrawal, GatewayWithdrawalPage, PaymentGateway } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { JobsService } from '../jobs/jobs.service';
import { toUpsert, WithdrawalUpsert } from './withdrawal.mapping';
import { WithdrawalsRepository } from './withdrawals.repository';

export const WITHDRAWALS_SYNC_QUEUE = 'withdrawals-sync';
export const WITHDRAWALS_SYNC_QUEUE_SPEC = {
  name: WITHDRAWALS_SYNC_QUEUE,
  // A failed scheduled run is not retried: the next one comes within 5 minutes.
  retryLimit: 0,
  retryDelay: 30,
  retryBackoff: false,
  expireInSeconds: 600,
};
export const DEFAULT_WITHDRAWALS_SYNC_CRON = '*/5 * * * *';

export interface SyncResult {
  /** Distinct withdrawals read from the gateway. */
  fetched: number;
  /** Rows the mirror did not have. */
  created: number;
  /** Rows that differed from the gateway's copy and were rewritten. */
  updated: number;
}

export interface WithdrawalsSyncOptions {
  /** per_page of GET /withdrawals, 1–500 (WITHDRAWALS_SYNC_PAGE_SIZE, default 500). */
  pageSize: number;
  /** pg-boss cron of the scheduled sync, or null for none (WITHDRAWALS_SYNC_CRON, default every 5 min; `off` = none). */
  cron: string | null;
  /** Most one sync waits in total on the gateway's rate limit (WITHDRAWALS_SYNC_RATE_LIMIT_WAIT_S, default 60). */
  rateLimitBudgetMs: number;
  /** Longest single wait asked by a 429; a longer Retry-After fails the sync (default 30 s). */
  maxSingleWaitMs: number;
  /** Safety stop on a gateway whose total_pages never ends. */
  maxPages: number;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v.trim() === '') return def;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
    throw new Error(`setting ${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

export function withdrawalsSyncOptions(env: NodeJS.ProcessEnv = process.env): WithdrawalsSyncOptions {
  const cronRaw = env.WITHDRAWALS_SYNC_CRON?.trim();
  const cron = cronRaw === undefined || cronRaw === '' ? DEFAULT_WITHDRAWALS_SYNC_CRON : /^(off|false|none|0)$/i.test(cronRaw) ? null : cronRaw;
  if (cron !== null && cron.split(/\s+/).length !== 5) {
    throw new Error(`setting WITHDRAWALS_SYNC_CRON must be a 5-field cron expression or "off", got ${JSON.stringify(cronRaw)}`);
  }
  return {
    pageSize: intEnv(env, 'WITHDRAWALS_SYNC_PAGE_SIZE', 500, 1, 500),
    cron,
    rateLimitBudgetMs: intEnv(env, 'WITHDRAWALS_SYNC_RATE_LIMIT_WAIT_S', 60, 0, 3600) * 1000,
    maxSingleWaitMs: 30_000,
    maxPages: 100_000,
  };
}

/**
 * Mirrors the merchant's withdrawals from the gateways that list them (capabilities.withdrawals, every page) into the
 * `withdrawals` table, idempotently. Runs on a pg-boss schedule and on demand (ops route).
 *
 * Concurrency: syncs in this process run one after the other; across replicas the write phase
 * is serialised by a transaction-scoped advisory lock, and a row is never overwritten by an
 * older gateway copy. The gateway is read with no database connection or transaction held, so
 * the embedded single-connection database (whose sandbox gateway shares that connection) works.
 */
@Injectable()
export class WithdrawalsSyncService implements OnApplicationBootstrap {
  private readonly log = new Logger('WithdrawalsSync');
  readonly options: WithdrawalsSyncOptions;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly gateways: GatewayRegistry,
    private readonly repo: WithdrawalsRepository,
    private readonly jobs: JobsService,
  ) {
    this.options = withdrawalsSyncOptions();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue(WITHDRAWALS_SYNC_QUEUE_SPEC);
    await this.jobs.work(WITHDRAWALS_SYNC_QUEUE, { batchSize: 1 }, async () => {
      await this.sync('schedule');
    });
    // pg-boss keeps one schedule per queue name and sends each cron slot once, whatever the
    // number of replicas calling this.
    if (this.options.cron) await this.jobs.schedule(WITHDRAWALS_SYNC_QUEUE, this.options.cron);
  }

  /** One full sync; concurrent calls in this process queue up behind each other. */
  sync(source: 'schedule' | 'ops' | 'test' = 'ops'): Promise<SyncResult> {
    const run = this.tail.then(() => this.runSync(source));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async runSync(source: string): Promise<SyncResult> {
    const started = Date.now();
    const fetched = await this.fetchAll();
    const rows: WithdrawalUpsert[] = [];
    for (const w of fetched.values()) {
      try {
        rows.push(toUpsert(w));
      } catch (err) {
        this.log.warn(`withdrawal ${w.withdraw_uuid} skipped: ${(err as Error).message}`);
      }
    }
    const { created, updated } = await this.repo.upsertAll(rows);
    const result = { fetched: fetched.size, created, updated };
    this.log.log(`withdrawals sync (${source}): fetched ${result.fetched}, created ${created}, updated ${updated} in ${Date.now() - started} ms`);
    return result;
  }

  /** Every page, oldest first (new withdrawals land on the last page, so offsets do not shift). */
  private async fetchAll(): Promise<Map<string, GatewayWithdrawal>> {
    const byUuid = new Map<string, GatewayWithdrawal>();
    const budget = { leftMs: this.options.rateLimitBudgetMs };
    for (const gateway of this.gateways.all().filter((g) => g.capabilities.withdrawals && g.listWithdrawals)) {
      for (let page = 1; page <= this.options.maxPages; page++) {
        const res = await this.fetchPage(gateway, page, budget);
        // A row seen twice (pages shifted under us) keeps its latest copy.
        for (const w of res.items) byUuid.set(w.withdraw_uuid, w);
        if (res.items.length === 0 || page >= res.totalPages) break;
      }
    }
    return byUuid;
  }

  /** One page; a 429 is waited out (as asked, bounded) and the same page asked again. */
  private async fetchPage(gateway: PaymentGateway, page: number, budget: { leftMs: number }): Promise<GatewayWithdrawalPage> {
    for (;;) {
      try {
        return await gateway.listWithdrawals!(page, this.options.pageSize);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.kind !== 'rate_limited') throw err;
        const waitMs = Math.max(250, Math.ceil((err.info.retryAfterSec ?? 1) * 1000));
        if (waitMs > this.options.maxSingleWaitMs || waitMs > budget.leftMs) {
          this.log.warn(`withdrawals sync: gateway rate limit on page ${page} asks ${waitMs} ms, more than this sync may still wait (${budget.leftMs} ms); giving up`);
          throw err;
        }
        this.log.warn(`withdrawals sync: gateway rate limit on page ${page}; waiting ${waitMs} ms`);
        budget.leftMs -= waitMs;
        await sleep(waitMs);
      }
    }
  }
}
