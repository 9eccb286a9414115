import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the retention sweep's walk over old orders stopped (src/retention): each run goes on from
 * there, so a run's cost stays bounded however many orders the table holds.
 */
export class RetentionCursor1763700001200 implements MigrationInterface {
  name = 'RetentionCursor1763700001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE retention_cursors (
        name varchar(64) PRIMARY KEY,
        created_at timestamptz NOT NULL,
        id uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE retention_cursors`);
  }
}
