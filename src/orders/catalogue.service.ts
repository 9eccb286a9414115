import { Injectable } from '@nestjs/common';
import { GatewayCurrency, GatewayPaymentMethod } from '../gateways/gateway.port';
import { gatewayApiError, GatewaysService } from '../gateways/gateways.service';
import { checkAmountLimits, LimitRefusal } from './amount-limits';

const TTL_MS = 60_000;

/** The gateway's currencies and methods, cached at most 60 s (CONTRACT.md section 4). */
@Injectable()
export class CatalogueService {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly gateways: GatewaysService) {}

  currencies(provider = 'eccaex'): Promise<GatewayCurrency[]> {
    return this.cached(`${provider}:currencies`, () => this.gateways.get(provider).listCurrencies());
  }

  paymentMethods(currency: string | undefined, provider = 'eccaex'): Promise<GatewayPaymentMethod[]> {
    return this.cached(`${provider}:methods:${currency ?? ''}`, () => this.gateways.get(provider).listPaymentMethods(currency));
  }

  /** undefined when the gateway cannot say right now: the invoice call will be the judge then. */
  async isCurrencyEnabled(currency: string, provider = 'eccaex'): Promise<boolean | undefined> {
    try {
      return (await this.currencies(provider)).some((c) => c.currency === currency);
    } catch {
      return undefined;
    }
  }

  /**
   * An amount no payment method of the currency can take (CONTRACT section 3), judged from the
   * gateway's published min_sum / max_sum; null when one can, and when the catalogue cannot say
   * right now (the invoice call will be the judge then).
   */
  async amountOutsideLimits(amount: string, currency: string, provider = 'eccaex', paymentMethod?: string | null): Promise<LimitRefusal | null> {
    let methods: GatewayPaymentMethod[];
    try {
      methods = await this.paymentMethods(currency, provider);
    } catch {
      return null;
    }
    return checkAmountLimits(amount, currency, methods, paymentMethod);
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: Date.now(), value });
    try {
      return await value;
    } catch (err) {
      this.cache.delete(key);
      throw gatewayApiError(err);
    }
  }
}
