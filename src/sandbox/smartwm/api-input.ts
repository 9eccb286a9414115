import Decimal from 'decimal.js';
import { decimalOf, ExactJson, JsonNumber } from '../../common/json-exact';
import { checkHttpUrl } from '../../config/settings';
import { dpayTimeToIso } from '../../gateways/smartwm/smartwm.mapping';
import { DPAY_INVOICE_STATUSES, DpayInvoiceStatus } from '../../gateways/smartwm/smartwm.types';
import { SwmError } from './errors';
import { scaleOf } from './format';
import type { InvoiceLookup } from './invoices';
import type { NewInvoice } from './store';

/**
 * Reading the emulated API's request bodies. The platform's field rules are not documented beyond
 * the names; the sandbox's: the first bad field is answered `{"error":{"code":400,"message":
 * "Invalid <field>: <why>"}}`, unknown fields are ignored, amounts may be JSON numbers (read
 * exactly) or decimal strings.
 */

export type Body = { [key: string]: ExactJson };

const invalid = (field: string, why: string) => SwmError.invalid(`Invalid ${field}: ${why}`);

/** A string, or an integer written as a JSON number (the docs' `payment_id: 123`). */
function idField(o: Body, field: string, max: number): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  const text = typeof v === 'string' ? v : v instanceof JsonNumber && /^\d+$/.test(v.source) ? v.source : null;
  if (text === null || text.trim() === '') throw invalid(field, 'must be a non-empty string or a whole number');
  if (text.length > max) throw invalid(field, `must be at most ${max} characters`);
  return text;
}

function optionalText(o: Body, field: string, max: number): string | null {
  const v = idField(o, field, max);
  return v ?? null;
}

function optionalUrl(o: Body, field: string): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw invalid(field, 'must be a URL');
  const problem = checkHttpUrl(v);
  if (problem) throw invalid(field, problem);
  return v;
}

export function readCreate(o: Body, enabledMethods: readonly string[]): Omit<NewInvoice, 'tracking' | 'client_id'> {
  const paymentId = idField(o, 'payment_id', 128);
  if (paymentId === undefined) throw invalid('payment_id', 'is required');
  const method = o.currency;
  if (typeof method !== 'string' || method === '') throw invalid('currency', 'is required (a payment method code, e.g. visamaster.uah)');
  if (!enabledMethods.includes(method)) throw SwmError.invalid(`Currency ${method} is not available for this cash register`);
  const scale = scaleOf(method);
  const amount = decimalOf(o.amount);
  if (amount === null) throw invalid('amount', 'must be a decimal number with a dot, e.g. 100.00');
  const [int, frac = ''] = amount.replace(/^-/, '').split('.');
  if (amount.startsWith('-') || new Decimal(amount).lte(0)) throw invalid('amount', 'must be greater than 0');
  if (frac.length > scale) throw invalid('amount', `must have at most ${scale} decimal places for ${method}`);
  if (int!.replace(/^0+/, '').length > 18) throw invalid('amount', 'is too large');
  const extra = o.extra_fields;
  if (extra !== undefined && extra !== null && (typeof extra !== 'object' || Array.isArray(extra) || extra instanceof JsonNumber)) {
    throw invalid('extra_fields', 'must be an object');
  }
  const description = o.description;
  if (description !== undefined && description !== null && typeof description !== 'string') throw invalid('description', 'must be a string');
  if (typeof description === 'string' && description.length > 1024) throw invalid('description', 'must be at most 1024 characters');
  return {
    payment_id: paymentId,
    method,
    amount: new Decimal(amount).toFixed(scale),
    scale,
    description: typeof description === 'string' ? description : null,
    account: optionalText(o, 'account', 256),
    sender: optionalText(o, 'sender', 256),
    success_url: optionalUrl(o, 'success_url'),
    fail_url: optionalUrl(o, 'fail_url'),
    status_url: optionalUrl(o, 'status_url'),
    extra_fields: (extra ?? {}) as Record<string, unknown>,
  };
}

/** process / status: `tracking` and/or `payment_id`. */
export function readLookup(o: Body): InvoiceLookup {
  const tracking = idField(o, 'tracking', 64);
  const paymentId = idField(o, 'payment_id', 128);
  if (tracking === undefined && paymentId === undefined) throw SwmError.invalid('payment_id or tracking is required');
  return { ...(tracking === undefined ? {} : { tracking }), ...(paymentId === undefined ? {} : { payment_id: paymentId }) };
}

function date(o: Body, field: string): Date {
  const v = o[field];
  // The sandbox reads DPAY times as UTC (the platform's zone is not documented).
  const iso = typeof v === 'string' ? dpayTimeToIso(v, 'Z') : null;
  if (iso === null) throw invalid(field, 'must be a date "Y-m-d H:i:s"');
  return new Date(iso);
}

export function readStatement(o: Body): { start: Date; end: Date; status: DpayInvoiceStatus | undefined } {
  const start = date(o, 'start_date');
  const end = date(o, 'end_date');
  if (end.getTime() < start.getTime()) throw invalid('end_date', 'must not be before start_date');
  const status = o.status;
  if (status !== undefined && status !== null && status !== '' && !(typeof status === 'string' && (DPAY_INVOICE_STATUSES as readonly string[]).includes(status))) {
    throw invalid('status', `must be one of ${DPAY_INVOICE_STATUSES.join(', ')}`);
  }
  return { start, end, status: typeof status === 'string' && status !== '' ? (status as DpayInvoiceStatus) : undefined };
}
