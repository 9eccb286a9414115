import type { ApiErrorShape } from './format';

/** The ops key lives in this tab's sessionStorage only (and in memory when storage is refused). */
const KEY_STORE = 'payments-ops:key';
let memoryKey: string | null = readKey();

function readKey(): string | null {
  try {
    return window.sessionStorage.getItem(KEY_STORE);
  } catch {
    return null;
  }
}

export const currentKey = (): string | null => memoryKey;

export function setKey(k: string): void {
  try {
    window.sessionStorage.setItem(KEY_STORE, k);
  } catch {
    /* private mode: kept for this page only */
  }
  memoryKey = k;
}

export function clearKey(): void {
  try {
    window.sessionStorage.removeItem(KEY_STORE);
  } catch {
    /* nothing stored */
  }
  memoryKey = null;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorShape };

/** Called when the stored key is refused (401): the app goes back to the sign-in form. */
let onUnauthorized: (message: string) => void = () => undefined;
export const whenUnauthorized = (fn: (message: string) => void): void => {
  onUnauthorized = fn;
};

/** One JSON call with the ops key; never throws (network failures come back as NETWORK_ERROR). */
export async function api<T>(method: string, path: string, body?: unknown, keyOverride?: string): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${keyOverride ?? memoryKey ?? ''}` };
  const init: RequestInit = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r: Response;
  try {
    r = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, error: { status: 0, code: 'NETWORK_ERROR', message: `The service could not be reached (${(e as Error)?.message ?? 'network error'}).`, details: {} } };
  }
  const text = await r.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (r.ok) return { ok: true, status: r.status, data: parsed as T };
  const envelope = (parsed ?? {}) as { error?: Partial<ApiErrorShape>; request_id?: string };
  const e = envelope.error ?? {};
  const error: ApiErrorShape = {
    status: r.status,
    code: e.code ?? `HTTP_${r.status}`,
    message: e.message ?? (text ? text.slice(0, 300) : r.statusText || 'The API answered with an error.'),
    details: e.details ?? {},
    requestId: envelope.request_id ?? r.headers.get('x-request-id'),
  };
  if (r.status === 401 && !keyOverride) {
    clearKey();
    onUnauthorized(`The ops key was refused (${error.message}). Enter it again.`);
  }
  return { ok: false, status: r.status, error };
}

// ---- what the console reads (the fields it uses; the API has more)

export interface Order {
  id: string;
  external_id: string;
  provider: string;
  status: string;
  amount: string;
  currency: string;
  customer_id: string;
  description: string | null;
  metadata: Record<string, string>;
  payment_link: string | null;
  gateway_invoice_id: string | null;
  expires_at: string | null;
  payment: Record<string, unknown> | null;
  paid_at: string | null;
  exception: string | null;
  exception_resolved_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrderEvent {
  id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  source: string;
  data: Record<string, unknown>;
  created_at: string;
}

export interface StoredCallback {
  id: string;
  provider?: string;
  status: string;
  idempotency_key: string;
  attempts: number;
  last_error: string | null;
  outcome: Record<string, unknown> | null;
  payload: unknown;
  received_at: string;
}

export interface Notification {
  id: string;
  type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface Withdrawal {
  id: string;
  withdraw_uuid: string;
  amount: string;
  network_fee: string | null;
  amount_to_receive: string | null;
  status: string;
  status_group: string | null;
  substatus: string | null;
  address: string | null;
  external_tx_id: string | null;
  created_at: string | null;
  processed_at: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
