import { Orders1763700000000 } from './1763700000000-orders';
import { Sandbox1763700000100 } from './1763700000100-sandbox';
import { WebhookInbox1763700000200 } from './1763700000200-webhook-inbox';
import { Notifications1763700000300 } from './1763700000300-notifications';
import { Withdrawals1763700000400 } from './1763700000400-withdrawals';
import { Reconcile1763700000500 } from './1763700000500-reconcile';
import { SignatureCaptures1763700000600 } from './1763700000600-signature-captures';
import { InvoiceUnique1763700000700 } from './1763700000700-invoice-unique';
import { OrderException1763700000800 } from './1763700000800-order-exception';
import { SandboxCryptosteroid1763700001000 } from './1763700001000-sandbox-cryptosteroid';
import { SandboxSmartwm1763700001100 } from './1763700001100-sandbox-smartwm';
import { RetentionCursor1763700001200 } from './1763700001200-retention-cursor';
import { CallbackCredential1763700002000 } from './1763700002000-callback-credential';
import { SandboxMethodLimits1763700005000 } from './1763700005000-sandbox-method-limits';
import { NotificationsEventIndex1763700006000 } from './1763700006000-notifications-event-index';
import { SandboxCsNewIndex1763700007000 } from './1763700007000-sandbox-cs-new-index';

/**
 * Every migration, in the order they were first released (one a line: add new ones at the end).
 * TypeORM runs the pending ones by timestamp.
 */
export const MIGRATIONS = [
  Orders1763700000000,
  WebhookInbox1763700000200,
  Sandbox1763700000100,
  Reconcile1763700000500,
  Withdrawals1763700000400,
  Notifications1763700000300,
  SignatureCaptures1763700000600,
  InvoiceUnique1763700000700,
  OrderException1763700000800,
  SandboxCryptosteroid1763700001000,
  SandboxSmartwm1763700001100,
  RetentionCursor1763700001200,
  CallbackCredential1763700002000,
  SandboxMethodLimits1763700005000,
  NotificationsEventIndex1763700006000,
  SandboxCsNewIndex1763700007000,
];
