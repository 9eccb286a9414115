import { ApiError } from '../common/api-error';
import type { PaymentGateway } from './gateway.port';
import { GatewayRegistry } from './gateway-registry.service';

const gw = (name: string, mode: 'live' | 'sandbox' | 'off') => ({ name, mode }) as unknown as PaymentGateway;

describe('GatewayRegistry', () => {
  const registry = new GatewayRegistry([gw('alpha', 'live'), gw('beta', 'off'), gw('gamma', 'sandbox')]);

  it('holds the gateways that are on, in registration order', () => {
    expect(registry.names()).toEqual(['alpha', 'gamma']);
    expect(registry.all().map((g) => g.name)).toEqual(['alpha', 'gamma']);
  });

  it("get / forOrder: the order's gateway; one that is off or unknown is a 400 naming provider", () => {
    expect(registry.get('gamma').name).toBe('gamma');
    expect(registry.forOrder({ provider: 'alpha' }).name).toBe('alpha');
    for (const name of ['beta', 'delta']) {
      const err = (() => {
        try {
          registry.get(name);
        } catch (e) {
          return e as ApiError;
        }
      })();
      expect(err).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details: { fields: { provider: [expect.stringContaining(name)] } } });
    }
    expect(registry.find('beta')).toBeUndefined();
  });
});
