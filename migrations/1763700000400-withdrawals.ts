import { MigrationInterface, QueryRunner } from 'typeorm';

/** Mirror of the merchant's gateway withdrawals (docs/gateways/eccaex.md, "Withdrawals"), upserted by withdraw_uuid. */
export class Withdrawals1763700000400 implements MigrationInterface {
  name = 'Withdrawals1763700000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE withdrawals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        withdraw_uuid varchar(128) NOT NULL,
        withdrawal_method_id bigint,
        address text,
        address_memo text,
        amount numeric(20,6) NOT NULL,
        network_fee numeric(20,6),
        amount_to_receive numeric(20,6),
        status varchar(64) NOT NULL,
        status_group varchar(16) CHECK (status_group IN ('pending','success','failed','cancelled')),
        substatus varchar(128),
        external_tx_id varchar(256),
        gateway_created_at timestamptz,
        gateway_updated_at timestamptz,
        processed_at timestamptz,
        raw jsonb NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT withdrawals_withdraw_uuid_key UNIQUE (withdraw_uuid)
      )`);
    // The ops list: newest first by the gateway's created_at (ours when the gateway gave none), then id.
    await q.query(`CREATE INDEX withdrawals_list_idx ON withdrawals ((COALESCE(gateway_created_at, created_at)) DESC, id DESC)`);
    await q.query(`CREATE INDEX withdrawals_status_list_idx ON withdrawals (status, (COALESCE(gateway_created_at, created_at)) DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE withdrawals`);
  }
}
