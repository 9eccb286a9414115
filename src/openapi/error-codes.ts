/**
 * Every error code the API answers with, for the OpenAPI document: the status it comes with and
 * an example message. Codes named in an error response's description are picked out of it by
 * name, so a route documents its codes with `@ApiResponse({ status, description: 'CODE ...' })`.
 */
export interface ErrorCodeDoc {
  status: number;
  message: string;
  details?: Record<string, unknown>;
}

/** The example's gateway for the webhook-history tools (a gateway with capabilities.webhookHistory). */
const GATEWAY_WITH_TOOLS = 'the-order-gateway';

export const ERROR_CODES: Record<string, ErrorCodeDoc> = {
  // generic (framework, auth, limits)
  BAD_REQUEST: { status: 400, message: 'The request could not be read.' },
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.', details: { fields: { amount: ['amount must have exactly two decimals, e.g. "1500.00"'] } } },
  UNAUTHENTICATED: { status: 401, message: 'A valid API key is required (Authorization: Bearer <key>).' },
  FORBIDDEN: { status: 403, message: 'This route needs an ops key.' },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is larger than 1 MiB.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send Content-Type: application/json.', details: { content_type: 'text/plain' } },
  RATE_LIMITED: { status: 429, message: 'Too many requests for this API key; retry in 12 s.', details: { limit_per_min: 6000, retry_after_s: 12 } },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable.' },
  REQUEST_TIMEOUT: { status: 503, message: 'The request did not finish within 30000 ms; it may still complete. Retry with the same Idempotency-Key, or read the resource.' },
  // orders
  DUPLICATE_EXTERNAL_ID: { status: 409, message: 'An order with this external_id already exists.', details: { order_id: '3bb8721d-7f99-4a43-a809-e7b196526345' } },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still running.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used with another body.' },
  ORDER_NOT_FOUND: { status: 404, message: 'Order not found.' },
  ORDER_NOT_CANCELABLE: { status: 409, message: 'The order is paid and can no longer be canceled.', details: { status: 'paid' } },
  NO_OPEN_EXCEPTION: { status: 409, message: 'The order has no open exception to resolve.', details: { order_id: '3bb8721d-7f99-4a43-a809-e7b196526345', exception: null } },
  NOT_SUPPORTED: { status: 400, message: 'The cryptosteroid gateway has no webhook history.' },
  GATEWAY_ERROR: {
    status: 502,
    message: 'The payment gateway refused the request (CURRENCY_DISABLED).',
    details: { order_id: '3bb8721d-7f99-4a43-a809-e7b196526345', gateway: 'cryptosteroid', gateway_code: 'CURRENCY_DISABLED', gateway_request_id: 'req_8f2c' },
  },
  GATEWAY_UNAVAILABLE: {
    status: 503,
    message: 'The payment gateway is unavailable right now; retry later.',
    details: { order_id: '3bb8721d-7f99-4a43-a809-e7b196526345', gateway: 'cryptosteroid' },
  },
  // gateway tools (the gateway's own codes, passed through; `gateway` names the order's gateway)
  WEBHOOK_RESEND_CONFLICT: { status: 409, message: 'Gateway resendInvoiceWebhook failed: HTTP 409 WEBHOOK_RESEND_CONFLICT', details: { gateway: GATEWAY_WITH_TOOLS } },
  WEBHOOK_RESEND_COOLDOWN: {
    status: 429,
    message: 'Gateway resendInvoiceWebhook failed: HTTP 429 WEBHOOK_RESEND_COOLDOWN',
    details: { gateway: GATEWAY_WITH_TOOLS, retry_after_sec: 15, next_allowed_at: '2026-01-01T12:00:15Z' },
  },
  GATEWAY_NOT_FOUND: { status: 404, message: 'Gateway getInvoiceWebhooks failed: HTTP 404', details: { gateway: GATEWAY_WITH_TOOLS } },
  // callbacks
  INVALID_SIGNATURE: { status: 401, message: 'The callback signature is missing, invalid or not fresh.', details: { reason: 'signature_mismatch' } },
  INVALID_TOKEN: { status: 401, message: "The callback's token is missing, wrong, or another order's.", details: { reason: 'token_mismatch' } },
  MALFORMED_PAYLOAD: { status: 400, message: 'The body names neither order_id nor external_id.' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'The callback could not be stored; retry later.' },
  WEBHOOK_EVENT_NOT_FOUND: { status: 404, message: 'Webhook event not found.' },
  // notifications, withdrawals
  NOTIFICATION_NOT_FOUND: { status: 404, message: 'Notification not found.' },
  NOTIFICATION_NOT_RETRYABLE: { status: 409, message: 'The notification is delivered; only failed, abandoned or pending ones can be retried.' },
  NOTIFICATIONS_DISABLED: { status: 409, message: 'MERCHANT_WEBHOOK_URL is not set; nothing would deliver it.' },
  WITHDRAWAL_NOT_FOUND: { status: 404, message: 'Withdrawal not found.' },
};

const CODE_TOKEN = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b/g;

/** The catalogued codes named in a text, in order of appearance. */
export function codesIn(text: string | undefined): string[] {
  const found = new Set<string>();
  for (const token of (text ?? '').match(CODE_TOKEN) ?? []) if (ERROR_CODES[token]) found.add(token);
  return [...found];
}
