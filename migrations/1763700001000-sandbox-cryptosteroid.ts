import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the CryptoSteroid sandbox emulator (src/sandbox/cryptosteroid). Used in sandbox mode
 * only, but created everywhere so a database can switch modes. Coin amounts are numeric with 18
 * decimal places (every coin's precision fits), fiat numeric(14,2); never a float.
 */
export class SandboxCryptosteroid1763700001000 implements MigrationInterface {
  name = 'SandboxCryptosteroid1763700001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sandbox_cs_coins (
        code varchar(16) PRIMARY KEY,
        name varchar(64) NOT NULL,
        network varchar(32) NOT NULL,
        decimals int NOT NULL CHECK (decimals BETWEEN 0 AND 18),
        sort int NOT NULL DEFAULT 0
      )`);
    // Precision per coin is UNKNOWN at the provider: these are the sandbox's.
    await q.query(`
      INSERT INTO sandbox_cs_coins (code, name, network, decimals, sort) VALUES
        ('BTC', 'Bitcoin', 'Bitcoin', 8, 1),
        ('ETH', 'Ethereum', 'Ethereum', 8, 2),
        ('TRX', 'Tron', 'Tron', 6, 3),
        ('BCH', 'Bitcoin Cash', 'Bitcoin Cash', 8, 4),
        ('LTC', 'Litecoin', 'Litecoin', 8, 5),
        ('DOGE', 'Dogecoin', 'Dogecoin', 8, 6),
        ('USDT_ERC20', 'Tether USD (ERC20)', 'Ethereum', 6, 7),
        ('USDT_TRC20', 'Tether USD (TRC20)', 'Tron', 6, 8)`);
    // Price of one coin in each invoice currency.
    await q.query(`
      CREATE TABLE sandbox_cs_rates (
        coin varchar(16) NOT NULL REFERENCES sandbox_cs_coins(code),
        fiat char(3) NOT NULL,
        price numeric(24,8) NOT NULL CHECK (price > 0),
        PRIMARY KEY (coin, fiat)
      )`);
    await q.query(`
      INSERT INTO sandbox_cs_rates (coin, fiat, price) VALUES
        ('BTC', 'USD', 65000), ('BTC', 'EUR', 60000), ('BTC', 'RUB', 6000000),
        ('ETH', 'USD', 3200), ('ETH', 'EUR', 2950), ('ETH', 'RUB', 295000),
        ('TRX', 'USD', 0.125), ('TRX', 'EUR', 0.115), ('TRX', 'RUB', 11.5),
        ('BCH', 'USD', 400), ('BCH', 'EUR', 370), ('BCH', 'RUB', 37000),
        ('LTC', 'USD', 80), ('LTC', 'EUR', 74), ('LTC', 'RUB', 7400),
        ('DOGE', 'USD', 0.16), ('DOGE', 'EUR', 0.148), ('DOGE', 'RUB', 14.8),
        ('USDT_ERC20', 'USD', 1), ('USDT_ERC20', 'EUR', 0.92), ('USDT_ERC20', 'RUB', 92),
        ('USDT_TRC20', 'USD', 1), ('USDT_TRC20', 'EUR', 0.92), ('USDT_TRC20', 'RUB', 92)`);
    // One row per invoice; the chosen coin, its deposit address and the amounts received live in
    // the same row, so every state change is a single-row update.
    await q.query(`
      CREATE TABLE sandbox_cs_invoices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL,
        external_id varchar(256),
        description text NOT NULL,
        fiat_amount numeric(14,2) NOT NULL CHECK (fiat_amount > 0),
        fiat_currency char(3) NOT NULL,
        who_pay_commission varchar(8) NOT NULL CHECK (who_pay_commission IN ('buyer','seller')),
        secret text,
        processing_url text,
        return_url text,
        fail_return_url text,
        status varchar(16) NOT NULL CHECK (status IN ('NEW','WAITING','EXPIRED','CANCELLED','PAID')),
        timeout_seconds int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        method varchar(16) REFERENCES sandbox_cs_coins(code),
        coin_decimals int,
        address text,
        coin_price numeric(24,8),
        coin_amount numeric(38,18),
        coin_net numeric(38,18),
        coin_fee numeric(38,18),
        received numeric(38,18) NOT NULL DEFAULT 0,
        tx_hashes text[] NOT NULL DEFAULT '{}',
        paid_at timestamptz
      )`);
    await q.query(`CREATE INDEX sandbox_cs_invoices_external_idx ON sandbox_cs_invoices (merchant_id, external_id)`);
    await q.query(`CREATE INDEX sandbox_cs_invoices_open_idx ON sandbox_cs_invoices (expires_at) WHERE status IN ('NEW','WAITING')`);
    // The single PAID webhook of an invoice (the provider sends it once), and every delivery attempt.
    await q.query(`
      CREATE TABLE sandbox_cs_webhooks (
        id bigserial PRIMARY KEY,
        invoice_id uuid NOT NULL UNIQUE REFERENCES sandbox_cs_invoices(id),
        url text NOT NULL,
        payload text NOT NULL,
        status varchar(8) NOT NULL CHECK (status IN ('pending','success','dead')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        locked_by varchar(128),
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sandbox_cs_webhooks_due_idx ON sandbox_cs_webhooks (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE sandbox_cs_webhook_attempts (
        id bigserial PRIMARY KEY,
        webhook_id bigint NOT NULL REFERENCES sandbox_cs_webhooks(id),
        try_number int NOT NULL,
        trigger varchar(8) NOT NULL CHECK (trigger IN ('auto','manual')),
        http_status int,
        response_body text,
        error_message text,
        duration_ms int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sandbox_cs_webhook_attempts_try_key UNIQUE (webhook_id, try_number)
      )`);
    // What the merchant API received (test tooling: how many creates the service made per order).
    await q.query(`
      CREATE TABLE sandbox_cs_requests (
        id bigserial PRIMARY KEY,
        endpoint varchar(32) NOT NULL,
        method varchar(8) NOT NULL,
        invoice_id uuid,
        external_id varchar(256),
        http_status int,
        outcome varchar(32) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sandbox_cs_requests_external_idx ON sandbox_cs_requests (external_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sandbox_cs_requests`);
    await q.query(`DROP TABLE sandbox_cs_webhook_attempts`);
    await q.query(`DROP TABLE sandbox_cs_webhooks`);
    await q.query(`DROP TABLE sandbox_cs_invoices`);
    await q.query(`DROP TABLE sandbox_cs_rates`);
    await q.query(`DROP TABLE sandbox_cs_coins`);
  }
}
