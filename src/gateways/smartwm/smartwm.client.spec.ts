import { Logger } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { JsonNumber } from '../../common/json-exact';
import { GatewayError } from '../gateway.errors';
import { signDpay, verifyDpay } from './smartwm-signature';
import { INVALID_RESPONSE_SIGNATURE, SmartwmCallEvent, SmartwmClient, signedRequest } from './smartwm.client';

const SECRET = 'dpay_kat_secret_0123456789';
const CLIENT_ID = '48151';
const UNDERSCORE_HOST = 'acquiring_api.obmenka.ua';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

type Handler = (seen: Seen, res: ServerResponse) => void;

/** Answers `text` signed (or with `signature` as given; null = no header). */
function answer(res: ServerResponse, status: number, text: string, signature: string | null = signDpay(SECRET, Buffer.from(text, 'utf8'))): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers.DPAY_SECURE = signature;
  res.writeHead(status, headers);
  res.end(text);
}

/** A local DPAY stand-in that records the exact bytes of every request. */
class RawServer {
  seen: Seen[] = [];
  handler: Handler = (_s, res) => answer(res, 200, '{}');
  server: Server | null = null;
  port = 0;

  listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', host: req.headers.host, headers: req.headers, raw: Buffer.concat(chunks) };
      this.seen.push(seen);
      this.handler(seen, res);
    });
  };

  async start(server: Server): Promise<this> {
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** DNS for the tests: every name is 127.0.0.1, and the names asked for are recorded. */
function loopbackLookup(asked: string[]): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    asked.push(hostname);
    if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  }) as unknown as LookupFunction;
}

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('resolved; expected a GatewayError');
}

const STATE = '{"tracking":"0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F","payment_id":"6623237","currency":"visamaster.uah","created":"2017-03-14 20:36:09","processed":"2017-03-14 21:14:05","status":"PAYED","amount":5000.00,"fee":100.00,"accrual_amount":4900.00,"accrual_currency":"UAH","is_recalc":false}';

describe('SmartwmClient against a local server', () => {
  const server = new RawServer();
  let client: SmartwmClient;
  let events: SmartwmCallEvent[];

  beforeAll(async () => {
    await server.start(createHttpServer(server.listener));
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.seen = [];
    events = [];
    client = new SmartwmClient({ baseUrl: `http://127.0.0.1:${server.port}/`, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 2000 });
    client.onCall = (e) => events.push(e);
  });

  it('the bytes signed are the bytes sent: DPAY_SECURE verifies over the raw request body, which is the one serialisation (amount 100.00 as written, UTF-8 as is)', async () => {
    server.handler = (_s, res) => answer(res, 200, '{"tracking":"79DF-60B0-17F6","payment_id":"ord-1"}');
    const body = { payment_id: 'ord-1', currency: 'visamaster.uah', amount: new JsonNumber('100.00'), description: 'Оплата №7 — café "x"' };
    const created = await client.create(body);
    expect(created).toEqual({ tracking: '79DF-60B0-17F6', payment_id: 'ord-1' });

    const [seen] = server.seen;
    expect(seen!.method).toBe('POST');
    expect(seen!.url).toBe('/api/einvoice/create');
    expect(seen!.headers['content-type']).toMatch(/^application\/json/);
    expect(seen!.headers.dpay_client).toBe(CLIENT_ID);
    expect(verifyDpay(SECRET, seen!.raw, seen!.headers.dpay_secure)).toBe(true);
    expect(seen!.raw.toString('utf8')).toBe('{"payment_id":"ord-1","currency":"visamaster.uah","amount":100.00,"description":"Оплата №7 — café \\"x\\""}');
    // What signedRequest produced is byte for byte what arrived, and its signature the one sent.
    const expected = signedRequest({ clientId: CLIENT_ID, secret: SECRET }, body);
    expect(seen!.raw.equals(expected.bytes)).toBe(true);
    expect(seen!.headers.dpay_secure).toBe(expected.headers.DPAY_SECURE);
    // Re-serialised (100 for 100.00), the same JSON would not verify: the signature is over bytes, not values.
    expect(verifyDpay(SECRET, Buffer.from(seen!.raw.toString().replace('100.00', '100')), seen!.headers.dpay_secure)).toBe(false);
    expect(events).toEqual([expect.objectContaining({ endpoint: 'create', outcome: 'ok', httpStatus: 200 })]);
  });

  it('a verified status answer is read with exact amounts', async () => {
    server.handler = (_s, res) => answer(res, 200, STATE);
    const s = await client.status({ payment_id: '6623237' });
    expect(s).toMatchObject({ status: 'PAYED', amount: '5000.00', fee: '100.00', accrual_amount: '4900.00', accrual_currency: 'UAH', is_recalc: false });
    expect(server.seen[0]!.raw.toString()).toBe('{"payment_id":"6623237"}');
  });

  it.each<[string, (res: ServerResponse) => void]>([
    ['a DPAY_SECURE of other bytes', (res) => answer(res, 200, STATE, signDpay(SECRET, Buffer.from(`${STATE} `)))],
    ['a DPAY_SECURE made with another secret', (res) => answer(res, 200, STATE, signDpay('another_secret_0123456789', Buffer.from(STATE)))],
    ['no DPAY_SECURE', (res) => answer(res, 200, STATE, null)],
    ['a forged body under the honest signature', (res) => answer(res, 200, STATE.replace('"accrual_amount":4900.00', '"accrual_amount":9800.00'), signDpay(SECRET, Buffer.from(STATE)))],
    ['an unsigned error envelope', (res) => answer(res, 403, '{"error":{"code":403,"message":"Access denied"}}', null)],
  ])('%s: an error that gives nothing of the answer, counted and logged', async (_name, respond) => {
    server.handler = (_s, res) => respond(res);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const err = await refusal(client.status({ payment_id: '6623237' }));
      expect(err.kind).toBe('unavailable');
      expect(err.unclear).toBe(true);
      expect(err.info).toMatchObject({ gateway: 'smartwm', endpoint: 'status', code: INVALID_RESPONSE_SIGNATURE });
      expect(client.signatureFailures).toBe(1);
      expect(events.map((e) => e.outcome)).toEqual(['invalid_signature']);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/DPAY_SECURE does not verify/);
      expect(String(warn.mock.calls[0]![0])).not.toContain(SECRET);
    } finally {
      warn.mockRestore();
    }
  });

  it.each<[string, number, string, 'create' | 'status' | 'process', string]>([
    ['already exists at HTTP 200', 200, '{"error":{"code":0,"message":"Transaction already exists"}}', 'create', 'conflict'],
    ['already exists at HTTP 400', 400, '{"error":{"code":0,"message":"Transaction already exists"}}', 'create', 'conflict'],
    ['payment not found at HTTP 200', 200, '{"error":{"code":401,"message":"Payment not found"}}', 'status', 'not_found'],
    ['already processed', 200, '{"error":{"code":409,"message":"Invoice already processed"}}', 'process', 'conflict'],
    ['invalid field', 200, '{"error":{"code":400,"message":"Invalid amount: must be positive"}}', 'create', 'rejected'],
    ['a signed 403', 403, '{"error":{"code":403,"message":"Access denied: invalid DPAY_SECURE"}}', 'status', 'auth'],
    ['a signed 503', 503, '{"error":{"code":503,"message":"Service temporarily unavailable"}}', 'create', 'unavailable'],
    ['a signed 429', 429, '{"error":{"code":429,"message":"Too many requests"}}', 'status', 'rate_limited'],
  ])('error body %s (HTTP %s) is read whatever the HTTP status', async (_name, status, text, endpoint, kind) => {
    server.handler = (_s, res) => answer(res, status, text);
    const call =
      endpoint === 'create'
        ? client.create({ payment_id: 'ord-2', currency: 'visamaster.uah', amount: new JsonNumber('10.00') })
        : endpoint === 'process'
          ? client.process({ payment_id: 'ord-2' })
          : client.status({ payment_id: 'ord-2' });
    const err = await refusal(call);
    expect([err.kind, err.info.httpStatus]).toEqual([kind, status]);
    expect(err.message).toContain(JSON.parse(text).error.message);
    expect(client.signatureFailures).toBe(0);
  });

  it('a signed answer that cannot be read moves nothing either (unreadable, unclear)', async () => {
    server.handler = (_s, res) => answer(res, 200, '{"payment_id":"x","status":"PAYED"}');
    const err = await refusal(client.status({ payment_id: 'x' }));
    expect(err.info.code).toBe('UNREADABLE_RESPONSE');
    expect(err.unclear).toBe(true);
  });

  it('no answer within SMARTWM_TIMEOUT_MS → timeout, once (no retry)', async () => {
    server.handler = () => undefined;
    const slow = new SmartwmClient({ baseUrl: `http://127.0.0.1:${server.port}`, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 300 });
    const started = Date.now();
    const err = await refusal(slow.create({ payment_id: 'ord-3', currency: 'visamaster.uah', amount: new JsonNumber('10.00') }));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.seen).toHaveLength(1);
  });

  it('a refused connection → unavailable', async () => {
    const closed = new SmartwmClient({ baseUrl: 'http://127.0.0.1:1', clientId: CLIENT_ID, secret: SECRET, timeoutMs: 1000 });
    expect((await refusal(closed.status({ payment_id: 'x' }))).kind).toBe('unavailable');
  });
});

describe('SmartwmClient: the documented host acquiring_api.obmenka.ua (an underscore) is accepted', () => {
  it('the URL parser keeps it as the host', () => {
    const u = new URL('https://acquiring_api.obmenka.ua/api/einvoice/create');
    expect(u.hostname).toBe(UNDERSCORE_HOST);
    expect(u.host).toBe(UNDERSCORE_HOST);
  });

  it('over http: the name is what is looked up, and the Host header carries it', async () => {
    const server = await new RawServer().start(createHttpServer((req, res) => server.listener(req, res)));
    const asked: string[] = [];
    const dispatcher = new Agent({ connect: { lookup: loopbackLookup(asked) } });
    try {
      server.handler = (_s, res) => answer(res, 200, STATE);
      const client = new SmartwmClient({ baseUrl: `http://${UNDERSCORE_HOST}:${server.port}`, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 2000 }, { dispatcher });
      expect((await client.status({ payment_id: '6623237' })).status).toBe('PAYED');
      expect(asked).toEqual([UNDERSCORE_HOST]);
      expect(server.seen[0]!.host).toBe(`${UNDERSCORE_HOST}:${server.port}`);
    } finally {
      await dispatcher.close();
      await server.stop();
    }
  });

  it('over https: TLS verifies a certificate issued to the underscore name (SNI and host check)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swm-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${UNDERSCORE_HOST}`,
        '-addext', `subjectAltName=DNS:${UNDERSCORE_HOST}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const server = await new RawServer().start(createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => server.listener(req, res)) as unknown as Server);
      const asked: string[] = [];
      const trusted = new Agent({ connect: { lookup: loopbackLookup(asked), ca: cert } });
      const untrusted = new Agent({ connect: { lookup: loopbackLookup([]) } });
      try {
        server.handler = (_s, res) => answer(res, 200, STATE);
        const base = `https://${UNDERSCORE_HOST}:${server.port}`;
        const client = new SmartwmClient({ baseUrl: base, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 5000 }, { dispatcher: trusted });
        expect((await client.status({ payment_id: '6623237' })).accrual_amount).toBe('4900.00');
        expect(asked).toEqual([UNDERSCORE_HOST]);
        expect(server.seen[0]!.host).toBe(`${UNDERSCORE_HOST}:${server.port}`);
        // Certificate checks stay on: without the CA the same call is refused.
        const strict = new SmartwmClient({ baseUrl: base, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 5000 }, { dispatcher: untrusted });
        expect((await refusal(strict.status({ payment_id: '6623237' }))).kind).toBe('unavailable');
        expect(server.seen).toHaveLength(1);
      } finally {
        await trusted.close();
        await untrusted.close();
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
