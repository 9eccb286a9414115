import type { CsCancelResponse, CsFiatCurrency, CsInvoice, CsInvoicePayData, CsPaymentMethod, CsTimestamp } from '../../gateways/cryptosteroid/cryptosteroid.types';
import { coin, fiatWorth } from './coins';
import type { TimestampFormat } from './sandbox-config';
import type { AttemptRow, InvoiceRow, RequestRow, WebhookRow } from './store';

export const PAGE_BASE = '/sandbox/cryptosteroid/pay';

export function invoiceUrl(publicBaseUrl: string, invoiceId: string): string {
  return `${publicBaseUrl}${PAGE_BASE}/${invoiceId}`;
}

export function timestamp(d: Date, format: TimestampFormat): CsTimestamp {
  if (format === 'iso') return d.toISOString();
  return format === 's' ? Math.floor(d.getTime() / 1000) : d.getTime();
}

/** `InvoicePayData`, once a coin is chosen: amounts with the coin's decimals; `paid.finished` once PAID. */
export function payDataJson(row: InvoiceRow): CsInvoicePayData | null {
  if (!row.method || row.coin_decimals === null || !row.coin_amount || !row.coin_net || !row.coin_fee || !row.coin_price) return null;
  const d = row.coin_decimals;
  return {
    method: row.method as CsPaymentMethod,
    address: row.address ?? '',
    amount: coin(row.coin_amount, d),
    net: coin(row.coin_net, d),
    fee: coin(row.coin_fee, d),
    paid: { hash: row.tx_hashes, received: coin(row.received, d), fiat: fiatWorth(row.received, row.coin_price), finished: row.status === 'PAID' },
  };
}

/** The Invoice object, keys in the order of the provider's table. */
export function invoiceJson(row: InvoiceRow, publicBaseUrl: string, format: TimestampFormat): CsInvoice {
  return {
    merchantId: row.merchant_id,
    invoiceId: row.id,
    fiatAmount: row.fiat_amount,
    fiatCurrency: row.fiat_currency as CsFiatCurrency,
    description: row.description,
    whoPayCommission: row.who_pay_commission,
    payment: payDataJson(row),
    externalId: row.external_id,
    invoiceUrl: invoiceUrl(publicBaseUrl, row.id),
    returnUrl: row.return_url,
    failReturnUrl: row.fail_return_url,
    timeoutSeconds: row.timeout_seconds,
    createdAt: timestamp(row.created_at, format),
    expiresAt: timestamp(row.expires_at, format),
    updatedAt: timestamp(row.updated_at, format),
    status: row.status,
  };
}

/** The documented DELETE answer. */
export function cancelJson(row: InvoiceRow): CsCancelResponse {
  return { invoiceId: row.id, merchantId: row.merchant_id, failUrl: row.fail_return_url, status: row.status };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function webhookJson(w: WebhookRow, attempts: AttemptRow[]) {
  return {
    webhook_id: Number(w.id),
    invoice_id: w.invoice_id,
    url: w.url,
    status: w.status,
    attempts: w.attempts,
    next_attempt_at: w.status === 'pending' ? iso(w.next_attempt_at) : null,
    payload: w.payload,
    created_at: iso(w.created_at),
    history: attempts.map((a) => ({
      try_number: a.try_number,
      trigger: a.trigger,
      http_status: a.http_status,
      response_body: a.response_body,
      error_message: a.error_message,
      duration_ms: a.duration_ms,
      at: iso(a.created_at),
    })),
  };
}

export function requestJson(r: RequestRow) {
  return {
    id: Number(r.id),
    endpoint: r.endpoint,
    method: r.method,
    invoice_id: r.invoice_id,
    external_id: r.external_id,
    http_status: r.http_status,
    outcome: r.outcome,
    at: iso(r.created_at),
  };
}
