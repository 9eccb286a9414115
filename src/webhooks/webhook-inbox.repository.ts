import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';
import type { SqlPart } from '../database/sql';

export type InboxStatus = 'received' | 'processed' | 'failed' | 'unmatched' | 'conflict';

export interface InboxRow {
  id: string;
  provider: string;
  idempotency_key: string;
  payload_hash: string;
  raw_body: Buffer;
  headers: Record<string, string>;
  gateway_order_id: string | null;
  external_id: string | null;
  order_id: string | null;
  status: InboxStatus;
  conflict_of: string | null;
  attempts: number;
  last_error: string | null;
  outcome: Record<string, unknown> | null;
  received_at: Date;
  processed_at: Date | null;
}

export interface NewCallback {
  provider: string;
  idempotency_key: string;
  payload_hash: string;
  raw_body: Buffer;
  headers: Record<string, string>;
  gateway_order_id: string | null;
  external_id: string | null;
  /** Our order, when the intake already found it (gateways whose callbacks are trusted per order). */
  order_id?: string | null;
}

@Injectable()
export class WebhookInboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a verified callback; returns its id, or null when the key is already stored. */
  async insert(m: EntityManager, c: NewCallback): Promise<string | null> {
    const rows = await m.query(
      `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, order_id, status)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'received')
       ON CONFLICT (provider, idempotency_key) WHERE conflict_of IS NULL DO NOTHING RETURNING id`,
      [c.provider, c.idempotency_key, c.payload_hash, c.raw_body, JSON.stringify(c.headers), c.gateway_order_id, c.external_id, c.order_id ?? null],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Stores a batch of verified callbacks and ONE processing job for the rows that were new, in one
   * statement (the group commit of the intake, see common/batcher.ts): the rows with known ids,
   * `ON CONFLICT DO NOTHING` per key, and pg-boss's own insert statement (`job`, sent with data
   * `{ inboxIds: [] }`) whose name and data are taken from the inserted rows, so no job is
   * inserted when every key was a duplicate. Per input, in order: whether it was new, and the
   * stored original of a duplicate as seen before the statement (null when a concurrent first
   * delivery is not visible yet). A key twice in one batch is stored once (`DO NOTHING` sees
   * the row the same statement inserted); the second is a duplicate whose original is not visible yet.
   */
  async insertBatchWithJob(
    items: Array<{ id: string; c: NewCallback }>,
    job: { text: string; values: unknown[] },
  ): Promise<{ results: Array<{ inserted: boolean; original: { id: string; payload_hash: string } | null }>; jobs: number }> {
    const n = job.values.length;
    const p = (i: number) => `$${n + i}`;
    const sql = `
      WITH input AS (
        SELECT * FROM unnest(${p(1)}::uuid[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::int[], ${p(6)}::int[], ${p(7)}::text[], ${p(8)}::text[], ${p(9)}::text[], ${p(10)}::uuid[])
          WITH ORDINALITY AS t(id, provider, idempotency_key, payload_hash, body_from, body_length, headers, gateway_order_id, external_id, order_id, ord)
      ), ins AS (
        INSERT INTO webhook_inbox (id, provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, order_id, status)
        SELECT id, provider, idempotency_key, payload_hash, substring(${p(11)}::bytea FROM body_from FOR body_length), headers::jsonb, gateway_order_id, external_id, order_id, 'received'
          FROM input ORDER BY ord
        ON CONFLICT (provider, idempotency_key) WHERE conflict_of IS NULL DO NOTHING RETURNING id
      ), job AS (${job.text})
      SELECT (ins.id IS NOT NULL) AS inserted,
             CASE WHEN o.id IS NULL THEN NULL ELSE json_build_object('id', o.id, 'payload_hash', o.payload_hash) END AS original,
             (SELECT count(*) FROM job)::int AS jobs
        FROM input i
        LEFT JOIN ins ON ins.id = i.id
        -- One unique-index probe per callback not inserted (a plain join was planned as a hash
        -- join over every stored callback of the provider: a cost that grew with the table).
        LEFT JOIN LATERAL (
          SELECT o.id, o.payload_hash FROM webhook_inbox o
           WHERE ins.id IS NULL AND o.provider = i.provider AND o.idempotency_key = i.idempotency_key AND o.conflict_of IS NULL
           LIMIT 1
        ) o ON true
       ORDER BY i.ord`;
    // The bodies go as ONE binary parameter (their bytes one after another) with each body's
    // place in it: a bytea[] goes as text, every byte spelled as two hex digits (twice the bytes
    // on the wire and a string built per batch).
    const from: number[] = [];
    const length: number[] = [];
    let at = 1;
    for (const x of items) {
      from.push(at);
      length.push(x.c.raw_body.length);
      at += x.c.raw_body.length;
    }
    const bodies = Buffer.concat(items.map((x) => x.c.raw_body), at - 1);
    const rows: Array<{ inserted: boolean; original: { id: string; payload_hash: string } | null; jobs: number }> = rowsOf(
      await this.ds.query(sql, [
        ...job.values,
        items.map((x) => x.id),
        items.map((x) => x.c.provider),
        items.map((x) => x.c.idempotency_key),
        items.map((x) => x.c.payload_hash),
        from,
        length,
        items.map((x) => JSON.stringify(x.c.headers)),
        items.map((x) => x.c.gateway_order_id),
        items.map((x) => x.c.external_id),
        items.map((x) => x.c.order_id ?? null),
        bodies,
      ]),
    );
    if (rows.length !== items.length) throw new Error(`batch store returned ${rows.length} rows for ${items.length} callbacks`);
    return { results: rows.map((r) => ({ inserted: r.inserted, original: r.original })), jobs: rows[0]?.jobs ?? 0 };
  }

  /** A duplicate key: if its body differs from the stored one, keep the difference once, for ops. */
  async recordDuplicate(c: NewCallback, known?: { id: string; payload_hash: string }): Promise<{ conflict: boolean }> {
    const [original] = known
      ? [known]
      : await this.ds.query(`SELECT id, payload_hash FROM webhook_inbox WHERE provider=$1 AND idempotency_key=$2 AND conflict_of IS NULL`, [
          c.provider,
          c.idempotency_key,
        ]);
    if (!original || original.payload_hash === c.payload_hash) return { conflict: false };
    await this.ds.query(
      `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status, conflict_of)
       VALUES ($1,$2,$3,$4,$5,$6,$7,'conflict',$8) ON CONFLICT DO NOTHING`,
      [c.provider, c.idempotency_key, c.payload_hash, c.raw_body, JSON.stringify(c.headers), c.gateway_order_id, c.external_id, original.id],
    );
    return { conflict: true };
  }

  async get(id: string): Promise<InboxRow | null> {
    const [row] = await this.ds.query(`SELECT * FROM webhook_inbox WHERE id=$1`, [id]);
    return row ?? null;
  }

  async getMany(ids: string[]): Promise<InboxRow[]> {
    if (!ids.length) return [];
    return rowsOf<InboxRow>(await this.ds.query(`SELECT * FROM webhook_inbox WHERE id = ANY($1::uuid[])`, [ids]));
  }

  async finish(
    id: string,
    status: InboxStatus,
    fields: { order_id?: string | null; outcome?: Record<string, unknown>; error?: string | null },
    manager: EntityManager = this.ds.manager,
  ): Promise<void> {
    const part = this.finishPart(id, status, fields);
    await manager.query(part.sql, part.values);
  }

  /** `finish` of many rows with one status, each with its outcome, in one statement. */
  async finishMany(rows: Array<{ id: string; outcome: Record<string, unknown> }>, status: InboxStatus): Promise<void> {
    await this.ds.query(
      // By primary key (= ANY), never a join with the list: a prepared statement's plan made
      // while the table was small must not become a scan of the whole table later.
      `UPDATE webhook_inbox w SET status = CASE WHEN w.status='conflict' THEN w.status ELSE $3::varchar END,
              outcome = ($2::text[])[array_position($1::uuid[], w.id)]::jsonb, last_error = NULL, attempts = w.attempts + 1,
              processed_at = CASE WHEN $3::varchar IN ('processed','unmatched') THEN now() ELSE w.processed_at END
        WHERE w.id = ANY($1::uuid[])`,
      [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.outcome)), status],
    );
  }

  /** `finish` as a part of an order change's one statement (OrdersRepository.applyOptimistic). */
  finishPart(id: string, status: InboxStatus, fields: { order_id?: string | null; outcome?: Record<string, unknown>; error?: string | null }): SqlPart {
    return {
      name: 'inbox_finish',
      sql: `UPDATE webhook_inbox SET status = CASE WHEN status='conflict' THEN status ELSE $2::varchar END,
              order_id = COALESCE($3::uuid, order_id), outcome = COALESCE($4::jsonb, outcome), last_error = $5::text,
              attempts = attempts + 1, processed_at = CASE WHEN $2::varchar IN ('processed','unmatched') THEN now() ELSE processed_at END
            WHERE id = $1::uuid`,
      // By primary key (= ANY) as well as by the join: see finishMany.
      many: `UPDATE webhook_inbox w SET status = CASE WHEN w.status='conflict' THEN w.status ELSE x.p2::varchar END,
              order_id = COALESCE(x.p3::uuid, w.order_id), outcome = COALESCE(x.p4::jsonb, w.outcome), last_error = x.p5::text,
              attempts = w.attempts + 1, processed_at = CASE WHEN x.p2::varchar IN ('processed','unmatched') THEN now() ELSE w.processed_at END
              FROM {rows} WHERE w.id = ANY({p1}::uuid[]) AND w.id = x.p1::uuid`,
      values: [id, status, fields.order_id ?? null, fields.outcome ? JSON.stringify(fields.outcome) : null, fields.error ?? null],
    };
  }

  async list(q: { status?: string; order_id?: string; limit: number; cursor?: { t: Date; id: string } }): Promise<InboxRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    // The order's callbacks, and the conflicting copies of them (stored without an order: never applied).
    if (q.order_id) {
      const n = params.push(q.order_id);
      where.push(`(order_id = $${n} OR conflict_of = ANY(ARRAY(SELECT id FROM webhook_inbox WHERE order_id = $${n})))`);
    }
    if (q.cursor) where.push(`(received_at, id) < ($${params.push(q.cursor.t)}, $${params.push(q.cursor.id)})`);
    const sql = `SELECT * FROM webhook_inbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC LIMIT $${params.push(q.limit)}`;
    return rowsOf<InboxRow>(await this.ds.query(sql, params));
  }
}
