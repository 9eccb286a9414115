/**
 * Wire types of the EccaEx merchant API (what is confirmed and what is not: docs/gateways/eccaex.md).
 *
 * Conventions:
 * - Money and rates are decimal strings (`"1500.00"`), never numbers.
 * - Timestamps are ISO-8601 strings (with offset or `Z`).
 * - Fields the docs show in a complete example are required; fields that were only partly
 *   recovered, may be absent, or are [UNKNOWN] are optional.
 * - Status enums list the documented values but stay open (`string & {}`), because the full
 *   enums were not recovered.
 */

/** Decimal amount as a string, e.g. "1500.00". */
export type EccaexMoney = string;
/** ISO-8601 timestamp, e.g. "2026-04-26T12:00:00+00:00" or "2024-12-25T10:00:00Z". */
export type EccaexTimestamp = string;

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

/** `{successful: true, data}` wrapper used by most endpoints. */
export interface EccaexEnvelope<T> {
  successful?: boolean;
  data: T;
}

/** Paginated list envelope (GET /invoices, GET /withdrawals). */
export interface EccaexListResponse<T> {
  successful?: boolean;
  data: T[];
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export interface EccaexErrorBody {
  code: string;
  message?: string;
  /** Seen as `{}` in the docs; may carry `retry_after_sec` / `next_allowed_at`. */
  details?: Record<string, unknown>;
  /** The resend docs speak of error "meta"; exact key [UNKNOWN], so both are read. */
  meta?: Record<string, unknown>;
}

/** Error envelope shared by all endpoints. */
export interface EccaexErrorEnvelope {
  successful: false;
  request_id?: string;
  error: EccaexErrorBody;
}

// ---------------------------------------------------------------------------------------------
// Invoices
// ---------------------------------------------------------------------------------------------

/** Documented invoice statuses; others may exist. */
export type EccaexInvoiceStatus = 'pending' | 'success' | 'fail' | 'expired' | 'canceled' | (string & {});

/** POST /create-invoice request body. */
export interface EccaexCreateInvoiceRequest {
  /** Fiat amount, max 2 decimals. */
  amount: EccaexMoney;
  /** ISO 4217, 3 uppercase letters (request uses `currency_code`, responses use `currency`). */
  currency_code: string;
  /** ≤128 chars. */
  customer_id: string;
  /** Our order id, unique per merchant, ≤128 chars. */
  external_id: string;
  /** ≤512 chars. */
  purpose?: string;
  /** Optional only when the merchant has defaults (else 422 MISSING_REQUIRED_URLS). */
  callback_url?: string;
  success_url?: string;
  fail_url?: string;
}

/** The deal created when the customer picks a payment method (GET /invoices/{ref}). */
export interface EccaexDeal {
  deal_id: string;
  /** Only `completed` observed; enum [UNKNOWN]. */
  status?: string;
  /** Values [UNKNOWN]; absent in the list example. */
  sub_status?: string | null;
  payment_method_code?: string;
  payment_method_name?: string;
  /** What the customer pays (client commission included). */
  amount_fiat?: EccaexMoney;
  /** Fiat per 1 USDT. */
  conversion_rate?: string;
  /** USDT credited to the merchant. */
  merchant_usdt?: EccaexMoney;
  expires_at?: EccaexTimestamp | null;
  finished_at?: EccaexTimestamp | null;
  mark_paid_at?: EccaexTimestamp | null;
  /** Adjustment flag [INFERRED from the webhook payload]; not seen on the deal object. */
  is_adjusted?: boolean | null;
}

/**
 * The invoice object (union of the create, list and get responses). The create response was only
 * partly recovered, so everything beyond the identity/amount/status fields is optional.
 */
export interface EccaexInvoice {
  /** EccaEx invoice UUID (= `order_id` elsewhere). */
  invoice_id: string;
  external_id: string;
  amount: EccaexMoney;
  currency: string;
  status: EccaexInvoiceStatus;
  customer_id?: string;
  purpose?: string | null;
  callback_url?: string | null;
  success_url?: string | null;
  fail_url?: string | null;
  payment_link?: string | null;
  created_at?: EccaexTimestamp;
  /** Method-selection deadline [INFERRED]. */
  expires_at?: EccaexTimestamp | null;
  finished_at?: EccaexTimestamp | null;
  method_selected?: boolean;
  deal?: EccaexDeal | null;
  /** Adjustment flag [INFERRED]; known from the webhook payload, may appear here too. */
  is_adjusted?: boolean | null;
}

/** GET /invoices query. */
export interface EccaexListInvoicesQuery {
  /** 1-based. */
  page?: number;
  /** Default 20 [INFERRED]; maximum [UNKNOWN]. */
  per_page?: number;
  status?: EccaexInvoiceStatus;
  currency?: string;
  order?: 'asc' | 'desc';
}

export type EccaexInvoiceListResponse = EccaexListResponse<EccaexInvoice>;

// ---------------------------------------------------------------------------------------------
// Webhook history and resend
// ---------------------------------------------------------------------------------------------

/** Delivery state of a webhook event: `pending` → `success` | `dead`. */
export type EccaexWebhookEventStatus = 'pending' | 'success' | 'dead' | (string & {});

export interface EccaexWebhookAttempt {
  try_number: number;
  /** `manual` for resends; `auto` [INFERRED] for the worker. */
  trigger: 'auto' | 'manual' | (string & {});
  /** Values [UNKNOWN]. */
  attempt_status?: string;
  http_status?: number | null;
  response_headers?: Record<string, unknown> | null;
  response_body?: string | null;
  error_message?: string | null;
  duration_ms?: number | null;
  /** Name [INFERRED] (truncated in the source). */
  created_at?: EccaexTimestamp;
}

export interface EccaexWebhookEvent {
  /** Internal integer row id — NOT the webhook payload's string `event_id`. */
  event_id: number;
  /** e.g. `invoice.success`, `invoice.fail`, `invoice.expired`, `invoice.adjusted`. */
  event_type: string;
  status: EccaexWebhookEventStatus;
  callback_url?: string | null;
  auto_attempts?: number;
  manual_attempts?: number;
  total_attempts?: number;
  next_retry_at?: EccaexTimestamp | null;
  locked_at?: EccaexTimestamp | null;
  locked_by?: string | null;
  /** The body POSTed to us, apparently as a string [INFERRED]. */
  request_payload?: unknown;
  created_at?: EccaexTimestamp;
  updated_at?: EccaexTimestamp;
  /** Ordered by `try_number` ascending. */
  attempts: EccaexWebhookAttempt[];
}

/** GET /invoices/{ref}/webhooks — no `data` wrapper. */
export interface EccaexInvoiceWebhooksResponse {
  successful?: boolean;
  invoice_id: string;
  external_id?: string;
  events_count: number;
  /** Newest first; `[]` when none. */
  events: EccaexWebhookEvent[];
}

/** POST /invoices/{ref}/webhooks/resend — no `data` wrapper. */
export interface EccaexResendWebhookResponse {
  successful?: boolean;
  /** EccaEx's own invoice id, whatever ref was sent. */
  invoice_id: string;
  /** The (integer) webhook event re-sent. */
  event_id: number;
  resend: {
    /** Our endpoint answered 2xx [INFERRED]. */
    ok: boolean;
    http_status?: number | null;
    duration_ms?: number | null;
    attempt_id?: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Payment methods and currencies
// ---------------------------------------------------------------------------------------------

export interface EccaexPaymentMethodCurrency {
  code: string;
  name?: string | null;
  symbol?: string | null;
}

export interface EccaexPaymentMethod {
  name: string;
  method_code: string;
  min_sum?: EccaexMoney | null;
  max_sum?: EccaexMoney | null;
  logo_url?: string | null;
  /** Minutes [INFERRED]. */
  payment_time?: number | null;
  currency?: EccaexPaymentMethodCurrency | null;
  /** Percent [INFERRED]; client + merchant = max. */
  max_commission?: string | null;
  client_commission?: string | null;
  merchant_commission?: string | null;
}

export type EccaexPaymentMethodsResponse = EccaexEnvelope<EccaexPaymentMethod[]>;

export interface EccaexCurrency {
  /** Uppercase ISO 4217 code. */
  currency: string;
  /** Minor-unit decimal places. */
  decimal?: number;
  symbol?: string | null;
  name?: string | null;
  /** Buy rate USDT → fiat (fiat per 1 USDT), rounded down to 2 decimals. */
  rate?: string | null;
}

export type EccaexCurrenciesResponse = EccaexEnvelope<EccaexCurrency[]>;

// ---------------------------------------------------------------------------------------------
// Withdrawals
// ---------------------------------------------------------------------------------------------

/** `success` in the guide, `completed` in one reference example — accept both. */
export type EccaexWithdrawalStatus = 'pending' | 'success' | 'completed' | 'failed' | 'cancelled' | (string & {});

export interface EccaexWithdrawal {
  withdraw_uuid: string;
  status: EccaexWithdrawalStatus;
  /** USDT [INFERRED]. */
  amount: EccaexMoney;
  withdrawal_method_id?: number;
  address?: string;
  address_memo?: string | null;
  network_fee?: EccaexMoney;
  /** amount − network_fee. */
  amount_to_receive?: EccaexMoney;
  substatus?: string | null;
  external_tx_id?: string | null;
  created_at?: EccaexTimestamp;
  updated_at?: EccaexTimestamp;
  processed_at?: EccaexTimestamp | null;
}

export interface EccaexListWithdrawalsQuery {
  /** Default 1. */
  page?: number;
  /** 1–500, default 20. */
  per_page?: number;
  status?: EccaexWithdrawalStatus;
  /** By created_at, default desc. */
  order?: 'asc' | 'desc';
}

export type EccaexWithdrawalListResponse = EccaexListResponse<EccaexWithdrawal>;
export type EccaexWithdrawalResponse = EccaexEnvelope<EccaexWithdrawal>;

// ---------------------------------------------------------------------------------------------
// Customer-side public endpoints — bodies and responses [UNKNOWN]
// ---------------------------------------------------------------------------------------------

/** An item of GET /public/invoice/{order_id}/payment-methods; shape [UNKNOWN], likely GET /payment-methods'. */
export type EccaexPublicPaymentMethod = Partial<EccaexPaymentMethod> & { method_code: string } & Record<string, unknown>;

/** POST /public/invoice/{order_id}/select-method body; `method_code` [INFERRED]. */
export interface EccaexSelectMethodRequest {
  method_code: string;
}

/** Response of select-method [UNKNOWN]; probably the deal / payment details [INFERRED]. */
export type EccaexSelectMethodResponse = Partial<EccaexDeal> & Record<string, unknown>;

/** Response of public cancel [UNKNOWN]. */
export type EccaexPublicCancelResponse = { successful?: boolean; status?: string } & Record<string, unknown>;
