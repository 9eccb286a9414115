/**
 * THE place that registers the gateways: each folder under src/gateways/ exports one
 * GatewayPlugin, and this list is the only place that names them. Settings (each slice), the
 * Nest modules (each adapter, into PAYMENT_GATEWAYS), the sandboxes (each mounted by its own
 * mode) and the defaults (DEFAULT_PROVIDER: the first one that is on) all come from here.
 */
import type { CryptosteroidSettings } from './cryptosteroid/cryptosteroid.config';
import { CRYPTOSTEROID_PLUGIN } from './cryptosteroid/cryptosteroid.plugin';
import type { EccaexSettings } from './eccaex/eccaex.settings';
import { ECCAEX_PLUGIN } from './eccaex/eccaex.plugin';
import type { GatewayPlugin } from './gateway-plugin';
import type { SmartwmSettings } from './smartwm/smartwm.settings';
import { SMARTWM_PLUGIN } from './smartwm/smartwm.plugin';

/** Each gateway's settings slice, under its name (`settings.eccaex`). */
export interface GatewaySettingsSlices {
  eccaex: EccaexSettings;
  cryptosteroid: CryptosteroidSettings;
  smartwm: SmartwmSettings;
}

/**
 * In order of preference: DEFAULT_PROVIDER defaults to the first one that is on. A function, not
 * a constant: settings, modules and gateway folders import each other, and a list built at load
 * time could see a folder not loaded yet.
 */
export function gatewayPlugins(): readonly GatewayPlugin[] {
  return [ECCAEX_PLUGIN, CRYPTOSTEROID_PLUGIN, SMARTWM_PLUGIN];
}
