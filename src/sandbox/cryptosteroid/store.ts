import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CsInvoiceStatus, CsWhoPaysCommission } from '../../gateways/cryptosteroid/cryptosteroid.types';
import { rowsOf } from '../../database/sql';
import { isUuid } from '../common/toolkit';

/** Raw rows of the sandbox_cs_* tables (numeric arrives as a string, timestamptz as a Date). */

export interface CoinRow {
  code: string;
  name: string;
  network: string;
  decimals: number;
  /** Price of one coin in the asked fiat currency (null when the sandbox has no rate). */
  price: string | null;
}

export interface InvoiceRow {
  id: string;
  merchant_id: string;
  external_id: string | null;
  description: string;
  fiat_amount: string;
  fiat_currency: string;
  who_pay_commission: CsWhoPaysCommission;
  secret: string | null;
  processing_url: string | null;
  return_url: string | null;
  fail_return_url: string | null;
  status: CsInvoiceStatus;
  timeout_seconds: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  method: string | null;
  coin_decimals: number | null;
  address: string | null;
  coin_price: string | null;
  coin_amount: string | null;
  coin_net: string | null;
  coin_fee: string | null;
  received: string;
  tx_hashes: string[];
  paid_at: Date | null;
}

export interface WebhookRow {
  id: string;
  invoice_id: string;
  url: string;
  payload: string;
  status: 'pending' | 'success' | 'dead';
  attempts: number;
  next_attempt_at: Date | null;
  locked_by: string | null;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A webhook claimed for delivery, with the token to send (the invoice's secret). */
export type ClaimedWebhook = WebhookRow & { token: string | null };

export interface AttemptRow {
  id: string;
  webhook_id: string;
  try_number: number;
  trigger: 'auto' | 'manual';
  http_status: number | null;
  response_body: string | null;
  error_message: string | null;
  duration_ms: number;
  created_at: Date;
}

export interface RequestRow {
  id: string;
  endpoint: string;
  method: string;
  invoice_id: string | null;
  external_id: string | null;
  http_status: number | null;
  outcome: string;
  created_at: Date;
}

export type Querier = Pick<EntityManager, 'query'>;

export type NewInvoice = Pick<
  InvoiceRow,
  'merchant_id' | 'external_id' | 'description' | 'fiat_amount' | 'fiat_currency' | 'who_pay_commission' | 'secret' | 'processing_url' | 'return_url' | 'fail_return_url' | 'timeout_seconds'
>;

/** Every SQL statement of the emulator; raw SQL on the injected DataSource, no entities. */
@Injectable()
export class CsSandboxStore {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  // ------------------------------------------------------------------ coins

  async coins(fiat: string, q: Querier = this.ds): Promise<CoinRow[]> {
    return q.query(
      `SELECT c.code, c.name, c.network, c.decimals, r.price
         FROM sandbox_cs_coins c LEFT JOIN sandbox_cs_rates r ON r.coin = c.code AND r.fiat = $1
        ORDER BY c.sort, c.code`,
      [fiat],
    );
  }

  async coin(code: string, fiat: string, q: Querier = this.ds): Promise<CoinRow | null> {
    return (await this.coins(fiat, q)).find((c) => c.code === code) ?? null;
  }

  async setRate(coin: string, fiat: string, price: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO sandbox_cs_rates (coin, fiat, price) SELECT code, $2, $3 FROM sandbox_cs_coins WHERE code = $1
       ON CONFLICT (coin, fiat) DO UPDATE SET price = EXCLUDED.price RETURNING coin`,
      [coin, fiat, price],
    );
    return rows.length > 0;
  }

  // ------------------------------------------------------------------ invoices

  /** Serialises creates of one merchant in the transaction, so the unpaid-NEW cap holds. */
  async lockMerchant(q: Querier, merchantId: string): Promise<void> {
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('sandbox_cs_merchant:' || $1))`, [merchantId]);
  }

  async countUnpaidNew(q: Querier, merchantId: string): Promise<number> {
    const [row] = (await q.query(`SELECT count(*)::int AS n FROM sandbox_cs_invoices WHERE merchant_id = $1 AND status = 'NEW'`, [merchantId])) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  async insertInvoice(q: Querier, f: NewInvoice): Promise<InvoiceRow> {
    const rows: InvoiceRow[] = await q.query(
      `INSERT INTO sandbox_cs_invoices (merchant_id, external_id, description, fiat_amount, fiat_currency, who_pay_commission, secret,
                                        processing_url, return_url, fail_return_url, status, timeout_seconds, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'NEW', $11::int, now() + make_interval(secs => $11::int))
       RETURNING *`,
      [f.merchant_id, f.external_id, f.description, f.fiat_amount, f.fiat_currency, f.who_pay_commission, f.secret, f.processing_url, f.return_url, f.fail_return_url, f.timeout_seconds],
    );
    return rows[0]!;
  }

  async invoice(merchantId: string, id: string, q: Querier = this.ds, forUpdate = false): Promise<InvoiceRow | null> {
    if (!isUuid(id)) return null;
    const rows: InvoiceRow[] = await q.query(`SELECT * FROM sandbox_cs_invoices WHERE merchant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [
      merchantId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Control: the invoices carrying an externalId (the provider does not refuse duplicates here), newest first. */
  async invoicesByExternalId(merchantId: string, externalId: string): Promise<InvoiceRow[]> {
    return this.ds.query(`SELECT * FROM sandbox_cs_invoices WHERE merchant_id = $1 AND external_id = $2 ORDER BY created_at DESC, id DESC LIMIT 100`, [
      merchantId,
      externalId,
    ]);
  }

  async recentInvoices(merchantId: string, limit: number): Promise<InvoiceRow[]> {
    return this.ds.query(`SELECT * FROM sandbox_cs_invoices WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [merchantId, limit]);
  }

  /** One UPDATE of the named columns (values already computed), returning the row. */
  async updateInvoice(q: Querier, id: string, set: Partial<Record<keyof InvoiceRow, unknown>>, extraSql: string[] = []): Promise<InvoiceRow> {
    const names = Object.keys(set);
    const assignments = [...names.map((n, i) => `${n} = $${i + 2}`), ...extraSql, 'updated_at = now()'];
    const rows = rowsOf<InvoiceRow>(await q.query(`UPDATE sandbox_cs_invoices SET ${assignments.join(', ')} WHERE id = $1 RETURNING *`, [id, ...names.map((n) => set[n as keyof InvoiceRow])]));
    return rows[0]!;
  }

  /** Open invoices past their window, taken with SKIP LOCKED (replica-safe). */
  async expireDue(q: Querier, limit = 100): Promise<InvoiceRow[]> {
    return rowsOf<InvoiceRow>(
      await q.query(
        `UPDATE sandbox_cs_invoices SET status = 'EXPIRED', updated_at = now()
          WHERE id IN (SELECT id FROM sandbox_cs_invoices WHERE status IN ('NEW','WAITING') AND expires_at <= now()
                        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            AND status IN ('NEW','WAITING')
          RETURNING *`,
        [limit],
      ),
    );
  }

  // ------------------------------------------------------------------ webhooks

  async insertWebhook(q: Querier, invoiceId: string, url: string, payload: string): Promise<void> {
    await q.query(
      `INSERT INTO sandbox_cs_webhooks (invoice_id, url, payload, status, next_attempt_at) VALUES ($1, $2, $3, 'pending', now())
       ON CONFLICT (invoice_id) DO NOTHING`,
      [invoiceId, url, payload],
    );
  }

  async webhookOf(invoiceId: string): Promise<WebhookRow | null> {
    const rows: WebhookRow[] = await this.ds.query(`SELECT * FROM sandbox_cs_webhooks WHERE invoice_id = $1`, [invoiceId]);
    return rows[0] ?? null;
  }

  async attemptsOf(webhookId: string): Promise<AttemptRow[]> {
    return this.ds.query(`SELECT * FROM sandbox_cs_webhook_attempts WHERE webhook_id = $1 ORDER BY try_number`, [webhookId]);
  }

  /** Leases due pending webhooks to `by` (FOR UPDATE SKIP LOCKED: several replicas share the work). */
  async claimDue(by: string, leaseS: number, limit: number): Promise<ClaimedWebhook[]> {
    return rowsOf<ClaimedWebhook>(
      await this.ds.query(
        `WITH w AS (
           UPDATE sandbox_cs_webhooks SET locked_by = $1, locked_until = now() + make_interval(secs => $2)
            WHERE id IN (SELECT id FROM sandbox_cs_webhooks
                          WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
                          ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING *)
         SELECT w.*, i.secret AS token FROM w JOIN sandbox_cs_invoices i ON i.id = w.invoice_id`,
        [by, leaseS, limit],
      ),
    );
  }

  /** The webhook of an invoice with its token, for a manual delivery (no lease: a control action). */
  async webhookWithToken(invoiceId: string): Promise<ClaimedWebhook | null> {
    const rows: ClaimedWebhook[] = await this.ds.query(
      `SELECT w.*, i.secret AS token FROM sandbox_cs_webhooks w JOIN sandbox_cs_invoices i ON i.id = w.invoice_id WHERE w.invoice_id = $1`,
      [invoiceId],
    );
    return rows[0] ?? null;
  }

  /**
   * Records one attempt and moves the webhook on, in one statement: `status` null keeps it,
   * `nextMs` sets the next automatic attempt; only automatic attempts count toward the cap. The
   * lease is released only when `lessee` holds it (a manual delivery holds none).
   */
  async recordAttempt(
    webhookId: string,
    lessee: string | null,
    a: { trigger: 'auto' | 'manual'; httpStatus: number | null; body: string | null; error: string | null; durationMs: number },
    status: WebhookRow['status'] | null,
    nextMs: number | null,
  ): Promise<void> {
    await this.ds.query(
      `WITH w AS (
         UPDATE sandbox_cs_webhooks SET
           attempts = attempts + CASE WHEN $2 = 'auto' THEN 1 ELSE 0 END,
           status = CASE WHEN status = 'success' THEN status ELSE COALESCE($3, status) END,
           next_attempt_at = CASE WHEN $4::numeric IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $4::numeric / 1000.0) END,
           locked_by = CASE WHEN locked_by = $5 THEN NULL ELSE locked_by END,
           locked_until = CASE WHEN locked_by = $5 THEN NULL ELSE locked_until END,
           updated_at = now()
         WHERE id = $1
         RETURNING id)
       INSERT INTO sandbox_cs_webhook_attempts (webhook_id, try_number, trigger, http_status, response_body, error_message, duration_ms)
       SELECT w.id, COALESCE((SELECT max(try_number) FROM sandbox_cs_webhook_attempts WHERE webhook_id = w.id), 0) + 1, $2, $6, $7, $8, $9 FROM w`,
      [webhookId, a.trigger, status, nextMs, lessee, a.httpStatus, a.body, a.error, a.durationMs],
    );
  }

  // ------------------------------------------------------------------ request record

  async recordRequest(r: Pick<RequestRow, 'endpoint' | 'method' | 'invoice_id' | 'external_id' | 'http_status' | 'outcome'>): Promise<void> {
    await this.ds.query(`INSERT INTO sandbox_cs_requests (endpoint, method, invoice_id, external_id, http_status, outcome) VALUES ($1, $2, $3, $4, $5, $6)`, [
      r.endpoint,
      r.method,
      r.invoice_id,
      r.external_id,
      r.http_status,
      r.outcome,
    ]);
  }

  async requests(filter: { endpoint?: string; externalId?: string; invoiceId?: string; limit: number }): Promise<RequestRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of [
      ['endpoint', filter.endpoint],
      ['external_id', filter.externalId],
      ['invoice_id', filter.invoiceId],
    ] as const) {
      if (v === undefined) continue;
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
    params.push(filter.limit);
    return this.ds.query(
      `SELECT * FROM sandbox_cs_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async clearRequests(): Promise<number> {
    const rows = rowsOf(await this.ds.query(`DELETE FROM sandbox_cs_requests RETURNING id`));
    return rows.length;
  }
}
