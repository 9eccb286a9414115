import { MigrationInterface, QueryRunner } from 'typeorm';

export class Orders1763700000000 implements MigrationInterface {
  name = 'Orders1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        external_id varchar(128) NOT NULL,
        provider varchar(32) NOT NULL,
        status varchar(24) NOT NULL,
        amount numeric(14,2) NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        customer_id varchar(128) NOT NULL,
        description varchar(512),
        metadata jsonb NOT NULL DEFAULT '{}',
        success_url text,
        fail_url text,
        payment_method varchar(64),
        payment_link text,
        gateway_invoice_id varchar(128),
        expires_at timestamptz,
        payment jsonb,
        paid_at timestamptz,
        last_checked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT orders_external_id_key UNIQUE (external_id),
        CONSTRAINT orders_status_check CHECK (status IN ('pending','awaiting_payment','paid','failed','expired','canceled'))
      )`);
    await q.query(`CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_gateway_invoice_idx ON orders (provider, gateway_invoice_id)`);
    await q.query(`
      CREATE TABLE order_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES orders(id),
        seq bigserial NOT NULL,
        type varchar(48) NOT NULL,
        from_status varchar(24),
        to_status varchar(24),
        source varchar(16) NOT NULL CHECK (source IN ('api','webhook','reconcile','ops')),
        dedupe_key varchar(200) NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT order_events_once UNIQUE (order_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX order_events_order_idx ON order_events (order_id, seq)`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope varchar(64) NOT NULL,
        key varchar(255) NOT NULL,
        request_hash char(64) NOT NULL,
        state varchar(16) NOT NULL CHECK (state IN ('in_progress','retryable','done')),
        locked_until timestamptz,
        order_id uuid,
        response_status int,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE order_events`);
    await q.query(`DROP TABLE orders`);
  }
}
