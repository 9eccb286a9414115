import { Orders1763700000000 } from './1763700000000-orders';
import { WebhookInbox1763700000200 } from './1763700000200-webhook-inbox';
import { Sandbox1763700000100 } from './1763700000100-sandbox';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [Orders1763700000000, WebhookInbox1763700000200, Sandbox1763700000100];
