import { Orders1763700000000 } from './1763700000000-orders';
import { WebhookInbox1763700000200 } from './1763700000200-webhook-inbox';
import { Sandbox1763700000100 } from './1763700000100-sandbox';

import { Reconcile1763700000500 } from './1763700000500-reconcile';

import { Withdrawals1763700000400 } from './1763700000400-withdrawals';

import { Notifications1763700000300 } from './1763700000300-notifications';

import { SignatureCaptures1763700000600 } from './1763700000600-signature-captures';

import { InvoiceUnique1763700000700 } from './1763700000700-invoice-unique';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [Orders1763700000000, WebhookInbox1763700000200, Sandbox1763700000100, Reconcile1763700000500, Withdrawals1763700000400, Notifications1763700000300, SignatureCaptures1763700000600, InvoiceUnique1763700000700];
