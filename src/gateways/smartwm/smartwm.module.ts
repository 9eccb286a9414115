import { Module } from '@nestjs/common';
import { SETTINGS } from '../../config/settings.module';
import type { Settings } from '../../config/settings';
import { SmartwmClient } from './smartwm.client';
import { SmartwmGateway } from './smartwm.gateway';

/** SmartWM: its client (from settings.smartwm) and its adapter of the port. */
@Module({
  providers: [
    {
      provide: SmartwmGateway,
      useFactory: (settings: Settings) =>
        new SmartwmGateway(
          new SmartwmClient({ baseUrl: settings.smartwm.baseUrl, clientId: settings.smartwm.clientId, secret: settings.smartwm.secret, timeoutMs: settings.smartwm.timeoutMs }),
          { settings: settings.smartwm, publicBaseUrl: settings.publicBaseUrl },
        ),
      inject: [SETTINGS],
    },
  ],
  exports: [SmartwmGateway],
})
export class SmartwmModule {}
