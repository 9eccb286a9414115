import { randomBytes } from 'node:crypto';
import { EccaexSandboxModule } from '../../sandbox/eccaex/eccaex-sandbox.module';
import type { GatewayPlugin } from '../gateway-plugin';
import { eccaexCallbackDocs } from './eccaex.callback-docs';
import { ECCAEX_CALLBACK_ROUTE } from './eccaex.callbacks';
import { EccaexGateway } from './eccaex.gateway';
import { EccaexModule } from './eccaex.module';
import { eccaexHasCredentials, EccaexSettings, loadEccaexSettings } from './eccaex.settings';

/** EccaEx as the service registers it (src/gateways/gateways.registry.ts). */
export const ECCAEX_PLUGIN: GatewayPlugin<'eccaex', EccaexSettings> = {
  name: 'eccaex',
  settingsPrefix: 'ECCAEX',
  label: 'EccaEx',
  // The bank is chosen on EccaEx's page; its methods (banks) are listed per currency.
  checkout: { title: 'Card or bank transfer', methodChoice: 'gateway', methodsByCurrency: true, optionLabel: 'Pay in hryvnia' },
  hasCredentials: eccaexHasCredentials,
  loadSettings: loadEccaexSettings,
  callbackRoute: ECCAEX_CALLBACK_ROUTE,
  callbackDocs: eccaexCallbackDocs,
  devSecrets(slice, secret) {
    const out = { ...slice };
    const generated: string[] = [];
    if (!out.webhookSecrets.length) {
      out.webhookSecrets = [secret('webhookSecret', () => `whsk_${randomBytes(24).toString('base64url')}`)];
      generated.push('ECCAEX_WEBHOOK_SECRET');
    }
    // Not listed in `generated`: setting ECCAEX_API_KEY yourself would switch the service to live mode.
    if (!out.apiKey) out.apiKey = secret('sandboxMerchantKey', () => `sbx_${randomBytes(24).toString('base64url')}`);
    return { slice: out, generated };
  },
  // Getters: the module graph may load this file before the classes it names.
  get module() {
    return EccaexModule;
  },
  get adapter() {
    return EccaexGateway;
  },
  sandbox: () => EccaexSandboxModule.forRoot(),
  sandboxBanner: (base) => [
    `  sandbox gateway ${base}/sandbox/eccaex/api/v1`,
    `  payment page    ${base}/sandbox/eccaex/pay/{invoice_id}   (the sandbox's hosted page, one per invoice: an order's payment_link)`,
  ],
};
