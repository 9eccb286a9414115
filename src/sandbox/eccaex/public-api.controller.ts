import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { EccaexErrorFilter, SandboxError } from './errors';
import { FaultInterceptor, FaultPoint } from './faults';
import { clientCommissionAmount, money, percent } from './format';
import { InvoiceLifecycle, Outcome } from './invoice-lifecycle';
import { InvoiceRow, SandboxStore } from './store';
import { amountString, bodyObject, Fields, requiredString } from './validation';
import { dealJson, invoiceJson, publicMethodJson } from './views';

/**
 * Customer-side endpoints of the hosted-page flow (docs/gateways/eccaex.md, "The sandbox"). Paths and
 * purposes are confirmed; bodies and answers are not documented, so these shapes are the sandbox's own. No API key.
 */
@ApiExcludeController()
@Controller('sandbox/eccaex/api/v1/public/invoice')
@UseFilters(EccaexErrorFilter)
@UseInterceptors(FaultInterceptor)
export class PublicApiController {
  constructor(
    private readonly store: SandboxStore,
    private readonly lifecycle: InvoiceLifecycle,
  ) {}

  private async pendingInvoice(orderId: string): Promise<InvoiceRow> {
    const row = await this.store.invoiceById(orderId);
    if (!row) throw SandboxError.invoiceNotFound(orderId);
    if (row.status !== 'pending') throw SandboxError.notPending(row.status);
    return row;
  }

  /** Methods for the invoice's currency with min_sum ≤ amount ≤ max_sum, and the amount to pay with each. */
  @Get(':orderId/payment-methods')
  @FaultPoint('public')
  async methods(@Param('orderId') orderId: string) {
    const row = await this.pendingInvoice(orderId);
    const methods = await this.lifecycle.eligibleMethods(row);
    return { successful: true, data: methods.map((m) => publicMethodJson(m, row.amount)) };
  }

  /** Body `{ "method_code": "monobank" }` → creates the deal. */
  @Post(':orderId/select-method')
  @HttpCode(200)
  @FaultPoint('public')
  async select(@Param('orderId') orderId: string, @Body() body: unknown) {
    const f = new Fields();
    const code = requiredString(f, bodyObject(body), 'method_code', 64);
    f.throwIfAny();
    await this.pendingInvoice(orderId);
    const row = await this.lifecycle.selectMethod(orderId, code!);
    return {
      successful: true,
      data: {
        invoice_id: row.id,
        status: row.status,
        method_selected: true,
        amount: money(row.amount),
        currency: row.currency,
        client_commission: percent(row.client_commission ?? '0'),
        client_commission_amount: clientCommissionAmount(row.amount, row.client_commission ?? '0'),
        amount_to_pay: money(row.amount_fiat ?? row.amount),
        ...dealJson(row),
      },
    };
  }

  /** pending → canceled (webhook reason "canceled_by_customer"). */
  @Post(':orderId/cancel')
  @HttpCode(200)
  @FaultPoint('public')
  async cancel(@Param('orderId') orderId: string) {
    await this.pendingInvoice(orderId);
    const row = await this.lifecycle.cancel(orderId);
    return { successful: true, data: { invoice_id: row.id, status: row.status, reason: row.reason } };
  }
}

const OUTCOMES: readonly Outcome[] = ['success', 'fail', 'expire', 'cancel'];

/** docs/gateways/eccaex.md, "The sandbox": drives an invoice to an outcome without a browser. No API key. */
@ApiExcludeController()
@Controller('sandbox/eccaex/api/v1/sandbox/invoices')
@UseFilters(EccaexErrorFilter)
export class SimulateController {
  constructor(
    private readonly lifecycle: InvoiceLifecycle,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Post(':ref/simulate')
  @HttpCode(200)
  async simulate(@Param('ref') ref: string, @Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const outcome = o.outcome;
    if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) {
      f.add('outcome', `must be one of ${OUTCOMES.join(', ')}`);
    }
    const amountFiat = amountString(f, o, 'amount_fiat', false);
    if (amountFiat !== undefined && outcome !== 'success') f.add('amount_fiat', 'only allowed with outcome "success"');
    f.throwIfAny();
    const row = await this.lifecycle.simulate(ref, outcome as Outcome, amountFiat);
    return { successful: true, data: invoiceJson(row, this.settings.publicBaseUrl) };
  }
}
