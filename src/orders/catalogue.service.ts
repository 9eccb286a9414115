import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import type { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { GatewayCurrency, GatewayPaymentMethod, PaymentGateway } from '../gateways/gateway.port';
import { gatewayApiError } from '../gateways/gateway-api-errors';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { checkAmountLimits, LimitRefusal } from './amount-limits';

const TTL_MS = 60_000;

/** The gateway's currencies and methods (gateways with capabilities.catalogue), cached at most 60 s (docs/api.md section 5). */
@Injectable()
export class CatalogueService {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly gateways: GatewayRegistry,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  currencies(provider = this.settings.defaultProvider): Promise<GatewayCurrency[]> {
    return this.cached(`${provider}:currencies`, () => this.catalogueOf(provider).listCurrencies!());
  }

  paymentMethods(currency: string | undefined, provider = this.settings.defaultProvider): Promise<GatewayPaymentMethod[]> {
    return this.cached(`${provider}:methods:${currency ?? ''}`, () => this.catalogueOf(provider).listPaymentMethods!(currency));
  }

  /** A gateway whose catalogue can be asked; 400 NOT_SUPPORTED otherwise. */
  private catalogueOf(provider: string): PaymentGateway {
    const gw = this.gateways.get(provider);
    if (!gw.capabilities.catalogue || !gw.listCurrencies || !gw.listPaymentMethods) {
      throw new ApiError(400, 'NOT_SUPPORTED', `The ${provider} gateway publishes no catalogue.`, { provider });
    }
    return gw;
  }

  /** undefined when the gateway cannot say right now (or publishes no catalogue): the invoice call will be the judge then. */
  async isCurrencyEnabled(currency: string, provider = this.settings.defaultProvider): Promise<boolean | undefined> {
    if (!this.gateways.get(provider).capabilities.catalogue) return undefined;
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
  async amountOutsideLimits(amount: string, currency: string, provider = this.settings.defaultProvider, paymentMethod?: string | null): Promise<LimitRefusal | null> {
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
