import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CS_SANDBOX_CONFIG, CsSandboxConfig, CsSandboxKnobs } from './sandbox-config';

/**
 * Test tooling held in this process's memory (not provider behaviour; each replica has its
 * own): fault rules on the merchant API, webhook delivery switches, and the knobs tests change
 * while it runs.
 */

export const CS_ENDPOINTS = ['create-invoice', 'get-invoice', 'update-invoice', 'cancel-invoice'] as const;
export type CsEndpoint = (typeof CS_ENDPOINTS)[number];

export const FAULT_MODES = ['error', 'delay', 'drop', 'timeout', 'timeout_after_work'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
/** 400 / 403 / 409 / 422 are refusals (nothing done); 429 and 5xx are trouble. */
export const FAULT_STATUSES = [400, 403, 409, 422, 429, 500, 502, 503, 504] as const;

export interface FaultRule {
  id: number;
  endpoint: CsEndpoint | '*';
  mode: FaultMode;
  status: number;
  code: string | null;
  delay_ms: number;
  /** timeout modes: the longest a request is held if the client never gives up. */
  hang_ms: number;
  /** Matching requests it still applies to; null = unlimited. */
  times: number | null;
  probability: number;
  applied: number;
}

export interface WebhookControls {
  /** false: PAID webhooks are recorded but nothing is delivered (manual deliveries still go out). */
  enabled: boolean;
  /** Wait before each automatic delivery. */
  delay_ms: number;
  /** Each automatic delivery is sent twice (the copy is not an attempt). */
  duplicate: boolean;
}

const DEFAULT_WEBHOOKS: WebhookControls = { enabled: true, delay_ms: 0, duplicate: false };

@Injectable()
export class CsSandboxControl implements OnModuleDestroy {
  private rules: FaultRule[] = [];
  private nextId = 1;
  webhooks: WebhookControls = { ...DEFAULT_WEBHOOKS };
  knobs: CsSandboxKnobs;
  private readonly held = new Set<() => void>();
  random: () => number = Math.random;

  constructor(@Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig) {
    this.knobs = CsSandboxControl.knobsOf(config);
  }

  private static knobsOf(c: CsSandboxConfig): CsSandboxKnobs {
    const { invoiceTimeoutS, maxUnpaidNew, feePercent, webhookMaxAttempts, webhookRetryScale, timestampFormat } = c;
    return { invoiceTimeoutS, maxUnpaidNew, feePercent, webhookMaxAttempts, webhookRetryScale, timestampFormat };
  }

  resetKnobs(): void {
    this.knobs = CsSandboxControl.knobsOf(this.config);
  }

  resetWebhooks(): void {
    this.webhooks = { ...DEFAULT_WEBHOOKS };
  }

  addFault(rule: Omit<FaultRule, 'id' | 'applied'>): FaultRule {
    const r: FaultRule = { ...rule, id: this.nextId++, applied: 0 };
    this.rules.push(r);
    return { ...r };
  }

  faults(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clearFaults(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  /** The first rule for this endpoint that fires, its `times` used up by one. */
  take(endpoint: CsEndpoint): FaultRule | null {
    const rule = this.rules.find((r) => (r.endpoint === endpoint || r.endpoint === '*') && (r.times === null || r.times > 0) && (r.probability >= 1 || this.random() < r.probability));
    if (!rule) return null;
    if (rule.times !== null) rule.times -= 1;
    rule.applied += 1;
    this.rules = this.rules.filter((r) => r.times === null || r.times > 0);
    return { ...rule };
  }

  /** Resolves when the client closes the connection, after `maxMs`, or on shutdown. */
  hold(reply: FastifyReply, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const socket = reply.raw.socket;
      const release = () => {
        clearTimeout(timer);
        socket?.off('close', release);
        this.held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, maxMs);
      timer.unref();
      this.held.add(release);
      if (!socket || socket.destroyed) release();
      else socket.once('close', release);
    });
  }

  onModuleDestroy(): void {
    for (const release of [...this.held]) release();
  }
}
