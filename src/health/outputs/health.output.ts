import { ApiProperty } from '@nestjs/swagger';

/** GET /health/live, for the OpenAPI document. */
export class HealthLiveOutput {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}
