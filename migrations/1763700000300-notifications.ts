import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound merchant notifications (docs/api.md section 8): an outbox row per notifying timeline
 * event, written in the order change's own transaction, and one row per delivery attempt.
 */
export class Notifications1763700000300 implements MigrationInterface {
  name = 'Notifications1763700000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        -- also the Standard Webhooks webhook-id, the same on every attempt
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES orders(id),
        event_id uuid NOT NULL REFERENCES order_events(id),
        type varchar(32) NOT NULL CHECK (type IN ('order.paid','order.failed','order.expired','order.canceled','order.adjusted')),
        -- the body, for ops queries; body holds the exact bytes that are signed and sent
        payload jsonb NOT NULL,
        body text NOT NULL,
        -- pending: waiting for its next attempt; delivering: an attempt is running (lease until next_attempt_at);
        -- delivered: a 2xx; failed: still failing when the retry window closed; abandoned: the receiver answered 410 Gone
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivering','delivered','failed','abandoned')),
        attempts int NOT NULL DEFAULT 0,
        -- attempts already made when the current retry schedule was armed (creation or ops retry)
        armed_attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        -- retries stop (status failed) after the first failed attempt at or past this time
        retry_until timestamptz NOT NULL,
        last_status_code int,
        last_error text,
        delivered_at timestamptz,
        -- millisecond precision: list cursors carry a JS Date, and one change may write several rows at once
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notifications_once UNIQUE (order_id, event_id)
      )`);
    await q.query(`CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status IN ('pending','delivering')`);
    await q.query(`CREATE INDEX notifications_created_idx ON notifications (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notifications_status_created_idx ON notifications (status, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE notification_attempts (
        id bigserial PRIMARY KEY,
        notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        try_number int NOT NULL,
        http_status int,
        error text,
        duration_ms int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_attempts_once UNIQUE (notification_id, try_number)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_attempts`);
    await q.query(`DROP TABLE notifications`);
  }
}
