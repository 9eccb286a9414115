/** Says once which database the e2e run uses; each suite then makes its own fresh one. */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  process.stdout.write(`\n[e2e] database: ${url ? `Postgres at ${url.replace(/\/\/[^@]*@/, '//')}` : 'embedded PGlite (DATABASE_URL unset)'}\n`);
}
