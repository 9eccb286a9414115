import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the EccaEx sandbox emulator (src/sandbox/eccaex). Only used in sandbox mode, but
 * created everywhere so a database can switch modes. Money is numeric, never float.
 */
export class Sandbox1763700000100 implements MigrationInterface {
  name = 'Sandbox1763700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sandbox_currencies (
        code char(3) PRIMARY KEY,
        name varchar(64) NOT NULL,
        symbol varchar(8),
        decimals int NOT NULL DEFAULT 2,
        rate numeric(20,2) NOT NULL CHECK (rate > 0),
        enabled boolean NOT NULL DEFAULT true,
        sort int NOT NULL DEFAULT 0
      )`);
    await q.query(`
      INSERT INTO sandbox_currencies (code, name, symbol, decimals, rate, sort) VALUES
        ('UAH', 'Ukrainian Hryvnia', '₴', 2, 41.32, 1),
        ('KZT', 'Kazakhstani Tenge', '₸', 2, 489.50, 2),
        ('EUR', 'Euro', '€', 2, 0.92, 3),
        ('USD', 'US Dollar', '$', 2, 1.00, 4)`);
    await q.query(`
      CREATE TABLE sandbox_payment_methods (
        method_code varchar(64) PRIMARY KEY,
        name varchar(128) NOT NULL,
        currency char(3) NOT NULL REFERENCES sandbox_currencies(code),
        min_sum numeric(14,2) NOT NULL,
        max_sum numeric(14,2) NOT NULL,
        client_commission numeric(5,2) NOT NULL,
        merchant_commission numeric(5,2) NOT NULL,
        payment_time int NOT NULL,
        logo_url text,
        active boolean NOT NULL DEFAULT true,
        sort int NOT NULL DEFAULT 0
      )`);
    await q.query(`
      INSERT INTO sandbox_payment_methods
        (method_code, name, currency, min_sum, max_sum, client_commission, merchant_commission, payment_time, sort) VALUES
        ('monobank', 'Monobank UA', 'UAH', 100.00, 10000.00, 2.50, 0.00, 15, 1),
        ('privatbank', 'PrivatBank UA', 'UAH', 100.00, 15000.00, 1.00, 1.50, 15, 2),
        ('kaspi', 'Kaspi KZ', 'KZT', 1000.00, 500000.00, 2.00, 1.00, 15, 3),
        ('sepa', 'SEPA transfer', 'EUR', 10.00, 5000.00, 1.00, 1.00, 30, 4)`);
    // One row per invoice; the deal (created when a method is picked) lives in the deal_* columns
    // so every state change is a single-row update.
    await q.query(`
      CREATE TABLE sandbox_invoices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id varchar(64) NOT NULL,
        external_id varchar(128) NOT NULL,
        customer_id varchar(128) NOT NULL,
        purpose varchar(512),
        amount numeric(14,2) NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        status varchar(16) NOT NULL,
        reason varchar(64),
        callback_url text,
        success_url text,
        fail_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        finished_at timestamptz,
        deal_id uuid,
        deal_status varchar(16),
        deal_sub_status varchar(32),
        method_code varchar(64),
        method_name varchar(128),
        client_commission numeric(5,2),
        merchant_commission numeric(5,2),
        amount_fiat numeric(14,2),
        conversion_rate numeric(20,2),
        merchant_usdt numeric(20,2),
        is_adjusted boolean NOT NULL DEFAULT false,
        deal_created_at timestamptz,
        deal_expires_at timestamptz,
        deal_finished_at timestamptz,
        mark_paid_at timestamptz,
        CONSTRAINT sandbox_invoices_external_key UNIQUE (merchant_id, external_id),
        CONSTRAINT sandbox_invoices_status_check CHECK (status IN ('pending','success','fail','expired','canceled'))
      )`);
    await q.query(`CREATE INDEX sandbox_invoices_list_idx ON sandbox_invoices (merchant_id, created_at, id)`);
    await q.query(
      `CREATE INDEX sandbox_invoices_due_idx ON sandbox_invoices ((COALESCE(deal_expires_at, expires_at))) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE sandbox_webhook_events (
        id bigserial PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES sandbox_invoices(id),
        event_type varchar(32) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('pending','success','dead')),
        callback_url text NOT NULL,
        idempotency_key varchar(200) NOT NULL UNIQUE,
        event_ts bigint NOT NULL,
        request_payload text NOT NULL,
        auto_attempts int NOT NULL DEFAULT 0,
        manual_attempts int NOT NULL DEFAULT 0,
        next_retry_at timestamptz,
        locked_at timestamptz,
        locked_by varchar(128),
        locked_until timestamptz,
        last_manual_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sandbox_webhook_events_invoice_idx ON sandbox_webhook_events (invoice_id, id)`);
    await q.query(`CREATE INDEX sandbox_webhook_events_due_idx ON sandbox_webhook_events (next_retry_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE sandbox_webhook_attempts (
        id bigserial PRIMARY KEY,
        event_id bigint NOT NULL REFERENCES sandbox_webhook_events(id),
        try_number int NOT NULL,
        trigger varchar(8) NOT NULL CHECK (trigger IN ('auto','manual')),
        attempt_status varchar(8) NOT NULL CHECK (attempt_status IN ('success','failed')),
        http_status int,
        response_headers jsonb,
        response_body text,
        error_message text,
        duration_ms int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sandbox_webhook_attempts_try_key UNIQUE (event_id, try_number)
      )`);
    await q.query(`
      CREATE TABLE sandbox_withdrawals (
        withdraw_uuid uuid PRIMARY KEY,
        merchant_id varchar(64) NOT NULL,
        withdrawal_method_id int NOT NULL,
        address text NOT NULL,
        address_memo text,
        amount numeric(20,2) NOT NULL,
        network_fee numeric(20,2) NOT NULL,
        amount_to_receive numeric(20,2) NOT NULL,
        status varchar(16) NOT NULL,
        substatus varchar(64),
        external_tx_id varchar(128),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        absent_fields text[] NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX sandbox_withdrawals_list_idx ON sandbox_withdrawals (merchant_id, created_at, withdraw_uuid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sandbox_withdrawals`);
    await q.query(`DROP TABLE sandbox_webhook_attempts`);
    await q.query(`DROP TABLE sandbox_webhook_events`);
    await q.query(`DROP TABLE sandbox_invoices`);
    await q.query(`DROP TABLE sandbox_payment_methods`);
    await q.query(`DROP TABLE sandbox_currencies`);
  }
}
