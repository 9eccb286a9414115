import type { DynamicModule, Type } from '@nestjs/common';
import type { Env, GatewayMode } from '../config/env';
import type { Settings } from '../config/settings';
import type { GatewayCallbacks, PaymentGateway } from './gateway.port';

/** What every gateway's settings slice holds (its own fields come on top). */
export interface GatewaySettingsBase {
  mode: GatewayMode;
  /** The deadline of one gateway call (`<GATEWAY>_TIMEOUT_MS`). */
  timeoutMs: number;
}

/** What a gateway's settings loader is told about the rest of the settings. */
export interface GatewaySettingsContext {
  env: Env;
  port: number;
  production: boolean;
  /** This gateway's mode (already read by `readMode`). */
  mode: GatewayMode;
  warnings: string[];
}

/**
 * How a storefront offers a gateway to a buyer (GET /v1/gateways `checkout`, docs/api.md section
 * 5): display hints and where the buyer picks the payment method. Facts of the gateway, so a
 * storefront needs no gateway's name in its code.
 */
export interface GatewayCheckout {
  /** What the buyer is offered, without the gateway's name ('Card or bank transfer'). */
  readonly title: string;
  /**
   * Where the buyer picks the payment method: `storefront` (each listed method is a choice of its
   * own, sent as the order's payment_method) or `gateway` (on the gateway's own page; the order
   * names none).
   */
  readonly methodChoice: 'storefront' | 'gateway';
  /** Whether GET /v1/payment-methods is best asked with `currency=` (the order's currency). */
  readonly methodsByCurrency: boolean;
  /** The currencies it takes orders in, in order of preference, when its methods name none; absent: any the storefront sells in. */
  readonly orderCurrencies?: readonly string[];
  /** The label of the single choice offered when the method is picked on the gateway's page ('Pay with a coin'). */
  readonly optionLabel?: string;
  /** What it calls a payment method in sentences to the buyer ('coin'). */
  readonly methodNoun?: string;
}

/**
 * A gateway as the service registers it (gateways.registry.ts): its settings slice, the Nest
 * module that provides its adapter, and its emulator for sandbox mode. Adding a gateway is one
 * folder that exports one of these, and one line in the registry.
 */
export interface GatewayPlugin<K extends string = string, S extends GatewaySettingsBase = GatewaySettingsBase> {
  /** The provider value of the API and the key of its settings slice (`settings[name]`). */
  readonly name: K;
  /** Prefix of its settings (`<PREFIX>_MODE`, `<PREFIX>_TIMEOUT_MS`, ...). */
  readonly settingsPrefix: string;
  /** How people write its name, for messages. */
  readonly label: string;
  /** How a storefront offers it (GET /v1/gateways); absent: the storefront decides from the capabilities alone. */
  readonly checkout?: GatewayCheckout;
  /** Whether the environment holds its live credentials (an unset `<PREFIX>_MODE` is then live). */
  hasCredentials(env: Env): boolean;
  /** Reads and checks its slice; throws SettingsError naming the setting. Live-mode refusals of its own settings belong here. */
  loadSettings(ctx: GatewaySettingsContext): S;
  /** Sandbox mode only: fills unset secrets with dev secrets (`secret(name, make)` keeps one per name in DATA_DIR/dev-keys.json); returns the settings it generated. */
  devSecrets?(slice: S, secret: (name: string, make: () => string) => string): { slice: S; generated: string[] };
  /** Its callback route under /v1/webhooks/ (the same object as its adapter's callbacks.route; the intake mounts it). */
  readonly callbackRoute: GatewayCallbacks['route'];
  /** The OpenAPI description of that route. */
  callbackDocs?(): MethodDecorator;
  /** The Nest module that provides `adapter`. */
  readonly module: Type<unknown> | DynamicModule;
  /** The adapter class (its injection token). */
  readonly adapter: Type<PaymentGateway>;
  /** Its emulator, mounted under /sandbox/<name> when its mode is sandbox. */
  sandbox?(settings: Settings): DynamicModule;
  /** What the start-up banner says about its sandbox. */
  sandboxBanner?(base: string): string[];
}

/** A gateway's settings slice by its name (the core never names a gateway's own fields). */
export function gatewaySlice(settings: Settings, name: string): GatewaySettingsBase | undefined {
  return (settings as unknown as Record<string, GatewaySettingsBase | undefined>)[name];
}
