import Decimal from 'decimal.js';
import type {
  EccaexCurrency,
  EccaexDeal,
  EccaexInvoice,
  EccaexPaymentMethod,
  EccaexWebhookAttempt,
  EccaexWebhookEvent,
  EccaexWithdrawal,
} from '../../gateways/eccaex/eccaex.types';
import { amountWithClientCommission, clientCommissionAmount, iso, isoRequired, money, moneyOrNull, percent, rate } from './format';
import type { CurrencyRow, InvoiceRow, MethodRow, WebhookAttemptRow, WebhookEventRow, WithdrawalRow } from './store';

/** Row → wire JSON, key order as in EccaEx's documented examples. */

export function paymentLink(publicBaseUrl: string, invoiceId: string): string {
  return `${publicBaseUrl}/sandbox/eccaex/pay/${invoiceId}`;
}

/**
 * The invoice's deal, plus `is_adjusted`: inferred — the webhook payload carries is_adjusted (confirmed),
 * the deal object of EccaEx's docs does not show it (docs/gateways/eccaex.md, "Reading an invoice"); the sandbox exposes it here too.
 */
export type SandboxDeal = Required<Pick<EccaexDeal, 'deal_id' | 'status' | 'sub_status' | 'payment_method_code' | 'payment_method_name'>> & {
  amount_fiat: string | null;
  conversion_rate: string | null;
  merchant_usdt: string | null;
  expires_at: string | null;
  finished_at: string | null;
  mark_paid_at: string | null;
  is_adjusted: boolean;
};

export function dealJson(row: InvoiceRow): SandboxDeal | null {
  if (!row.deal_id) return null;
  return {
    deal_id: row.deal_id,
    status: row.deal_status ?? 'pending',
    sub_status: row.deal_sub_status,
    payment_method_code: row.method_code ?? '',
    payment_method_name: row.method_name ?? '',
    amount_fiat: moneyOrNull(row.amount_fiat),
    conversion_rate: row.conversion_rate === null ? null : rate(row.conversion_rate),
    merchant_usdt: moneyOrNull(row.merchant_usdt),
    expires_at: iso(row.deal_expires_at),
    finished_at: iso(row.deal_finished_at),
    mark_paid_at: iso(row.mark_paid_at),
    is_adjusted: row.is_adjusted,
  };
}

export type SandboxInvoice = Omit<EccaexInvoice, 'deal'> & { deal: SandboxDeal | null };

export function invoiceJson(row: InvoiceRow, publicBaseUrl: string): SandboxInvoice {
  return {
    invoice_id: row.id,
    external_id: row.external_id,
    customer_id: row.customer_id,
    purpose: row.purpose,
    amount: money(row.amount),
    currency: row.currency,
    status: row.status,
    callback_url: row.callback_url,
    success_url: row.success_url,
    fail_url: row.fail_url,
    payment_link: paymentLink(publicBaseUrl, row.id),
    created_at: isoRequired(row.created_at),
    expires_at: iso(row.expires_at),
    finished_at: iso(row.finished_at),
    method_selected: row.deal_id !== null,
    deal: dealJson(row),
  };
}

export function methodJson(m: MethodRow): EccaexPaymentMethod {
  return {
    name: m.name,
    method_code: m.method_code,
    min_sum: money(m.min_sum),
    max_sum: money(m.max_sum),
    logo_url: m.logo_url,
    payment_time: m.payment_time,
    currency: { code: m.currency, name: m.currency_name, symbol: m.currency_symbol },
    // client + merchant = max in both documented examples (docs/gateways/eccaex.md, "What the service calls")
    max_commission: new Decimal(m.client_commission).plus(m.merchant_commission).toFixed(2),
    client_commission: percent(m.client_commission),
    merchant_commission: percent(m.merchant_commission),
  };
}

/** A method offered for one invoice: the GET /payment-methods fields plus what the customer pays with it. */
export function publicMethodJson(m: MethodRow, invoiceAmount: string) {
  return {
    ...methodJson(m),
    amount: money(invoiceAmount),
    client_commission_amount: clientCommissionAmount(invoiceAmount, m.client_commission),
    amount_to_pay: amountWithClientCommission(invoiceAmount, m.client_commission),
  };
}

export function currencyJson(c: CurrencyRow): EccaexCurrency {
  return { currency: c.code, decimal: c.decimals, symbol: c.symbol, name: c.name, rate: rate(c.rate) };
}

/** docs/gateways/eccaex.md, "Withdrawals": address_memo, substatus, external_tx_id, processed_at may be absent instead of null. */
export function withdrawalJson(w: WithdrawalRow): EccaexWithdrawal {
  const absent = new Set(w.absent_fields ?? []);
  const out: Record<string, unknown> = {
    withdraw_uuid: w.withdraw_uuid,
    withdrawal_method_id: w.withdrawal_method_id,
    address: w.address,
    address_memo: w.address_memo,
    amount: money(w.amount),
    network_fee: money(w.network_fee),
    amount_to_receive: money(w.amount_to_receive),
    status: w.status,
    substatus: w.substatus,
    external_tx_id: w.external_tx_id,
    created_at: iso(w.created_at),
    updated_at: iso(w.updated_at),
    processed_at: iso(w.processed_at),
  };
  for (const f of ['address_memo', 'substatus', 'external_tx_id', 'processed_at']) if (absent.has(f)) delete out[f];
  return out as unknown as EccaexWithdrawal;
}

export function attemptJson(a: WebhookAttemptRow): EccaexWebhookAttempt & { attempt_id: number } {
  return {
    attempt_id: Number(a.id),
    try_number: a.try_number,
    trigger: a.trigger,
    attempt_status: a.attempt_status,
    http_status: a.http_status,
    response_headers: a.response_headers,
    response_body: a.response_body,
    error_message: a.error_message,
    duration_ms: a.duration_ms,
    created_at: isoRequired(a.created_at),
  };
}

export function eventJson(e: WebhookEventRow, attempts: WebhookAttemptRow[], now = new Date()): EccaexWebhookEvent {
  const locked = e.locked_until !== null && e.locked_until.getTime() > now.getTime();
  return {
    event_id: Number(e.id),
    event_type: e.event_type,
    status: e.status,
    callback_url: e.callback_url,
    auto_attempts: e.auto_attempts,
    manual_attempts: e.manual_attempts,
    total_attempts: e.auto_attempts + e.manual_attempts,
    next_retry_at: iso(e.next_retry_at),
    locked_at: locked ? iso(e.locked_at) : null,
    locked_by: locked ? e.locked_by : null,
    // The exact bytes POSTed, as a string (EccaEx's example shows request_payload as a string; docs/gateways/eccaex.md, "Webhook history and resend").
    request_payload: e.request_payload,
    created_at: isoRequired(e.created_at),
    updated_at: isoRequired(e.updated_at),
    attempts: attempts.map(attemptJson),
  };
}
