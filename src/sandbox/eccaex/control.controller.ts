import Decimal from 'decimal.js';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { EccaexErrorFilter, SandboxError } from './errors';
import { FAULT_ENDPOINTS, FAULT_ERROR_STATUSES, FAULT_MODES, FaultEndpoint, FaultMode, SandboxControl } from './faults';
import { AMOUNT_RE, iso } from './format';
import { RequestLog } from './request-log';
import { SandboxStore } from './store';
import { amountString, bodyObject, Fields, Obj, optionalString } from './validation';
import { withdrawalJson } from './views';
import { SandboxWithdrawals, WITHDRAWAL_STATUSES, WithdrawalStatus } from './withdrawals';

function intField(f: Fields, o: Obj, name: string, min: number, max: number): number | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    f.add(name, `must be a whole number between ${min} and ${max}`);
    return undefined;
  }
  return v;
}

function boolField(f: Fields, o: Obj, name: string): boolean | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') {
    f.add(name, 'must be true or false');
    return undefined;
  }
  return v;
}

/**
 * Test tooling, sandbox only, no key: faults on the emulated API, webhook delivery switches, a
 * forced worker lock, and withdrawal data. Not part of EccaEx.
 */
@ApiExcludeController()
@Controller('sandbox/eccaex/_control')
@UseFilters(EccaexErrorFilter)
export class ControlController {
  constructor(
    private readonly control: SandboxControl,
    private readonly store: SandboxStore,
    private readonly withdrawals: SandboxWithdrawals,
    private readonly requests: RequestLog,
  ) {}

  /**
   * The merchant-API requests received (past the API key), oldest first, with what became of each:
   * `?endpoint=create-invoice&ref=<external_id>` lists the invoice creates sent for one order.
   */
  @Get('requests')
  listRequests(@Query() query: Obj) {
    const f = new Fields();
    const endpoint = optionalString(f, query, 'endpoint', 64);
    const ref = optionalString(f, query, 'ref', 256);
    f.throwIfAny();
    return { successful: true, data: this.requests.list({ endpoint, ref }) };
  }

  @Delete('requests')
  clearRequests() {
    return { successful: true, data: { cleared: this.requests.clear() } };
  }

  @Get('faults')
  faults() {
    return { successful: true, data: this.control.faults.list() };
  }

  /**
   * `{endpoint, mode, status?, delay_ms?, times?, probability?, retry_after_sec?, code?, hang_ms?}`.
   * endpoint: create-invoice | list-invoices | get-invoice | invoice-webhooks | resend |
   * payment-methods | currencies | withdrawals | withdrawal | public | *;
   * mode: error | delay | drop | timeout | timeout_after_work.
   */
  @Post('faults')
  addFault(@Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const endpoint = o.endpoint;
    if (typeof endpoint !== 'string' || !(FAULT_ENDPOINTS as readonly string[]).includes(endpoint)) {
      f.add('endpoint', `must be one of ${FAULT_ENDPOINTS.join(', ')}`);
    }
    const mode = o.mode;
    if (typeof mode !== 'string' || !(FAULT_MODES as readonly string[]).includes(mode)) f.add('mode', `must be one of ${FAULT_MODES.join(', ')}`);
    const status = intField(f, o, 'status', 100, 599);
    if (mode === 'error' && status !== undefined && !(FAULT_ERROR_STATUSES as readonly number[]).includes(status)) {
      f.add('status', `must be one of ${FAULT_ERROR_STATUSES.join(', ')}`);
    }
    const delayMs = intField(f, o, 'delay_ms', 0, 120_000);
    if (mode === 'delay' && delayMs === undefined) f.add('delay_ms', 'is required with mode "delay"');
    const times = intField(f, o, 'times', 1, 1_000_000);
    const retryAfter = intField(f, o, 'retry_after_sec', 0, 86_400);
    const hangMs = intField(f, o, 'hang_ms', 1, 600_000);
    const p = o.probability;
    if (p !== undefined && p !== null && (typeof p !== 'number' || !(p >= 0 && p <= 1))) f.add('probability', 'must be a number from 0 to 1');
    const code = optionalString(f, o, 'code', 64);
    f.throwIfAny();
    const fault = this.control.faults.add({
      endpoint: endpoint as FaultEndpoint,
      mode: mode as FaultMode,
      status: status ?? 500,
      code: code ?? null,
      retry_after_sec: retryAfter ?? 1,
      delay_ms: delayMs ?? 0,
      hang_ms: hangMs ?? 120_000,
      times: times ?? null,
      probability: typeof p === 'number' ? p : 1,
    });
    return { successful: true, data: fault };
  }

  @Delete('faults')
  clearFaults() {
    return { successful: true, data: { cleared: this.control.faults.clear() } };
  }

  @Get('webhooks')
  webhookControls() {
    return { successful: true, data: this.control.webhooks };
  }

  /** `{enabled?, delay_ms?, duplicate?, reorder?, retry_scale?}`; unnamed switches keep their value. */
  @Put('webhooks')
  setWebhookControls(@Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const enabled = boolField(f, o, 'enabled');
    const duplicate = boolField(f, o, 'duplicate');
    const reorder = boolField(f, o, 'reorder');
    const delayMs = intField(f, o, 'delay_ms', 0, 120_000);
    const scale = o.retry_scale;
    if (scale !== undefined && scale !== null && (typeof scale !== 'number' || !(scale >= 0 && scale <= 1000))) {
      f.add('retry_scale', 'must be a number from 0 to 1000, or null');
    }
    f.throwIfAny();
    const w = this.control.webhooks;
    this.control.webhooks = {
      enabled: enabled ?? w.enabled,
      duplicate: duplicate ?? w.duplicate,
      reorder: reorder ?? w.reorder,
      delay_ms: delayMs ?? w.delay_ms,
      retry_scale: scale === undefined ? w.retry_scale : (scale as number | null),
    };
    return { successful: true, data: this.control.webhooks };
  }

  @Delete('webhooks')
  resetWebhookControls() {
    this.control.resetWebhooks();
    return { successful: true, data: this.control.webhooks };
  }

  /** Marks the invoice's latest webhook event as locked by the worker (default 30 s): provokes the resend 409. */
  @Post('invoices/:ref/lock-webhook')
  @HttpCode(200)
  async lockWebhook(@Param('ref') ref: string, @Body() body: unknown) {
    const f = new Fields();
    const seconds = body && typeof body === 'object' ? intField(f, body as Obj, 'seconds', 1, 3600) : undefined;
    f.throwIfAny();
    const inv = await this.store.invoiceByRef(ref);
    if (!inv) throw SandboxError.invoiceNotFound(ref);
    const e = await this.store.lockLatestEvent(inv.id, 'sandbox-control', seconds ?? 30);
    if (!e) throw new SandboxError(404, 'WEBHOOK_EVENT_NOT_FOUND', 'The invoice has no webhook event', { invoice_id: inv.id });
    return { successful: true, data: { invoice_id: inv.id, event_id: Number(e.id), locked_by: e.locked_by, locked_until: iso(e.locked_until) } };
  }

  /** Adds a withdrawal: `{amount, network_fee?, status?, address?, address_memo?, substatus?, external_tx_id?, withdrawal_method_id?}`. */
  @Post('withdrawals')
  async addWithdrawal(@Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const amount = amountString(f, o, 'amount', true);
    let fee: string | undefined;
    if (o.network_fee !== undefined && o.network_fee !== null) {
      if (typeof o.network_fee === 'string' && AMOUNT_RE.test(o.network_fee)) fee = o.network_fee;
      else f.add('network_fee', 'must be a decimal string with at most 2 decimal places, e.g. "1.00"');
    }
    const status = o.status ?? 'pending';
    if (typeof status !== 'string' || !(WITHDRAWAL_STATUSES as readonly string[]).includes(status)) {
      f.add('status', `must be one of ${WITHDRAWAL_STATUSES.join(', ')}`);
    }
    const address = optionalString(f, o, 'address', 128);
    const memo = optionalString(f, o, 'address_memo', 128);
    const substatus = optionalString(f, o, 'substatus', 64);
    const tx = optionalString(f, o, 'external_tx_id', 128);
    const methodId = intField(f, o, 'withdrawal_method_id', 1, 1_000_000);
    if (amount && fee && new Decimal(fee).gt(amount)) f.add('network_fee', 'must not exceed amount');
    f.throwIfAny();
    const row = await this.withdrawals.add({
      amount: amount!,
      network_fee: fee ?? '1.00',
      status: status as WithdrawalStatus,
      address,
      address_memo: o.address_memo === null ? null : memo,
      substatus: o.substatus === null ? null : substatus,
      external_tx_id: o.external_tx_id === null ? null : tx,
      withdrawal_method_id: methodId,
    });
    return { successful: true, data: withdrawalJson(row) };
  }

  /** `{status, substatus?}` */
  @Patch('withdrawals/:uuid')
  async patchWithdrawal(@Param('uuid') uuid: string, @Body() body: unknown) {
    const o = bodyObject(body);
    const f = new Fields();
    const status = o.status;
    if (typeof status !== 'string' || !(WITHDRAWAL_STATUSES as readonly string[]).includes(status)) {
      f.add('status', `must be one of ${WITHDRAWAL_STATUSES.join(', ')}`);
    }
    const substatus = optionalString(f, o, 'substatus', 64);
    f.throwIfAny();
    const row = await this.withdrawals.setStatus(uuid, status as WithdrawalStatus, o.substatus === null ? null : substatus);
    if (!row) throw new SandboxError(404, 'WITHDRAWAL_NOT_FOUND', 'Withdrawal not found', { withdraw_uuid: uuid });
    return { successful: true, data: withdrawalJson(row) };
  }
}
