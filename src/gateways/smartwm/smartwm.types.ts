import type { JsonNumber } from '../../common/json-exact';

/**
 * DPAY (SmartWM acquiring) wire shapes. Requests are what we send; the parsed shapes are what
 * smartwm.mapping.ts reads out of a verified response, amounts as exact decimal strings (the
 * platform writes them as JSON numbers, `5000.00`, read through common/json-exact).
 */

export const DPAY_INVOICE_STATUSES = ['CREATED', 'PAYIN', 'PAYED', 'FINISHED', 'PAYED_RECALC', 'FAILED', 'PAYIN_ERROR', 'CANCELED'] as const;
export type DpayInvoiceStatus = (typeof DPAY_INVOICE_STATUSES)[number];

export const DPAY_FINAL_STATUSES: readonly DpayInvoiceStatus[] = ['PAYED', 'FINISHED', 'PAYED_RECALC', 'FAILED', 'PAYIN_ERROR', 'CANCELED'];

/** The two headers of every request; DPAY_SECURE is also on every response. */
export const DPAY_CLIENT_HEADER = 'DPAY_CLIENT';
export const DPAY_SECURE_HEADER = 'DPAY_SECURE';

/** `Y-m-d H:i:s`, as every DPAY timestamp (time zone not documented: a setting). */
export const DPAY_TIME_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

// ---------------------------------------------------------------- requests

/** POST /api/einvoice/create. `amount` is written as a JSON number with its exact text (`100.00`). */
export interface DpayCreateRequest {
  payment_id: string;
  currency: string;
  amount: JsonNumber;
  description?: string;
  account?: string;
  sender?: string;
  success_url?: string;
  fail_url?: string;
  status_url?: string;
  extra_fields?: Record<string, string>;
}

/** POST /api/einvoice/process and /api/einvoice/status: one of the two. */
export type DpayInvoiceRef = { payment_id: string } | { tracking: string };

/** POST /api/einvoice/statement: `Y-m-d H:i:s` bounds, optional status filter. */
export interface DpayStatementRequest {
  start_date: string;
  end_date: string;
  status?: DpayInvoiceStatus;
}

// ---------------------------------------------------------------- parsed answers

/** `{"error":{"code","message"}}`, whatever the HTTP status; code kept as text ("0", "401"). */
export interface DpayError {
  code: string;
  message: string;
}

export interface DpayCreated {
  tracking: string;
  /** Echoed as a string or a number; null when absent. */
  payment_id: string | null;
}

export interface DpayCrypto {
  address: string;
  current_confirmations: string | null;
  success_confirmations: string | null;
}

export interface DpayProcessed {
  tracking: string | null;
  payment_id: string | null;
  status: string | null;
  pay_link: string | null;
  /** HTML form the customer submits; preferred over pay_link when both come. */
  pay_form: string | null;
  crypto: DpayCrypto | null;
}

/** One invoice as /api/einvoice/status (and each statement element) tells it. */
export interface DpayInvoiceState {
  tracking: string;
  payment_id: string | null;
  /** The method actually used. */
  currency: string;
  created: string | null;
  processed: string | null;
  /** Verbatim; may be a status this code does not know. */
  status: string;
  /** Invoiced amount. */
  amount: string;
  /** Withheld from the merchant. */
  fee: string | null;
  /** Credited to the merchant, in accrual_currency. */
  accrual_amount: string | null;
  accrual_currency: string | null;
  is_recalc: boolean;
  /** Failure description on FAILED / PAYIN_ERROR (a string here, unlike the error envelope's object). */
  error: string | null;
}

export interface DpayStatement {
  list: DpayInvoiceState[];
  /** Elements that could not be read: they move nothing; the rest still count. */
  rejected: Array<{ index: number; reason: string }>;
}

/** SmartWM's own figures inside the Order's `payment` (GatewayPayment.details). */
export type SmartwmPaymentDetails = {
  tracking: string;
  fee: string | null;
  accrual_amount: string | null;
  accrual_currency: string | null;
  is_recalc: boolean;
};
