import { buildPages } from '../../scripts/build-pages';

/**
 * Says once which database the e2e run uses (each suite then makes its own fresh one), and builds
 * the pages' browser bundles (dist/pages/) the service serves: the tests never depend on a build
 * step someone has to remember.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  process.stdout.write(`\n[e2e] database: ${url ? `Postgres at ${url.replace(/\/\/[^@]*@/, '//')}` : 'embedded PGlite (DATABASE_URL unset)'}\n`);
  const started = Date.now();
  await buildPages();
  process.stdout.write(`[e2e] pages built in ${Date.now() - started} ms\n`);
}
