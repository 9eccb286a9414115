import { checkHttpUrl, SettingsError } from '../../config/env';

/**
 * Knobs of the EccaEx emulator. They are not service settings (docs/settings.md, "Sandbox emulators"):
 * they are read from `SANDBOX_*` environment variables when the sandbox module is created, so a
 * test sets them in process.env before starting the app (or passes a config to forRoot).
 */
export interface SandboxConfig {
  /** Invoice method-selection TTL: expires_at = created_at + this. SANDBOX_INVOICE_TTL_S (1200). */
  invoiceTtlS: number;
  /** Multiplier of the webhook retry schedule. SANDBOX_WEBHOOK_RETRY_SCALE (1). */
  webhookRetryScale: number;
  /** Per delivery attempt; EccaEx documents 15 s. SANDBOX_WEBHOOK_TIMEOUT_MS (15000). */
  webhookTimeoutMs: number;
  /** Manual resend cooldown per event; EccaEx documents 15 s. SANDBOX_RESEND_COOLDOWN_S (15). */
  resendCooldownS: number;
  /** How often the delivery worker polls. SANDBOX_WEBHOOK_POLL_MS (200). */
  webhookPollMs: number;
  /** How often overdue invoices are expired. SANDBOX_SWEEP_INTERVAL_MS (1000). */
  sweepIntervalMs: number;
  /** Merchant default URLs (EccaEx "merchant settings"); unset = none, so create-invoice needs them. */
  defaultCallbackUrl: string | undefined;
  defaultSuccessUrl: string | undefined;
  defaultFailUrl: string | undefined;
  /** Withdrawals seeded on first start when the table is empty. SANDBOX_SEED_WITHDRAWALS (45). */
  seedWithdrawals: number;
}

/** EccaEx's retry schedule is [UNKNOWN]; the sandbox's own, in ms, before scaling. */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  2_000, 10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000,
];

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = read(env, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new SettingsError(name, `expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new SettingsError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function float(env: Env, name: string, def: number, min: number, max: number): number {
  const v = read(env, name);
  if (v === undefined) return def;
  if (!/^\d+(\.\d+)?([eE]-?\d+)?$/.test(v)) throw new SettingsError(name, `expected a number, got "${v}"`);
  const n = Number(v);
  if (!(n >= min && n <= max)) throw new SettingsError(name, `must be between ${min} and ${max}, got ${v}`);
  return n;
}

function url(env: Env, name: string): string | undefined {
  const v = read(env, name);
  if (v === undefined) return undefined;
  const problem = checkHttpUrl(v);
  if (problem) throw new SettingsError(name, problem);
  return v;
}

export function loadSandboxConfig(env: Env = process.env): SandboxConfig {
  return {
    invoiceTtlS: int(env, 'SANDBOX_INVOICE_TTL_S', 1200, 1, 30 * 86400),
    webhookRetryScale: float(env, 'SANDBOX_WEBHOOK_RETRY_SCALE', 1, 0, 1000),
    webhookTimeoutMs: int(env, 'SANDBOX_WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
    resendCooldownS: int(env, 'SANDBOX_RESEND_COOLDOWN_S', 15, 0, 3600),
    webhookPollMs: int(env, 'SANDBOX_WEBHOOK_POLL_MS', 200, 10, 60_000),
    sweepIntervalMs: int(env, 'SANDBOX_SWEEP_INTERVAL_MS', 1000, 10, 60_000),
    defaultCallbackUrl: url(env, 'SANDBOX_DEFAULT_CALLBACK_URL'),
    defaultSuccessUrl: url(env, 'SANDBOX_DEFAULT_SUCCESS_URL'),
    defaultFailUrl: url(env, 'SANDBOX_DEFAULT_FAIL_URL'),
    seedWithdrawals: int(env, 'SANDBOX_SEED_WITHDRAWALS', 45, 0, 10_000),
  };
}

export const SANDBOX_CONFIG = Symbol('SANDBOX_CONFIG');
/** The single sandbox merchant: one API key = one merchant account. */
export const SANDBOX_MERCHANT = 'sandbox-merchant';
