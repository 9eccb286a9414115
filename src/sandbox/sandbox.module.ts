import { DynamicModule, Module } from '@nestjs/common';
import { Settings } from '../config/settings';
import { gatewaySlice, GatewayPlugin } from '../gateways/gateway-plugin';
import { gatewayPlugins } from '../gateways/gateways.registry';
import { ShopModule } from './shop/shop.module';

export interface SandboxModuleOptions {
  /**
   * The demo checkout under /sandbox/shop (default on). It is a storefront of the service's own
   * /v1 API, so an emulator run alone (`npm run sandbox`) leaves it out.
   */
  shop?: boolean;
}

/** The gateways whose mode is sandbox, with an emulator to mount. */
export function sandboxed(settings: Settings): GatewayPlugin[] {
  return gatewayPlugins().filter((p) => p.sandbox && gatewaySlice(settings, p.name)?.mode === 'sandbox');
}

/** Gateway emulators (each under /sandbox/<gateway>, mounted by its own gateway's mode) and the demo shop. */
@Module({})
export class SandboxModule {
  static forRoot(settings: Settings, options: SandboxModuleOptions = {}): DynamicModule {
    return {
      module: SandboxModule,
      imports: [...sandboxed(settings).map((p) => p.sandbox!(settings)), ...(options.shop === false ? [] : [ShopModule])],
    };
  }
}
