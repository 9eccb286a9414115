import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { FaultRule as Rule, FaultRules } from '../common/fault-rules';
import { HeldRequests } from '../common/held-requests';
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

export interface FaultRule extends Rule<CsEndpoint> {
  mode: FaultMode;
  status: number;
  code: string | null;
  delay_ms: number;
  /** timeout modes: the longest a request is held if the client never gives up. */
  hang_ms: number;
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
  readonly faults = new FaultRules<CsEndpoint, FaultRule>();
  webhooks: WebhookControls = { ...DEFAULT_WEBHOOKS };
  knobs: CsSandboxKnobs;
  /** Requests held by a timeout fault; released on shutdown. */
  readonly held = new HeldRequests();

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

  onModuleDestroy(): void {
    this.held.releaseAll();
  }
}
