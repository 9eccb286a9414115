import { Logger } from '@nestjs/common';
import { loadSettings } from '../config/settings';
import { openDatabase, runMigrations } from './database';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const log = new Logger('Migrations');
  const db = await openDatabase(loadSettings());
  try {
    const ran = await runMigrations(db);
    log.log(ran.length ? `applied: ${ran.join(', ')}` : 'database is up to date');
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exit(1);
});
