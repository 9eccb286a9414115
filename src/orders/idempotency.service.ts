import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { SqlPart } from '../database/sql';
import { ApiError } from '../common/api-error';
import { rowsOf } from '../database/sql';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { JobsService } from '../jobs/jobs.service';

export const IDEMPOTENCY_SWEEP_QUEUE = 'idempotency-key-sweep';
/** The contract keeps keys at least 24 h; they go after twice that. */
export const IDEMPOTENCY_KEEP_HOURS = 48;
/** Rows per delete statement, so a large backlog never holds one long lock. */
const SWEEP_BATCH = 5000;

export type Claim =
  | { kind: 'claimed'; orderId: string | null }
  | { kind: 'replay'; status: number; body: unknown };

/** Canonical JSON: the same body with keys in another order is the same request. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Idempotency-Key semantics as Stripe and the IETF draft define them, scoped per API key:
 * same key + same body replays the first reply; another body is 422; a call still running is 409.
 * A call that ended in gateway trouble is not replayed: its key stays usable and remembers the
 * order, so the retry finishes that order instead of making another.
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap {
  private readonly log = new Logger('Idempotency');
  /** How long a claim holds the key before a retry may take it over. */
  readonly leaseMs: number;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    gateways: GatewayRegistry,
    private readonly jobs: JobsService,
  ) {
    // A call may take three attempts of the slowest gateway's deadline, plus room.
    this.leaseMs = Math.max(0, ...gateways.all().map((g) => g.timeoutMs)) * 3 + 30_000;
  }

  /** The sweeper: an hourly pg-boss job (one run per slot whatever the number of replicas). */
  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue({ name: IDEMPOTENCY_SWEEP_QUEUE, retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 900, policy: 'singleton' });
    await this.jobs.work(IDEMPOTENCY_SWEEP_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
      const n = await this.sweep();
      if (n) this.log.log(`sweep: removed ${n} idempotency key(s) older than ${IDEMPOTENCY_KEEP_HOURS} h`);
    });
    await this.jobs.schedule(IDEMPOTENCY_SWEEP_QUEUE, '17 * * * *');
  }

  hash(body: unknown): string {
    return createHash('sha256').update(canonicalJson(body)).digest('hex');
  }

  async claim(scope: string, key: string, requestHash: string): Promise<Claim> {
    const inserted = await this.ds.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, state, locked_until)
       VALUES ($1,$2,$3,'in_progress', now() + ($4 || ' milliseconds')::interval)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [scope, key, requestHash, String(this.leaseMs)],
    );
    if (inserted.length) return { kind: 'claimed', orderId: null };
    const [row] = await this.ds.query(
      `SELECT request_hash, state, response_status, response_body, order_id, locked_until > now() AS locked FROM idempotency_keys WHERE scope=$1 AND key=$2`,
      [scope, key],
    );
    if (!row) return this.claim(scope, key, requestHash); // deleted by the sweeper in between
    if (row.request_hash !== requestHash) {
      throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body.');
    }
    if (row.state === 'done') return { kind: 'replay', status: row.response_status, body: row.response_body };
    if (row.state === 'in_progress' && row.locked) {
      throw new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    const taken = await this.ds.query(
      `UPDATE idempotency_keys SET state='in_progress', locked_until = now() + ($3 || ' milliseconds')::interval, updated_at=now()
       WHERE scope=$1 AND key=$2 AND (state='retryable' OR (state='in_progress' AND locked_until <= now())) RETURNING order_id`,
      [scope, key, String(this.leaseMs)],
    );
    const rows = rowsOf<{ order_id: string | null }>(taken);
    if (!rows.length) throw new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    return { kind: 'claimed', orderId: rows[0].order_id ?? null };
  }

  async complete(scope: string, key: string, status: number, body: unknown, orderId: string | null): Promise<void> {
    const part = this.completePart(scope, key, status, body, orderId);
    await this.ds.query(part.sql, part.values);
  }

  /**
   * `complete` as a part of the order change's one statement (OrdersRepository.applyOptimistic).
   * A refusal (4xx) names no order: a key claimed with a new order's id whose external_id turned
   * out to be taken must not keep that id.
   */
  completePart(scope: string, key: string, status: number, body: unknown, orderId: string | null): SqlPart {
    return {
      name: 'idempotency_done',
      sql: `UPDATE idempotency_keys SET state='done', response_status=$3::int, response_body=$4::jsonb,
                   order_id = CASE WHEN $3::int >= 400 THEN $5::uuid ELSE COALESCE($5::uuid, order_id) END, locked_until=NULL, updated_at=now()
            WHERE scope=$1::text AND key=$2::text`,
      many: `UPDATE idempotency_keys k SET state='done', response_status=x.p3::int, response_body=x.p4::jsonb,
                   order_id = CASE WHEN x.p3::int >= 400 THEN x.p5::uuid ELSE COALESCE(x.p5::uuid, k.order_id) END, locked_until=NULL, updated_at=now()
              FROM {rows} WHERE k.scope = ANY({p1}) AND k.key = ANY({p2}) AND k.scope = x.p1 AND k.key = x.p2`,
      values: [scope, key, status, JSON.stringify(body), orderId],
    };
  }

  /** The call failed in a way a retry can finish: free the key, remember the order. */
  async release(scope: string, key: string, orderId: string | null): Promise<void> {
    await this.ds.query(
      `UPDATE idempotency_keys SET state='retryable', order_id=COALESCE($3, order_id), locked_until=NULL, updated_at=now() WHERE scope=$1 AND key=$2`,
      [scope, key, orderId],
    );
  }

  /**
   * Removes keys older than IDEMPOTENCY_KEEP_HOURS (the contract keeps them at least 24 h), in
   * batches; a call still holding its key (in progress, lease not over) keeps it.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (;;) {
      const rows = rowsOf(
        await this.ds.query(
          `DELETE FROM idempotency_keys WHERE (scope, key) IN (
             SELECT scope, key FROM idempotency_keys
              WHERE created_at < now() - make_interval(hours => $1) AND (state <> 'in_progress' OR locked_until < now())
              LIMIT $2)
           RETURNING key`,
          [IDEMPOTENCY_KEEP_HOURS, SWEEP_BATCH],
        ),
      );
      removed += rows.length;
      if (rows.length < SWEEP_BATCH) return removed;
    }
  }
}
