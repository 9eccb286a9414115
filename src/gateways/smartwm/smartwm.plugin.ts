import { randomBytes } from 'node:crypto';
import { SmartwmSandboxModule } from '../../sandbox/smartwm/smartwm-sandbox.module';
import { smartwmSandboxConfig } from '../../sandbox/smartwm/sandbox-config';
import type { GatewayPlugin } from '../gateway-plugin';
import { smartwmCallbackDocs } from './smartwm.callback-docs';
import { smartwmCallbacks } from './smartwm.callbacks';
import { SmartwmGateway } from './smartwm.gateway';
import { SmartwmModule } from './smartwm.module';
import { loadSmartwmSettings, smartwmHasCredentials, SmartwmSettings } from './smartwm.settings';

/** SmartWM acquiring (the DPAY platform) as the service registers it (src/gateways/gateways.registry.ts). */
export const SMARTWM_PLUGIN: GatewayPlugin<'smartwm', SmartwmSettings> = {
  name: 'smartwm',
  settingsPrefix: 'SMARTWM',
  label: 'SmartWM',
  // The order names its method (payment_method is required); each method is in its own currency.
  checkout: { title: 'Card or mobile money', methodChoice: 'storefront', methodsByCurrency: false },
  hasCredentials: smartwmHasCredentials,
  loadSettings: loadSmartwmSettings,
  get callbackRoute() {
    return smartwmCallbacks.route;
  },
  callbackDocs: smartwmCallbackDocs,
  devSecrets(slice, secret) {
    // Not listed as generated: SMARTWM_SECRET with SMARTWM_CLIENT_ID set by hand would switch SmartWM to live mode.
    if (slice.secret) return { slice, generated: [] };
    return { slice: { ...slice, secret: secret('smartwmSandboxSecret', () => `swm_${randomBytes(24).toString('base64url')}`) }, generated: [] };
  },
  // Getters: the module graph may load this file before the classes it names.
  get module() {
    return SmartwmModule;
  },
  get adapter() {
    return SmartwmGateway;
  },
  // The emulator takes the cash register the service signs as (and the methods it has enabled).
  sandbox: (settings) =>
    SmartwmSandboxModule.forRoot(
      smartwmSandboxConfig({ clientId: settings.smartwm.clientId, secret: settings.smartwm.secret, publicBaseUrl: settings.publicBaseUrl, methods: settings.smartwm.paymentMethods }),
    ),
  sandboxBanner: (base) => [
    `  sandbox smartwm ${base}/sandbox/smartwm/api/einvoice   (DPAY API, signed both ways)`,
    `  payment page    ${base}/sandbox/smartwm/pay/{tracking}; a pay_form is served by the service at ${base}/pay/{order_id}`,
  ],
};
