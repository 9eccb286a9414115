import { createHash } from 'node:crypto';
import { escapeHtml } from '../../common/html';
import { JsonNumber } from '../../common/json-exact';
import { signDpayForm } from '../../gateways/smartwm/smartwm-signature';
import { methodFamily } from '../../gateways/smartwm/smartwm.methods';
import { dpayTime, moneyNumber, moneyNumberOrNull } from './format';
import { SANDBOX_PREFIX, SmartwmSandboxConfig } from './sandbox-config';
import type { SwmInvoiceRow } from './store';

/** Answer bodies of the emulated API, keys in the order of the docs' examples. */

/** /api/einvoice/status and each statement element. `error` (a string) only on FAILED / PAYIN_ERROR. */
export function stateJson(row: SwmInvoiceRow): Record<string, unknown> {
  const body: Record<string, unknown> = {
    tracking: row.tracking,
    payment_id: row.payment_id,
    currency: row.method_used,
    created: dpayTime(row.created_at),
    processed: dpayTime(row.processed_at),
    status: row.status,
    amount: moneyNumber(row.amount, row.scale),
    fee: moneyNumberOrNull(row.fee, row.scale),
    accrual_amount: moneyNumberOrNull(row.accrual_amount, row.scale),
    accrual_currency: row.accrual_currency,
    is_recalc: row.is_recalc,
  };
  if (row.error !== null) body.error = row.error;
  return body;
}

export function payPageUrl(config: SmartwmSandboxConfig, tracking: string): string {
  return `${config.publicBaseUrl}${SANDBOX_PREFIX}/pay/${tracking}`;
}

/** The fields a pay_form carries, and the order they are signed in (the hosted-form SIGN). */
export const PAY_FORM_SIGN_ORDER = 'CLIENT_ID;INVOICE_ID;TRACKING';

/** An HTML form that posts to the hosted page; the merchant shows it to the customer, who submits it. */
export function payForm(config: SmartwmSandboxConfig, row: SwmInvoiceRow): string {
  const fields: Record<string, string> = { CLIENT_ID: config.clientId, INVOICE_ID: row.payment_id, TRACKING: row.tracking };
  const sign = signDpayForm(config.secret, fields, PAY_FORM_SIGN_ORDER);
  const hidden = Object.entries({ ...fields, SIGN_ORDER: PAY_FORM_SIGN_ORDER, SIGN: sign })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="POST" action="${escapeHtml(payPageUrl(config, row.tracking))}" accept-charset="UTF-8">${hidden}<button type="submit">Pay</button></form>`;
}

/** A made-up deposit address, stable per invoice. */
export function cryptoAddress(row: SwmInvoiceRow): string {
  return `sandbox1${createHash('sha256').update(row.tracking).digest('hex').slice(0, 32)}`;
}

/** /api/einvoice/process: cards get a pay_form, everything else a pay_link; crypto adds where to send. */
export function processJson(config: SmartwmSandboxConfig, row: SwmInvoiceRow): Record<string, unknown> {
  const body: Record<string, unknown> = { payment_id: row.payment_id, tracking: row.tracking, status: row.status };
  if (row.flow === 'form') body.pay_form = payForm(config, row);
  else body.pay_link = payPageUrl(config, row.tracking);
  if (methodFamily(row.method) === 'crypto') {
    body.crypto = { address: cryptoAddress(row), current_confirmations: '0', success_confirmations: new JsonNumber('4') };
  }
  return body;
}
