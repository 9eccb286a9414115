import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { SETTINGS } from '../../config/settings.module';
import type { Settings } from '../../config/settings';
import { CryptosteroidGateway } from './cryptosteroid.gateway';

/** CryptoSteroid: its adapter of the port (the client inside it), on the service's settings and HTTP client. */
@Module({
  imports: [HttpModule],
  providers: [
    {
      provide: CryptosteroidGateway,
      useFactory: (settings: Settings, http: HttpService) => new CryptosteroidGateway(() => settings.cryptosteroid, { axios: http.axiosRef }),
      inject: [SETTINGS, HttpService],
    },
  ],
  exports: [CryptosteroidGateway],
})
export class CryptosteroidModule {}
