import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { PAYMENT_GATEWAYS, PaymentGateway } from './gateway.port';

/**
 * "The gateway of this order": every gateway that is on (its mode not `off`), by its provider
 * name. Orders, callbacks, reconciliation, metrics and withdrawals ask this and never name one.
 */
@Injectable()
export class GatewayRegistry {
  private readonly byName = new Map<string, PaymentGateway>();

  constructor(@Inject(PAYMENT_GATEWAYS) gateways: PaymentGateway[]) {
    for (const g of gateways) if (g.mode !== 'off') this.byName.set(g.name, g);
  }

  /** The gateway named `provider`; 400 VALIDATION_FAILED naming `provider` when it is not registered or is off. */
  get(provider: string): PaymentGateway {
    const gw = this.byName.get(provider);
    if (!gw) throw ApiError.validation({ provider: [`provider ${provider} is not configured on this service`] });
    return gw;
  }

  /** The gateway or undefined, for callers that decide themselves. */
  find(provider: string): PaymentGateway | undefined {
    return this.byName.get(provider);
  }

  forOrder(order: { provider: string }): PaymentGateway {
    return this.get(order.provider);
  }

  all(): PaymentGateway[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
