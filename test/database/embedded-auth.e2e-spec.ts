import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, startEmbeddedPostgres } from '../../src/database/embedded';

jest.setTimeout(300_000);

/**
 * The embedded database listens on a loopback port: another local user or process must not get
 * in by just connecting. Only a connection that knows the password made for this start does.
 */
describe('embedded database: a password on its loopback port', () => {
  let dir: string;
  let pg: EmbeddedPostgres;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payments-embedded-auth-'));
    pg = await startEmbeddedPostgres(dir);
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the service, with the URL it was given, gets in', async () => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await c.end();
  });

  it.each([
    ['no password', undefined],
    ['a wrong password', 'not-the-password'],
  ])('a connection with %s is refused before anything runs', async (_name, password) => {
    const u = new URL(pg.url);
    const c = new Client({ host: u.hostname, port: Number(u.port), user: 'postgres', database: 'postgres', password, connectionTimeoutMillis: 10_000 });
    c.on('error', () => undefined);
    await expect(c.connect().then(() => c.query('SELECT 1'))).rejects.toThrow(/password/);
    await c.end().catch(() => undefined);
  });

  it('a new start has a new password', async () => {
    const before = new URL(pg.url).password;
    await pg.stop();
    pg = await startEmbeddedPostgres(dir);
    expect(new URL(pg.url).password).not.toBe(before);
    expect(new URL(pg.url).password).toMatch(/^[0-9a-f]{48}$/);
  });
});
