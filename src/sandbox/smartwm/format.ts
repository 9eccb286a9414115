import Decimal from 'decimal.js';
import { randomBytes } from 'node:crypto';
import { JsonNumber } from '../../common/json-exact';
import { isoOf, MethodFamily, methodFamily } from '../../gateways/smartwm/smartwm.methods';

/** Amounts: decimal.js and strings, written in answers as JSON numbers with their exact text. */

/** Decimals an amount may have and is written with: 2 for fiat methods, 8 for crypto (precision is not documented). */
export function scaleOf(method: string): number {
  return isoOf(method) ? 2 : 8;
}

/** `5000` at scale 2 → JSON number `5000.00`. */
export function moneyNumber(value: Decimal.Value, scale: number): JsonNumber {
  return new JsonNumber(new Decimal(value).toFixed(scale));
}

export function moneyNumberOrNull(value: Decimal.Value | null, scale: number): JsonNumber | null {
  return value === null ? null : moneyNumber(value, scale);
}

/** The sandbox's commission by family (the platform's are per contract): 2 % cards, as the docs' 5000 → fee 100. */
const FEE_PERCENT: Record<MethodFamily, string> = { card: '2', mobile_money: '3', bank: '1.5', wallet: '2.5', crypto: '1' };

export function feeOf(amount: Decimal.Value, method: string, scale: number): string {
  const percent = FEE_PERCENT[methodFamily(method) ?? 'bank'];
  return new Decimal(amount).times(percent).div(100).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP).toFixed(scale);
}

/** The balance currency credited: the method's ISO code; a crypto method's own code (not documented). */
export function accrualCurrencyOf(method: string): string {
  return isoOf(method) ?? method.toUpperCase();
}

/** `0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F`: the long form of the docs' examples. */
export function newTracking(): string {
  return randomBytes(16).toString('hex').toUpperCase().match(/.{4}/g)!.join('-');
}

export const TRACKING_RE = /^[0-9A-F]{4}(?:-[0-9A-F]{4}){7}$/;

/** `Y-m-d H:i:s` in UTC (the platform's time zone is not documented). */
export function dpayTime(value: Date | null): string | null {
  return value === null ? null : value.toISOString().slice(0, 19).replace('T', ' ');
}
