import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { runSignatureDiscovery } from '../../scripts/eccaex-signature';
import { CAPTURE_KEEP, CAPTURE_PER_MINUTE, SignatureCaptureService } from '../../src/gateways/eccaex/eccaex-signature-capture.service';
import { SchemeCombination, signEccaex } from '../../src/gateways/eccaex/eccaex-signature';
import { startTestApp, STOREFRONT_KEY, TestApp, testEnv, WEBHOOK_SECRET } from '../support/app';
import { buildService, childEnv, startChild } from './support';

const API_KEY = 'ak_test_live_merchant_key_0001';

function callback(t: TestApp, body: string, secret: string, scheme: SchemeCombination, extra: Record<string, string> = {}) {
  const ts = String(Math.floor(Date.now() / 1000));
  return t.http
    .post('/v1/webhooks/eccaex')
    .set({
      'Content-Type': 'application/json',
      'X-Signature-Timestamp': ts,
      'X-Signature': signEccaex(secret, ts, Buffer.from(body), scheme),
      'X-Idempotency-Key': `evt-${Math.random().toString(36).slice(2)}`,
      ...extra,
    })
    .send(body);
}

const body = (n: number) => JSON.stringify({ event_id: `evt-${n}`, order_id: '7f1c0a4e-0000-4000-8000-00000000000' + (n % 10), external_id: `ext-${n}`, status: 'success' });

async function captureRows(t: TestApp) {
  await t.app.get(SignatureCaptureService).flush();
  return (await t.app.get(DataSource).query('SELECT * FROM signature_captures ORDER BY id')) as Array<Record<string, unknown>>;
}

/** The env the command would run with: the service's settings (database included), live keys aside. */
function discoveryEnv(t: TestApp, extra: Record<string, string> = {}) {
  const env = testEnv(t.settings.port, t.database, extra);
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

describe('signature discovery (ECCAEX_SIGNATURE_CAPTURE)', () => {
  describe('captures and discovery', () => {
    let t: TestApp;
    let stopped = false;

    beforeAll(async () => {
      t = await startTestApp({ ECCAEX_SIGNATURE_CAPTURE: 'true' });
    }, 60_000);

    afterAll(async () => {
      if (!stopped) await t?.stop();
      await t?.database.drop();
    });

    it('keeps rejected callbacks (raw body, the three headers, no secret) and names the scheme they were signed with', async () => {
      const other: SchemeCombination = { payload: '{body}', algorithm: 'sha512', encoding: 'base64' };
      for (const n of [1, 2]) {
        const res = await callback(t, body(n), WEBHOOK_SECRET, other, { Authorization: `Bearer ${STOREFRONT_KEY}` });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('INVALID_SIGNATURE');
      }
      // One signed with the merchant API key as the secret (docs/gateways/eccaex.md, "The signature": EccaEx may sign with the API key).
      const byKey = await callback(t, body(3), API_KEY, { payload: '{timestamp}{body}', algorithm: 'sha256', encoding: 'hex' });
      expect(byKey.status).toBe(401);
      expect(byKey.body.error.details.reason).toBe('signature_mismatch');

      const rows = await captureRows(t);
      expect(rows).toHaveLength(3);
      const first = rows[0]!;
      expect(Buffer.from(first.raw_body as Buffer).toString('utf8')).toBe(body(1));
      expect(first.reason).toBe('malformed_signature');
      expect(first.x_signature).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));
      expect(first.x_signature_timestamp).toMatch(/^\d{10}$/);
      expect(first.x_idempotency_key).toMatch(/^evt-/);
      expect(first.content_type).toBe('application/json');
      expect(first.header_names).toContain('authorization');
      const everything = JSON.stringify(rows, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('utf8') : v));
      for (const secret of [WEBHOOK_SECRET, STOREFRONT_KEY, API_KEY]) expect(everything).not.toContain(secret);

      // The embedded database is single-process: the command reads it once the service is stopped.
      await t.stop();
      stopped = true;

      const result = await runSignatureDiscovery(discoveryEnv(t, { ECCAEX_API_KEY: API_KEY }));
      expect(result.exitCode).toBe(0);
      expect(result.report.captures).toBe(3);
      expect(result.report.best).toEqual({ payload: '{body}', algorithm: 'sha512', encoding: 'base64', secret: 'ECCAEX_WEBHOOK_SECRET', matched: 2, timestampUnit: 'seconds' });
      expect(result.report.findings.find((f) => f.capture.rawBody.toString() === body(3))!.matches).toEqual([
        { payload: '{timestamp}{body}', algorithm: 'sha256', encoding: 'hex', secret: 'ECCAEX_API_KEY' },
      ]);
      expect(result.text).toContain('ECCAEX_SIGNATURE_PAYLOAD={body}\n');
      expect(result.text).toContain('ECCAEX_SIGNATURE_ALGORITHM=sha512\n');
      expect(result.text).toContain('ECCAEX_SIGNATURE_ENCODING=base64\n');
      expect(result.text).toMatch(/looks like unix seconds/);
      for (const secret of [WEBHOOK_SECRET, API_KEY]) expect(result.text).not.toContain(secret);

      // With only the API key as a candidate, that capture is the match, and the advice says so.
      const byApiKey = await runSignatureDiscovery(discoveryEnv(t, { ECCAEX_API_KEY: API_KEY, ECCAEX_WEBHOOK_SECRET: 'whsk_unrelated_secret_000001' }));
      expect(byApiKey.report.best).toMatchObject({ payload: '{timestamp}{body}', algorithm: 'sha256', encoding: 'hex', secret: 'ECCAEX_API_KEY', matched: 1 });
      expect(byApiKey.text).toContain('ECCAEX_WEBHOOK_SECRET=<the value of ECCAEX_API_KEY>');
      expect(byApiKey.text).not.toContain(API_KEY);

      // No candidate reproduces anything: says so, exit 2.
      const none = await runSignatureDiscovery(discoveryEnv(t, { ECCAEX_WEBHOOK_SECRET: 'whsk_unrelated_secret_000001' }));
      expect(none.exitCode).toBe(2);
      expect(none.report.best).toBeNull();
      expect(none.text).toMatch(/^NO MATCH/m);
    }, 60_000);

    it('runs as a compiled command (`npm run eccaex:signature` runs dist/scripts/eccaex-signature.js)', async () => {
      const build = await buildService();
      const child = startChild(join(build, 'scripts', 'eccaex-signature.js'), childEnv(discoveryEnv(t)));
      const exit = await child.exited;
      const out = child.output();
      expect({ code: exit.code, out: out.slice(0, 0) }).toEqual({ code: 0, out: '' });
      expect(out).toMatch(/^MATCH: 2 of 3 captured callback\(s\) are signed with payload \{body\}, sha512, base64, secret ECCAEX_WEBHOOK_SECRET/m);
      expect(out).toContain('  ECCAEX_SIGNATURE_PAYLOAD={body}\n  ECCAEX_SIGNATURE_ALGORITHM=sha512\n  ECCAEX_SIGNATURE_ENCODING=base64\n');
      expect(out).not.toContain(WEBHOOK_SECRET);
    }, 180_000);
  });

  describe('bounds', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ ECCAEX_SIGNATURE_CAPTURE: 'true' });
    }, 60_000);

    afterAll(async () => {
      await t?.close();
    });

    it(`keeps at most ${CAPTURE_PER_MINUTE} a minute, skips bodies over 64 kB, and keeps the newest ${CAPTURE_KEEP}`, async () => {
      const scheme: SchemeCombination = { payload: '{body}', algorithm: 'sha256', encoding: 'hex' };
      for (let n = 0; n < CAPTURE_PER_MINUTE + 3; n++) expect((await callback(t, body(n), 'whsk_wrong_secret_0000001', scheme)).status).toBe(401);
      expect(await captureRows(t)).toHaveLength(CAPTURE_PER_MINUTE);

      const service = t.app.get(SignatureCaptureService);
      let clock = Date.now() + 61_000;
      service.now = () => clock;
      const big = JSON.stringify({ order_id: 'x', pad: 'p'.repeat(65 * 1024) });
      expect((await callback(t, big, 'whsk_wrong_secret_0000001', scheme)).status).toBe(401);
      expect(await captureRows(t)).toHaveLength(CAPTURE_PER_MINUTE);

      for (let n = 0; n < CAPTURE_KEEP + 5; n++) {
        if (n % CAPTURE_PER_MINUTE === 0) clock += 61_000;
        expect(service.capture({ reason: 'signature_mismatch', rawBody: Buffer.from(`{"n":${n}}`), headers: { 'x-signature': 'ab', 'x-signature-timestamp': '1' } })).toBe(true);
        await service.flush();
      }
      const rows = await captureRows(t);
      expect(rows).toHaveLength(CAPTURE_KEEP);
      expect(Buffer.from(rows[rows.length - 1]!.raw_body as Buffer).toString()).toBe(`{"n":${CAPTURE_KEEP + 4}}`);
      expect(Buffer.from(rows[0]!.raw_body as Buffer).toString()).toBe('{"n":5}');
    }, 60_000);
  });

  describe('capture off (default)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    }, 60_000);

    afterAll(async () => {
      await t?.close();
    });

    it('stores nothing', async () => {
      const res = await callback(t, body(9), WEBHOOK_SECRET, { payload: '{body}', algorithm: 'sha512', encoding: 'base64' });
      expect(res.status).toBe(401);
      expect(await captureRows(t)).toHaveLength(0);
    });
  });
});
