import { DynamicModule, Module } from '@nestjs/common';
import { Settings } from '../config/settings';
import { EccaexSandboxModule } from './eccaex/eccaex-sandbox.module';
import { loadSandboxConfig, SandboxConfig } from './eccaex/sandbox-config';
import { ShopModule } from './shop/shop.module';

export interface SandboxModuleOptions {
  /**
   * The demo checkout under /sandbox/shop (default on). It is a storefront of the service's own
   * /v1 API, so the emulator run alone (`npm run sandbox`) leaves it out.
   */
  shop?: boolean;
}

/** Gateway emulators and the demo shop, mounted in sandbox mode only. */
@Module({})
export class SandboxModule {
  /**
   * `config` defaults to the SANDBOX_* environment variables, read now (so a test can set them
   * in process.env before it starts the app).
   */
  static forRoot(_settings: Settings, config: SandboxConfig = loadSandboxConfig(), options: SandboxModuleOptions = {}): DynamicModule {
    return { module: SandboxModule, imports: [EccaexSandboxModule.forRoot(config), ...(options.shop === false ? [] : [ShopModule])] };
  }
}
