import { luhnValid, readCard, readPhone, TEST_CARDS } from './payer-input';

const NOW = new Date('2026-11-30T12:00:00Z');

describe('hosted page input', () => {
  it('Luhn: the test cards pass, a changed digit fails', () => {
    for (const number of [...Object.keys(TEST_CARDS), '4111111111111111', '5555555555554444', '79927398713']) expect(luhnValid(number)).toBe(true);
    for (const number of ['4444111144441112', '79927398710', '1234567812345678']) expect(luhnValid(number)).toBe(false);
  });

  it.each([
    [{ card_number: '4444 1111 4444 1111', expiry: '12/26', cvc: '123' }, { last4: '1111', outcome: { status: 'success' } }],
    [{ card_number: '4000-0000-0000-0002', expiry: '1230', cvc: '999' }, { last4: '0002', outcome: { status: 'FAILED', error: 'Card declined' } }],
    [{ card_number: '4000000000000119', expiry: '01 / 30', cvc: '0000' }, { last4: '0119', outcome: { status: 'PAYIN_ERROR', error: 'Debit failed' } }],
    [{ card_number: '5555555555554444', expiry: '12/26', cvc: '123' }, { last4: '4444', outcome: { status: 'success' } }],
  ])('readCard(%p)', (form, expected) => {
    expect(readCard(form, NOW)).toEqual(expected);
  });

  it.each([
    [{ card_number: '4444111144441112', expiry: '12/30', cvc: '123' }, 'Check the card number.'],
    [{ card_number: '44441111', expiry: '12/30', cvc: '123' }, 'Check the card number.'],
    [{ card_number: '4444111144441111', expiry: '10/26', cvc: '123' }, 'The card has expired.'],
    [{ card_number: '4444111144441111', expiry: '00/30', cvc: '123' }, 'Give the expiry as MM/YY.'],
    [{ card_number: '4444111144441111', expiry: '12/2030', cvc: '123' }, 'Give the expiry as MM/YY.'],
    [{ card_number: '4444111144441111', expiry: '12/30', cvc: '12345' }, 'Check the CVC.'],
    [{ card_number: ['4444111144441111'], expiry: '12/30', cvc: '123' }, 'Check the card number.'],
    [null, 'Check the card number.'],
  ])('readCard refuses %p', (form, problem) => {
    expect(readCard(form, NOW)).toEqual({ problem });
  });

  it('a card is valid through the last day of its expiry month', () => {
    const form = { card_number: '4444111144441111', expiry: '11/26', cvc: '123' };
    expect(readCard(form, new Date('2026-11-30T23:59:59Z'))).toMatchObject({ last4: '1111' });
    expect(readCard(form, new Date('2026-12-01T00:00:00Z'))).toEqual({ problem: 'The card has expired.' });
  });

  it('readPhone keeps the digits and a leading +', () => {
    expect(readPhone({ phone: ' +243 810-000-000 ' })).toEqual({ phone: '+243810000000' });
    expect(readPhone({ phone: '0700000000' })).toEqual({ phone: '0700000000' });
    for (const phone of ['', '1234567', '+2438100000000000', '243abc0000', '++243810000000']) expect(readPhone({ phone })).toHaveProperty('problem');
  });
});
