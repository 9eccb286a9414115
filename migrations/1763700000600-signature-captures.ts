import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rejected EccaEx callbacks kept for signature discovery (ECCAEX_SIGNATURE_CAPTURE=true): the raw
 * body and the three signature headers, never a secret. The service keeps the newest 100.
 */
export class SignatureCaptures1763700000600 implements MigrationInterface {
  name = 'SignatureCaptures1763700000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE signature_captures (
        id bigserial PRIMARY KEY,
        provider varchar(32) NOT NULL DEFAULT 'eccaex',
        reason varchar(64) NOT NULL,
        raw_body bytea NOT NULL,
        body_bytes int NOT NULL,
        x_signature varchar(1024),
        x_signature_timestamp varchar(128),
        x_idempotency_key varchar(255),
        content_type varchar(255),
        header_names text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX signature_captures_received_idx ON signature_captures (received_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE signature_captures`);
  }
}
