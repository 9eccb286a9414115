import { Controller, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExactJson, isJsonObject, JsonNumber, parseExactJson, stringifyExactJson } from '../../common/json-exact';
import { signDpay, verifyDpay } from '../../gateways/smartwm/smartwm-signature';
import { sleep } from '../../common/sleep';
import { dropConnection } from '../common/held-requests';
import { Body, readCreate, readLookup, readStatement } from './api-input';
import { SwmControl, SwmEndpoint, SwmFault } from './control';
import { errorBody, SwmError } from './errors';
import { SwmInvoices } from './invoices';
import { SMARTWM_SANDBOX_CONFIG, SmartwmSandboxConfig } from './sandbox-config';
import { SwmStore } from './store';
import { processJson, stateJson } from './views';

type RawRequest = FastifyRequest & { rawBody?: Buffer };

interface Answer {
  httpStatus: number;
  body: unknown;
  /** False when the caller's DPAY_CLIENT is not the cash register: there is no secret to sign with. */
  signed: boolean;
  errorCode: string | null;
  tracking: string | null;
  headers?: Record<string, string>;
}

/** Requests this controller answered (the envelope hook leaves them alone). */
export const ANSWERED = new WeakSet<object>();

const header = (req: FastifyRequest, name: string): string | string[] | undefined => req.headers[name.toLowerCase()];

function ok(body: Record<string, unknown>, tracking: string | null): Answer {
  return { httpStatus: 200, body, signed: true, errorCode: null, tracking };
}

function failure(err: SwmError, signed = true): Answer {
  return { httpStatus: err.httpStatus, body: errorBody(err.code, err.message), signed, errorCode: String(err.code), tracking: null };
}

/** A status's PAYED with every amount doubled: what a forger in the middle would send. */
function forged(text: string): string {
  if (!text.includes('"status":')) return `${text}\n`;
  return text.replace(/"status":"[A-Z_]+"/, '"status":"PAYED"').replace(/"(amount|accrual_amount)":(\d+)(\.\d+)?/g, (_m, key: string, int: string, frac = '') => `"${key}":${BigInt(int) * 2n}${frac}`);
}

/**
 * The DPAY merchant API for invoices: every request a JSON POST with DPAY_CLIENT and DPAY_SECURE
 * over its exact bytes; every answer signed over its exact bytes; money written as JSON numbers
 * with their decimals (`5000.00`). Each request, its answer and any fault applied are recorded.
 */
@ApiExcludeController()
@Controller('sandbox/smartwm/api/einvoice')
export class SwmApiController {
  private readonly log = new Logger('SmartwmSandboxApi');

  constructor(
    private readonly invoices: SwmInvoices,
    private readonly store: SwmStore,
    private readonly control: SwmControl,
    @Inject(SMARTWM_SANDBOX_CONFIG) private readonly config: SmartwmSandboxConfig,
  ) {}

  @Post('create')
  @HttpCode(200)
  async create(@Req() req: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.serve('create', req, reply, async (body) => {
      const row = await this.invoices.create(readCreate(body, this.config.methods));
      return ok({ tracking: row.tracking, payment_id: row.payment_id }, row.tracking);
    });
  }

  @Post('process')
  @HttpCode(200)
  async process(@Req() req: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.serve('process', req, reply, async (body) => {
      const row = await this.invoices.process(readLookup(body));
      return ok(processJson(this.config, row), row.tracking);
    });
  }

  @Post('status')
  @HttpCode(200)
  async status(@Req() req: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.serve('status', req, reply, async (body) => {
      const row = await this.invoices.find(readLookup(body));
      return ok(stateJson(row), row.tracking);
    });
  }

  @Post('statement')
  @HttpCode(200)
  async statement(@Req() req: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.serve('statement', req, reply, async (body) => {
      const { start, end, status } = readStatement(body);
      const rows = await this.store.statement(this.config.clientId, start, end, status, this.config.statementLimit);
      return ok({ list: rows.map(stateJson) }, null);
    });
  }

  /** Fault, then access check, then the work, then the signed answer; every step recorded. */
  private async serve(endpoint: SwmEndpoint, req: RawRequest, reply: FastifyReply, work: (body: Body) => Promise<Answer>): Promise<void> {
    ANSWERED.add(req.raw);
    const raw = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
    const clientHeader = header(req, 'DPAY_CLIENT');
    const client = typeof clientHeader === 'string' ? clientHeader.trim() : null;
    const known = client === this.config.clientId;
    const signatureOk = known && verifyDpay(this.config.secret, raw, header(req, 'DPAY_SECURE'));
    let body: ExactJson | undefined;
    try {
      body = parseExactJson(raw);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      body = undefined;
    }
    const ids = isJsonObject(body) ? body : {};
    const idText = (v: ExactJson | undefined) => (typeof v === 'string' ? v : v instanceof JsonNumber ? v.source : null);
    const record = (answer: Answer | null, text: string | null, fault: string | null) =>
      this.store
        .recordRequest(
          {
            endpoint,
            client_id: client,
            payment_id: idText(ids.payment_id),
            tracking: answer?.tracking ?? idText(ids.tracking),
            signature_ok: signatureOk,
            http_status: answer?.httpStatus ?? null,
            error_code: answer?.errorCode ?? null,
            fault,
            request: raw.toString('utf8'),
            answer: text,
          },
          this.config.requestLogLimit,
        )
        .catch((err: unknown) => this.log.warn(`request record failed: ${(err as Error).message}`));

    const fault = this.control.faults.take(endpoint);
    const faultName = fault ? `${fault.mode}#${fault.id}` : null;
    if (fault?.mode === 'drop' || fault?.mode === 'timeout') {
      await record(null, null, faultName);
      if (fault.mode === 'timeout') await this.control.held.hold(reply, fault.hang_ms);
      dropConnection(reply);
      return;
    }
    if (fault?.mode === 'delay') await sleep(fault.delay_ms);

    let answer: Answer;
    if (fault?.mode === 'error' || fault?.mode === 'refuse') answer = this.faultAnswer(fault);
    else if (!known) answer = failure(SwmError.accessDenied('Access denied: unknown DPAY_CLIENT'), false);
    else if (!signatureOk) answer = failure(SwmError.accessDenied('Access denied: invalid DPAY_SECURE'));
    else if (!isJsonObject(body)) answer = failure(SwmError.unreadable());
    else {
      try {
        answer = await work(body);
      } catch (err) {
        if (!(err instanceof SwmError)) this.log.error(`sandbox ${endpoint} failed: ${(err as Error).message}`);
        answer = failure(err instanceof SwmError ? err : new SwmError(500, 500, 'Internal error'));
      }
    }

    const text = stringifyExactJson(answer.body);
    if (fault?.mode === 'timeout_after_work') {
      await record(answer, text, faultName);
      await this.control.held.hold(reply, fault.hang_ms);
      dropConnection(reply);
      return;
    }
    let sent = text;
    let signature: string | null = answer.signed ? signDpay(this.config.secret, Buffer.from(text, 'utf8')) : null;
    if (fault?.mode === 'bad_signature') {
      if (fault.tamper === 'missing') signature = null;
      else if (fault.tamper === 'body') sent = forged(text);
      else signature = signDpay(this.config.secret, Buffer.from(`${text} `, 'utf8'));
    }
    await record(answer, sent, faultName);
    if (signature !== null) void reply.header('DPAY_SECURE', signature);
    void reply
      .status(answer.httpStatus)
      .headers(answer.headers ?? {})
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(Buffer.from(sent, 'utf8'));
  }

  private faultAnswer(fault: SwmFault): Answer {
    const message = fault.message ?? (fault.mode === 'refuse' ? 'Request refused (sandbox fault)' : 'Service temporarily unavailable (sandbox fault)');
    const answer = failure(new SwmError(fault.status, fault.code ?? fault.status, message));
    if (fault.status === 429) answer.headers = { 'retry-after': String(fault.retry_after_sec) };
    return answer;
  }
}
