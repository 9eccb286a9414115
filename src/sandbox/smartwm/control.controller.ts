import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { METHOD_CODE_RE } from '../../gateways/smartwm/smartwm.methods';
import { DPAY_FINAL_STATUSES, DpayInvoiceStatus } from '../../gateways/smartwm/smartwm.types';
import { SWM_ENDPOINTS, SWM_ERROR_STATUSES, SWM_FAULT_ENDPOINTS, SWM_FAULT_MODES, SWM_TAMPERS, SwmControl, SwmFaultEndpoint, SwmFaultMode, SwmTamper } from './control';
import { ControlErrorFilter, SwmError } from './errors';
import { dpayTime } from './format';
import { FinishOptions, SwmInvoices } from './invoices';
import { SwmInvoiceRow, SwmStore } from './store';
import { stateJson } from './views';

type Obj = Record<string, unknown>;

/** Collects the bad fields of a control body, then refuses them all at once (422). */
class Check {
  private readonly problems: string[] = [];

  constructor(readonly o: Obj) {}

  static of(body: unknown): Check {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SwmError(422, 422, 'the body must be a JSON object');
    return new Check(body as Obj);
  }

  add(field: string, why: string): void {
    this.problems.push(`${field} ${why}`);
  }

  int(field: string, min: number, max: number): number | undefined {
    const v = this.o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.add(field, `must be a whole number from ${min} to ${max}`);
    return v as number;
  }

  bool(field: string): boolean | undefined {
    const v = this.o[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.add(field, 'must be true or false');
    return v as boolean;
  }

  oneOf<T extends string>(field: string, values: readonly T[], required: boolean): T | undefined {
    const v = this.o[field];
    if (v === undefined || v === null) {
      if (required) this.add(field, `is required: one of ${values.join(', ')}`);
      return undefined;
    }
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.add(field, `must be one of ${values.join(', ')}`);
    return v as T;
  }

  /** Money in a control body is a decimal string, never a JSON number (no float on the way). */
  decimal(field: string): string | undefined {
    const v = this.o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !/^\d{1,18}(\.\d{1,8})?$/.test(v)) this.add(field, 'must be a decimal string, e.g. "3920.00"');
    return v as string;
  }

  text(field: string, max: number, pattern?: RegExp): string | undefined {
    const v = this.o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '' || v.length > max || (pattern && !pattern.test(v))) this.add(field, `must be a string of 1 to ${max} characters${pattern ? ' in the right shape' : ''}`);
    return v as string;
  }

  done(): void {
    if (this.problems.length) throw new SwmError(422, 422, this.problems.join('; '));
  }
}

function invoiceJson(row: SwmInvoiceRow) {
  return {
    ...stateJson(row),
    method: row.method,
    flow: row.flow,
    payer: row.payer,
    description: row.description,
    account: row.account,
    sender: row.sender,
    success_url: row.success_url,
    fail_url: row.fail_url,
    status_url: row.status_url,
    extra_fields: row.extra_fields,
    updated: dpayTime(row.updated_at),
  };
}

/**
 * Test tooling, sandbox only, no auth (as every emulator's): faults on the API, the status
 * ping switches and history, a final status forced on an invoice, and the record of API requests.
 * Not part of the platform.
 */
@ApiExcludeController()
@Controller('sandbox/smartwm/_control')
@UseFilters(ControlErrorFilter)
export class SwmControlController {
  constructor(
    private readonly control: SwmControl,
    private readonly invoices: SwmInvoices,
    private readonly store: SwmStore,
  ) {}

  @Get('faults')
  faults() {
    return { faults: this.control.faults.list() };
  }

  /** `{endpoint, mode, status?, code?, message?, tamper?, delay_ms?, hang_ms?, retry_after_sec?, times?, probability?}` */
  @Post('faults')
  addFault(@Body() body: unknown) {
    const c = Check.of(body);
    const endpoint = c.oneOf<SwmFaultEndpoint>('endpoint', SWM_FAULT_ENDPOINTS, true);
    const mode = c.oneOf<SwmFaultMode>('mode', SWM_FAULT_MODES, true);
    const status = c.int('status', 400, 599);
    if (status !== undefined && mode === 'error' && !(SWM_ERROR_STATUSES as readonly number[]).includes(status)) c.add('status', `must be one of ${SWM_ERROR_STATUSES.join(', ')}`);
    if (status !== undefined && mode === 'refuse' && status >= 500) c.add('status', 'must be a 4xx status');
    const code = c.int('code', -1_000_000, 1_000_000);
    const message = c.text('message', 200);
    const tamper = c.oneOf<SwmTamper>('tamper', SWM_TAMPERS, false);
    const delay = c.int('delay_ms', 0, 120_000);
    if (mode === 'delay' && delay === undefined) c.add('delay_ms', 'is required with mode "delay"');
    const hang = c.int('hang_ms', 1, 600_000);
    const retryAfter = c.int('retry_after_sec', 0, 86_400);
    const times = c.int('times', 1, 1_000_000);
    const p = c.o.probability;
    if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 1))) c.add('probability', 'must be a number from 0 to 1');
    c.done();
    const fault = this.control.faults.add({
      endpoint: endpoint!,
      mode: mode!,
      status: status ?? (mode === 'refuse' ? 403 : 500),
      code: code ?? null,
      message: message ?? null,
      tamper: tamper ?? 'signature',
      delay_ms: delay ?? 0,
      hang_ms: hang ?? 120_000,
      retry_after_sec: retryAfter ?? 1,
      times: times ?? null,
      probability: typeof p === 'number' ? p : 1,
    });
    return { fault };
  }

  @Delete('faults')
  clearFaults() {
    return { cleared: this.control.faults.clear() };
  }

  @Get('pings')
  pingControls() {
    return { pings: this.control.pings };
  }

  /** `{enabled?, delay_ms?, duplicate?, retry_scale?}`; switches not named keep their value. */
  @Put('pings')
  setPingControls(@Body() body: unknown) {
    const c = Check.of(body);
    const enabled = c.bool('enabled');
    const duplicate = c.bool('duplicate');
    const delay = c.int('delay_ms', 0, 120_000);
    const scale = c.o.retry_scale;
    if (scale !== undefined && scale !== null && (typeof scale !== 'number' || !(scale >= 0 && scale <= 1000))) c.add('retry_scale', 'must be a number from 0 to 1000, or null');
    c.done();
    const now = this.control.pings;
    this.control.pings = {
      enabled: enabled ?? now.enabled,
      duplicate: duplicate ?? now.duplicate,
      delay_ms: delay ?? now.delay_ms,
      retry_scale: scale === undefined ? now.retry_scale : (scale as number | null),
    };
    return { pings: this.control.pings };
  }

  @Delete('pings')
  resetPingControls() {
    this.control.resetPings();
    return { pings: this.control.pings };
  }

  /** The invoice by tracking or payment_id, as status answers it plus what the sandbox keeps. */
  @Get('invoices/:ref')
  async invoice(@Param('ref') ref: string) {
    return { invoice: invoiceJson(await this.invoices.findAny(ref)) };
  }

  /** The invoice's pings, each with its attempts in order. */
  @Get('invoices/:ref/pings')
  async pings(@Param('ref') ref: string) {
    const row = await this.invoices.findAny(ref);
    const pings = await this.store.pingsOf(row.tracking);
    const attempts = await this.store.pingAttemptsOf(pings.map((p) => p.id));
    return {
      tracking: row.tracking,
      pings: pings.map((p) => ({
        id: Number(p.id),
        invoice_status: p.invoice_status,
        url: p.url,
        trigger: p.trigger,
        state: p.state,
        attempts: attempts
          .filter((a) => a.ping_id === p.id)
          .map((a) => ({ try_number: a.try_number, ok: a.ok, http_status: a.http_status, error: a.error_message, duration_ms: a.duration_ms, at: a.created_at.toISOString() })),
        next_attempt_at: p.next_attempt_at?.toISOString() ?? null,
      })),
    };
  }

  /**
   * `{status, accrual_amount?, fee?, method?, error?}`: drives the invoice to a final status as
   * the platform would, ping included. PAYED_RECALC needs the recalculated accrual_amount.
   */
  @Post('invoices/:ref/simulate')
  @HttpCode(200)
  async simulate(@Param('ref') ref: string, @Body() body: unknown) {
    const c = Check.of(body);
    const status = c.oneOf<DpayInvoiceStatus>('status', DPAY_FINAL_STATUSES, true);
    const accrual = c.decimal('accrual_amount');
    const fee = c.decimal('fee');
    const method = c.text('method', 64, METHOD_CODE_RE);
    const error = c.text('error', 500);
    if (status === 'PAYED_RECALC' && accrual === undefined) c.add('accrual_amount', 'is required with PAYED_RECALC');
    c.done();
    const opts: FinishOptions = { accrualAmount: accrual, fee, methodUsed: method, error };
    const row = await this.invoices.simulate(ref, status!, opts);
    return { invoice: invoiceJson(row) };
  }

  /** One more ping now for the invoice's current status (what a platform retry would send). */
  @Post('invoices/:ref/ping')
  @HttpCode(200)
  async ping(@Param('ref') ref: string) {
    const row = await this.invoices.ping(ref);
    return { tracking: row.tracking, status: row.status };
  }

  /** What the API received: `endpoint`, `payment_id`, `tracking` filters; oldest first; `limit` (1000) latest. */
  @Get('requests')
  async requests(@Query() query: Record<string, unknown>) {
    const pick = (name: string) => (typeof query[name] === 'string' && query[name] !== '' ? (query[name] as string) : undefined);
    const endpoint = pick('endpoint');
    if (endpoint !== undefined && !(SWM_ENDPOINTS as readonly string[]).includes(endpoint)) {
      throw new SwmError(422, 422, `endpoint must be one of ${SWM_ENDPOINTS.join(', ')}`);
    }
    const limitText = pick('limit') ?? '1000';
    if (!/^\d{1,5}$/.test(limitText) || Number(limitText) < 1) throw new SwmError(422, 422, 'limit must be a whole number from 1 to 99999');
    const rows = await this.store.requests({ endpoint, payment_id: pick('payment_id'), tracking: pick('tracking'), limit: Number(limitText) });
    return {
      requests: rows.map((r) => ({
        id: Number(r.id),
        endpoint: r.endpoint,
        client_id: r.client_id,
        payment_id: r.payment_id,
        tracking: r.tracking,
        signature_ok: r.signature_ok,
        http_status: r.http_status,
        error_code: r.error_code,
        fault: r.fault,
        request: r.request,
        answer: r.answer,
        at: r.created_at.toISOString(),
      })),
    };
  }

  @Delete('requests')
  async clearRequests() {
    return { cleared: await this.store.clearRequests() };
  }
}
