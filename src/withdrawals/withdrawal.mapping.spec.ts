import { formatMoney, statusesMatching, statusGroupOf, toUpsert } from './withdrawal.mapping';

describe('withdrawal mapping', () => {
  it.each([
    ['pending', 'pending'],
    ['success', 'success'],
    ['completed', 'success'],
    ['COMPLETED', 'success'],
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['processing', null],
  ])('status %s → group %s', (status, group) => {
    expect(statusGroupOf(status)).toBe(group);
  });

  it('status=success also matches completed; other filters are verbatim', () => {
    expect(statusesMatching('success')).toEqual(['success', 'completed']);
    expect(statusesMatching('completed')).toEqual(['completed']);
    expect(statusesMatching('pending')).toEqual(['pending']);
  });

  it.each([
    ['150.000000', '150.00'],
    ['1.500000', '1.50'],
    ['0.123400', '0.1234'],
    ['0.000001', '0.000001'],
    ['12345678901234.000000', '12345678901234.00'],
    [null, null],
  ])('formatMoney(%p) = %p', (v, out) => {
    expect(formatMoney(v)).toBe(out);
  });

  it('absent optional fields become nulls; money stays text; raw keeps what came', () => {
    const u = toUpsert({ withdraw_uuid: 'w1', status: 'completed', amount: '150.00', network_fee: '1.00', amount_to_receive: '149.00', withdrawal_method_id: 3 });
    expect(u).toEqual({
      withdraw_uuid: 'w1',
      withdrawal_method_id: '3',
      address: null,
      address_memo: null,
      amount: '150.00',
      network_fee: '1.00',
      amount_to_receive: '149.00',
      status: 'completed',
      status_group: 'success',
      substatus: null,
      external_tx_id: null,
      gateway_created_at: null,
      gateway_updated_at: null,
      processed_at: null,
      raw: { withdraw_uuid: 'w1', status: 'completed', amount: '150.00', network_fee: '1.00', amount_to_receive: '149.00', withdrawal_method_id: 3 },
    });
  });

  it('an unreadable timestamp is stored as null (raw keeps it); a non-decimal amount is refused', () => {
    expect(toUpsert({ withdraw_uuid: 'w', status: 'pending', amount: '1.00', created_at: 'yesterday' }).gateway_created_at).toBeNull();
    expect(() => toUpsert({ withdraw_uuid: 'w', status: 'pending', amount: '1e3' })).toThrow(/not a decimal string/);
  });
});
