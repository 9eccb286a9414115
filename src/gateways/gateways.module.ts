import { Module } from '@nestjs/common';
import { PAYMENT_GATEWAYS, PaymentGateway } from './gateway.port';
import { GatewayRegistry } from './gateway-registry.service';
import { gatewayPlugins } from './gateways.registry';

const plugins = gatewayPlugins();

/** Every registered gateway's module, its adapter into PAYMENT_GATEWAYS, and the GatewayRegistry over them. */
@Module({
  imports: plugins.map((p) => p.module),
  providers: [
    { provide: PAYMENT_GATEWAYS, useFactory: (...gateways: PaymentGateway[]) => gateways, inject: plugins.map((p) => p.adapter) },
    GatewayRegistry,
  ],
  exports: [PAYMENT_GATEWAYS, GatewayRegistry, ...plugins.map((p) => p.module)],
})
export class GatewaysModule {}
