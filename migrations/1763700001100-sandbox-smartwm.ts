import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the SmartWM (DPAY) acquiring emulator (src/sandbox/smartwm): invoices, the status_url
 * pings with every attempt, and the record of API requests received. Created everywhere, used in
 * sandbox mode only. Money is numeric, never float.
 */
export class SandboxSmartwm1763700001100 implements MigrationInterface {
  name = 'SandboxSmartwm1763700001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sandbox_swm_invoices (
        tracking varchar(39) PRIMARY KEY,
        client_id varchar(64) NOT NULL,
        payment_id varchar(128) NOT NULL,
        method varchar(64) NOT NULL,
        method_used varchar(64) NOT NULL,
        amount numeric(30,8) NOT NULL CHECK (amount > 0),
        scale smallint NOT NULL,
        status varchar(16) NOT NULL,
        flow varchar(8),
        description text,
        account varchar(256),
        sender varchar(256),
        success_url text,
        fail_url text,
        status_url text,
        extra_fields jsonb NOT NULL DEFAULT '{}',
        fee numeric(30,8),
        accrual_amount numeric(30,8),
        accrual_currency varchar(16),
        is_recalc boolean NOT NULL DEFAULT false,
        error text,
        payer varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (client_id, payment_id)
      )`);
    await q.query(`CREATE INDEX sandbox_swm_invoices_created ON sandbox_swm_invoices (client_id, created_at)`);
    await q.query(`
      CREATE TABLE sandbox_swm_pings (
        id bigserial PRIMARY KEY,
        tracking varchar(39) NOT NULL REFERENCES sandbox_swm_invoices (tracking) ON DELETE CASCADE,
        invoice_status varchar(16) NOT NULL,
        url text NOT NULL,
        trigger varchar(8) NOT NULL,
        state varchar(8) NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        locked_by varchar(128),
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sandbox_swm_pings_due ON sandbox_swm_pings (next_attempt_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX sandbox_swm_pings_tracking ON sandbox_swm_pings (tracking)`);
    await q.query(`
      CREATE TABLE sandbox_swm_ping_attempts (
        id bigserial PRIMARY KEY,
        ping_id bigint NOT NULL REFERENCES sandbox_swm_pings (id) ON DELETE CASCADE,
        try_number int NOT NULL,
        ok boolean NOT NULL,
        http_status int,
        error_message text,
        duration_ms int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sandbox_swm_ping_attempts_ping ON sandbox_swm_ping_attempts (ping_id)`);
    // What the emulated API received and answered, so tests can count calls (e.g. creates per order).
    await q.query(`
      CREATE TABLE sandbox_swm_requests (
        id bigserial PRIMARY KEY,
        endpoint varchar(16) NOT NULL,
        client_id varchar(64),
        payment_id varchar(128),
        tracking varchar(39),
        signature_ok boolean NOT NULL,
        http_status int,
        error_code varchar(16),
        fault varchar(24),
        request text,
        answer text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sandbox_swm_requests_payment ON sandbox_swm_requests (payment_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sandbox_swm_requests`);
    await q.query(`DROP TABLE IF EXISTS sandbox_swm_ping_attempts`);
    await q.query(`DROP TABLE IF EXISTS sandbox_swm_pings`);
    await q.query(`DROP TABLE IF EXISTS sandbox_swm_invoices`);
  }
}
