import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/app';

/**
 * Deleting or re-keying a referenced row makes Postgres look for the rows that still name it; with
 * no index leading with the referencing columns, that look reads the whole referencing table, once
 * per row deleted (the retention sweep deletes timeline events by the thousand).
 */
let app: TestApp;
let ds: DataSource;

beforeAll(async () => {
  app = await startTestApp();
  ds = app.app.get(DataSource);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

/** Reference data of the sandbox's emulators (currencies, coins): never deleted, a handful of rows. */
const REFERENCE_DATA = new Set(['sandbox_currencies', 'sandbox_cs_coins']);

it('every foreign key has an index that leads with its columns (unless it names reference data that is never deleted)', async () => {
  const rows = (await ds.query(
    `SELECT c.conrelid::regclass::text AS tbl, c.confrelid::regclass::text AS ref, c.conname AS name
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
           WHERE i.indrelid = c.conrelid
             AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
             AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)
      ORDER BY 1, 3`,
  )) as Array<{ tbl: string; ref: string; name: string }>;
  expect(rows.filter((r) => !REFERENCE_DATA.has(r.ref)).map((r) => `${r.tbl}.${r.name} -> ${r.ref}`)).toEqual([]);
  // The check itself sees such keys: the sandbox's references to its reference data have no index.
  expect(rows.map((r) => r.ref).sort()).toEqual(['sandbox_cs_coins', 'sandbox_currencies']);
});
