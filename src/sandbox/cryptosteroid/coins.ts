import Decimal from 'decimal.js';
import { randomBytes, randomInt } from 'node:crypto';
import type { CsWhoPaysCommission } from '../../gateways/cryptosteroid/cryptosteroid.types';

/** Coin arithmetic of the emulator: decimal.js only, strings at the edges, never a float. */

export interface CoinQuote {
  /** What the customer must send. */
  amount: string;
  /** Credited to the merchant. */
  net: string;
  fee: string;
}

/**
 * The provider's fee rules are INFERRED: `buyer` pays the fee on top (amount = base + fee,
 * net = base); `seller` has it taken off (amount = base, net = base − fee). base = fiat / price
 * and the fee are rounded UP to the coin's precision, so the merchant is never short.
 */
export function quote(fiatAmount: string, price: string, decimals: number, feePercent: string, who: CsWhoPaysCommission): CoinQuote {
  const base = new Decimal(fiatAmount).div(price).toDecimalPlaces(decimals, Decimal.ROUND_UP);
  const fee = base.times(feePercent).div(100).toDecimalPlaces(decimals, Decimal.ROUND_UP);
  const amount = who === 'buyer' ? base.plus(fee) : base;
  const net = who === 'buyer' ? base : base.minus(fee);
  return { amount: amount.toFixed(decimals), net: net.toFixed(decimals), fee: fee.toFixed(decimals) };
}

/** A coin amount with exactly the coin's decimals. */
export function coin(value: Decimal.Value, decimals: number): string {
  return new Decimal(value).toDecimalPlaces(decimals, Decimal.ROUND_DOWN).toFixed(decimals);
}

/** Fiat worth of a coin amount at the invoice's price, rounded down to cents. */
export function fiatWorth(coinAmount: Decimal.Value, price: Decimal.Value): string {
  return new Decimal(coinAmount).times(price).toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2);
}

/** A coin amount read from a form or a control body: plain decimal, > 0, within the coin's decimals. */
export function coinAmountProblem(value: string, decimals: number): string | null {
  if (!/^\d{1,20}(\.\d{1,18})?$/.test(value)) return 'must be a decimal string, e.g. "0.0015"';
  const d = new Decimal(value);
  if (d.lte(0)) return 'must be greater than 0';
  if (d.decimalPlaces() > decimals) return `has more than the coin's ${decimals} decimal places`;
  return null;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function pick(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A deposit address shaped like the coin's network's (not a valid one: no checksum). */
export function depositAddress(method: string): string {
  switch (method) {
    case 'BTC':
      return `bc1q${pick(BECH32, 38)}`;
    case 'LTC':
      return `ltc1q${pick(BECH32, 38)}`;
    case 'BCH':
      return `bitcoincash:q${pick(BECH32, 41)}`;
    case 'DOGE':
      return `D${pick(BASE58, 33)}`;
    case 'TRX':
    case 'USDT_TRC20':
      return `T${pick(BASE58, 33)}`;
    default:
      return `0x${hex(20)}`;
  }
}

/** A transaction hash shaped like the network's. */
export function txHash(method: string): string {
  return method === 'ETH' || method === 'USDT_ERC20' ? `0x${hex(32)}` : hex(32);
}

/** What is still due, and the defaults of "pay part" (half of it) and "overpay" (it plus a tenth of the amount). */
export function suggestedPayments(asked: Decimal.Value, received: Decimal.Value, decimals: number): { due: Decimal; part: Decimal; over: Decimal } {
  const total = new Decimal(asked);
  const due = total.minus(received);
  const unit = new Decimal(1).div(new Decimal(10).pow(decimals));
  return {
    due,
    part: Decimal.max(unit, due.div(2).toDecimalPlaces(decimals, Decimal.ROUND_DOWN)),
    over: due.plus(total.div(10).toDecimalPlaces(decimals, Decimal.ROUND_UP)),
  };
}
