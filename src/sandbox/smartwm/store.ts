import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../../database/sql';
import type { DpayInvoiceStatus } from '../../gateways/smartwm/smartwm.types';

/** Raw rows of the sandbox_swm_* tables (numeric columns arrive as strings, timestamptz as Date). */

export type Flow = 'form' | 'link';

export interface SwmInvoiceRow {
  tracking: string;
  client_id: string;
  payment_id: string;
  /** The method asked for at create. */
  method: string;
  /** The method the customer paid with (the status answer's `currency`). */
  method_used: string;
  amount: string;
  scale: number;
  status: DpayInvoiceStatus;
  /** How the customer was sent to pay, set by process: pay_form (cards) or pay_link. */
  flow: Flow | null;
  description: string | null;
  account: string | null;
  sender: string | null;
  success_url: string | null;
  fail_url: string | null;
  status_url: string | null;
  extra_fields: Record<string, unknown>;
  fee: string | null;
  accrual_amount: string | null;
  accrual_currency: string | null;
  is_recalc: boolean;
  error: string | null;
  /** What the hosted page collected: a masked card or a phone number. */
  payer: string | null;
  created_at: Date;
  processed_at: Date | null;
  updated_at: Date;
}

export interface SwmPingRow {
  id: string;
  tracking: string;
  invoice_status: string;
  url: string;
  trigger: 'final' | 'resend';
  state: 'pending' | 'success' | 'dead';
  attempts: number;
  next_attempt_at: Date | null;
  locked_by: string | null;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface SwmPingAttemptRow {
  id: string;
  ping_id: string;
  try_number: number;
  ok: boolean;
  http_status: number | null;
  error_message: string | null;
  duration_ms: number;
  created_at: Date;
}

export interface SwmRequestRow {
  id: string;
  endpoint: string;
  client_id: string | null;
  payment_id: string | null;
  tracking: string | null;
  signature_ok: boolean;
  http_status: number | null;
  error_code: string | null;
  fault: string | null;
  request: string | null;
  answer: string | null;
  created_at: Date;
}

export type Querier = Pick<EntityManager, 'query'>;

export type NewInvoice = Pick<
  SwmInvoiceRow,
  'client_id' | 'payment_id' | 'method' | 'amount' | 'scale' | 'description' | 'account' | 'sender' | 'success_url' | 'fail_url' | 'status_url' | 'extra_fields'
> & { tracking: string };

const MAX_RECORDED_TEXT = 16_384;
const PRUNE_EVERY = 500;

/** Every SQL statement of the SmartWM emulator; raw SQL on the host's DataSource. */
@Injectable()
export class SwmStore {
  private recorded = 0;

  constructor(@InjectDataSource() readonly ds: DataSource) {}

  // ------------------------------------------------------------------ invoices

  /** Null when the cash register already has an invoice with this payment_id. */
  async insertInvoice(f: NewInvoice): Promise<SwmInvoiceRow | null> {
    const rows: SwmInvoiceRow[] = await this.ds.query(
      `INSERT INTO sandbox_swm_invoices (tracking, client_id, payment_id, method, method_used, amount, scale, status, description, account, sender,
                                         success_url, fail_url, status_url, extra_fields)
       VALUES ($1, $2, $3, $4, $4, $5, $6, 'CREATED', $7, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (client_id, payment_id) DO NOTHING
       RETURNING *`,
      [
        f.tracking,
        f.client_id,
        f.payment_id,
        f.method,
        f.amount,
        f.scale,
        f.description,
        f.account,
        f.sender,
        f.success_url,
        f.fail_url,
        f.status_url,
        JSON.stringify(f.extra_fields),
      ],
    );
    return rows[0] ?? null;
  }

  async byTracking(clientId: string, tracking: string, q: Querier = this.ds, forUpdate = false): Promise<SwmInvoiceRow | null> {
    const rows: SwmInvoiceRow[] = await q.query(
      `SELECT * FROM sandbox_swm_invoices WHERE client_id = $1 AND tracking = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [clientId, tracking],
    );
    return rows[0] ?? null;
  }

  async byPaymentId(clientId: string, paymentId: string, q: Querier = this.ds, forUpdate = false): Promise<SwmInvoiceRow | null> {
    const rows: SwmInvoiceRow[] = await q.query(
      `SELECT * FROM sandbox_swm_invoices WHERE client_id = $1 AND payment_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [clientId, paymentId],
    );
    return rows[0] ?? null;
  }

  /** Created in [start, end), oldest first; optionally one status. */
  async statement(clientId: string, start: Date, end: Date, status: string | undefined, limit: number): Promise<SwmInvoiceRow[]> {
    const params: unknown[] = [clientId, start, end, limit];
    let cond = '';
    if (status) {
      params.push(status);
      cond = ` AND status = $5`;
    }
    return this.ds.query(
      `SELECT * FROM sandbox_swm_invoices WHERE client_id = $1 AND created_at >= $2 AND created_at < $3${cond} ORDER BY created_at, tracking LIMIT $4`,
      params,
    );
  }

  // ------------------------------------------------------------------ pings

  async insertPing(q: Querier, row: SwmInvoiceRow, trigger: SwmPingRow['trigger']): Promise<void> {
    if (!row.status_url) return;
    await q.query(
      `INSERT INTO sandbox_swm_pings (tracking, invoice_status, url, trigger, state, next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', now())`,
      [row.tracking, row.status, row.status_url, trigger],
    );
  }

  async pingsOf(tracking: string): Promise<SwmPingRow[]> {
    return this.ds.query(`SELECT * FROM sandbox_swm_pings WHERE tracking = $1 ORDER BY id`, [tracking]);
  }

  async pingAttemptsOf(pingIds: string[]): Promise<SwmPingAttemptRow[]> {
    if (!pingIds.length) return [];
    return this.ds.query(`SELECT * FROM sandbox_swm_ping_attempts WHERE ping_id = ANY($1::bigint[]) ORDER BY ping_id, try_number`, [pingIds]);
  }

  /** Due pings, leased to `by` for `leaseS` seconds; replicas on one database never take the same one. */
  async claimPings(by: string, leaseS: number, limit: number): Promise<SwmPingRow[]> {
    return rowsOf<SwmPingRow>(
      await this.ds.query(
        `UPDATE sandbox_swm_pings SET locked_by = $1, locked_until = now() + make_interval(secs => $2)
          WHERE id IN (
            SELECT id FROM sandbox_swm_pings
             WHERE state = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
             ORDER BY next_attempt_at, id
             LIMIT $3
             FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [by, leaseS, limit],
      ),
    );
  }

  /** One attempt: the ping's state and next time, and the attempt row, in one statement. */
  async recordPingAttempt(
    ping: SwmPingRow,
    state: SwmPingRow['state'],
    nextMs: number | null,
    r: { ok: boolean; httpStatus: number | null; error: string | null; durationMs: number },
  ): Promise<void> {
    await this.ds.query(
      `WITH p AS (
         UPDATE sandbox_swm_pings SET
           attempts = attempts + 1,
           state = $2::varchar,
           next_attempt_at = CASE WHEN $2::varchar = 'pending' THEN now() + make_interval(secs => $3::numeric / 1000.0) ELSE NULL END,
           locked_by = NULL, locked_until = NULL, updated_at = now()
         WHERE id = $1
         RETURNING id, attempts)
       INSERT INTO sandbox_swm_ping_attempts (ping_id, try_number, ok, http_status, error_message, duration_ms)
       SELECT p.id, p.attempts, $4, $5, $6, $7 FROM p`,
      [ping.id, state, nextMs ?? 0, r.ok, r.httpStatus, r.error, r.durationMs],
    );
  }

  // ------------------------------------------------------------------ request record

  async recordRequest(r: Omit<SwmRequestRow, 'id' | 'created_at'>, keep: number): Promise<void> {
    const cap = (s: string | null) => (s === null ? null : s.slice(0, MAX_RECORDED_TEXT));
    await this.ds.query(
      `INSERT INTO sandbox_swm_requests (endpoint, client_id, payment_id, tracking, signature_ok, http_status, error_code, fault, request, answer)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [r.endpoint, cap(r.client_id), cap(r.payment_id), cap(r.tracking), r.signature_ok, r.http_status, r.error_code, r.fault, cap(r.request), cap(r.answer)],
    );
    if (++this.recorded % PRUNE_EVERY === 0) {
      await this.ds.query(`DELETE FROM sandbox_swm_requests WHERE id <= (SELECT max(id) - $1 FROM sandbox_swm_requests)`, [keep]);
    }
  }

  async requests(filter: { endpoint?: string; payment_id?: string; tracking?: string; limit: number }): Promise<SwmRequestRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const key of ['endpoint', 'payment_id', 'tracking'] as const) {
      const v = filter[key];
      if (v === undefined) continue;
      params.push(v);
      where.push(`${key} = $${params.length}`);
    }
    params.push(filter.limit);
    return this.ds.query(
      `SELECT * FROM (SELECT * FROM sandbox_swm_requests${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}) r ORDER BY id`,
      params,
    );
  }

  async clearRequests(): Promise<number> {
    const rows = rowsOf(await this.ds.query(`DELETE FROM sandbox_swm_requests RETURNING id`));
    return rows.length;
  }
}
