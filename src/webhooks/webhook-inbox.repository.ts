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

  /** A duplicate key: if its body differs from the stored one, keep the difference once, for ops. */
  async recordDuplicate(c: NewCallback): Promise<{ conflict: boolean }> {
    const [original] = await this.ds.query(
      `SELECT id, payload_hash FROM webhook_inbox WHERE provider=$1 AND idempotency_key=$2 AND conflict_of IS NULL`,
      [c.provider, c.idempotency_key],
    );
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
