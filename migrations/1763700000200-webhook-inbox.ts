import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookInbox1763700000200 implements MigrationInterface {
  name = 'WebhookInbox1763700000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_inbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider varchar(32) NOT NULL,
        idempotency_key varchar(255) NOT NULL,
        payload_hash char(64) NOT NULL,
        raw_body bytea NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        gateway_order_id varchar(128),
        external_id varchar(128),
        order_id uuid,
        status varchar(16) NOT NULL CHECK (status IN ('received','processed','failed','unmatched','conflict')),
        conflict_of uuid REFERENCES webhook_inbox(id),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        outcome jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz
      )`);
    // One stored callback per idempotency key; a different body under a taken key is kept once as a conflict.
    await q.query(`CREATE UNIQUE INDEX webhook_inbox_key ON webhook_inbox (provider, idempotency_key) WHERE conflict_of IS NULL`);
    await q.query(`CREATE UNIQUE INDEX webhook_inbox_conflict ON webhook_inbox (conflict_of, payload_hash) WHERE conflict_of IS NOT NULL`);
    await q.query(`CREATE INDEX webhook_inbox_received_idx ON webhook_inbox (received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_inbox_status_idx ON webhook_inbox (status, received_at DESC)`);
    await q.query(`CREATE INDEX webhook_inbox_order_idx ON webhook_inbox (order_id, received_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_inbox`);
  }
}
