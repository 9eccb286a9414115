import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The EccaEx sandbox's hryvnia methods take amounts from 1.00 UAH (was 100.00). Orders are now
 * refused when no method's min_sum / max_sum takes the amount (CONTRACT section 3), and the demo
 * and its tests order small UAH amounts; 0.01 UAH and anything above 15,000.00 UAH stay unpayable.
 */
export class SandboxMethodLimits1763700005000 implements MigrationInterface {
  name = 'SandboxMethodLimits1763700005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE sandbox_payment_methods SET min_sum = 1.00 WHERE method_code IN ('monobank', 'privatbank') AND min_sum = 100.00`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE sandbox_payment_methods SET min_sum = 100.00 WHERE method_code IN ('monobank', 'privatbank') AND min_sum = 1.00`);
  }
}
