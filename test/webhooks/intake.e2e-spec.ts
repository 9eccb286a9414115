import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { logDestination } from '../../src/common/logging';
import { startTestApp, TestApp } from '../support/app';
import { postCallback } from '../support/callbacks';

/**
 * The intake stores concurrent callbacks together, one statement per batch. A batch the table
 * refuses because of one callback's data is stored again one by one: the others are stored and
 * answered 200, only that callback gets the 503 (and the gateway retries it alone).
 */
describe('callback intake: a batch refused for one callback', () => {
  let app: TestApp;
  let ds: DataSource;
  const logs: string[] = [];

  beforeAll(async () => {
    logDestination.stream = { write: (s: string) => void logs.push(s) };
    app = await startTestApp({ LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0' });
    ds = app.app.get(DataSource);
    // A row the table cannot hold (SQLSTATE 23514), as a value no check of the service foresaw would be.
    await ds.query(`ALTER TABLE webhook_inbox ADD CONSTRAINT test_refuses_poison CHECK (external_id IS NULL OR external_id NOT LIKE 'poison-%')`);
  });
  afterAll(async () => {
    await app?.close();
    logDestination.stream = undefined;
  });

  it('the others are stored and answered 200; only that one is refused (503) and not stored', async () => {
    const N = 24;
    const POISON = 12;
    // Concurrent callbacks form batches by themselves; a round proves the point only when the
    // refused one shared its statement with others (the service says so in its log), so rounds
    // go on until one did.
    for (let round = 1; round <= 10; round++) {
      const externalIds = Array.from({ length: N }, (_, i) => (i === POISON ? `poison-${round}` : `intake-${round}-${i}`));
      const before = logs.length;
      const replies = await Promise.all(
        externalIds.map((externalId, i) =>
          postCallback(app.http, JSON.stringify({ event_id: `intake-${round}-${i}`, external_id: externalId, status: 'pending' }), { key: `intake-${round}-${i}` }),
        ),
      );
      expect(replies.map((r, i) => [externalIds[i], r.status])).toEqual(externalIds.map((id, i) => [id, i === POISON ? 503 : 200]));
      expect(replies[POISON]!.body.error.code).toBe('STORAGE_UNAVAILABLE');
      expect(replies.filter((_, i) => i !== POISON).every((r) => r.body.received === true && r.body.duplicate === false)).toBe(true);
      const stored = (await ds.query(`SELECT external_id FROM webhook_inbox WHERE external_id LIKE $1 OR external_id = $2`, [`intake-${round}-%`, `poison-${round}`])) as Array<{ external_id: string }>;
      expect(stored.map((r) => r.external_id).sort()).toEqual(externalIds.filter((_, i) => i !== POISON).sort());
      if (logs.slice(before).some((l) => /a batch of \d+ callbacks was refused .*storing them one by one/.test(l))) return;
    }
    throw new Error('in 10 rounds the refused callback never shared a batch with others');
  });

  it('a batch keeps every body byte for byte: lengths, whitespace and multi-byte characters as sent', async () => {
    const bodies = Array.from({ length: 24 }, (_, i) => {
      const fields = { event_id: `bytes-${i}`, external_id: `bytes-${i}`, status: 'pending', note: 'é€😀\\"'.repeat(i % 5), pad: 'x'.repeat((i * 997) % 4000) };
      return i % 3 === 0 ? JSON.stringify(fields, null, i % 4) + '\n' : JSON.stringify(fields);
    });
    const replies = await Promise.all(bodies.map((raw, i) => postCallback(app.http, raw, { key: `bytes-${i}` })));
    expect(replies.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const stored = (await ds.query(`SELECT id, external_id, raw_body, payload_hash FROM webhook_inbox WHERE external_id LIKE 'bytes-%'`)) as Array<{ id: string; external_id: string; raw_body: Buffer; payload_hash: string }>;
    expect(stored).toHaveLength(bodies.length);
    expect(stored.filter((r) => r.id[14] !== '7')).toEqual([]); // version 7 ids (src/common/ids.ts)
    for (const row of stored) {
      const sent = Buffer.from(bodies[Number(row.external_id.slice('bytes-'.length))]!, 'utf8');
      expect([row.external_id, row.raw_body.equals(sent), row.payload_hash]).toEqual([row.external_id, true, createHash('sha256').update(sent).digest('hex')]);
    }
    // They went in shared statements: one processing job names several of them.
    const jobs = (await ds.query(`SELECT data FROM pgboss.job WHERE data ? 'inboxIds'`)) as Array<{ data: { inboxIds: string[] } }>;
    const ids = new Set(stored.map((r) => r.id));
    expect(Math.max(...jobs.map((j) => j.data.inboxIds.filter((id) => ids.has(id)).length))).toBeGreaterThan(1);
  });
});
