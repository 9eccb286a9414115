import { ApiError } from '../common/api-error';
import { GatewayError } from './gateway.errors';

/** A lookup by external_id the gateway cannot make (CryptoSteroid): whether it holds the order's invoice is unknown. */
export const invoiceMayExist = (err: unknown): boolean => err instanceof GatewayError && err.info.details?.reason === 'no_lookup_by_external_id';

/** Gateway trouble as the storefront sees it (502 GATEWAY_ERROR / 503 GATEWAY_UNAVAILABLE). */
export function gatewayApiError(err: unknown, details: Record<string, unknown> = {}): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof GatewayError) {
    const d: Record<string, unknown> = { ...details, gateway: err.info.gateway, ...(err.info.code ? { gateway_code: err.info.code } : {}), ...(err.info.requestId ? { gateway_request_id: err.info.requestId } : {}) };
    if (invoiceMayExist(err)) {
      // Never two invoices for one order: nothing is sent again; the gateway's callback for that invoice, or ops, settles the order.
      return new ApiError(
        503,
        'GATEWAY_UNAVAILABLE',
        'The gateway may have created the invoice and cannot be asked for it by external_id: the order is kept pending and no second invoice is requested. The gateway\'s callback for it, or ops, settles the order.',
        { ...d, reason: 'invoice_may_exist' },
      );
    }
    if (err.kind === 'rate_limited' && err.info.retryAfterSec !== undefined) d.retry_after_sec = err.info.retryAfterSec;
    if (err.kind === 'unavailable' || err.kind === 'timeout' || err.kind === 'rate_limited') {
      return new ApiError(503, 'GATEWAY_UNAVAILABLE', 'The payment gateway is unavailable right now; retry later.', d);
    }
    return new ApiError(502, 'GATEWAY_ERROR', `The payment gateway refused the request (${err.info.code ?? err.info.httpStatus ?? err.kind}).`, d);
  }
  return new ApiError(502, 'GATEWAY_ERROR', 'The payment gateway answered in a way we could not use.', details);
}

/**
 * For gateway tools whose refusals ops should see as they are (resend): the gateway's 404, 409
 * and 429 come back with the same status, its code, and the retry hint.
 */
export function gatewayPassthroughError(err: unknown, details: Record<string, unknown> = {}): ApiError {
  if (err instanceof GatewayError && (err.kind === 'conflict' || err.kind === 'rate_limited' || err.kind === 'not_found') && err.info.httpStatus) {
    const info = err.info.details ?? {};
    const retryAfter = err.info.retryAfterSec;
    const d: Record<string, unknown> = { ...details, gateway: err.info.gateway, ...(err.info.requestId ? { gateway_request_id: err.info.requestId } : {}) };
    if (retryAfter !== undefined) d.retry_after_sec = retryAfter;
    if (typeof info.next_allowed_at === 'string') d.next_allowed_at = info.next_allowed_at;
    const code = err.info.code ?? (err.kind === 'not_found' ? 'GATEWAY_NOT_FOUND' : err.kind === 'conflict' ? 'GATEWAY_CONFLICT' : 'GATEWAY_RATE_LIMITED');
    return new ApiError(err.info.httpStatus, code, err.message, d, retryAfter !== undefined ? { 'retry-after': String(Math.ceil(retryAfter)) } : {});
  }
  return gatewayApiError(err, details);
}
