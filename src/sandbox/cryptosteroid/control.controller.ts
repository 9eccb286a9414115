import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CS_FIAT_CURRENCIES, CS_PAYMENT_METHODS } from '../../gateways/cryptosteroid/cryptosteroid.types';
import { bodyObject, Fields, isUuid, Obj, optionalString, SandboxError } from '../common/toolkit';
import { CS_ENDPOINTS, CsEndpoint, CsSandboxControl, FAULT_MODES, FAULT_STATUSES, FaultMode } from './control-state';
import { CsErrorFilter, notFound } from './errors';
import { CsInvoiceLifecycle, SIMULATE_OUTCOMES, SimulateOutcome } from './invoice-lifecycle';
import { boolField, enumField, numberField } from './fields';
import { checkKnobs, CS_SANDBOX_CONFIG, CsSandboxConfig, CsSandboxKnobs, TIMESTAMP_FORMATS } from './sandbox-config';
import { CsSandboxStore } from './store';
import { invoiceJson, requestJson, webhookJson } from './views';
import { CsWebhookDispatcher } from './webhook-dispatcher';

const queryString = (q: Obj, name: string) => (typeof q[name] === 'string' && q[name] !== '' ? (q[name] as string) : undefined);

/** The knobs as the control API names them. */
const KNOB_NAMES: Record<keyof CsSandboxKnobs, string> = {
  invoiceTimeoutS: 'invoice_timeout_s',
  maxUnpaidNew: 'max_unpaid_new',
  feePercent: 'fee_percent',
  webhookMaxAttempts: 'webhook_max_attempts',
  webhookRetryScale: 'webhook_retry_scale',
  timestampFormat: 'timestamp_format',
};

function knobsJson(k: CsSandboxKnobs): Record<string, unknown> {
  return Object.fromEntries(Object.entries(KNOB_NAMES).map(([camel, snake]) => [snake, k[camel as keyof CsSandboxKnobs]]));
}

/**
 * Test tooling under /sandbox/cryptosteroid/_control, sandbox only, no key: faults on the
 * merchant API, webhook switches and manual deliveries, the knobs, outcomes without a browser,
 * and the record of merchant-API requests. Not part of CryptoSteroid.
 */
@ApiExcludeController()
@Controller('sandbox/cryptosteroid/_control')
@UseFilters(CsErrorFilter)
export class CsControlController {
  constructor(
    private readonly control: CsSandboxControl,
    private readonly store: CsSandboxStore,
    private readonly lifecycle: CsInvoiceLifecycle,
    private readonly dispatcher: CsWebhookDispatcher,
    @Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig,
  ) {}

  private json = (row: Parameters<typeof invoiceJson>[0]) => invoiceJson(row, this.config.publicBaseUrl, this.control.knobs.timestampFormat);

  /** Faults, webhook switches and knobs back to their start values (the records stay). */
  @Post('reset')
  @HttpCode(200)
  reset() {
    this.control.faults.clear();
    this.control.resetWebhooks();
    this.control.resetKnobs();
    return { data: { faults: [], webhooks: this.control.webhooks, settings: knobsJson(this.control.knobs) } };
  }

  // ------------------------------------------------------------------ faults

  @Get('faults')
  faults() {
    return { data: this.control.faults.list() };
  }

  /** `{ endpoint, mode, status?, code?, delay_ms?, hang_ms?, times?, probability? }` */
  @Post('faults')
  addFault(@Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const endpoint = enumField(f, o, 'endpoint', [...CS_ENDPOINTS, '*'] as const, true);
    const mode = enumField(f, o, 'mode', FAULT_MODES, true);
    const status = numberField(f, o, 'status', 100, 599);
    if (status !== undefined && !(FAULT_STATUSES as readonly number[]).includes(status)) f.add('status', `must be one of ${FAULT_STATUSES.join(', ')}`);
    const delayMs = numberField(f, o, 'delay_ms', 0, 120_000);
    if (mode === 'delay' && delayMs === undefined) f.add('delay_ms', 'is required with mode "delay"');
    const hangMs = numberField(f, o, 'hang_ms', 1, 600_000);
    const times = numberField(f, o, 'times', 1, 1_000_000);
    const probability = numberField(f, o, 'probability', 0, 1, true);
    const code = optionalString(f, o, 'code', 64);
    f.throwIfAny();
    const rule = this.control.faults.add({
      endpoint: endpoint as CsEndpoint | '*',
      mode: mode as FaultMode,
      status: status ?? 500,
      code: code ?? null,
      delay_ms: delayMs ?? 0,
      hang_ms: hangMs ?? 120_000,
      times: times ?? null,
      probability: probability ?? 1,
    });
    return { data: rule };
  }

  @Delete('faults')
  clearFaults() {
    return { data: { cleared: this.control.faults.clear() } };
  }

  // ------------------------------------------------------------------ webhooks

  @Get('webhooks')
  webhooks() {
    return { data: this.control.webhooks };
  }

  /** `{ enabled?, delay_ms?, duplicate? }`; unnamed switches keep their value. */
  @Put('webhooks')
  setWebhooks(@Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const enabled = boolField(f, o, 'enabled');
    const duplicate = boolField(f, o, 'duplicate');
    const delayMs = numberField(f, o, 'delay_ms', 0, 120_000);
    f.throwIfAny();
    const w = this.control.webhooks;
    this.control.webhooks = { enabled: enabled ?? w.enabled, duplicate: duplicate ?? w.duplicate, delay_ms: delayMs ?? w.delay_ms };
    if (this.control.webhooks.enabled) this.dispatcher.kick();
    return { data: this.control.webhooks };
  }

  @Delete('webhooks')
  resetWebhooks() {
    this.control.resetWebhooks();
    this.dispatcher.kick();
    return { data: this.control.webhooks };
  }

  // ------------------------------------------------------------------ settings

  @Get('settings')
  settings() {
    return { data: knobsJson(this.control.knobs) };
  }

  /** `{ invoice_timeout_s?, max_unpaid_new?, fee_percent?, webhook_max_attempts?, webhook_retry_scale?, timestamp_format? }` */
  @Put('settings')
  setSettings(@Body() body: unknown) {
    const o = bodyObject(body);
    const given: Partial<Record<keyof CsSandboxKnobs, unknown>> = {};
    for (const [camel, snake] of Object.entries(KNOB_NAMES)) if (o[snake] !== undefined) given[camel as keyof CsSandboxKnobs] = o[snake];
    const problems = checkKnobs(given as Partial<CsSandboxConfig>);
    if (Object.keys(problems).length) {
      throw SandboxError.validation(Object.fromEntries(Object.entries(problems).map(([k, v]) => [KNOB_NAMES[k as keyof CsSandboxKnobs], [v]])));
    }
    this.control.knobs = { ...this.control.knobs, ...(given as Partial<CsSandboxKnobs>) };
    return { data: knobsJson(this.control.knobs) };
  }

  @Delete('settings')
  resetSettings() {
    this.control.resetKnobs();
    return { data: knobsJson(this.control.knobs) };
  }

  /** `{ price }`: one coin's price in a fiat currency (decimal string). */
  @Put('rates/:coin/:fiat')
  async setRate(@Param('coin') coin: string, @Param('fiat') fiat: string, @Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    if (!(CS_PAYMENT_METHODS as readonly string[]).includes(coin)) f.add('coin', `must be one of ${CS_PAYMENT_METHODS.join(', ')}`);
    if (!(CS_FIAT_CURRENCIES as readonly string[]).includes(fiat)) f.add('fiat', `must be one of ${CS_FIAT_CURRENCIES.join(', ')}`);
    if (typeof o.price !== 'string' || !/^\d{1,16}(\.\d{1,8})?$/.test(o.price) || /^0+(\.0+)?$/.test(o.price)) f.add('price', 'must be a decimal string above 0, at most 8 decimals');
    f.throwIfAny();
    await this.store.setRate(coin, fiat, o.price as string);
    return { data: { coin, fiat, price: o.price } };
  }

  // ------------------------------------------------------------------ request record

  /** Newest first; filters `endpoint`, `externalId`, `invoiceId`; `limit` 1–1000 (100). */
  @Get('requests')
  async requests(@Query() q: Obj) {
    const f = new Fields();
    const endpoint = enumField(f, q, 'endpoint', CS_ENDPOINTS, false);
    const invoiceId = queryString(q, 'invoiceId');
    if (invoiceId !== undefined && !isUuid(invoiceId)) f.add('invoiceId', 'must be a UUID');
    const limitText = queryString(q, 'limit') ?? '100';
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > 1000) f.add('limit', 'must be a whole number from 1 to 1000');
    f.throwIfAny();
    const rows = await this.store.requests({ endpoint, externalId: queryString(q, 'externalId'), invoiceId, limit });
    return { data: rows.map(requestJson) };
  }

  @Delete('requests')
  async clearRequests() {
    return { data: { cleared: await this.store.clearRequests() } };
  }

  // ------------------------------------------------------------------ invoices

  /** `externalId` (every invoice carrying it), else the newest `limit` (20). */
  @Get('invoices')
  async invoices(@Query() q: Obj) {
    const externalId = queryString(q, 'externalId');
    const rows = externalId !== undefined ? await this.store.invoicesByExternalId(this.config.merchantId, externalId) : await this.store.recentInvoices(this.config.merchantId, 20);
    return { data: rows.map(this.json) };
  }

  @Get('invoices/:id')
  async invoice(@Param('id') id: string) {
    const row = await this.store.invoice(this.config.merchantId, id);
    if (!row) throw notFound(id);
    return { data: this.json(row) };
  }

  /**
   * `{ outcome: paid | underpaid | paid_short | paid_late | overpaid | expire | cancel, amount?, method? }`:
   * `amount` is the coin amount of this payment (underpaid, paid_short: below what is due, default
   * half; overpaid: above it, default due + 10 %); paid_short marks the invoice PAID anyway;
   * paid_late pays an EXPIRED or CANCELLED one in full; `method` picks or changes the coin first
   * (default USDT_TRC20 if none).
   */
  @Post('invoices/:id/simulate')
  @HttpCode(200)
  async simulate(@Param('id') id: string, @Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const outcome = enumField(f, o, 'outcome', SIMULATE_OUTCOMES, true);
    const method = enumField(f, o, 'method', CS_PAYMENT_METHODS, false);
    const amount = optionalString(f, o, 'amount', 40);
    if (o.amount !== undefined && (outcome === 'paid' || outcome === 'paid_late' || outcome === 'expire' || outcome === 'cancel')) f.add('amount', `is not taken with outcome "${outcome}"`);
    f.throwIfAny();
    return { data: this.json(await this.lifecycle.simulate(id, outcome as SimulateOutcome, amount, method)) };
  }

  /**
   * The invoice's `secret` as the PAID webhook's Token would carry it (null without one), so a
   * test can send that webhook by hand. Sandbox tooling: the emulator's invoices can be paid from
   * here anyway, and the service still reads every callback back.
   */
  @Get('invoices/:id/token')
  async token(@Param('id') id: string) {
    const row = await this.store.invoice(this.config.merchantId, id);
    if (!row) throw notFound(id);
    return { data: { token: row.secret } };
  }

  @Get('invoices/:id/webhook')
  async webhook(@Param('id') id: string) {
    const row = await this.store.invoice(this.config.merchantId, id);
    if (!row) throw notFound(id);
    const w = await this.store.webhookOf(row.id);
    return { data: w ? webhookJson(w, await this.store.attemptsOf(w.id)) : null };
  }

  /** `{ times? }` (1–20, default 1): the PAID webhook again, now, recorded as manual attempts. */
  @Post('invoices/:id/webhook/deliver')
  @HttpCode(200)
  async deliver(@Param('id') id: string, @Body() body: unknown) {
    const f = new Fields();
    const times = body && typeof body === 'object' ? numberField(f, body as Obj, 'times', 1, 20) : undefined;
    f.throwIfAny();
    const row = await this.store.invoice(this.config.merchantId, id);
    if (!row) throw notFound(id);
    return { data: await this.dispatcher.deliverNow(row.id, times ?? 1) };
  }
}
