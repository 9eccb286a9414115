import Decimal from 'decimal.js';
import type { GatewayWithdrawal } from '../gateways/gateway.port';

/**
 * Gateway withdrawal → the row the mirror stores, and stored row → the wire output. Pure
 * functions; money stays a decimal string from the gateway to Postgres `numeric` and back.
 */

export const WITHDRAWAL_STATUS_GROUPS = ['pending', 'success', 'failed', 'cancelled'] as const;
export type WithdrawalStatusGroup = (typeof WITHDRAWAL_STATUS_GROUPS)[number];

/**
 * The gateway's withdrawal statuses: `pending`, `success`, `failed`, `cancelled`; `completed` seen once for success.
 * The invoice spellings `fail` / `canceled` are read the same way; anything else is unknown (null).
 */
const GROUP_OF: Record<string, WithdrawalStatusGroup> = {
  pending: 'pending',
  success: 'success',
  completed: 'success',
  failed: 'failed',
  fail: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

export function statusGroupOf(status: string): WithdrawalStatusGroup | null {
  return GROUP_OF[status.trim().toLowerCase()] ?? null;
}

/** Gateway statuses a `status=` filter matches: `success` also matches `completed`. */
export function statusesMatching(filter: string): string[] {
  return filter === 'success' ? ['success', 'completed'] : [filter];
}

/** What one upsert writes (strings for money and timestamps; Postgres casts them). */
export interface WithdrawalUpsert {
  withdraw_uuid: string;
  withdrawal_method_id: string | null;
  address: string | null;
  address_memo: string | null;
  amount: string;
  network_fee: string | null;
  amount_to_receive: string | null;
  status: string;
  status_group: WithdrawalStatusGroup | null;
  substatus: string | null;
  external_tx_id: string | null;
  gateway_created_at: string | null;
  gateway_updated_at: string | null;
  processed_at: string | null;
  raw: Record<string, unknown>;
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

function decimalText(v: unknown): string | null {
  if (typeof v === 'string' && DECIMAL_RE.test(v.trim())) return v.trim();
  return null;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A timestamp Postgres can read, else null (the raw JSON keeps whatever the gateway sent). */
function timestamp(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  return Number.isNaN(Date.parse(v)) ? null : v.trim();
}

function methodId(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return v.trim();
  return null;
}

/** Absent optional fields become nulls. */
export function toUpsert(w: GatewayWithdrawal): WithdrawalUpsert {
  const raw = w as unknown as Record<string, unknown>;
  const amount = decimalText(w.amount);
  if (amount === null) throw new Error(`withdrawal ${w.withdraw_uuid}: amount ${JSON.stringify(w.amount)} is not a decimal string`);
  return {
    withdraw_uuid: w.withdraw_uuid,
    withdrawal_method_id: methodId(raw.withdrawal_method_id),
    address: text(w.address),
    address_memo: text(w.address_memo),
    amount,
    network_fee: decimalText(w.network_fee),
    amount_to_receive: decimalText(w.amount_to_receive),
    status: w.status,
    status_group: statusGroupOf(w.status),
    substatus: text(w.substatus),
    external_tx_id: text(w.external_tx_id),
    gateway_created_at: timestamp(w.created_at),
    gateway_updated_at: timestamp(w.updated_at),
    processed_at: timestamp(w.processed_at),
    raw: { ...raw },
  };
}

/**
 * `numeric(20,6)` text → a decimal string with at least two decimals and no trailing zeros past
 * them: "150.000000" → "150.00", "0.123400" → "0.1234".
 */
export function formatMoney(v: string | null): string | null {
  if (v === null || v === undefined) return null;
  const d = new Decimal(v);
  return d.toFixed(Math.max(2, d.decimalPlaces()));
}
