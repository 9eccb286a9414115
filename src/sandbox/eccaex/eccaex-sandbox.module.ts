import { DynamicModule, Module } from '@nestjs/common';
import { ControlController } from './control.controller';
import { FaultInterceptor, SandboxControl } from './faults';
import { HostedPageController } from './hosted-page.controller';
import { EccaexEnvelopeHook } from './http-hooks';
import { ApiKeyGuard } from './api-key.guard';
import { InvoiceLifecycle } from './invoice-lifecycle';
import { MerchantApiController } from './merchant-api.controller';
import { PublicApiController, SimulateController } from './public-api.controller';
import { RequestLog, RequestLogInterceptor } from './request-log';
import { loadSandboxConfig, SANDBOX_CONFIG, SandboxConfig } from './sandbox-config';
import { SandboxStore } from './store';
import { WebhookDispatcher } from './webhook-dispatcher';
import { SandboxWithdrawals } from './withdrawals';

/**
 * The EccaEx emulator under /sandbox/eccaex (docs/gateways/eccaex.md, "The sandbox"). Needs SETTINGS (global
 * SettingsModule) and the TypeORM DataSource from the host application.
 */
@Module({})
export class EccaexSandboxModule {
  static forRoot(config: SandboxConfig = loadSandboxConfig()): DynamicModule {
    return {
      module: EccaexSandboxModule,
      controllers: [MerchantApiController, PublicApiController, SimulateController, HostedPageController, ControlController],
      providers: [
        { provide: SANDBOX_CONFIG, useValue: config },
        SandboxStore,
        SandboxControl,
        FaultInterceptor,
        RequestLog,
        RequestLogInterceptor,
        ApiKeyGuard,
        WebhookDispatcher,
        InvoiceLifecycle,
        SandboxWithdrawals,
        EccaexEnvelopeHook,
      ],
      exports: [SandboxStore, SandboxControl, InvoiceLifecycle, WebhookDispatcher, SANDBOX_CONFIG],
    };
  }
}
