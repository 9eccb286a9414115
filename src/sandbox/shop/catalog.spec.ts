import { PRODUCTS, productBySku, productsOn } from './catalog';

describe('demo shop catalogue', () => {
  it('sells a product of a gateway only while that gateway is on', () => {
    const crypto = PRODUCTS.find((p) => p.provider === 'cryptosteroid')!;
    expect(crypto).toMatchObject({ currency: 'USD', amount: '39.00' });
    expect(productsOn(() => true)).toContain(crypto);
    const off = productsOn((provider) => provider !== 'cryptosteroid');
    expect(off).not.toContain(crypto);
    expect(off.length).toBe(PRODUCTS.length - 1);
    expect(productBySku(crypto.sku, off)).toBeUndefined();
    expect(productBySku(crypto.sku)).toBe(crypto);
  });
});
