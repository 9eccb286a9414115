import { Module } from '@nestjs/common';
import { EccaexClient } from './eccaex.client';
import { EccaexGateway } from './eccaex.gateway';
import { SignatureCaptureService } from './eccaex-signature-capture.service';

/** EccaEx: its client, its adapter of the port, and the capture of rejected callbacks (signature discovery). */
@Module({
  providers: [EccaexClient, EccaexGateway, SignatureCaptureService],
  exports: [EccaexClient, EccaexGateway, SignatureCaptureService],
})
export class EccaexModule {}
