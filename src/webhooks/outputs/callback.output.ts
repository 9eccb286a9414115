import { ApiProperty } from '@nestjs/swagger';

/** What every callback route answers once the callback is stored. */
export class CallbackReceivedOutput {
  @ApiProperty({ example: true, description: 'always true: the callback is durably stored' }) received: boolean;
  @ApiProperty({ example: false, description: 'true when this X-Idempotency-Key was already stored; it is not applied again' }) duplicate: boolean;
}
