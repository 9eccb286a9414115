import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../../database/sql';
import { isUuid } from './format';
import { SANDBOX_MERCHANT } from './sandbox-config';

/** Raw rows of the sandbox tables (numeric columns arrive as strings, timestamptz as Date). */

export interface CurrencyRow {
  code: string;
  name: string;
  symbol: string | null;
  decimals: number;
  rate: string;
}

export interface MethodRow {
  method_code: string;
  name: string;
  currency: string;
  currency_name: string;
  currency_symbol: string | null;
  min_sum: string;
  max_sum: string;
  client_commission: string;
  merchant_commission: string;
  payment_time: number;
  logo_url: string | null;
}

export type InvoiceStatus = 'pending' | 'success' | 'fail' | 'expired' | 'canceled';

export interface InvoiceRow {
  id: string;
  merchant_id: string;
  external_id: string;
  customer_id: string;
  purpose: string | null;
  amount: string;
  currency: string;
  status: InvoiceStatus;
  reason: string | null;
  callback_url: string | null;
  success_url: string | null;
  fail_url: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  finished_at: Date | null;
  deal_id: string | null;
  deal_status: string | null;
  deal_sub_status: string | null;
  method_code: string | null;
  method_name: string | null;
  client_commission: string | null;
  merchant_commission: string | null;
  amount_fiat: string | null;
  conversion_rate: string | null;
  merchant_usdt: string | null;
  is_adjusted: boolean;
  deal_created_at: Date | null;
  deal_expires_at: Date | null;
  deal_finished_at: Date | null;
  mark_paid_at: Date | null;
}

export interface WebhookEventRow {
  id: string; // bigserial arrives as a string
  invoice_id: string;
  event_type: string;
  status: 'pending' | 'success' | 'dead';
  callback_url: string;
  idempotency_key: string;
  event_ts: string;
  request_payload: string;
  auto_attempts: number;
  manual_attempts: number;
  next_retry_at: Date | null;
  locked_at: Date | null;
  locked_by: string | null;
  locked_until: Date | null;
  last_manual_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookAttemptRow {
  id: string;
  event_id: string;
  try_number: number;
  trigger: 'auto' | 'manual';
  attempt_status: 'success' | 'failed';
  http_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  error_message: string | null;
  duration_ms: number;
  created_at: Date;
}

export interface WithdrawalRow {
  withdraw_uuid: string;
  withdrawal_method_id: number;
  address: string;
  address_memo: string | null;
  amount: string;
  network_fee: string;
  amount_to_receive: string;
  status: string;
  substatus: string | null;
  external_tx_id: string | null;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
  absent_fields: string[];
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export type Querier = Pick<EntityManager, 'query'>;

const METHOD_SELECT = `
  SELECT m.method_code, m.name, m.currency, c.name AS currency_name, c.symbol AS currency_symbol, m.min_sum, m.max_sum,
         m.client_commission, m.merchant_commission, m.payment_time, m.logo_url
    FROM sandbox_payment_methods m JOIN sandbox_currencies c ON c.code = m.currency
   WHERE m.active AND c.enabled`;

/** Every SQL statement of the emulator; raw SQL on the injected DataSource, no entities. */
@Injectable()
export class SandboxStore {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  // ------------------------------------------------------------------ catalogue

  async currencies(q: Querier = this.ds): Promise<CurrencyRow[]> {
    return q.query(`SELECT code, name, symbol, decimals, rate FROM sandbox_currencies WHERE enabled ORDER BY sort, code`);
  }

  async currency(code: string, q: Querier = this.ds): Promise<CurrencyRow | null> {
    const rows: CurrencyRow[] = await q.query(`SELECT code, name, symbol, decimals, rate FROM sandbox_currencies WHERE enabled AND code = $1`, [code]);
    return rows[0] ?? null;
  }

  async methods(currency?: string, q: Querier = this.ds): Promise<MethodRow[]> {
    if (currency === undefined) return q.query(`${METHOD_SELECT} ORDER BY m.sort, m.method_code`);
    return q.query(`${METHOD_SELECT} AND m.currency = $1 ORDER BY m.sort, m.method_code`, [currency]);
  }

  /** Methods of the currency whose min_sum ≤ amount ≤ max_sum. */
  async eligibleMethods(currency: string, amount: string, q: Querier = this.ds): Promise<MethodRow[]> {
    return q.query(`${METHOD_SELECT} AND m.currency = $1 AND m.min_sum <= $2::numeric AND m.max_sum >= $2::numeric ORDER BY m.sort, m.method_code`, [
      currency,
      amount,
    ]);
  }

  // ------------------------------------------------------------------ invoices

  /** Null when the merchant already has an invoice with this external_id. */
  async insertInvoice(
    f: Pick<InvoiceRow, 'external_id' | 'customer_id' | 'purpose' | 'amount' | 'currency' | 'callback_url' | 'success_url' | 'fail_url'>,
    ttlS: number,
  ): Promise<InvoiceRow | null> {
    const rows: InvoiceRow[] = await this.ds.query(
      `INSERT INTO sandbox_invoices (merchant_id, external_id, customer_id, purpose, amount, currency, status, callback_url, success_url, fail_url, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, now() + make_interval(secs => $10))
       ON CONFLICT (merchant_id, external_id) DO NOTHING
       RETURNING *`,
      [SANDBOX_MERCHANT, f.external_id, f.customer_id, f.purpose, f.amount, f.currency, f.callback_url, f.success_url, f.fail_url, ttlS],
    );
    return rows[0] ?? null;
  }

  async invoiceById(id: string, q: Querier = this.ds, forUpdate = false): Promise<InvoiceRow | null> {
    if (!isUuid(id)) return null;
    const rows: InvoiceRow[] = await q.query(
      `SELECT * FROM sandbox_invoices WHERE merchant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [SANDBOX_MERCHANT, id],
    );
    return rows[0] ?? null;
  }

  async invoiceByExternalId(externalId: string, q: Querier = this.ds): Promise<InvoiceRow | null> {
    const rows: InvoiceRow[] = await q.query(`SELECT * FROM sandbox_invoices WHERE merchant_id = $1 AND external_id = $2`, [SANDBOX_MERCHANT, externalId]);
    return rows[0] ?? null;
  }

  /** docs/gateways/eccaex.md, "Creating an invoice": the order_id (UUID) interpretation first, then external_id; merchant-scoped. */
  async invoiceByRef(ref: string, q: Querier = this.ds): Promise<InvoiceRow | null> {
    return (await this.invoiceById(ref, q)) ?? (await this.invoiceByExternalId(ref, q));
  }

  async listInvoices(filter: { status?: string; currency?: string; page: number; perPage: number; order: 'asc' | 'desc' }): Promise<Page<InvoiceRow>> {
    const where = ['merchant_id = $1'];
    const params: unknown[] = [SANDBOX_MERCHANT];
    if (filter.status) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    if (filter.currency) {
      params.push(filter.currency);
      where.push(`currency = $${params.length}`);
    }
    const cond = where.join(' AND ');
    const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
    const [count] = (await this.ds.query(`SELECT count(*)::int AS n FROM sandbox_invoices WHERE ${cond}`, params)) as Array<{ n: number }>;
    const rows: InvoiceRow[] = await this.ds.query(
      `SELECT * FROM sandbox_invoices WHERE ${cond} ORDER BY created_at ${dir}, id ${dir} LIMIT ${filter.perPage} OFFSET ${(filter.page - 1) * filter.perPage}`,
      params,
    );
    return { rows, total: count?.n ?? 0 };
  }

  // ------------------------------------------------------------------ webhook events

  async eventsOf(invoiceId: string): Promise<WebhookEventRow[]> {
    return this.ds.query(`SELECT * FROM sandbox_webhook_events WHERE invoice_id = $1 ORDER BY created_at DESC, id DESC`, [invoiceId]);
  }

  async attemptsOf(eventIds: string[]): Promise<WebhookAttemptRow[]> {
    if (!eventIds.length) return [];
    return this.ds.query(`SELECT * FROM sandbox_webhook_attempts WHERE event_id = ANY($1::bigint[]) ORDER BY event_id, try_number ASC`, [eventIds]);
  }

  async latestEvent(invoiceId: string): Promise<WebhookEventRow | null> {
    const rows: WebhookEventRow[] = await this.ds.query(`SELECT * FROM sandbox_webhook_events WHERE invoice_id = $1 ORDER BY id DESC LIMIT 1`, [invoiceId]);
    return rows[0] ?? null;
  }

  /** Control: locks the invoice's latest event as if the worker held it. */
  async lockLatestEvent(invoiceId: string, by: string, seconds: number): Promise<WebhookEventRow | null> {
    const rows = rowsOf<WebhookEventRow>(
      await this.ds.query(
        `UPDATE sandbox_webhook_events SET locked_at = now(), locked_by = $2, locked_until = now() + make_interval(secs => $3)
          WHERE id = (SELECT id FROM sandbox_webhook_events WHERE invoice_id = $1 ORDER BY id DESC LIMIT 1)
          RETURNING *`,
        [invoiceId, by, seconds],
      ),
    );
    return rows[0] ?? null;
  }

  // ------------------------------------------------------------------ withdrawals

  async withdrawalCount(): Promise<number> {
    const [row] = (await this.ds.query(`SELECT count(*)::int AS n FROM sandbox_withdrawals WHERE merchant_id = $1`, [SANDBOX_MERCHANT])) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  async listWithdrawals(filter: { status?: string; page: number; perPage: number; order: 'asc' | 'desc' }): Promise<Page<WithdrawalRow>> {
    const params: unknown[] = [SANDBOX_MERCHANT];
    let cond = 'merchant_id = $1';
    if (filter.status) {
      params.push(filter.status);
      cond += ` AND status = $2`;
    }
    const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
    const [count] = (await this.ds.query(`SELECT count(*)::int AS n FROM sandbox_withdrawals WHERE ${cond}`, params)) as Array<{ n: number }>;
    const rows: WithdrawalRow[] = await this.ds.query(
      `SELECT * FROM sandbox_withdrawals WHERE ${cond} ORDER BY created_at ${dir}, withdraw_uuid ${dir} LIMIT ${filter.perPage} OFFSET ${(filter.page - 1) * filter.perPage}`,
      params,
    );
    return { rows, total: count?.n ?? 0 };
  }

  async withdrawal(uuid: string): Promise<WithdrawalRow | null> {
    if (!isUuid(uuid)) return null;
    const rows: WithdrawalRow[] = await this.ds.query(`SELECT * FROM sandbox_withdrawals WHERE merchant_id = $1 AND withdraw_uuid = $2`, [SANDBOX_MERCHANT, uuid]);
    return rows[0] ?? null;
  }

  async insertWithdrawals(rows: Array<Omit<WithdrawalRow, 'updated_at'> & { updated_at?: Date }>): Promise<WithdrawalRow[]> {
    const out: WithdrawalRow[] = [];
    for (const w of rows) {
      const inserted: WithdrawalRow[] = await this.ds.query(
        `INSERT INTO sandbox_withdrawals (withdraw_uuid, merchant_id, withdrawal_method_id, address, address_memo, amount, network_fee, amount_to_receive,
                                          status, substatus, external_tx_id, created_at, updated_at, processed_at, absent_fields)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (withdraw_uuid) DO NOTHING RETURNING *`,
        [
          w.withdraw_uuid,
          SANDBOX_MERCHANT,
          w.withdrawal_method_id,
          w.address,
          w.address_memo,
          w.amount,
          w.network_fee,
          w.amount_to_receive,
          w.status,
          w.substatus,
          w.external_tx_id,
          w.created_at,
          w.updated_at ?? w.created_at,
          w.processed_at,
          w.absent_fields,
        ],
      );
      if (inserted[0]) out.push(inserted[0]);
    }
    return out;
  }

  async updateWithdrawalStatus(uuid: string, status: string, substatus: string | null | undefined, terminal: boolean, txId: string | null): Promise<WithdrawalRow | null> {
    if (!isUuid(uuid)) return null;
    const setSub = substatus !== undefined;
    const rows = rowsOf<WithdrawalRow>(
      await this.ds.query(
        `UPDATE sandbox_withdrawals SET
            status = $3,
            substatus = CASE WHEN $4::boolean THEN $5 ELSE substatus END,
            processed_at = CASE WHEN $6::boolean THEN COALESCE(processed_at, now()) ELSE processed_at END,
            external_tx_id = COALESCE(external_tx_id, $7),
            absent_fields = ARRAY(SELECT f FROM unnest(absent_fields) AS f
                                   WHERE NOT (f = 'substatus' AND $4::boolean)
                                     AND NOT (f = 'processed_at' AND $6::boolean)
                                     AND NOT (f = 'external_tx_id' AND $7::text IS NOT NULL)),
            updated_at = now()
          WHERE merchant_id = $1 AND withdraw_uuid = $2
          RETURNING *`,
        [SANDBOX_MERCHANT, uuid, status, setSub, setSub ? substatus : null, terminal, txId],
      ),
    );
    return rows[0] ?? null;
  }
}
