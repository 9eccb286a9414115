import Decimal from 'decimal.js';

/** Money helpers: decimal.js only, strings at the edges, never a float. */

export { isUuid } from '../../common/ids';
export { AMOUNT_RE } from '../common/validation';

export function money(value: Decimal.Value): string {
  return new Decimal(value).toFixed(2, Decimal.ROUND_HALF_UP);
}

export function moneyOrNull(value: Decimal.Value | null | undefined): string | null {
  return value === null || value === undefined ? null : money(value);
}

/** amount × (1 + client_commission / 100), half-up to 2 dp: 1500.00 @ 2.50 % → 1537.50. */
export function amountWithClientCommission(amount: Decimal.Value, clientCommission: Decimal.Value): string {
  return new Decimal(amount)
    .times(new Decimal(1).plus(new Decimal(clientCommission).div(100)))
    .toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
    .toFixed(2);
}

/** The client commission itself, in money: amount_to_pay − amount. */
export function clientCommissionAmount(amount: Decimal.Value, clientCommission: Decimal.Value): string {
  return new Decimal(amountWithClientCommission(amount, clientCommission)).minus(amount).toFixed(2);
}

/**
 * amount / conversion_rate × (1 − merchant_commission / 100), rounded DOWN to 2 dp.
 * API.md §7: 1500 / 41.50 × 0.98 = 35.4216 → "35.42" (the factor and direction are INFERRED).
 */
export function merchantUsdt(amount: Decimal.Value, rate: Decimal.Value, merchantCommission: Decimal.Value): string {
  return new Decimal(amount)
    .div(rate)
    .times(new Decimal(1).minus(new Decimal(merchantCommission).div(100)))
    .toDecimalPlaces(2, Decimal.ROUND_DOWN)
    .toFixed(2);
}

/**
 * Sandbox choice for adjustments: what the customer actually paid (amount_fiat, client commission
 * included) is turned back into the invoice-currency base before the merchant side is computed.
 */
export function baseFromAmountFiat(amountFiat: Decimal.Value, clientCommission: Decimal.Value): Decimal {
  return new Decimal(amountFiat).div(new Decimal(1).plus(new Decimal(clientCommission).div(100)));
}

/** Rates are rounded down to 2 dp (API.md §2.7). */
export function rate(value: Decimal.Value): string {
  return new Decimal(value).toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2);
}

export function percent(value: Decimal.Value): string {
  return new Decimal(value).toFixed(2);
}

/** ISO-8601 with an explicit offset and whole seconds, as the EccaEx examples: 2026-04-26T12:00:00+00:00. */
export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function isoRequired(value: Date | string): string {
  return iso(value) ?? new Date(0).toISOString();
}
