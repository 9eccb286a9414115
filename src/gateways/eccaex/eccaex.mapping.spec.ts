import { mapEccaexStatus, toGatewayInvoice } from './eccaex.mapping';
import type { EccaexInvoice } from './eccaex.types';

const invoice = (over: Partial<EccaexInvoice> = {}): EccaexInvoice =>
  ({ invoice_id: 'inv-1', external_id: 'ext-1', amount: '1500.00', currency: 'UAH', status: 'pending', ...over }) as EccaexInvoice;

describe('eccaex.mapping', () => {
  it.each([
    ['pending', 'pending'], ['success', 'success'], ['fail', 'fail'], ['expired', 'expired'], ['canceled', 'canceled'], ['cancelled', 'canceled'],
    ['refunded', 'unknown'], ['constructor', 'unknown'],
  ])('status %s → %s', (raw, status) => {
    expect(mapEccaexStatus(raw)).toBe(status);
  });

  it("its deal figures travel in details (the Order's payment shows them under the same names); the merchant's USDT is what it is credited", () => {
    const inv = toGatewayInvoice(invoice({ status: 'success', deal: { deal_id: 'd', payment_method_code: 'monobank', amount_fiat: '1537.50', conversion_rate: '41.50', merchant_usdt: '35.42' } }));
    expect(inv.payment).toEqual({
      method_code: 'monobank', expected: null, received: null, credited: { amount: '35.42', unit: 'USDT' }, fee: null, adjusted: false,
      details: { amount_fiat: '1537.50', conversion_rate: '41.50', merchant_usdt: '35.42' },
    });
  });

  it("adjusted when the deal or the invoice says is_adjusted", () => {
    expect(toGatewayInvoice(invoice({ deal: { deal_id: 'd', is_adjusted: true } })).payment?.adjusted).toBe(true);
    expect(toGatewayInvoice(invoice({ is_adjusted: true, deal: { deal_id: 'd' } })).payment?.adjusted).toBe(true);
    expect(toGatewayInvoice(invoice()).payment).toBeNull();
  });
});
