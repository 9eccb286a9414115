import { cryptosteroidDriver } from './cryptosteroid';
import type { GatewayDriver } from './driver';
import { eccaexDriver } from './eccaex';
import { smartwmDriver } from './smartwm';

export * from './driver';

/**
 * Every gateway the shared order, callback, reconciliation and fault tests run against: a new
 * gateway adds its driver here (test/support/gateways/<gateway>.ts) and those suites run for it.
 */
export const GATEWAY_DRIVERS: readonly GatewayDriver[] = [eccaexDriver, cryptosteroidDriver, smartwmDriver];

/** A create through the API for the driver's gateway (201 expected). */
export async function createOrderFor(http: import('./driver').Http, driver: GatewayDriver, over: Record<string, unknown> = {}) {
  const { storefront } = await import('../app');
  const r = await http.post('/v1/orders').set(storefront).send({ ...driver.orderBody(over), provider: driver.name });
  if (r.status !== 201) throw new Error(`create (${driver.name}) failed: ${r.status} ${JSON.stringify(r.body)}`);
  const order = r.body as import('./driver').TestOrder;
  await driver.ready?.(http, order);
  return order;
}

/** The settings that turn every driver's gateway on (sandbox mode), for one test app serving them all. */
export const driversEnv = (): Record<string, string> => Object.assign({}, ...GATEWAY_DRIVERS.map((d) => d.env));
