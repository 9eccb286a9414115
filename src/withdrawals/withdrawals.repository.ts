import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';
import { isUuid } from '../common/ids';
import { WithdrawalStatusGroup, WithdrawalUpsert } from './withdrawal.mapping';

export interface WithdrawalRow {
  id: string;
  withdraw_uuid: string;
  /** bigint, as text. */
  withdrawal_method_id: string | null;
  address: string | null;
  address_memo: string | null;
  /** numeric(20,6), as text. */
  amount: string;
  network_fee: string | null;
  amount_to_receive: string | null;
  status: string;
  status_group: WithdrawalStatusGroup | null;
  substatus: string | null;
  external_tx_id: string | null;
  gateway_created_at: Date | null;
  gateway_updated_at: Date | null;
  processed_at: Date | null;
  raw: Record<string, unknown>;
  synced_at: Date;
  created_at: Date;
  updated_at: Date;
  /** The list's sort key, COALESCE(gateway_created_at, created_at), in microseconds, UTC text. */
  sort_key: string;
}

export interface ListCursor {
  /** ISO-8601 UTC with microseconds, as Postgres printed it. */
  t: string;
  id: string;
}

/** Sort key of the ops list: the gateway's created_at, ours when the gateway gave none. */
const SORT = `COALESCE(gateway_created_at, created_at)`;
const COLUMNS = `*, to_char(${SORT} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key`;

/** Rows written per statement (the whole sync is still one transaction). */
const CHUNK = 500;

/** Lock id serialising mirror writes across replicas (migrations use 727001). */
export const WITHDRAWALS_SYNC_LOCK = 727_004;

@Injectable()
export class WithdrawalsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Writes one sync's rows in one transaction, after a transaction-scoped advisory lock so two
   * syncs (any replicas) apply one after the other. A row is inserted when new, updated only
   * when something differs and the gateway's copy is not older than the stored one, and
   * otherwise left alone (its updated_at too).
   */
  async upsertAll(rows: WithdrawalUpsert[]): Promise<{ created: number; updated: number }> {
    return this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [WITHDRAWALS_SYNC_LOCK]);
      let created = 0;
      let updated = 0;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const r = await this.upsertChunk(m, rows.slice(i, i + CHUNK));
        created += r.created;
        updated += r.updated;
      }
      return { created, updated };
    });
  }

  private async upsertChunk(m: EntityManager, rows: WithdrawalUpsert[]): Promise<{ created: number; updated: number }> {
    if (rows.length === 0) return { created: 0, updated: 0 };
    const result = rowsOf<{ inserted: boolean }>(
      await m.query(
        `INSERT INTO withdrawals AS w (withdraw_uuid, withdrawal_method_id, address, address_memo, amount, network_fee, amount_to_receive,
                                       status, status_group, substatus, external_tx_id, gateway_created_at, gateway_updated_at, processed_at, raw)
         SELECT r.withdraw_uuid, r.withdrawal_method_id::bigint, r.address, r.address_memo,
                r.amount::numeric(20,6), r.network_fee::numeric(20,6), r.amount_to_receive::numeric(20,6),
                r.status, r.status_group, r.substatus, r.external_tx_id,
                r.gateway_created_at::timestamptz, r.gateway_updated_at::timestamptz, r.processed_at::timestamptz, r.raw
           FROM jsonb_to_recordset($1::jsonb) AS r(
                withdraw_uuid text, withdrawal_method_id text, address text, address_memo text,
                amount text, network_fee text, amount_to_receive text,
                status text, status_group text, substatus text, external_tx_id text,
                gateway_created_at text, gateway_updated_at text, processed_at text, raw jsonb)
         ON CONFLICT (withdraw_uuid) DO UPDATE SET
                withdrawal_method_id = EXCLUDED.withdrawal_method_id,
                address = EXCLUDED.address,
                address_memo = EXCLUDED.address_memo,
                amount = EXCLUDED.amount,
                network_fee = EXCLUDED.network_fee,
                amount_to_receive = EXCLUDED.amount_to_receive,
                status = EXCLUDED.status,
                status_group = EXCLUDED.status_group,
                substatus = EXCLUDED.substatus,
                external_tx_id = EXCLUDED.external_tx_id,
                gateway_created_at = EXCLUDED.gateway_created_at,
                gateway_updated_at = EXCLUDED.gateway_updated_at,
                processed_at = EXCLUDED.processed_at,
                raw = EXCLUDED.raw,
                synced_at = now(),
                updated_at = now()
          WHERE (w.withdrawal_method_id, w.address, w.address_memo, w.amount, w.network_fee, w.amount_to_receive,
                 w.status, w.status_group, w.substatus, w.external_tx_id, w.gateway_created_at, w.gateway_updated_at, w.processed_at, w.raw)
                IS DISTINCT FROM
                (EXCLUDED.withdrawal_method_id, EXCLUDED.address, EXCLUDED.address_memo, EXCLUDED.amount, EXCLUDED.network_fee, EXCLUDED.amount_to_receive,
                 EXCLUDED.status, EXCLUDED.status_group, EXCLUDED.substatus, EXCLUDED.external_tx_id, EXCLUDED.gateway_created_at, EXCLUDED.gateway_updated_at,
                 EXCLUDED.processed_at, EXCLUDED.raw)
            AND (w.gateway_updated_at IS NULL OR EXCLUDED.gateway_updated_at IS NULL OR EXCLUDED.gateway_updated_at >= w.gateway_updated_at)
         RETURNING (xmax = 0) AS inserted`,
        [JSON.stringify(rows)],
      ),
    );
    const created = result.filter((r) => r.inserted).length;
    return { created, updated: result.length - created };
  }

  /** By our id or by the gateway's withdraw_uuid. */
  async get(ref: string): Promise<WithdrawalRow | null> {
    const rows = isUuid(ref)
      ? await this.ds.query(`SELECT ${COLUMNS} FROM withdrawals WHERE id = $1::uuid OR withdraw_uuid = $2 ORDER BY (id = $1::uuid) DESC LIMIT 1`, [ref.toLowerCase(), ref])
      : await this.ds.query(`SELECT ${COLUMNS} FROM withdrawals WHERE withdraw_uuid = $1`, [ref]);
    return rowsOf<WithdrawalRow>(rows)[0] ?? null;
  }

  /** Newest first by the gateway's created_at, then id. */
  async list(q: { statuses?: string[]; limit: number; cursor?: ListCursor }): Promise<WithdrawalRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.statuses?.length) where.push(`status = ANY($${params.push(q.statuses)}::text[])`);
    if (q.cursor) where.push(`(${SORT}, id) < ($${params.push(q.cursor.t)}::timestamptz, $${params.push(q.cursor.id)}::uuid)`);
    const sql = `SELECT ${COLUMNS} FROM withdrawals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY ${SORT} DESC, id DESC LIMIT $${params.push(q.limit)}`;
    return rowsOf<WithdrawalRow>(await this.ds.query(sql, params));
  }
}
