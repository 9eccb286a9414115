import { SettingsError } from '../config/settings';

/** How long settled rows are kept (RETENTION_* settings, validated at start-up with the rest). */
export interface RetentionSettings {
  /**
   * RETENTION_DAYS: settled callbacks, timeline events of final orders and finished notifications
   * older than this many days are deleted; 0 keeps them forever.
   */
  days: number;
  /** RETENTION_BATCH_SIZE: rows one delete statement takes at most (orders examined, for the timeline). */
  batchSize: number;
}

/** The shortest window: gateways retry a callback for hours, and its stored copy is how a late retry is known as a duplicate. */
export const MIN_RETENTION_DAYS = 7;
const MAX_RETENTION_DAYS = 36_500;

type Env = Record<string, string | undefined>;

function wholeNumber(env: Env, name: string, def: number): number {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v)) throw new SettingsError(name, `expected a whole number, got "${v}"`);
  return Number(v);
}

export function loadRetentionSettings(env: Env): RetentionSettings {
  const days = wholeNumber(env, 'RETENTION_DAYS', 0);
  if (days !== 0 && (days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS)) {
    throw new SettingsError('RETENTION_DAYS', `must be 0 (keep forever) or between ${MIN_RETENTION_DAYS} and ${MAX_RETENTION_DAYS}, got ${days}`);
  }
  const batchSize = wholeNumber(env, 'RETENTION_BATCH_SIZE', 5000);
  if (batchSize < 100 || batchSize > 100_000) throw new SettingsError('RETENTION_BATCH_SIZE', `must be between 100 and 100000, got ${batchSize}`);
  return { days, batchSize };
}
