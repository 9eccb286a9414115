import Decimal from 'decimal.js';
import { GatewayPaymentMethod } from '../gateways/gateway.port';

/** One method's published limits, as the 400 names them. */
export interface MethodLimits {
  method_code: string;
  min_sum: string | null;
  max_sum: string | null;
}

/** Why no method can pay the amount: field errors for `details.fields` and the limits for `details.limits`. */
export interface LimitRefusal {
  fields: Record<string, string[]>;
  limits: { currency: string; min: string | null; max: string | null; methods: MethodLimits[] };
}

const fits = (amount: Decimal, m: GatewayPaymentMethod) =>
  (m.min_sum === null || amount.gte(m.min_sum)) && (m.max_sum === null || amount.lte(m.max_sum));

/**
 * docs/api.md section 3.1: an amount outside every method's limits (where the gateway publishes them)
 * is refused before anything is sent to the gateway. `methods` are the gateway's methods for the
 * order's currency; `paymentMethod`, when the order names one, narrows them to that method.
 * Null when some method can take the amount.
 */
export function checkAmountLimits(amount: string, currency: string, methods: GatewayPaymentMethod[], paymentMethod?: string | null): LimitRefusal | null {
  const own = methods.filter((m) => !m.currency || m.currency.code === currency);
  const named = paymentMethod ? own.filter((m) => m.method_code === paymentMethod) : [];
  const listed = (ms: GatewayPaymentMethod[]) => ms.map((m) => ({ method_code: m.method_code, min_sum: m.min_sum, max_sum: m.max_sum }));
  // The catalogue lists the currency's methods and the one named is not among them: the gateway does not offer it.
  if (paymentMethod && own.length > 0 && named.length === 0) {
    return {
      fields: { payment_method: [`${paymentMethod} is not offered for ${currency} at the gateway; its ${currency} methods: ${own.map((m) => m.method_code).join(', ')}`] },
      limits: { currency, min: null, max: null, methods: listed(own) },
    };
  }
  const candidates = named.length > 0 ? named : own;
  const value = new Decimal(amount);
  if (candidates.some((m) => fits(value, m))) return null;
  const mins = candidates.map((m) => m.min_sum).filter((s): s is string => s !== null);
  const maxes = candidates.map((m) => m.max_sum).filter((s): s is string => s !== null);
  // The lowest minimum and the highest maximum: the widest range the gateway takes for the currency.
  const min = mins.length === candidates.length && mins.length > 0 ? Decimal.min(...mins).toFixed(2) : null;
  const max = maxes.length === candidates.length && maxes.length > 0 ? Decimal.max(...maxes).toFixed(2) : null;
  const limits = { currency, min, max, methods: listed(candidates) };
  const fmt = (s: string) => `${s} ${currency}`;
  let why: string;
  if (candidates.length === 0) why = `no payment method takes ${currency} at the gateway`;
  else if (max !== null && value.gt(max)) why = `amount is above the largest amount any payment method takes for ${currency} (${fmt(max)})`;
  else if (min !== null && value.lt(min)) why = `amount is below the smallest amount any payment method takes for ${currency} (${fmt(min)})`;
  else {
    const ranges = candidates.map((m) => `${m.method_code} ${m.min_sum ?? '…'}–${m.max_sum ?? '…'}`).join(', ');
    why = `no payment method takes ${fmt(value.toFixed(2))}; the methods' limits are ${ranges} ${currency}`;
  }
  if (named.length > 0) why = `amount is outside the limits of ${paymentMethod} (${named[0]!.min_sum ?? '…'}–${named[0]!.max_sum ?? '…'} ${currency})`;
  return { fields: candidates.length === 0 ? { currency: [why] } : { amount: [why] }, limits };
}
