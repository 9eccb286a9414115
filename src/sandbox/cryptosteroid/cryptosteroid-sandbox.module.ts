import { DynamicModule, Module } from '@nestjs/common';
import { CsControlController } from './control.controller';
import { CsSandboxControl } from './control-state';
import { CsHostedPageController } from './hosted-page.controller';
import { CsInvoiceLifecycle } from './invoice-lifecycle';
import { CsMerchantApiController } from './merchant-api.controller';
import { MerchantApiInterceptor } from './merchant-api.interceptor';
import { CS_SANDBOX_CONFIG, csSandboxConfig, CsSandboxConfig } from './sandbox-config';
import { CsSandboxStore } from './store';
import { CsWebhookDispatcher } from './webhook-dispatcher';

/**
 * The CryptoSteroid emulator under /sandbox/cryptosteroid: the merchant invoice API, the hosted
 * payment page, the PAID webhook and the test controls. Needs the host's TypeORM DataSource (the
 * sandbox_cs_* tables); nothing else of the service.
 */
@Module({})
export class CryptosteroidSandboxModule {
  static forRoot(config: Parameters<typeof csSandboxConfig>[0]): DynamicModule {
    const full: CsSandboxConfig = csSandboxConfig(config);
    return {
      module: CryptosteroidSandboxModule,
      controllers: [CsMerchantApiController, CsHostedPageController, CsControlController],
      providers: [
        { provide: CS_SANDBOX_CONFIG, useValue: full },
        CsSandboxStore,
        CsSandboxControl,
        CsWebhookDispatcher,
        CsInvoiceLifecycle,
        MerchantApiInterceptor,
      ],
      exports: [CsSandboxStore, CsSandboxControl, CsInvoiceLifecycle, CsWebhookDispatcher, CS_SANDBOX_CONFIG],
    };
  }
}
