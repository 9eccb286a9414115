import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';

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
}

@Injectable()
export class WebhookInboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a verified callback; returns its id, or null when the key is already stored. */
  async insert(m: EntityManager, c: NewCallback): Promise<string | null> {
    const rows = await m.query(
      `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
       VALUES ($1,$2,$3,$4,$5,$6,$7,'received')
       ON CONFLICT (provider, idempotency_key) WHERE conflict_of IS NULL DO NOTHING RETURNING id`,
      [c.provider, c.idempotency_key, c.payload_hash, c.raw_body, JSON.stringify(c.headers), c.gateway_order_id, c.external_id],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Stores a verified callback and its job in ONE statement (one round trip, atomic like the
   * transaction of `insert` + send, which it replaces on the hot path): the inbox row is inserted
   * with a known id, and pg-boss's own insert statement (`job`, from JobsService.sendStatement)
   * runs in the same statement only when the row was new — its job name is taken from the
   * inserted row, so a duplicate key inserts no job. For a duplicate it also returns the stored
   * original (id, payload_hash) as seen before the statement (null when a concurrent first
   * delivery is not visible yet). Null when pg-boss's statement is not of the expected shape.
   */
  async insertWithJob(
    id: string,
    c: NewCallback,
    job: { text: string; values: unknown[] },
  ): Promise<{ id: string | null; jobs: number; original: { id: string; payload_hash: string } | null } | null> {
    const NAME = /\$2 as name\b/g;
    if ((job.text.match(NAME) ?? []).length !== 1 || !/^\s*INSERT INTO\b/i.test(job.text) || !/RETURNING\s+id\s*$/i.test(job.text)) return null;
    const n = job.values.length;
    const p = (i: number) => `$${n + i}`;
    const sql = `
      WITH ins AS (
        INSERT INTO webhook_inbox (id, provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
        VALUES (${p(1)}::uuid,${p(2)},${p(3)},${p(4)},${p(5)},${p(6)},${p(7)},${p(8)},'received')
        ON CONFLICT (provider, idempotency_key) WHERE conflict_of IS NULL DO NOTHING RETURNING id
      ), job AS (${job.text.replace(NAME, '(SELECT $2::text FROM ins) as name')})
      SELECT (SELECT id FROM ins) AS id,
             (SELECT json_build_object('id', o.id, 'payload_hash', o.payload_hash) FROM webhook_inbox o
               WHERE o.provider = ${p(2)} AND o.idempotency_key = ${p(3)} AND o.conflict_of IS NULL) AS original,
             (SELECT count(*) FROM job)::int AS jobs`;
    const [row] = await this.ds.query(sql, [
      ...job.values,
      id,
      c.provider,
      c.idempotency_key,
      c.payload_hash,
      c.raw_body,
      JSON.stringify(c.headers),
      c.gateway_order_id,
      c.external_id,
    ]);
    return { id: row?.id ?? null, jobs: row?.jobs ?? 0, original: row?.original ?? null };
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

  async finish(id: string, status: InboxStatus, fields: { order_id?: string | null; outcome?: Record<string, unknown>; error?: string | null }): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_inbox SET status = CASE WHEN status='conflict' THEN status ELSE $2 END,
              order_id = COALESCE($3, order_id), outcome = COALESCE($4, outcome), last_error = $5,
              attempts = attempts + 1, processed_at = CASE WHEN $2 IN ('processed','unmatched') THEN now() ELSE processed_at END
       WHERE id=$1`,
      [id, status, fields.order_id ?? null, fields.outcome ? JSON.stringify(fields.outcome) : null, fields.error ?? null],
    );
  }

  async list(q: { status?: string; order_id?: string; limit: number; cursor?: { t: Date; id: string } }): Promise<InboxRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.order_id) where.push(`order_id = $${params.push(q.order_id)}`);
    if (q.cursor) where.push(`(received_at, id) < ($${params.push(q.cursor.t)}, $${params.push(q.cursor.id)})`);
    const sql = `SELECT * FROM webhook_inbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC LIMIT $${params.push(q.limit)}`;
    return rowsOf<InboxRow>(await this.ds.query(sql, params));
  }
}
