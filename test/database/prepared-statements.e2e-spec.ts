import { DataSource } from 'typeorm';
import { loadSettings } from '../../src/config/settings';
import { startTestApp, TestApp } from '../support/app';

/**
 * Hot statements go as named prepared statements (ResilientClient): prepared on their third run
 * on a connection, reused after, each connection under its own names; one-off texts are not.
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

const preparedOn = async (run: (sql: string, values?: unknown[]) => Promise<unknown>, text: string) =>
  (await run(`SELECT name FROM pg_prepared_statements WHERE statement = $1`, [text])) as Array<{ name: string }>;

it('prepares a statement run again and again, once per connection, and answers as before', async () => {
  const qr = ds.createQueryRunner();
  try {
    await qr.connect();
    const run = (sql: string, values?: unknown[]) => qr.query(sql, values);
    const text = `SELECT $1::int + 1 AS n /* prepared-statements spec ${Date.now()} */`;
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) answers.push((await run(text, [i]))[0].n);
    expect(answers).toEqual([1, 2, 3, 4, 5, 6]);
    const names = await preparedOn(run, text);
    expect(names).toHaveLength(1);
    expect(names[0]!.name).toMatch(/^mp[0-9a-z]+_[0-9a-f]{24}$/);

    const once = `SELECT $1::int AS n /* run once ${Date.now()} */`;
    expect((await run(once, [7]))[0].n).toBe(7);
    expect(await preparedOn(run, once)).toHaveLength(0);
  } finally {
    await qr.release();
  }
});

it('keeps the errors a statement gives (a unique violation stays SQLSTATE 23505 on the prepared path)', async () => {
  const text = `INSERT INTO idempotency_keys (scope, key, request_hash, state) VALUES ($1, $2, 'h', 'done')`;
  const key = `prepared-${Date.now()}`;
  for (let i = 0; i < 3; i++) await ds.query(text, ['spec', `${key}-${i}`]);
  await expect(ds.query(text, ['spec', `${key}-0`])).rejects.toMatchObject({ code: '23505' });
  await expect(ds.query(text, ['spec', `${key}-0`])).rejects.toMatchObject({ code: '23505' });
});

it('prepares a statement again when its table gained a column meanwhile (a newer replica migrated), and answers', async () => {
  const qr = ds.createQueryRunner();
  const table = `prepared_shape_${Date.now()}`;
  try {
    await qr.connect();
    await qr.query(`CREATE TABLE ${table} (id int PRIMARY KEY, a text)`);
    await qr.query(`INSERT INTO ${table} VALUES (1, 'x')`);
    const text = `SELECT * FROM ${table} WHERE id = $1`;
    for (let i = 0; i < 4; i++) expect(await qr.query(text, [1])).toEqual([{ id: 1, a: 'x' }]);
    expect(await preparedOn((sql, v) => qr.query(sql, v), text)).toHaveLength(1);

    // Outside a transaction: prepared again and answered at once, with the new column.
    await qr.query(`ALTER TABLE ${table} ADD COLUMN b text DEFAULT 'y'`);
    expect(await qr.query(text, [1])).toEqual([{ id: 1, a: 'x', b: 'y' }]);
    expect(await qr.query(text, [1])).toEqual([{ id: 1, a: 'x', b: 'y' }]);

    // Inside a transaction the error stands (the transaction is aborted); the next use is prepared again.
    await qr.query(`ALTER TABLE ${table} ADD COLUMN c text DEFAULT 'z'`);
    await qr.startTransaction();
    await expect(qr.query(text, [1])).rejects.toMatchObject({ code: '0A000' });
    await qr.rollbackTransaction();
    expect(await qr.query(text, [1])).toEqual([{ id: 1, a: 'x', b: 'y', c: 'z' }]);
  } finally {
    await qr.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await qr.release();
  }
});

describe('DATABASE_PREPARED_STATEMENTS', () => {
  it('false: nothing is prepared (for a pooler that cannot keep prepared statements)', async () => {
    const plain = await startTestApp({ DATABASE_PREPARED_STATEMENTS: 'false' });
    const qr = plain.app.get(DataSource).createQueryRunner();
    try {
      await qr.connect();
      const text = `SELECT $1::int * 2 AS n /* not prepared ${Date.now()} */`;
      for (let i = 1; i <= 5; i++) expect((await qr.query(text, [i]))[0].n).toBe(2 * i);
      expect(await preparedOn((sql, v) => qr.query(sql, v), text)).toHaveLength(0);
    } finally {
      await qr.release();
      await plain.close();
    }
  });

  it('is checked at start-up', () => {
    expect(() => loadSettings({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/^Invalid setting DATABASE_PREPARED_STATEMENTS: /);
    expect(loadSettings({}).databasePreparedStatements).toBe(true);
    expect(loadSettings({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
  });
});
