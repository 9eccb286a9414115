import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { ApiKeyGuard } from './api-key.guard';
import { EccaexErrorFilter, SandboxError } from './errors';
import { FaultInterceptor, FaultPoint } from './faults';
import { InvoiceLifecycle } from './invoice-lifecycle';
import { RequestLogInterceptor } from './request-log';
import { SANDBOX_CONFIG, SandboxConfig } from './sandbox-config';
import { SandboxStore } from './store';
import {
  amountString,
  bodyObject,
  Fields,
  Obj,
  optionalString,
  optionalUrl,
  queryEnum,
  queryInt,
  requiredString,
} from './validation';
import { currencyJson, eventJson, invoiceJson, methodJson, withdrawalJson } from './views';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WITHDRAWAL_STATUSES } from './withdrawals';

export const INVOICE_STATUSES = ['pending', 'success', 'fail', 'expired', 'canceled'] as const;

function list<T>(data: T[], page: number, perPage: number, total: number) {
  return { successful: true as const, data, page, per_page: perPage, total, total_pages: Math.ceil(total / perPage) };
}

function currencyQuery(f: Fields, q: Obj): string | undefined {
  const v = q.currency;
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z]{3}$/.test(v)) {
    f.add('currency', 'must be a 3-letter ISO 4217 code');
    return undefined;
  }
  return v.toUpperCase();
}

/** The EccaEx merchant API (docs/gateways/eccaex.md, "What the service calls"), X-Api-Key on every route. */
@ApiExcludeController()
@Controller('sandbox/eccaex/api/v1')
@UseFilters(EccaexErrorFilter)
@UseGuards(ApiKeyGuard)
// The request log first (outermost), so it also records what a fault did to a request.
@UseInterceptors(RequestLogInterceptor, FaultInterceptor)
export class MerchantApiController {
  constructor(
    private readonly store: SandboxStore,
    private readonly lifecycle: InvoiceLifecycle,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
  ) {}

  /**
   * Create invoice. 201 with the invoice at the top level (as the docs' example) plus `successful: true`.
   * Validation: 422 VALIDATION_ERROR with details.fields (EccaEx's code is UNKNOWN); URLs
   * missing without merchant defaults: 422 MISSING_REQUIRED_URLS [DOC]; duplicate external_id:
   * 409 DUPLICATE_EXTERNAL_ID with details.invoice_id (sandbox choice, real behaviour UNKNOWN).
   */
  @Post('create-invoice')
  @FaultPoint('create-invoice')
  async createInvoice(@Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const amount = amountString(f, o, 'amount', true);
    const currency = requiredString(f, o, 'currency_code', 3, /^[A-Z]{3}$/, 'must be 3 uppercase letters (ISO 4217), e.g. "UAH"');
    const customerId = requiredString(f, o, 'customer_id', 128);
    const externalId = requiredString(f, o, 'external_id', 128);
    const purpose = optionalString(f, o, 'purpose', 512);
    const callbackUrl = optionalUrl(f, o, 'callback_url');
    const successUrl = optionalUrl(f, o, 'success_url');
    const failUrl = optionalUrl(f, o, 'fail_url');
    if (currency && /^[A-Z]{3}$/.test(currency) && !(await this.store.currency(currency))) {
      f.add('currency_code', `currency ${currency} is not enabled for the merchant`);
    }
    f.throwIfAny();
    const urls = {
      callback_url: callbackUrl ?? this.config.defaultCallbackUrl ?? null,
      success_url: successUrl ?? this.config.defaultSuccessUrl ?? null,
      fail_url: failUrl ?? this.config.defaultFailUrl ?? null,
    };
    const missing = Object.entries(urls)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    if (missing.length) {
      throw new SandboxError(422, 'MISSING_REQUIRED_URLS', 'callback_url, success_url and fail_url are required when the merchant has no defaults', {
        missing,
      });
    }
    const row = await this.lifecycle.create({
      external_id: externalId!,
      customer_id: customerId!,
      purpose: purpose ?? null,
      amount: amount!,
      currency: currency!,
      ...urls,
    });
    return { successful: true, ...invoiceJson(row, this.settings.publicBaseUrl) };
  }

  /** List invoices. */
  @Get('invoices')
  @FaultPoint('list-invoices')
  async listInvoices(@Query() query: Obj) {
    const f = new Fields();
    const page = queryInt(f, query, 'page', 1, 1, 1_000_000_000);
    const perPage = queryInt(f, query, 'per_page', 20, 1, 500);
    const status = queryEnum(f, query, 'status', INVOICE_STATUSES);
    const currency = currencyQuery(f, query);
    const order = queryEnum(f, query, 'order', ['asc', 'desc'] as const) ?? 'desc';
    f.throwIfAny();
    const { rows, total } = await this.store.listInvoices({ status, currency, page, perPage, order });
    return list(
      rows.map((r) => invoiceJson(r, this.settings.publicBaseUrl)),
      page,
      perPage,
      total,
    );
  }

  private async invoiceOr404(ref: string) {
    const row = await this.store.invoiceByRef(ref);
    if (!row) throw SandboxError.invoiceNotFound(ref);
    return row;
  }

  /** One invoice: order_id (UUID) first, then external_id. */
  @Get('invoices/:ref')
  @FaultPoint('get-invoice')
  async getInvoice(@Param('ref') ref: string) {
    return { successful: true, data: invoiceJson(await this.invoiceOr404(ref), this.settings.publicBaseUrl) };
  }

  /** Webhook history: events newest first, attempts by try_number ascending; no events → `events: []`. */
  @Get('invoices/:ref/webhooks')
  @FaultPoint('invoice-webhooks')
  async webhooks(@Param('ref') ref: string) {
    const inv = await this.invoiceOr404(ref);
    const events = await this.store.eventsOf(inv.id);
    const attempts = await this.store.attemptsOf(events.map((e) => e.id));
    const now = new Date();
    return {
      successful: true,
      invoice_id: inv.id,
      external_id: inv.external_id,
      events_count: events.length,
      events: events.map((e) => eventJson(e, attempts.filter((a) => a.event_id === e.id), now)),
    };
  }

  /** Manual webhook resend. */
  @Post('invoices/:ref/webhooks/resend')
  @HttpCode(200)
  @FaultPoint('resend')
  async resend(@Param('ref') ref: string) {
    return this.dispatcher.resend(await this.invoiceOr404(ref));
  }

  /** Payment methods: `currency` filter, case-insensitive. */
  @Get('payment-methods')
  @FaultPoint('payment-methods')
  async paymentMethods(@Query() query: Obj) {
    const f = new Fields();
    const currency = currencyQuery(f, query);
    f.throwIfAny();
    return { successful: true, data: (await this.store.methods(currency)).map(methodJson) };
  }

  /** Currencies and rates. */
  @Get('currencies')
  @FaultPoint('currencies')
  async currencies() {
    return { successful: true, data: (await this.store.currencies()).map(currencyJson) };
  }

  /** List withdrawals. */
  @Get('withdrawals')
  @FaultPoint('withdrawals')
  async withdrawals(@Query() query: Obj) {
    const f = new Fields();
    const page = queryInt(f, query, 'page', 1, 1, 1_000_000_000);
    const perPage = queryInt(f, query, 'per_page', 20, 1, 500);
    const status = queryEnum(f, query, 'status', WITHDRAWAL_STATUSES);
    const order = queryEnum(f, query, 'order', ['asc', 'desc'] as const) ?? 'desc';
    f.throwIfAny();
    const { rows, total } = await this.store.listWithdrawals({ status, page, perPage, order });
    return list(rows.map(withdrawalJson), page, perPage, total);
  }

  /** One withdrawal; not found → 404 WITHDRAWAL_NOT_FOUND (code UNKNOWN at EccaEx). */
  @Get('withdrawals/:uuid')
  @FaultPoint('withdrawal')
  async withdrawal(@Param('uuid') uuid: string) {
    const row = await this.store.withdrawal(uuid);
    if (!row) throw new SandboxError(404, 'WITHDRAWAL_NOT_FOUND', 'Withdrawal not found', { withdraw_uuid: uuid });
    return { successful: true, data: withdrawalJson(row) };
  }
}
