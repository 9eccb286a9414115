import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort, freshDatabase, TestDatabase, testEnv } from '../support/app';
import { buildService, Child, childEnv, sleep, startChild } from '../hardening/support';

/**
 * The compiled service as a newcomer starts it (a child process, default log level): the banner
 * (URLs, the curl line) is the last thing start-up writes, no route-mapping lines scroll it away;
 * `GET /` and `/favicon.ico` are not 404s; readiness going down during shutdown is not a warning.
 */

function get(port: number, path: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

const BANNER_LAST_LINE = 'then open the payment_link of the reply in a browser (or just use the demo shop).';

describe('start-up as a newcomer sees it (real process)', () => {
  let build: string;
  let db: TestDatabase;
  let port: number;
  let child: Child | undefined;

  beforeAll(async () => {
    build = await buildService();
    db = await freshDatabase();
    port = await freePort();
  }, 240_000);

  afterAll(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await db?.drop();
  });

  it('prints the banner last, no route mapping at the default level; / and /favicon.ico answer; shutdown probes are no warnings', async () => {
    const env = childEnv(testEnv(port, db, { LOG_LEVEL: 'info', SHUTDOWN_DRAIN_MS: '3000', SHUTDOWN_TIMEOUT_MS: '30000' }));
    child = startChild(join(build, 'src', 'main.js'), env);
    const deadline = Date.now() + 150_000;
    while (!child.output().includes(BANNER_LAST_LINE)) {
      if (Date.now() > deadline || child.proc.exitCode !== null) throw new Error(`no banner:\n${child.output().slice(-3000)}`);
      await sleep(200);
    }
    expect((await get(port, '/health/ready')).status).toBe(200);
    await sleep(1500);
    const startup = child.output();
    const lines = startup.trimEnd().split('\n');
    // Everything start-up logged came before the banner, which ends the output.
    expect(lines[lines.length - 1]!.trim()).toBe(BANNER_LAST_LINE);
    const bannerAt = lines.findIndex((l) => l.startsWith('Merchant payments service listening on port'));
    expect(bannerAt).toBeGreaterThan(0);
    expect(lines.slice(bannerAt).filter((l) => l.startsWith('{'))).toEqual([]);
    expect(lines.some((l) => l.includes('Nest application successfully started'))).toBe(true);
    expect(lines.slice(bannerAt).join('\n')).toMatch(/demo shop +http:\/\/127\.0\.0\.1:\d+\/sandbox\/shop/);
    expect(lines.slice(bannerAt).join('\n')).toContain('curl -s -X POST');
    // Route mapping and module wiring are debug lines now: none at info.
    expect(startup).not.toMatch(/RoutesResolver|RouterExplorer|InstanceLoader|Mapped \{/);
    expect(lines.filter((l) => l.startsWith('{')).length).toBeLessThan(15);

    const home = await get(port, '/');
    expect(home.status).toBe(200);
    expect(home.type).toMatch(/text\/html/);
    for (const href of ['/sandbox/shop', '/ops', '/docs']) expect(home.body.toString('utf8')).toContain(`href="${href}"`);
    const icon = await get(port, '/favicon.ico');
    expect(icon.status).toBe(200);
    expect(icon.type).toBe('image/x-icon');
    expect([...icon.body.subarray(0, 4)]).toEqual([0, 0, 1, 0]);

    const before = child.output().length;
    child.proc.kill('SIGTERM');
    let sawDown = false;
    for (let i = 0; i < 20 && !sawDown; i++) {
      const r = await get(port, '/health/ready').catch(() => null);
      if (r?.status === 503) sawDown = true;
      else await sleep(100);
    }
    expect(sawDown).toBe(true);
    // A few more probes while draining, as a load balancer would send.
    for (let i = 0; i < 3; i++) await get(port, '/health/ready').catch(() => null);
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    const shutdown = child.output().slice(before).split('\n').filter((l) => l.startsWith('{'));
    expect(shutdown.some((l) => l.includes('shutdown complete'))).toBe(true);
    const warnings = shutdown.filter((l) => /"level":(40|50)/.test(l));
    expect(warnings).toEqual([]);
  }, 300_000);
});
