import { ApiProperty } from '@nestjs/swagger';
import { OrderEventOutput } from './order.output';

/** An order's timeline (GET /v1/orders/{ref}/events), for the OpenAPI document. */
export class OrderEventListOutput {
  @ApiProperty({ type: [OrderEventOutput], description: 'oldest first' }) data: OrderEventOutput[];
}
