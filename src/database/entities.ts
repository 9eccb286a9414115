import { OrderEntity, OrderEventEntity } from '../orders/order.entity';

/** Every TypeORM entity of the service. Add new ones here. */
export const ENTITIES = [OrderEntity, OrderEventEntity];
