import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { from, lastValueFrom, Observable } from 'rxjs';
import { singleHeader } from '../../gateways/cryptosteroid/cryptosteroid.callbacks';
import { CS_API_KEY_HEADER } from '../../gateways/cryptosteroid/cryptosteroid.types';
import { sleep } from '../../common/sleep';
import { dropConnection } from '../common/held-requests';
import { ConnectionDropped, genericError, isUuid, SandboxError } from '../common/toolkit';
import { CsEndpoint, CsSandboxControl, FaultRule } from './control-state';
import { statusOf } from './errors';
import { CS_SANDBOX_CONFIG, CsSandboxConfig } from './sandbox-config';
import { CsSandboxStore } from './store';

const ENDPOINT_KEY = 'sandbox:cryptosteroid:endpoint';
/** Names the merchant-API endpoint a handler answers (faults, the request record). */
export const Endpoint = (name: CsEndpoint) => SetMetadata(ENDPOINT_KEY, name);

interface RequestNote {
  invoiceId: string | null;
  externalId: string | null;
}
const NOTES = new WeakMap<FastifyRequest, RequestNote>();

/** A handler names the invoice and externalId it dealt with, for the request record. */
export function noteRequest(req: FastifyRequest, note: Partial<RequestNote>): void {
  const prev = NOTES.get(req) ?? { invoiceId: null, externalId: null };
  NOTES.set(req, { invoiceId: note.invoiceId ?? prev.invoiceId, externalId: note.externalId ?? prev.externalId });
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

function faultError(f: FaultRule): SandboxError {
  const [code, message] = genericError(f.status);
  const headers: Record<string, string> = f.status === 429 ? { 'retry-after': '1' } : {};
  return new SandboxError(f.status, f.code ?? code, `${message} (sandbox fault)`, { sandbox_fault_id: f.id }, headers);
}

/**
 * Every merchant-API request, in this order: the X-Api-Key and merchant checks, a fault rule if
 * one fires, the handler; and, before the client sees anything, one row in the request record
 * (endpoint, invoice, externalId, the status answered or none), refusals included.
 */
@Injectable()
export class MerchantApiInterceptor implements NestInterceptor {
  private readonly log = new Logger('CryptosteroidSandboxApi');
  private readonly key: Buffer;

  constructor(
    private readonly reflector: Reflector,
    private readonly control: CsSandboxControl,
    private readonly store: CsSandboxStore,
    @Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig,
  ) {
    this.key = digest(config.apiKey);
  }

  /**
   * Missing key → 401 API_KEY_MISSING; another key → 403 API_KEY_INVALID; the docs say the PATCH
   * "currently" needs no key, so there a key is checked only when one is sent. A merchant UUID
   * that is not the sandbox's → 404 MERCHANT_NOT_FOUND.
   */
  private authenticate(req: FastifyRequest, endpoint: CsEndpoint): void {
    const given = singleHeader(req.headers, CS_API_KEY_HEADER)?.trim();
    if (!given && endpoint !== 'update-invoice') throw new SandboxError(401, 'API_KEY_MISSING', 'Missing X-Api-Key header');
    if (given && !timingSafeEqual(digest(given), this.key)) throw new SandboxError(403, 'API_KEY_INVALID', 'Invalid API key');
    const merchant = (req.params as Record<string, string>).merchant ?? '';
    if (merchant.toLowerCase() !== this.config.merchantId.toLowerCase()) {
      throw new SandboxError(404, 'MERCHANT_NOT_FOUND', 'No such merchant for this API key', { merchant });
    }
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const endpoint = this.reflector.get<CsEndpoint | undefined>(ENDPOINT_KEY, ctx.getHandler());
    if (!endpoint) return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const id = (req.params as Record<string, string>).id;
    const body = req.body as Record<string, unknown> | null | undefined;
    const externalId = endpoint === 'create-invoice' && typeof body?.externalId === 'string' ? body.externalId.slice(0, 256) : null;
    noteRequest(req, { invoiceId: id !== undefined && isUuid(id) ? id : null, externalId });

    const record = async (httpStatus: number | null, outcome: string) => {
      const note = NOTES.get(req);
      await this.store
        .recordRequest({ endpoint, method: req.method, invoice_id: note?.invoiceId ?? null, external_id: note?.externalId ?? null, http_status: httpStatus, outcome })
        .catch((err: unknown) => this.log.warn(`request record failed: ${(err as Error).message}`));
    };
    const hangUp = async (outcome: string): Promise<never> => {
      await record(null, outcome);
      if (outcome !== 'dropped') await this.control.held.hold(reply, fault?.hang_ms ?? 0);
      dropConnection(reply);
      throw new ConnectionDropped();
    };

    let fault: FaultRule | null = null;
    const run = async (): Promise<unknown> => {
      try {
        this.authenticate(req, endpoint);
      } catch (err) {
        await record(statusOf(err), 'refused');
        throw err;
      }
      fault = this.control.faults.take(endpoint);
      if (fault?.mode === 'error') {
        await record(fault.status, 'fault');
        throw faultError(fault);
      }
      if (fault?.mode === 'delay') await sleep(fault.delay_ms);
      if (fault?.mode === 'drop') return hangUp('dropped');
      if (fault?.mode === 'timeout') return hangUp('timeout');
      let result: unknown;
      try {
        result = await lastValueFrom(next.handle());
      } catch (err) {
        if (fault?.mode === 'timeout_after_work') return hangUp('timeout_after_work');
        await record(statusOf(err), 'answered');
        throw err;
      }
      if (fault?.mode === 'timeout_after_work') return hangUp('timeout_after_work');
      await record(req.method === 'POST' ? 201 : 200, 'answered');
      return result;
    };
    return from(run());
  }
}
