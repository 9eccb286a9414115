import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { EccaexClient } from './eccaex/eccaex.client';
import { EccaexGateway } from './eccaex/eccaex.gateway';
import { GatewaysService } from './gateways.service';

@Module({
  imports: [HttpModule],
  providers: [EccaexClient, EccaexGateway, GatewaysService],
  exports: [EccaexClient, GatewaysService],
})
export class GatewaysModule {}
