import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { FaultRule, FaultRules } from '../common/fault-rules';
import { HeldRequests } from '../common/held-requests';

/**
 * Test tooling of the SmartWM emulator: faults on the four API endpoints and switches for the
 * status_url pings. In process memory (not platform behaviour; each replica has its own).
 */

export const SWM_ENDPOINTS = ['create', 'process', 'status', 'statement'] as const;
export type SwmEndpoint = (typeof SWM_ENDPOINTS)[number];
export const SWM_FAULT_ENDPOINTS = [...SWM_ENDPOINTS, '*'] as const;
export type SwmFaultEndpoint = (typeof SWM_FAULT_ENDPOINTS)[number];

/**
 * error: a 5xx or 429 answer in the error envelope, nothing done. refuse: a 4xx answer, nothing
 * done. bad_signature: the work is done and answered, but the answer does not verify (see
 * `tamper`). delay: wait, then as usual. drop: connection cut, nothing done. timeout: held
 * without an answer, nothing done. timeout_after_work: the work is done, then held the same way.
 */
export const SWM_FAULT_MODES = ['error', 'refuse', 'bad_signature', 'delay', 'drop', 'timeout', 'timeout_after_work'] as const;
export type SwmFaultMode = (typeof SWM_FAULT_MODES)[number];
export const SWM_ERROR_STATUSES = [500, 502, 503, 504, 429] as const;

/**
 * signature: DPAY_SECURE of other bytes; missing: no DPAY_SECURE; body: the answer signed, then
 * changed (a status set to PAYED and the amounts doubled where the answer has them, else a byte added).
 */
export const SWM_TAMPERS = ['signature', 'missing', 'body'] as const;
export type SwmTamper = (typeof SWM_TAMPERS)[number];

export interface SwmFault extends FaultRule<SwmEndpoint> {
  mode: SwmFaultMode;
  /** error: 500 | 502 | 503 | 504 | 429 (500); refuse: any 4xx (403). */
  status: number;
  /** The envelope's error.code (default: the HTTP status). */
  code: number | null;
  message: string | null;
  /** 429: Retry-After. */
  retry_after_sec: number;
  tamper: SwmTamper;
  delay_ms: number;
  hang_ms: number;
}

export interface PingControls {
  /** false: pings are queued but nothing is sent. */
  enabled: boolean;
  /** Wait before each automatic attempt. */
  delay_ms: number;
  /** Each attempt is sent twice (the copy is not recorded). */
  duplicate: boolean;
  /** Overrides the configured retry scale while set. */
  retry_scale: number | null;
}

export const DEFAULT_PING_CONTROLS: PingControls = { enabled: true, delay_ms: 0, duplicate: false, retry_scale: null };

@Injectable()
export class SwmControl implements OnModuleDestroy {
  readonly faults = new FaultRules<SwmEndpoint, SwmFault>();
  pings: PingControls = { ...DEFAULT_PING_CONTROLS };
  readonly held = new HeldRequests();

  resetPings(): void {
    this.pings = { ...DEFAULT_PING_CONTROLS };
  }

  onModuleDestroy(): void {
    this.held.releaseAll();
  }
}
