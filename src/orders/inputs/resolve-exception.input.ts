import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** POST /v1/orders/{ref}/exception/resolve: what the person decided, kept in the timeline. */
export class ResolveExceptionInput {
  @ApiProperty({ minLength: 1, maxLength: 1000, example: 'Customer sent the missing 6.30 USDT in a second transfer; checked on chain.' })
  @IsString()
  @Length(1, 1000)
  @Matches(/\S/, { message: 'note must not be blank' })
  note: string;
}
