import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth.guard';
import type { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { gatewaySlice } from '../gateways/gateway-plugin';
import { gatewayPlugins } from '../gateways/gateways.registry';
import { GatewayListOutput, GatewayOutput } from './outputs/gateways.output';

/**
 * The gateways that are on, as data (docs/api.md section 5): what each can do and how a storefront
 * offers it. Every fact comes from the gateway's own plugin and adapter; the demo shop and the ops
 * console build their pages from this and name no gateway.
 */
@ApiTags('catalogue')
@ApiBearerAuth()
@Auth('storefront')
@Controller('v1')
export class GatewaysController {
  constructor(
    private readonly gateways: GatewayRegistry,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get('gateways')
  @ApiOperation({ summary: 'The gateways that are on: label, mode, capabilities and how to offer each at checkout' })
  @ApiOkResponse({ type: GatewayListOutput })
  list(): GatewayListOutput {
    return { data: gatewayOutputs(this.gateways, this.settings) };
  }
}

/** Each registered gateway that is on, in the registry's order of preference. */
export function gatewayOutputs(gateways: GatewayRegistry, settings: Settings): GatewayOutput[] {
  const out: GatewayOutput[] = [];
  for (const plugin of gatewayPlugins()) {
    const gw = gateways.find(plugin.name);
    const mode = gatewaySlice(settings, plugin.name)?.mode ?? gw?.mode;
    if (!gw || !mode || mode === 'off') continue;
    const c = gw.capabilities;
    const hints = plugin.checkout;
    out.push({
      provider: plugin.name,
      label: plugin.label,
      mode,
      default: settings.defaultProvider === plugin.name,
      capabilities: { cancel: c.cancel, catalogue: c.catalogue, webhook_history: c.webhookHistory, withdrawals: c.withdrawals, payment_method_required: c.paymentMethodRequired },
      checkout: {
        title: hints?.title ?? plugin.label,
        method_choice: hints?.methodChoice ?? (c.paymentMethodRequired ? 'storefront' : 'gateway'),
        methods_by_currency: hints?.methodsByCurrency ?? false,
        order_currencies: hints?.orderCurrencies ? [...hints.orderCurrencies] : null,
        option_label: hints?.optionLabel ?? null,
        method_noun: hints?.methodNoun ?? null,
      },
    });
  }
  return out;
}
