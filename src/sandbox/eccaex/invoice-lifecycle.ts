import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Decimal from 'decimal.js';
import { randomUUID } from 'node:crypto';
import { rowsOf } from '../../database/sql';
import { Periodic } from '../common/periodic';
import { SandboxError } from './errors';
import { amountWithClientCommission, baseFromAmountFiat, merchantUsdt, money, moneyOrNull, rate } from './format';
import { SANDBOX_CONFIG, SandboxConfig } from './sandbox-config';
import { InvoiceRow, InvoiceStatus, MethodRow, Querier, SandboxStore } from './store';
import { WebhookDispatcher } from './webhook-dispatcher';

export type Outcome = 'success' | 'fail' | 'expire' | 'cancel';

/**
 * Deal status / sub_status values, and invoice `reason` values: EccaEx does not document
 * them; these are the sandbox's own (docs/gateways/eccaex.md, "What the sandbox decides where EccaEx's docs are silent").
 */
export const DEAL = {
  pending: ['pending', 'awaiting_payment'],
  completed: ['completed', 'paid'],
  adjusted: ['completed', 'amount_adjusted'],
  failed: ['failed', 'payment_failed'],
  expired: ['expired', 'payment_time_elapsed'],
  canceled: ['canceled', 'canceled_by_customer'],
} as const;

export const REASON = {
  ttl: 'ttl_elapsed',
  paymentTime: 'payment_time_elapsed',
  canceled: 'canceled_by_customer',
  failed: 'payment_failed',
} as const;

/** Used by simulate when the invoice's currency has no method at all (e.g. USD). */
const FALLBACK_METHOD = (currency: string): MethodRow => ({
  method_code: 'sandbox_manual',
  name: 'Sandbox manual payment',
  currency,
  currency_name: currency,
  currency_symbol: null,
  min_sum: '0.01',
  max_sum: '999999999999.99',
  client_commission: '0.00',
  merchant_commission: '0.00',
  payment_time: 15,
  logo_url: null,
});

interface DealFields {
  deal_id: string;
  method_code: string;
  method_name: string;
  client_commission: string;
  merchant_commission: string;
  amount_fiat: string;
  conversion_rate: string;
  merchant_usdt: string;
  payment_time: number;
  is_new: boolean;
}

type Tx = Querier;

/**
 * The invoice state machine: pending → success | fail | expired | canceled, late success, and
 * adjustments. Every change and its webhook event are written in one short transaction (the
 * event is an outbox row the dispatcher delivers); no query runs on the DataSource meanwhile.
 */
@Injectable()
export class InvoiceLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: Periodic;

  constructor(
    private readonly store: SandboxStore,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
  ) {
    const log = new Logger('EccaexSandboxInvoices');
    this.sweeper = new Periodic(() => this.expireDue(), config.sweepIntervalMs, (err) => log.warn(`expiry sweep failed: ${err.message}`));
  }

  onModuleInit(): void {
    this.sweeper.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweeper.stop();
  }

  private async tx<T>(work: (q: Tx) => Promise<T>): Promise<T> {
    const result = await this.store.ds.transaction(async (m) => work(m));
    this.dispatcher.kick();
    return result;
  }

  // ------------------------------------------------------------------ sweeper

  /**
   * Expires overdue pending invoices: no method picked before expires_at (reason ttl_elapsed), or
   * a deal not paid before its own deadline. Replica-safe: rows are taken with SKIP LOCKED and
   * the UPDATE only touches rows still pending.
   */
  async expireDue(): Promise<number> {
    return this.tx(async (q) => {
      const rows = rowsOf<InvoiceRow>(
        await q.query(
          `UPDATE sandbox_invoices SET
             status = 'expired',
             reason = CASE WHEN deal_id IS NULL THEN $1 ELSE $2 END,
             finished_at = now(),
             updated_at = now(),
             deal_status = CASE WHEN deal_id IS NULL THEN NULL ELSE $3 END,
             deal_sub_status = CASE WHEN deal_id IS NULL THEN NULL ELSE $4 END,
             deal_finished_at = CASE WHEN deal_id IS NULL THEN NULL ELSE now() END
           WHERE id IN (
             SELECT id FROM sandbox_invoices
              WHERE status = 'pending' AND COALESCE(deal_expires_at, expires_at) < now()
              ORDER BY COALESCE(deal_expires_at, expires_at)
              LIMIT 100
              FOR UPDATE SKIP LOCKED)
             AND status = 'pending'
           RETURNING *`,
          [REASON.ttl, REASON.paymentTime, DEAL.expired[0], DEAL.expired[1]],
        ),
      );
      for (const row of rows) await this.addEvent(q, row, 'invoice.expired');
      return rows.length;
    });
  }

  // ------------------------------------------------------------------ create

  async create(f: Pick<InvoiceRow, 'external_id' | 'customer_id' | 'purpose' | 'amount' | 'currency' | 'callback_url' | 'success_url' | 'fail_url'>): Promise<InvoiceRow> {
    const inserted = await this.store.insertInvoice(f, this.config.invoiceTtlS);
    if (inserted) return inserted;
    const existing = await this.store.invoiceByExternalId(f.external_id);
    // Real EccaEx behaviour for a duplicate external_id is [UNKNOWN]; the sandbox answers 409.
    throw new SandboxError(409, 'DUPLICATE_EXTERNAL_ID', 'An invoice with this external_id already exists', {
      external_id: f.external_id,
      invoice_id: existing?.id ?? null,
    });
  }

  // ------------------------------------------------------------------ customer actions

  private async locked(q: Tx, id: string): Promise<InvoiceRow> {
    const row = await this.store.invoiceById(id, q, true);
    if (!row) throw SandboxError.invoiceNotFound(id);
    return row;
  }

  private static assertOpen(row: InvoiceRow): void {
    if (row.status !== 'pending') throw SandboxError.notPending(row.status);
    const deadline = row.deal_expires_at ?? row.expires_at;
    if (deadline.getTime() <= Date.now()) throw SandboxError.notPending(row.status, { expired: true, expires_at: deadline.toISOString() });
  }

  /** Methods offered for an invoice: its currency, min_sum ≤ amount ≤ max_sum. */
  eligibleMethods(row: InvoiceRow, q: Querier = this.store.ds): Promise<MethodRow[]> {
    return this.store.eligibleMethods(row.currency, row.amount, q);
  }

  /**
   * Creates the deal (public select-method, hosted page). Sandbox choice: picking again while
   * the invoice is pending replaces the deal.
   */
  async selectMethod(invoiceId: string, methodCode: string): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, invoiceId);
      if (row.status !== 'pending') throw SandboxError.notPending(row.status);
      if (row.expires_at.getTime() <= Date.now()) throw SandboxError.notPending(row.status, { expired: true });
      const methods = await this.eligibleMethods(row, q);
      const method = methods.find((m) => m.method_code === methodCode);
      if (!method) {
        throw new SandboxError(422, 'PAYMENT_METHOD_NOT_AVAILABLE', 'This payment method is not available for the invoice', {
          method_code: methodCode,
          available: methods.map((m) => m.method_code),
        });
      }
      const deal = await this.newDeal(q, row, method);
      const rows = rowsOf<InvoiceRow>(
        await q.query(
          `UPDATE sandbox_invoices SET
             deal_id = $2, deal_status = $3, deal_sub_status = $4, method_code = $5, method_name = $6,
             client_commission = $7, merchant_commission = $8, amount_fiat = $9, conversion_rate = $10, merchant_usdt = $11,
             is_adjusted = false, deal_created_at = now(), deal_expires_at = now() + make_interval(mins => $12),
             deal_finished_at = NULL, mark_paid_at = NULL, updated_at = now()
           WHERE id = $1 RETURNING *`,
          [
            row.id,
            deal.deal_id,
            DEAL.pending[0],
            DEAL.pending[1],
            deal.method_code,
            deal.method_name,
            deal.client_commission,
            deal.merchant_commission,
            deal.amount_fiat,
            deal.conversion_rate,
            deal.merchant_usdt,
            deal.payment_time,
          ],
        ),
      );
      return rows[0]!;
    });
  }

  /** The hosted page's "Pay": needs a pending deal within its deadline. */
  async pay(invoiceId: string): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, invoiceId);
      InvoiceLifecycle.assertOpen(row);
      if (!row.deal_id) throw new SandboxError(409, 'METHOD_NOT_SELECTED', 'Choose a payment method first', {});
      return this.succeed(q, row, undefined);
    });
  }

  async fail(invoiceId: string): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, invoiceId);
      InvoiceLifecycle.assertOpen(row);
      return this.close(q, row, 'fail');
    });
  }

  async cancel(invoiceId: string): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, invoiceId);
      if (row.status !== 'pending') throw SandboxError.notPending(row.status);
      return this.close(q, row, 'cancel');
    });
  }

  // ------------------------------------------------------------------ simulate

  /**
   * POST /sandbox/invoices/{ref}/simulate. success: from pending, and also late from
   * fail/expired/canceled (the money arrived), or on a success with another amount_fiat (an
   * adjustment); fail/expire/cancel: from pending only.
   */
  async simulate(ref: string, outcome: Outcome, amountFiat: string | undefined): Promise<InvoiceRow> {
    const found = await this.store.invoiceByRef(ref);
    if (!found) throw SandboxError.invoiceNotFound(ref);
    return this.tx(async (q) => {
      const row = await this.locked(q, found.id);
      if (outcome === 'success') {
        if (row.status === 'success') {
          if (amountFiat === undefined || (row.amount_fiat !== null && new Decimal(amountFiat).eq(row.amount_fiat))) {
            throw SandboxError.notPending(row.status, { hint: 'send a different amount_fiat to adjust a paid invoice' });
          }
        }
        return this.succeed(q, row, amountFiat);
      }
      if (row.status !== 'pending') throw SandboxError.notPending(row.status);
      return this.close(q, row, outcome);
    });
  }

  // ------------------------------------------------------------------ transitions

  private async pickMethod(q: Tx, row: InvoiceRow): Promise<MethodRow> {
    const eligible = await this.store.eligibleMethods(row.currency, row.amount, q);
    if (eligible[0]) return eligible[0];
    const any = await this.store.methods(row.currency, q);
    return any[0] ?? FALLBACK_METHOD(row.currency);
  }

  private async newDeal(q: Tx, row: InvoiceRow, method: MethodRow): Promise<DealFields> {
    const currency = await this.store.currency(row.currency, q);
    if (!currency) throw new SandboxError(404, 'RATE_NOT_FOUND', `No valid rate for ${row.currency}`, {});
    const conversionRate = rate(currency.rate);
    return {
      deal_id: randomUUID(),
      method_code: method.method_code,
      method_name: method.name,
      client_commission: method.client_commission,
      merchant_commission: method.merchant_commission,
      amount_fiat: amountWithClientCommission(row.amount, method.client_commission),
      conversion_rate: conversionRate,
      merchant_usdt: merchantUsdt(row.amount, conversionRate, method.merchant_commission),
      payment_time: method.payment_time,
      is_new: true,
    };
  }

  private async dealOf(q: Tx, row: InvoiceRow): Promise<DealFields> {
    if (row.deal_id && row.method_code && row.amount_fiat && row.conversion_rate && row.merchant_usdt) {
      return {
        deal_id: row.deal_id,
        method_code: row.method_code,
        method_name: row.method_name ?? row.method_code,
        client_commission: row.client_commission ?? '0.00',
        merchant_commission: row.merchant_commission ?? '0.00',
        amount_fiat: row.amount_fiat,
        conversion_rate: row.conversion_rate,
        merchant_usdt: row.merchant_usdt,
        payment_time: 0,
        is_new: false,
      };
    }
    return this.newDeal(q, row, await this.pickMethod(q, row));
  }

  /** Completes the deal; an amount_fiat different from the deal's marks it adjusted. */
  private async succeed(q: Tx, row: InvoiceRow, amountFiat: string | undefined): Promise<InvoiceRow> {
    const wasSuccess = row.status === 'success';
    const deal = await this.dealOf(q, row);
    let fiat = money(deal.amount_fiat);
    let usdt = deal.merchant_usdt;
    let adjusted = row.is_adjusted && !deal.is_new;
    if (amountFiat !== undefined && !new Decimal(amountFiat).eq(fiat)) {
      fiat = money(amountFiat);
      usdt = merchantUsdt(baseFromAmountFiat(fiat, deal.client_commission), deal.conversion_rate, deal.merchant_commission);
      adjusted = true;
    }
    const [dealStatus, subStatus] = adjusted ? DEAL.adjusted : DEAL.completed;
    const rows = rowsOf<InvoiceRow>(
      await q.query(
        `UPDATE sandbox_invoices SET
           status = 'success', reason = NULL,
           finished_at = CASE WHEN $13::boolean THEN finished_at ELSE now() END,
           deal_id = $2, deal_status = $3, deal_sub_status = $4, method_code = $5, method_name = $6,
           client_commission = $7, merchant_commission = $8, amount_fiat = $9, conversion_rate = $10, merchant_usdt = $11,
           is_adjusted = $12,
           deal_created_at = COALESCE(deal_created_at, now()),
           deal_expires_at = COALESCE(deal_expires_at, now() + make_interval(mins => $14)),
           mark_paid_at = CASE WHEN $13::boolean THEN mark_paid_at ELSE now() END,
           deal_finished_at = CASE WHEN $13::boolean THEN deal_finished_at ELSE now() END,
           updated_at = now()
         WHERE id = $1 RETURNING *`,
        [
          row.id,
          deal.deal_id,
          dealStatus,
          subStatus,
          deal.method_code,
          deal.method_name,
          deal.client_commission,
          deal.merchant_commission,
          fiat,
          deal.conversion_rate,
          usdt,
          adjusted,
          wasSuccess,
          deal.payment_time,
        ],
      ),
    );
    const updated = rows[0]!;
    await this.addEvent(q, updated, wasSuccess ? 'invoice.adjusted' : 'invoice.success');
    return updated;
  }

  /** pending → fail | expired | canceled. */
  private async close(q: Tx, row: InvoiceRow, outcome: Exclude<Outcome, 'success'>): Promise<InvoiceRow> {
    let deal: DealFields | null = null;
    if (row.deal_id) deal = await this.dealOf(q, row);
    // A failure is a payment that went wrong: the sandbox gives it a deal (first eligible method).
    else if (outcome === 'fail') deal = await this.newDeal(q, row, await this.pickMethod(q, row));
    const status: InvoiceStatus = outcome === 'fail' ? 'fail' : outcome === 'expire' ? 'expired' : 'canceled';
    const [dealStatus, subStatus] = outcome === 'fail' ? DEAL.failed : outcome === 'expire' ? DEAL.expired : DEAL.canceled;
    const reason =
      outcome === 'fail' ? REASON.failed : outcome === 'cancel' ? REASON.canceled : row.deal_id ? REASON.paymentTime : REASON.ttl;
    const rows = rowsOf<InvoiceRow>(
      await q.query(
        `UPDATE sandbox_invoices SET
           status = $2, reason = $3, finished_at = now(), updated_at = now(),
           deal_id = $4, deal_status = $5, deal_sub_status = $6, method_code = $7, method_name = $8,
           client_commission = $9, merchant_commission = $10, amount_fiat = $11, conversion_rate = $12, merchant_usdt = $13,
           deal_created_at = CASE WHEN $4::uuid IS NULL THEN NULL ELSE COALESCE(deal_created_at, now()) END,
           deal_expires_at = CASE WHEN $4::uuid IS NULL THEN NULL ELSE COALESCE(deal_expires_at, now() + make_interval(mins => $14)) END,
           deal_finished_at = CASE WHEN $4::uuid IS NULL THEN NULL ELSE now() END
         WHERE id = $1 AND status = 'pending' RETURNING *`,
        [
          row.id,
          status,
          reason,
          deal?.deal_id ?? null,
          deal ? dealStatus : null,
          deal ? subStatus : null,
          deal?.method_code ?? null,
          deal?.method_name ?? null,
          deal?.client_commission ?? null,
          deal?.merchant_commission ?? null,
          deal ? money(deal.amount_fiat) : null,
          deal?.conversion_rate ?? null,
          deal?.merchant_usdt ?? null,
          deal?.payment_time ?? 0,
        ],
      ),
    );
    const updated = rows[0];
    if (!updated) throw SandboxError.notPending(row.status);
    await this.addEvent(q, updated, `invoice.${status}`);
    return updated;
  }

  // ------------------------------------------------------------------ webhook events

  /**
   * The outbox row for a terminal transition or an adjustment, when the invoice has a
   * callback_url (docs/gateways/eccaex.md, "What EccaEx sends"; the sandbox merchant has no default webhook URL unless
   * SANDBOX_DEFAULT_CALLBACK_URL is set, which create-invoice then stores on the invoice).
   *
   * Payload keys: event_id, order_id and external_id are confirmed; status, sub_status, rate_usd,
   * is_adjusted and reason are partly confirmed, partly inferred (same page); amount, currency,
   * amount_fiat, merchant_usdt and payment_method_code are INFERRED by analogy with the invoice.
   * event_id = "<order_id>:<status>:<unix seconds>" ("adjusted" in the middle for adjustments),
   * its seconds bumped when needed so every event of an invoice has its own X-Idempotency-Key.
   */
  private async addEvent(q: Tx, row: InvoiceRow, eventType: string): Promise<void> {
    if (!row.callback_url) return;
    const [last] = (await q.query(`SELECT COALESCE(max(event_ts), 0)::bigint AS ts FROM sandbox_webhook_events WHERE invoice_id = $1`, [row.id])) as Array<{
      ts: string;
    }>;
    const ts = Math.max(Math.floor(Date.now() / 1000), Number(last?.ts ?? 0) + 1);
    const segment = eventType === 'invoice.adjusted' ? 'adjusted' : row.status;
    const eventId = `${row.id}:${segment}:${ts}`;
    const withDeal = row.deal_id !== null;
    const payload = {
      event_id: eventId,
      order_id: row.id,
      external_id: row.external_id,
      status: row.status,
      sub_status: withDeal ? row.deal_sub_status : null,
      rate_usd: withDeal && row.conversion_rate !== null ? rate(row.conversion_rate) : null,
      is_adjusted: row.is_adjusted,
      reason: row.reason,
      amount: money(row.amount),
      currency: row.currency,
      amount_fiat: withDeal ? moneyOrNull(row.amount_fiat) : null,
      merchant_usdt: withDeal ? moneyOrNull(row.merchant_usdt) : null,
      payment_method_code: withDeal ? row.method_code : null,
    };
    await q.query(
      `INSERT INTO sandbox_webhook_events (invoice_id, event_type, status, callback_url, idempotency_key, event_ts, request_payload, next_retry_at)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, now())`,
      [row.id, eventType, row.callback_url, eventId, ts, JSON.stringify(payload)],
    );
  }
}
