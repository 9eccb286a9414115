import Decimal from 'decimal.js';
import { checkHttpUrl, SettingsError } from '../../config/settings';
import { isUuid } from '../common/toolkit';

/** How the emulator writes createdAt / expiresAt / updatedAt (the provider's format is UNKNOWN). */
export const TIMESTAMP_FORMATS = ['ms', 's', 'iso'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/**
 * The CryptoSteroid emulator's configuration, passed to `CryptosteroidSandboxModule.forRoot`.
 * The credentials are the sandbox merchant's (the host generates them; tests pass their own).
 * The knobs below the line can also be changed while it runs (`PUT /_control/settings`).
 */
export interface CsSandboxConfig {
  /** The merchant UUID every merchant-API path must carry. */
  merchantId: string;
  /** The X-Api-Key the merchant API accepts. */
  apiKey: string;
  /** How browsers reach the host: invoiceUrl = {publicBaseUrl}/sandbox/cryptosteroid/pay/{invoiceId}. */
  publicBaseUrl: string;

  /** The payment window: expiresAt = createdAt + this (the provider's 30 minutes). */
  invoiceTimeoutS: number;
  /** Unpaid NEW invoices a merchant may hold (the provider has a cap; its value is UNKNOWN). */
  maxUnpaidNew: number;
  /** The provider's fee, percent of the coin amount (UNKNOWN at the provider). */
  feePercent: string;
  /** Delivery attempts of the PAID webhook, the first included (the provider: at most 10). */
  webhookMaxAttempts: number;
  /** Multiplier of the retry schedule (tests make it tiny). */
  webhookRetryScale: number;
  /** Per delivery attempt. */
  webhookTimeoutMs: number;
  /** How often due deliveries are looked for. */
  webhookPollMs: number;
  /** How often overdue invoices are expired. */
  sweepIntervalMs: number;
  timestampFormat: TimestampFormat;
}

export type CsSandboxKnobs = Pick<
  CsSandboxConfig,
  'invoiceTimeoutS' | 'maxUnpaidNew' | 'feePercent' | 'webhookMaxAttempts' | 'webhookRetryScale' | 'timestampFormat'
>;

export const CS_SANDBOX_DEFAULTS: Omit<CsSandboxConfig, 'merchantId' | 'apiKey' | 'publicBaseUrl'> = {
  invoiceTimeoutS: 1800,
  maxUnpaidNew: 100,
  feePercent: '1.00',
  webhookMaxAttempts: 10,
  webhookRetryScale: 1,
  webhookTimeoutMs: 15_000,
  webhookPollMs: 200,
  sweepIntervalMs: 1000,
  timestampFormat: 'ms',
};

/** The schedule between delivery attempts is UNKNOWN at the provider; the sandbox's own, in ms, before scaling. */
export const WEBHOOK_RETRY_GAPS_MS: readonly number[] = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000];

/** Gap after the n-th failed attempt (1-based); past the table, its last entry. */
export function retryGapMs(failedAttempts: number, scale: number): number {
  const gap = WEBHOOK_RETRY_GAPS_MS[Math.min(failedAttempts, WEBHOOK_RETRY_GAPS_MS.length) - 1] ?? WEBHOOK_RETRY_GAPS_MS[0]!;
  return Math.round(gap * scale);
}

const RANGES: Record<'invoiceTimeoutS' | 'maxUnpaidNew' | 'webhookMaxAttempts' | 'webhookTimeoutMs' | 'webhookPollMs' | 'sweepIntervalMs', [number, number]> = {
  invoiceTimeoutS: [1, 30 * 86_400],
  maxUnpaidNew: [1, 1_000_000],
  webhookMaxAttempts: [1, 10],
  webhookTimeoutMs: [100, 120_000],
  webhookPollMs: [10, 60_000],
  sweepIntervalMs: [10, 60_000],
};

/** Problems with a set of knobs, by name (empty when fine). */
export function checkKnobs(k: Partial<CsSandboxConfig>): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    const v = k[name as keyof typeof RANGES];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) problems[name] = `must be a whole number from ${min} to ${max}`;
  }
  if (k.feePercent !== undefined && !(typeof k.feePercent === 'string' && /^\d{1,2}(\.\d{1,2})?$/.test(k.feePercent) && new Decimal(k.feePercent).lt(50))) {
    problems.feePercent = 'must be a decimal string from "0" to "49.99"';
  }
  const scale = k.webhookRetryScale;
  if (scale !== undefined && !(typeof scale === 'number' && scale >= 0 && scale <= 1000)) problems.webhookRetryScale = 'must be a number from 0 to 1000';
  if (k.timestampFormat !== undefined && !(TIMESTAMP_FORMATS as readonly string[]).includes(k.timestampFormat)) {
    problems.timestampFormat = `must be one of ${TIMESTAMP_FORMATS.join(', ')}`;
  }
  return problems;
}

/** Defaults filled in and every value checked; a bad one throws SettingsError naming it. */
export function csSandboxConfig(given: Pick<CsSandboxConfig, 'merchantId' | 'apiKey' | 'publicBaseUrl'> & Partial<CsSandboxConfig>): CsSandboxConfig {
  const config: CsSandboxConfig = { ...CS_SANDBOX_DEFAULTS, ...given, publicBaseUrl: given.publicBaseUrl.replace(/\/+$/, '') };
  if (!isUuid(config.merchantId)) throw new SettingsError('cryptosteroid sandbox merchantId', 'must be a UUID');
  if (config.apiKey.trim().length < 8) throw new SettingsError('cryptosteroid sandbox apiKey', 'must be at least 8 characters');
  const urlProblem = checkHttpUrl(config.publicBaseUrl);
  if (urlProblem) throw new SettingsError('cryptosteroid sandbox publicBaseUrl', urlProblem);
  const [name, problem] = Object.entries(checkKnobs(config))[0] ?? [];
  if (name) throw new SettingsError(`cryptosteroid sandbox ${name}`, problem!);
  return config;
}

export const CS_SANDBOX_CONFIG = Symbol('CS_SANDBOX_CONFIG');
