import { ApiError } from './api-error';
import { isUuid } from './ids';

/**
 * Paging of the list routes (orders, webhook events, notifications, withdrawals): the `limit`
 * query, keyset cursors over (timestamp, id), and the dates they compare with.
 */
/** A valid date Postgres can compare with (years 1-9999); JS dates reach ±275760, Postgres' do not. */
export function inDatabaseRange(d: Date): boolean {
  const y = d.getUTCFullYear();
  return !Number.isNaN(d.getTime()) && y >= 1 && y <= 9999;
}

export function parseDate(name: string, v: string | undefined): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const d = new Date(v);
  if (!inDatabaseRange(d)) throw ApiError.validation({ [name]: ['must be an ISO-8601 timestamp'] });
  return d;
}

export function parseLimit(v: string | undefined): number {
  if (v === undefined || v === '') return 50;
  if (!/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > 200) throw ApiError.validation({ limit: ['must be a whole number from 1 to 200'] });
  return Number(v);
}

export function encodeCursor(t: Date, id: string): string {
  return Buffer.from(JSON.stringify([t.toISOString(), id])).toString('base64url');
}

export function decodeCursor(v: string | undefined): { t: Date; id: string } | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    const [t, id] = JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as [string, string];
    const d = new Date(t);
    if (typeof id !== 'string' || !isUuid(id) || typeof t !== 'string' || !inDatabaseRange(d)) throw new Error('bad');
    return { t: d, id };
  } catch {
    throw ApiError.validation({ cursor: ['is not a cursor this service issued'] });
  }
}
