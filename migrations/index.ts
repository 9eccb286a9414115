import { Orders1763700000000 } from './1763700000000-orders';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [Orders1763700000000];
