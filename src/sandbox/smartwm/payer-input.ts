import type { DpayInvoiceStatus } from '../../gateways/smartwm/smartwm.types';

/**
 * What the hosted page's customer types, and the outcome it leads to. Test cards (the sandbox's
 * own; the platform's are not documented): the docs' example number pays, two numbers fail.
 */

export type PayOutcome = { status: 'success' } | { status: Extract<DpayInvoiceStatus, 'FAILED' | 'PAYIN_ERROR'>; error: string };

export const TEST_CARDS: Readonly<Record<string, PayOutcome>> = Object.freeze({
  '4444111144441111': { status: 'success' },
  '4000000000000002': { status: 'FAILED', error: 'Card declined' },
  '4000000000000119': { status: 'PAYIN_ERROR', error: 'Debit failed' },
});

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const field = (body: unknown, name: string): string => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.trim() : '';
};

/**
 * The card form: a Luhn-valid number of 12–19 digits, an expiry MM/YY not past at `now`, a CVC
 * of 3–4 digits. A listed test card gives its outcome; any other valid card pays.
 */
export function readCard(body: unknown, now: Date): { last4: string; outcome: PayOutcome } | { problem: string } {
  const number = field(body, 'card_number').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) return { problem: 'Check the card number.' };
  const exp = /^(0[1-9]|1[0-2])\s*\/?\s*(\d{2})$/.exec(field(body, 'expiry'));
  if (!exp) return { problem: 'Give the expiry as MM/YY.' };
  // A card is valid through the last day of its expiry month.
  if (Date.UTC(2000 + Number(exp[2]), Number(exp[1]), 1) <= now.getTime()) return { problem: 'The card has expired.' };
  if (!/^\d{3,4}$/.test(field(body, 'cvc'))) return { problem: 'Check the CVC.' };
  return { last4: number.slice(-4), outcome: TEST_CARDS[number] ?? { status: 'success' } };
}

/** A phone number of 8–15 digits, optionally with a leading + and spaces or dashes. */
export function readPhone(body: unknown): { phone: string } | { problem: string } {
  const raw = field(body, 'phone');
  const compact = raw.replace(/[\s-]/g, '');
  if (!/^\+?\d{8,15}$/.test(compact)) return { problem: 'Give the phone number of the mobile money account, e.g. +243810000000.' };
  return { phone: compact };
}

export const formField = field;
