import { signEccaex } from './eccaex-signature';
import { analyseCaptures, CapturedCallback, formatReport, timestampUnitOf } from './eccaex-signature-discovery';

const SECRET = 'whsk_discovery_secret_0001';
const KEY = 'ak_discovery_api_key_00001';
const at = new Date('2026-11-20T10:00:00Z');
const seconds = String(Math.floor(at.getTime() / 1000));
const millis = String(at.getTime());

function capture(id: string, body: string, signature: string | null, timestamp: string | null): CapturedCallback {
  return { id, reason: 'signature_mismatch', rawBody: Buffer.from(body), signature, timestamp, contentType: 'application/json', headerNames: 'content-type, x-signature', receivedAt: at };
}

describe('signature discovery', () => {
  it('tells seconds from milliseconds by the time the callback arrived', () => {
    expect(timestampUnitOf(seconds, at)).toBe('seconds');
    expect(timestampUnitOf(String(Number(seconds) - 30), at)).toBe('seconds');
    expect(timestampUnitOf(millis, at)).toBe('milliseconds');
    expect(timestampUnitOf(null, at)).toBe('absent');
    expect(timestampUnitOf('2026-11-20T10:00:00Z', at)).toBe('unrecognised');
    expect(timestampUnitOf('12', at)).toBe('unrecognised');
  });

  it('finds the scheme and secret of every capture and picks the one most captures agree on', () => {
    const b1 = '{"order_id":"a","status":"success"}';
    const b2 = '{"order_id":"b","status":"fail"}';
    const b3 = '{"order_id":"c"}';
    const caps = [
      capture('3', b1, signEccaex(SECRET, millis, Buffer.from(b1), { payload: '{timestamp}.{body}', algorithm: 'sha512', encoding: 'hex' }), millis),
      capture('2', b2, `sha512=${signEccaex(SECRET, millis, Buffer.from(b2), { payload: '{timestamp}.{body}', algorithm: 'sha512', encoding: 'hex' })}`, millis),
      capture('1', b3, signEccaex(KEY, seconds, Buffer.from(b3), { payload: '{body}', algorithm: 'sha256', encoding: 'base64' }), seconds),
    ];
    const r = analyseCaptures(caps, [{ label: 'ECCAEX_WEBHOOK_SECRET', value: SECRET }, { label: 'ECCAEX_API_KEY', value: KEY }]);
    expect(r.best).toEqual({ payload: '{timestamp}.{body}', algorithm: 'sha512', encoding: 'hex', secret: 'ECCAEX_WEBHOOK_SECRET', matched: 2, timestampUnit: 'milliseconds' });
    expect(r.findings[2]!.matches).toEqual([{ payload: '{body}', algorithm: 'sha256', encoding: 'base64', secret: 'ECCAEX_API_KEY' }]);
    const text = formatReport(r);
    expect(text).toContain('ECCAEX_SIGNATURE_PAYLOAD={timestamp}.{body}');
    expect(text).toContain('ECCAEX_SIGNATURE_ALGORITHM=sha512');
    expect(text).toContain('ECCAEX_SIGNATURE_ENCODING=hex');
    expect(text).toMatch(/MILLISECONDS/);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(KEY);
  });

  it('says when nothing matches, and when a capture had no signature', () => {
    const r = analyseCaptures([capture('1', '{}', 'deadbeef', seconds), capture('2', '{}', null, null)], [{ label: 'ECCAEX_WEBHOOK_SECRET', value: SECRET }]);
    expect(r.best).toBeNull();
    const text = formatReport(r);
    expect(text).toMatch(/^NO MATCH/m);
    expect(text).toContain('no X-Signature header; headers present: content-type, x-signature');
  });

  it('reports {body} and {timestamp}{body} as equally consistent when no timestamp was sent', () => {
    const b = '{"order_id":"z"}';
    const sig = signEccaex(SECRET, '', Buffer.from(b), { payload: '{body}', algorithm: 'sha256', encoding: 'hex' });
    const r = analyseCaptures([capture('1', b, sig, null)], [{ label: 'ECCAEX_WEBHOOK_SECRET', value: SECRET }]);
    expect(r.best).toMatchObject({ payload: '{body}', timestampUnit: 'absent' });
    expect(r.alsoMatching.map((m) => m.payload)).toEqual(['{timestamp}{body}']);
    expect(formatReport(r)).toMatch(/Equally consistent with the captures: payload \{timestamp\}\{body\}/);
  });
});
