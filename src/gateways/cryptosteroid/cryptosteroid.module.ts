import { Module } from '@nestjs/common';
import { SETTINGS } from '../../config/settings.module';
import type { Settings } from '../../config/settings';
import { CryptosteroidGateway } from './cryptosteroid.gateway';

/** CryptoSteroid: its adapter of the port (the client inside it, with its own keep-alive pool), on the service's settings. */
@Module({
  providers: [
    {
      provide: CryptosteroidGateway,
      useFactory: (settings: Settings) => new CryptosteroidGateway(() => settings.cryptosteroid),
      inject: [SETTINGS],
    },
  ],
  exports: [CryptosteroidGateway],
})
export class CryptosteroidModule {}
