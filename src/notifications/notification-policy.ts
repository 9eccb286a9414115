import { createHmac } from 'node:crypto';
import { hmacKey } from '../common/hmac-key';
import { SettingsError } from '../config/settings';

export const NOTIFICATION_TYPES = ['order.paid', 'order.failed', 'order.expired', 'order.canceled', 'order.adjusted', 'order.exception'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const NOTIFICATION_STATUSES = ['pending', 'delivering', 'delivered', 'failed', 'abandoned'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

const STATUS_TYPES: Record<string, NotificationType> = {
  paid: 'order.paid',
  failed: 'order.failed',
  expired: 'order.expired',
  canceled: 'order.canceled',
};

/** The notification a timeline event makes, if any (none for pending, awaiting_payment, payment_updated...). */
export function notificationTypeOf(event: { type: string; to_status: string | null }): NotificationType | null {
  if (event.type === 'order.adjusted') return 'order.adjusted';
  if (event.type === 'order.exception') return 'order.exception';
  if (event.type === 'order.status_changed' && event.to_status) return STATUS_TYPES[event.to_status] ?? null;
  return null;
}

/** Base delays between attempts (before NOTIFICATION_RETRY_SCALE); the last one repeats. */
export const RETRY_DELAYS_S = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800] as const;
/** Retries go on until an attempt fails at or after this long since the schedule was armed. */
export const RETRY_WINDOW_S = 24 * 3600;
/**
 * An attempt that has not finished after this long (a crashed replica) is picked up again, by the
 * once-a-minute sweep. Three delivery timeouts: long enough for any live attempt to settle, short
 * enough that a crash delays the merchant by about a minute, not three (fault suite, replicas run).
 */
export const DELIVERY_LEASE_S = 30;
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Delay before the next attempt, after `failedInSchedule` failed attempts (1 = the first one
 * failed) since the schedule was armed.
 */
export function retryDelaySeconds(failedInSchedule: number, scale: number): number {
  const i = Math.min(Math.max(failedInSchedule, 1), RETRY_DELAYS_S.length) - 1;
  return RETRY_DELAYS_S[i] * scale;
}

/** NOTIFICATION_RETRY_SCALE: a positive multiplier of every delay and of the retry window (tests compress it). */
export function retryScaleFrom(env: Record<string, string | undefined> = process.env): number {
  const raw = env.NOTIFICATION_RETRY_SCALE?.trim();
  if (!raw) return 1;
  const n = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw) || !Number.isFinite(n) || n <= 0 || n > 100) {
    throw new SettingsError('NOTIFICATION_RETRY_SCALE', `expected a number above 0 and at most 100, got "${raw}"`);
  }
  return n;
}

/**
 * Standard Webhooks signature: `v1,` + base64(HMAC-SHA256(key, "${id}.${timestamp}.${body}")),
 * key = the base64 bytes after the `whsec_` prefix.
 */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = hmacKey(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
