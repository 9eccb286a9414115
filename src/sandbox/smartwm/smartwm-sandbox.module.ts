import { DynamicModule, Module } from '@nestjs/common';
import { requireSourceTextAccess } from '../../common/json-exact';
import { SwmApiController } from './api.controller';
import { SwmControl } from './control';
import { SwmControlController } from './control.controller';
import { SwmEnvelopeHook } from './envelope.hook';
import { SwmInvoices } from './invoices';
import { SwmPayPageController } from './pay-page.controller';
import { PingDispatcher } from './ping-dispatcher';
import { SMARTWM_SANDBOX_CONFIG, SmartwmSandboxConfig } from './sandbox-config';
import { SwmStore } from './store';

/**
 * The SmartWM (DPAY) acquiring emulator under /sandbox/smartwm: the invoice API, the hosted page,
 * the status_url pings and the test controls. Needs the host's TypeORM DataSource (tables
 * sandbox_swm_*); the credentials it accepts come in `config`.
 */
@Module({})
export class SmartwmSandboxModule {
  static forRoot(config: SmartwmSandboxConfig): DynamicModule {
    // Its API reads and writes money as exact JSON numbers: refuse to start where it cannot.
    requireSourceTextAccess();
    return {
      module: SmartwmSandboxModule,
      controllers: [SwmApiController, SwmPayPageController, SwmControlController],
      providers: [{ provide: SMARTWM_SANDBOX_CONFIG, useValue: config }, SwmStore, SwmControl, PingDispatcher, SwmInvoices, SwmEnvelopeHook],
      exports: [SwmStore, SwmControl, SwmInvoices, SMARTWM_SANDBOX_CONFIG],
    };
  }
}
