import { Inject, Injectable } from '@nestjs/common';
import Decimal from 'decimal.js';
import { methodFamily } from '../../gateways/smartwm/smartwm.methods';
import { rowsOf } from '../../database/sql';
import { DPAY_FINAL_STATUSES, DpayInvoiceStatus } from '../../gateways/smartwm/smartwm.types';
import { SwmError } from './errors';
import { accrualCurrencyOf, feeOf, newTracking } from './format';
import { PingDispatcher } from './ping-dispatcher';
import { SMARTWM_SANDBOX_CONFIG, SmartwmSandboxConfig } from './sandbox-config';
import { Flow, NewInvoice, Querier, SwmInvoiceRow, SwmStore } from './store';

export const SUCCESS_STATUSES: readonly DpayInvoiceStatus[] = ['PAYED', 'FINISHED', 'PAYED_RECALC'];
export const FAILURE_STATUSES: readonly DpayInvoiceStatus[] = ['FAILED', 'PAYIN_ERROR', 'CANCELED'];
const OPEN_STATUSES: readonly DpayInvoiceStatus[] = ['CREATED', 'PAYIN'];

const isFinal = (s: DpayInvoiceStatus) => DPAY_FINAL_STATUSES.includes(s);

/** The platform's test rule: an invoice for 1000 always succeeds, one for 2000 always fails. */
export function testAmountOutcome(amount: Decimal.Value): 'success' | 'fail' | null {
  const d = new Decimal(amount);
  if (d.eq(1000)) return 'success';
  if (d.eq(2000)) return 'fail';
  return null;
}

export const TEST_AMOUNT_FAILURE = 'Test amount 2000 always fails';

/** How an invoice is looked up: tracking wins; with both, they must name the same invoice. */
export interface InvoiceLookup {
  tracking?: string;
  payment_id?: string;
}

export interface FinishOptions {
  /** A recalculated credit (PAYED_RECALC). */
  accrualAmount?: string;
  fee?: string;
  /** The method the customer actually paid with. */
  methodUsed?: string;
  /** The failure description of FAILED / PAYIN_ERROR. */
  error?: string;
  payer?: string;
}

type Create = Omit<NewInvoice, 'tracking' | 'client_id'>;

/**
 * The invoice state machine: CREATED → PAYIN (process) → PAYED | FINISHED | PAYED_RECALC |
 * FAILED | PAYIN_ERROR | CANCELED. Each final status and its status_url ping are written in one
 * transaction (the ping row is an outbox the dispatcher delivers).
 */
@Injectable()
export class SwmInvoices {
  constructor(
    private readonly store: SwmStore,
    private readonly pings: PingDispatcher,
    @Inject(SMARTWM_SANDBOX_CONFIG) private readonly config: SmartwmSandboxConfig,
  ) {}

  private get clientId(): string {
    return this.config.clientId;
  }

  /** One transaction; `pings`: it may have queued a ping, so the dispatcher looks at once after the commit. */
  private async tx<T>(work: (q: Querier) => Promise<T>, pings = false): Promise<T> {
    const result = await this.store.ds.transaction(async (m) => work(m));
    if (pings) this.pings.kick();
    return result;
  }

  async create(f: Create): Promise<SwmInvoiceRow> {
    const row = await this.store.insertInvoice({ ...f, tracking: newTracking(), client_id: this.clientId });
    if (!row) throw SwmError.alreadyExists();
    return row;
  }

  async find(ref: InvoiceLookup, q: Querier = this.store.ds, forUpdate = false): Promise<SwmInvoiceRow> {
    const row = ref.tracking
      ? await this.store.byTracking(this.clientId, ref.tracking.toUpperCase(), q, forUpdate)
      : ref.payment_id !== undefined
        ? await this.store.byPaymentId(this.clientId, ref.payment_id, q, forUpdate)
        : null;
    if (!row || (ref.tracking && ref.payment_id !== undefined && row.payment_id !== ref.payment_id)) throw SwmError.notFound();
    return row;
  }

  /** For the controls: tracking first, then payment_id; none is a 404. */
  async findAny(ref: string, q: Querier = this.store.ds, forUpdate = false): Promise<SwmInvoiceRow> {
    const row =
      (await this.store.byTracking(this.clientId, ref.toUpperCase(), q, forUpdate)) ?? (await this.store.byPaymentId(this.clientId, ref, q, forUpdate));
    if (!row) throw new SwmError(404, 404, 'Invoice not found');
    return row;
  }

  /**
   * /api/einvoice/process: CREATED → PAYIN; the way to pay is fixed then (cards: a form, others:
   * a link). Again on PAYIN it answers the same; on a final invoice it is refused.
   */
  async process(ref: InvoiceLookup): Promise<SwmInvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.find(ref, q, true);
      if (row.status === 'PAYIN') return row;
      if (row.status !== 'CREATED') throw SwmError.alreadyProcessed(row.status);
      const flow: Flow = methodFamily(row.method) === 'card' ? 'form' : 'link';
      const rows = rowsOf<SwmInvoiceRow>(
        await q.query(`UPDATE sandbox_swm_invoices SET status = 'PAYIN', flow = $2, updated_at = now() WHERE tracking = $1 RETURNING *`, [row.tracking, flow]),
      );
      return rows[0]!;
    });
  }

  /** The success a customer's payment ends in: FINISHED after the form flow, PAYED after a link. */
  static successOf(row: SwmInvoiceRow): DpayInvoiceStatus {
    return row.flow === 'form' ? 'FINISHED' : 'PAYED';
  }

  /** A hosted-page outcome: only while PAYIN. */
  async settle(tracking: string, status: DpayInvoiceStatus, opts: FinishOptions = {}): Promise<SwmInvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.find({ tracking }, q, true);
      if (row.status !== 'PAYIN') throw SwmError.alreadyProcessed(row.status);
      return this.finish(q, row, status, opts);
    }, true);
  }

  /** Mobile money: the phone number the payment request goes to. */
  async setPayer(tracking: string, payer: string): Promise<SwmInvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.find({ tracking }, q, true);
      if (row.status !== 'PAYIN') throw SwmError.alreadyProcessed(row.status);
      const rows = rowsOf<SwmInvoiceRow>(
        await q.query(`UPDATE sandbox_swm_invoices SET payer = $2, updated_at = now() WHERE tracking = $1 RETURNING *`, [row.tracking, payer]),
      );
      return rows[0]!;
    });
  }

  /**
   * The simulate control. A success from any status but a success (late after a failure too);
   * PAYED_RECALC also over PAYED / FINISHED (a recalculation after the fact); a failure or
   * CANCELED only while CREATED or PAYIN.
   */
  async simulate(ref: string, status: DpayInvoiceStatus, opts: FinishOptions): Promise<SwmInvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.findAny(ref, q, true);
      const allowed = SUCCESS_STATUSES.includes(status)
        ? !SUCCESS_STATUSES.includes(row.status) || (status === 'PAYED_RECALC' && row.status !== 'PAYED_RECALC')
        : OPEN_STATUSES.includes(row.status);
      if (!allowed) throw new SwmError(409, 409, `An invoice in ${row.status} cannot become ${status}`);
      return this.finish(q, row, status, opts);
    }, true);
  }

  /** The resend control: one more ping for the invoice's current status. */
  async ping(ref: string): Promise<SwmInvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.findAny(ref, q);
      if (!row.status_url) throw new SwmError(409, 409, 'The invoice has no status_url');
      await this.store.insertPing(q, row, 'resend');
      return row;
    }, true);
  }

  private async finish(q: Querier, row: SwmInvoiceRow, status: DpayInvoiceStatus, opts: FinishOptions): Promise<SwmInvoiceRow> {
    if (!isFinal(status)) throw new SwmError(422, 422, `${status} is not a final status`);
    const method = opts.methodUsed ?? row.method_used;
    const success = SUCCESS_STATUSES.includes(status);
    let fee: string | null = null;
    let accrual: string | null = null;
    if (success) {
      fee = opts.fee ?? feeOf(row.amount, method, row.scale);
      accrual = opts.accrualAmount ?? new Decimal(row.amount).minus(fee).toFixed(row.scale);
    }
    const error = status === 'FAILED' || status === 'PAYIN_ERROR' ? (opts.error ?? (status === 'FAILED' ? 'Payment failed' : 'Debit failed')) : null;
    const rows = rowsOf<SwmInvoiceRow>(
      await q.query(
        `UPDATE sandbox_swm_invoices SET
           status = $2, method_used = $3, fee = $4, accrual_amount = $5, accrual_currency = $6, is_recalc = $7, error = $8,
           payer = COALESCE($9, payer), processed_at = now(), updated_at = now()
         WHERE tracking = $1 RETURNING *`,
        [row.tracking, status, method, fee, accrual, success ? accrualCurrencyOf(method) : null, status === 'PAYED_RECALC', error, opts.payer ?? null],
      ),
    );
    const updated = rows[0]!;
    await this.store.insertPing(q, updated, 'final');
    return updated;
  }
}
