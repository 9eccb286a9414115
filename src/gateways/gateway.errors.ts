/**
 * Typed gateway failures. `kind` tells the caller what is safe:
 * - unavailable / timeout: the outcome is unclear (the gateway may have done the work) — look up before retrying a write;
 * - rate_limited: retry after `retryAfterSec`;
 * - conflict: the gateway refused because of its own state (e.g. duplicate external id, resend locked);
 * - not_found, rejected, auth: definite answers, do not retry blindly.
 */
export type GatewayErrorKind = 'unavailable' | 'timeout' | 'rate_limited' | 'conflict' | 'not_found' | 'rejected' | 'auth';

export class GatewayError extends Error {
  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    readonly info: {
      gateway: string;
      endpoint: string;
      httpStatus?: number;
      code?: string;
      requestId?: string;
      retryAfterSec?: number;
      details?: Record<string, unknown>;
    },
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** True when the gateway may have acted although we got no clear answer. */
  get unclear(): boolean {
    return this.kind === 'unavailable' || this.kind === 'timeout';
  }
}
