import { randomBytes, randomUUID } from 'node:crypto';
import { CryptosteroidSandboxModule } from '../../sandbox/cryptosteroid/cryptosteroid-sandbox.module';
import type { GatewayPlugin } from '../gateway-plugin';
import { cryptosteroidCallbackDocs } from './cryptosteroid.callback-docs';
import { CS_CALLBACK_ROUTE } from './cryptosteroid.callbacks';
import { cryptosteroidHasCredentials, CryptosteroidSettings, loadCryptosteroidSettings } from './cryptosteroid.config';
import { CryptosteroidGateway } from './cryptosteroid.gateway';
import { CryptosteroidModule } from './cryptosteroid.module';
import { CS_FIAT_CURRENCIES } from './cryptosteroid.types';

/** CryptoSteroid as the service registers it (src/gateways/gateways.registry.ts). */
export const CRYPTOSTEROID_PLUGIN: GatewayPlugin<'cryptosteroid', CryptosteroidSettings> = {
  name: 'cryptosteroid',
  settingsPrefix: 'CRYPTOSTEROID',
  label: 'CryptoSteroid',
  // A coin named up front is used; none named, the buyer picks it on CryptoSteroid's page.
  checkout: { title: 'Cryptocurrency', methodChoice: 'storefront', methodsByCurrency: false, orderCurrencies: CS_FIAT_CURRENCIES, optionLabel: 'Pay with a coin', methodNoun: 'coin' },
  hasCredentials: cryptosteroidHasCredentials,
  loadSettings: loadCryptosteroidSettings,
  callbackRoute: CS_CALLBACK_ROUTE,
  callbackDocs: cryptosteroidCallbackDocs,
  devSecrets(slice, secret) {
    // Not listed as generated: setting either yourself would switch CryptoSteroid to live mode.
    return {
      slice: {
        ...slice,
        merchantId: slice.merchantId || secret('csSandboxMerchantId', () => randomUUID()),
        apiKey: slice.apiKey || secret('csSandboxApiKey', () => `cs_sbx_${randomBytes(24).toString('base64url')}`),
      },
      generated: [],
    };
  },
  // Getters: the module graph may load this file before the classes it names.
  get module() {
    return CryptosteroidModule;
  },
  get adapter() {
    return CryptosteroidGateway;
  },
  sandbox: (settings) =>
    CryptosteroidSandboxModule.forRoot({ merchantId: settings.cryptosteroid.merchantId, apiKey: settings.cryptosteroid.apiKey, publicBaseUrl: settings.publicBaseUrl }),
  sandboxBanner: (base) => [
    `  CryptoSteroid   ${base}/sandbox/cryptosteroid/merchants/{merchant}/invoices`,
    `  payment page    ${base}/sandbox/cryptosteroid/pay/{invoiceId}   (the sandbox's hosted page: an order's payment_link)`,
  ],
};
