import { CallHandler, ExecutionContext, Injectable, NestInterceptor, OnModuleDestroy, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { sleep } from '../../common/sleep';
import { FaultRule, FaultRules } from '../common/fault-rules';
import { dropConnection, HeldRequests } from '../common/held-requests';
import { ConnectionDropped, genericError, SandboxError } from './errors';

/**
 * Test tooling: fault injection on the emulated API and switches for webhook delivery. The state
 * lives in this process's memory (it is not EccaEx behaviour, and each replica has its own).
 */

export const FAULT_ENDPOINTS = [
  'create-invoice',
  'list-invoices',
  'get-invoice',
  'invoice-webhooks',
  'resend',
  'payment-methods',
  'currencies',
  'withdrawals',
  'withdrawal',
  'public',
  '*',
] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

export const FAULT_MODES = ['error', 'delay', 'drop', 'timeout', 'timeout_after_work'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
// 400 and 422: the gateway refusing the request outright (EccaEx answers its envelope with them).
export const FAULT_ERROR_STATUSES = [500, 502, 503, 429, 400, 422] as const;

export interface Fault extends FaultRule<Exclude<FaultEndpoint, '*'>> {
  mode: FaultMode;
  /** error mode: 500 | 502 | 503 | 429 | 400 | 422 (default 500). */
  status: number;
  /** error mode: the envelope's error.code (default by status). */
  code: string | null;
  /** error mode with 429: details.retry_after_sec and Retry-After (default 1). */
  retry_after_sec: number;
  /** delay mode: wait this long, then answer normally. */
  delay_ms: number;
  /** timeout modes: the longest the request is held if the client never gives up. */
  hang_ms: number;
}

export interface WebhookControls {
  /** false: events are recorded but the worker delivers nothing (manual resends still go out). */
  enabled: boolean;
  /** Wait before each automatic delivery. */
  delay_ms: number;
  /** Each delivery is sent twice (same body, same X-Idempotency-Key). */
  duplicate: boolean;
  /** Deliveries are held ~1 s and the batch is sent newest first. */
  reorder: boolean;
  /** Overrides SANDBOX_WEBHOOK_RETRY_SCALE while set. */
  retry_scale: number | null;
}

export const DEFAULT_WEBHOOK_CONTROLS: WebhookControls = { enabled: true, delay_ms: 0, duplicate: false, reorder: false, retry_scale: null };

@Injectable()
export class SandboxControl implements OnModuleDestroy {
  readonly faults = new FaultRules<Exclude<FaultEndpoint, '*'>, Fault>();
  webhooks: WebhookControls = { ...DEFAULT_WEBHOOK_CONTROLS };
  /** Requests held by a timeout fault; released (and their sockets destroyed) on shutdown. */
  readonly held = new HeldRequests();

  resetWebhooks(): void {
    this.webhooks = { ...DEFAULT_WEBHOOK_CONTROLS };
  }

  onModuleDestroy(): void {
    this.held.releaseAll();
  }
}

export const FAULT_ENDPOINT_KEY = 'sandbox:eccaex:fault-endpoint';
/** Names the endpoint a handler answers, for fault matching. */
export const FaultPoint = (name: Exclude<FaultEndpoint, '*'>) => SetMetadata(FAULT_ENDPOINT_KEY, name);



@Injectable()
export class FaultInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly control: SandboxControl,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const name = this.reflector.get<Exclude<FaultEndpoint, '*'> | undefined>(FAULT_ENDPOINT_KEY, ctx.getHandler());
    if (!name) return next.handle();
    const fault = this.control.faults.take(name);
    if (!fault) return next.handle();
    const http = ctx.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    switch (fault.mode) {
      case 'error': {
        const [defCode, message] = genericError(fault.status);
        const code = fault.code ?? (fault.status === 503 && name === 'currencies' ? 'RATES_UNAVAILABLE' : defCode);
        const details: Record<string, unknown> = { sandbox_fault_id: fault.id };
        const headers: Record<string, string> = {};
        if (fault.status === 429) {
          details.retry_after_sec = fault.retry_after_sec;
          headers['retry-after'] = String(fault.retry_after_sec);
        }
        throw new SandboxError(fault.status, code, `${message} (sandbox fault)`, details, headers);
      }
      case 'delay':
        return from(sleep(fault.delay_ms)).pipe(mergeMap(() => next.handle()));
      case 'drop':
        dropConnection(reply);
        throw new ConnectionDropped();
      case 'timeout':
        return from(this.control.held.hold(reply, fault.hang_ms)).pipe(
          mergeMap(() => {
            dropConnection(reply);
            throw new ConnectionDropped();
          }),
        );
      case 'timeout_after_work': {
        // The work is done (committed, or refused with an error), then no answer ever comes.
        const hangThenDrop = async (answer?: unknown): Promise<never> => {
          await this.control.held.hold(reply, fault.hang_ms);
          dropConnection(reply);
          throw new ConnectionDropped(answer);
        };
        return next.handle().pipe(
          mergeMap((answer) => hangThenDrop(answer)),
          catchError((err: unknown) => (err instanceof ConnectionDropped ? throwError(() => err) : from(hangThenDrop(err)))),
        );
      }
    }
  }
}
