import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gateways whose callbacks carry a per-order secret (a Token header, a token in the callback URL)
 * get a fresh random one at invoice creation: only its hash is kept, and a callback is trusted
 * when what it presents hashes to it (compared in constant time).
 */
export class CallbackCredential1763700002000 implements MigrationInterface {
  name = 'CallbackCredential1763700002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN callback_credential_hash varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders DROP COLUMN callback_credential_hash`);
  }
}
