import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Decimal from 'decimal.js';
import { SandboxError } from '../common/toolkit';
import { Periodic } from '../common/periodic';
import { coinAmountProblem, depositAddress, quote, suggestedPayments, txHash } from './coins';
import { CsSandboxControl } from './control-state';
import { notFound } from './errors';
import { CS_SANDBOX_CONFIG, CsSandboxConfig } from './sandbox-config';
import { CsSandboxStore, InvoiceRow, NewInvoice, Querier } from './store';
import { invoiceJson } from './views';
import { CsWebhookDispatcher } from './webhook-dispatcher';

export type CreateInput = Omit<NewInvoice, 'merchant_id' | 'timeout_seconds'> & { payment_method: string | null };

/** A payment arriving: the rest of the amount, part of it, or more than it. */
export type Payment = { kind: 'full' } | { kind: 'part' | 'over'; amount?: string };

/**
 * `paid_short`: PAID although less arrived; `paid_late`: an EXPIRED or CANCELLED invoice paid in
 * full after all. Whether the provider ever does either is UNKNOWN; they test the service's guards.
 */
export const SIMULATE_OUTCOMES = ['paid', 'underpaid', 'paid_short', 'paid_late', 'overpaid', 'expire', 'cancel'] as const;
export type SimulateOutcome = (typeof SIMULATE_OUTCOMES)[number];

/** Simulate picks this coin for an invoice that has none yet (stable price, easy amounts). */
export const DEFAULT_SIMULATE_COIN = 'USDT_TRC20';

const OPEN = new Set(['NEW', 'WAITING']);

/**
 * The invoice state machine (NEW → WAITING → PAID; NEW|WAITING → EXPIRED | CANCELLED). Every
 * change, and the PAID webhook it queues, is one short transaction on the row (FOR UPDATE).
 */
@Injectable()
export class CsInvoiceLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: Periodic;

  constructor(
    private readonly store: CsSandboxStore,
    private readonly dispatcher: CsWebhookDispatcher,
    private readonly control: CsSandboxControl,
    @Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig,
  ) {
    const log = new Logger('CryptosteroidSandboxInvoices');
    this.sweeper = new Periodic(() => this.expireDue(), config.sweepIntervalMs, (err) => log.warn(`expiry sweep failed: ${err.message}`));
  }

  onModuleInit(): void {
    this.sweeper.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweeper.stop();
  }

  private get merchant(): string {
    return this.config.merchantId;
  }

  private async tx<T>(work: (q: Querier) => Promise<T>): Promise<T> {
    const result = await this.store.ds.transaction((m) => work(m));
    this.dispatcher.kick();
    return result;
  }

  private async locked(q: Querier, id: string): Promise<InvoiceRow> {
    const row = await this.store.invoice(this.merchant, id, q, true);
    if (!row) throw notFound(id);
    return row;
  }

  /** Open and inside its window (an overdue one is left to the sweeper, which expires it). */
  private static assertOpen(row: InvoiceRow): void {
    if (!OPEN.has(row.status)) throw new SandboxError(409, 'INVOICE_NOT_OPEN', `The invoice is ${row.status}`, { status: row.status });
    if (row.expires_at.getTime() <= Date.now()) {
      throw new SandboxError(409, 'INVOICE_NOT_OPEN', 'The payment window of the invoice has closed', { status: row.status, expired: true });
    }
  }

  /** Expires open invoices past their window (no webhook: the provider sends one only for PAID). */
  async expireDue(): Promise<number> {
    return (await this.tx((q) => this.store.expireDue(q))).length;
  }

  // ------------------------------------------------------------------ merchant API

  /**
   * Refused with 409 UNPAID_INVOICE_LIMIT while the merchant holds the cap of NEW invoices. Only a
   * create that leaves its invoice NEW can take the count past the cap, so only those wait for one
   * another (the merchant's lock); one with a payment method commits a WAITING invoice or nothing,
   * and reads the count without waiting (it was every create in turn: about 400 a second at most).
   */
  async create(f: CreateInput): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      if (!f.payment_method) await this.store.lockMerchant(q, this.merchant);
      const cap = this.control.knobs.maxUnpaidNew;
      const unpaid = await this.store.countUnpaidNew(q, this.merchant);
      if (unpaid >= cap) {
        throw new SandboxError(409, 'UNPAID_INVOICE_LIMIT', `The merchant already holds ${unpaid} unpaid NEW invoices (limit ${cap})`, { limit: cap });
      }
      const { payment_method, ...fields } = f;
      const row = await this.store.insertInvoice(q, { ...fields, merchant_id: this.merchant, timeout_seconds: this.control.knobs.invoiceTimeoutS });
      return payment_method ? this.assignCoin(q, row, payment_method) : row;
    });
  }

  /** Coin, price, amounts and a fresh deposit address; the invoice is WAITING. */
  private async assignCoin(q: Querier, row: InvoiceRow, method: string): Promise<InvoiceRow> {
    const c = await this.store.coin(method, row.fiat_currency, q);
    if (!c?.price) throw new SandboxError(422, 'METHOD_NOT_AVAILABLE', `No ${method} rate for ${row.fiat_currency}`, { paymentMethod: method });
    const qt = quote(row.fiat_amount, c.price, c.decimals, this.control.knobs.feePercent, row.who_pay_commission);
    return this.store.updateInvoice(q, row.id, {
      status: 'WAITING',
      method: c.code,
      coin_decimals: c.decimals,
      address: depositAddress(c.code),
      coin_price: c.price,
      coin_amount: qt.amount,
      coin_net: qt.net,
      coin_fee: qt.fee,
    });
  }

  /**
   * PATCH (the provider: NEW only). The hosted page may also change the coin of a WAITING
   * invoice that has received nothing (sandbox choice: the provider's page is UNKNOWN).
   */
  async setMethod(id: string, method: string, from: 'api' | 'page'): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, id);
      const changeable = row.status === 'NEW' || (from === 'page' && row.status === 'WAITING' && new Decimal(row.received).isZero());
      if (!changeable) {
        throw new SandboxError(409, 'INVOICE_NOT_NEW', `The payment method can be set only while the invoice is NEW; it is ${row.status}`, { status: row.status });
      }
      CsInvoiceLifecycle.assertOpen(row);
      return this.assignCoin(q, row, method);
    });
  }

  /** DELETE: NEW|WAITING → CANCELLED; again on a cancelled one is the same answer. */
  async cancel(id: string): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, id);
      if (row.status === 'CANCELLED') return row;
      if (!OPEN.has(row.status)) throw new SandboxError(409, 'INVOICE_NOT_CANCELLABLE', `The invoice is ${row.status}`, { status: row.status });
      return this.store.updateInvoice(q, row.id, { status: 'CANCELLED' });
    });
  }

  // ------------------------------------------------------------------ the customer

  /**
   * Coins arrive on the address: PAID once the total reaches the amount (then the webhook).
   * Controls only: `strict` checks the amount against what is due and picks a coin if none;
   * `markPaid` makes it PAID whatever arrived; `late` pays an EXPIRED or CANCELLED invoice.
   */
  async pay(id: string, payment: Payment, opts: { strict?: boolean; markPaid?: boolean; late?: boolean } = {}): Promise<InvoiceRow> {
    const strict = opts.strict ?? false;
    return this.tx(async (q) => {
      let row = await this.locked(q, id);
      if (!opts.late) CsInvoiceLifecycle.assertOpen(row);
      else if (row.status !== 'EXPIRED' && row.status !== 'CANCELLED') {
        throw new SandboxError(409, 'INVOICE_NOT_CLOSED', `A late payment needs an EXPIRED or CANCELLED invoice; it is ${row.status}`, { status: row.status });
      }
      if (!row.method) {
        if (strict) row = await this.assignCoin(q, row, DEFAULT_SIMULATE_COIN);
        else throw new SandboxError(409, 'METHOD_NOT_SELECTED', 'Choose a coin first', {});
      }
      return this.receive(q, row, this.paymentAmount(row, payment, strict), opts.markPaid ?? false);
    });
  }

  private paymentAmount(row: InvoiceRow, p: Payment, strict: boolean): Decimal {
    const decimals = row.coin_decimals!;
    const { due, part, over } = suggestedPayments(row.coin_amount!, row.received, decimals);
    if (p.kind === 'full') return due;
    if (p.amount === undefined) return p.kind === 'part' ? part : over;
    const problem = coinAmountProblem(p.amount, decimals);
    if (problem) throw SandboxError.validation({ amount: [problem] });
    const amount = new Decimal(p.amount);
    if (strict && p.kind === 'part' && amount.gte(due)) throw SandboxError.validation({ amount: [`must be below what is still due (${due.toFixed(decimals)})`] });
    if (strict && p.kind === 'over' && amount.lte(due)) throw SandboxError.validation({ amount: [`must exceed what is still due (${due.toFixed(decimals)})`] });
    return amount;
  }

  private async receive(q: Querier, row: InvoiceRow, amount: Decimal, markPaid: boolean): Promise<InvoiceRow> {
    const received = amount.plus(row.received);
    const paid = markPaid || received.gte(row.coin_amount!);
    const updated = await this.store.updateInvoice(
      q,
      row.id,
      { received: received.toFixed(), tx_hashes: [...row.tx_hashes, txHash(row.method!)], ...(paid ? { status: 'PAID' } : {}) },
      paid ? ['paid_at = now()'] : [],
    );
    if (paid && updated.processing_url) {
      const body = JSON.stringify(invoiceJson(updated, this.config.publicBaseUrl, this.control.knobs.timestampFormat));
      await this.store.insertWebhook(q, updated.id, updated.processing_url, body);
    }
    return updated;
  }

  /** "Let it expire" (page) and simulate: the window closes now, whatever arrived stays recorded. */
  async expire(id: string): Promise<InvoiceRow> {
    return this.tx(async (q) => {
      const row = await this.locked(q, id);
      if (!OPEN.has(row.status)) throw new SandboxError(409, 'INVOICE_NOT_OPEN', `The invoice is ${row.status}`, { status: row.status });
      return this.store.updateInvoice(q, row.id, { status: 'EXPIRED' }, ['expires_at = LEAST(expires_at, now())']);
    });
  }

  /** Control: drives an invoice to an outcome without a browser. */
  async simulate(id: string, outcome: SimulateOutcome, amount: string | undefined, method: string | undefined): Promise<InvoiceRow> {
    if (method !== undefined) {
      const row = await this.store.invoice(this.merchant, id);
      if (!row) throw notFound(id);
      if (row.method !== method) await this.setMethod(id, method, 'page');
    }
    switch (outcome) {
      case 'paid':
        return this.pay(id, { kind: 'full' }, { strict: true });
      case 'underpaid':
        return this.pay(id, { kind: 'part', amount }, { strict: true });
      case 'paid_short':
        return this.pay(id, { kind: 'part', amount }, { strict: true, markPaid: true });
      case 'paid_late':
        return this.pay(id, { kind: 'full' }, { strict: true, late: true });
      case 'overpaid':
        return this.pay(id, { kind: 'over', amount }, { strict: true });
      case 'expire':
        return this.expire(id);
      case 'cancel':
        return this.cancel(id);
    }
  }
}
