import { Page } from 'playwright-core';
import { ops, startTestApp, TestApp } from '../support/app';
import { BrowserSession, inPage } from '../support/browser';

jest.setTimeout(120_000);

/**
 * The Content-Security-Policy in a real browser: the HTML pages (/docs, the hosted payment page,
 * the demo shop, the ops console) still work, and the browser reports no violation.
 */
describe('browser: security headers leave the pages working', () => {
  let app: TestApp;
  const session = new BrowserSession();

  beforeAll(async () => {
    app = await startTestApp();
    await session.start();
  });
  afterEach(async () => {
    await session.finish(expect.getState().currentTestName);
  });
  afterAll(async () => {
    await session.close();
    await app?.close();
  });

  /** Every CSP violation the page reports (securitypolicyviolation events and console errors). */
  async function watch(page: Page): Promise<string[]> {
    const seen: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
    });
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', function (e) { (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI); });",
    );
    return seen;
  }

  async function violations(page: Page, consoleSeen: string[]): Promise<string[]> {
    const fromEvents = await inPage<string[] | undefined>(page, 'window.__csp');
    return [...consoleSeen, ...(fromEvents ?? [])];
  }

  it('/docs renders the OpenAPI UI', async () => {
    const page = await session.newPage();
    const seen = await watch(page);
    const res = await page.goto(`${app.url}/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    await page.locator('.swagger-ui .info .title').first().waitFor();
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
    expect(await violations(page, seen)).toEqual([]);
  });

  it('the hosted payment page takes a method, pays and returns to the shop', async () => {
    const order = await app.http.post('/v1/orders').set(ops).send({ amount: '150.00', currency: 'UAH', customer_id: 'csp-browser' }).expect(201);
    const page = await session.newPage();
    const seen = await watch(page);
    const hosted = await page.goto(order.body.payment_link);
    expect(hosted?.status()).toBe(200);
    await page.getByRole('radio').first().waitFor();
    await page.locator('form button[type="submit"]').first().click();
    await page.waitForLoadState('load');
    const pay = page.getByRole('button', { name: /^Pay / });
    await pay.waitFor();
    await pay.click();
    await page.waitForURL(/\/sandbox\/shop\/success/);
    expect(await violations(page, seen)).toEqual([]);
  });

  it('the demo shop and the ops console load without a violation', async () => {
    const page = await session.newPage();
    const seen = await watch(page);
    const shop = await page.goto(`${app.url}/sandbox/shop`);
    expect(shop?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
    expect(await page.getByRole('button', { name: /^Buy / }).count()).toBeGreaterThan(0);
    expect(await violations(page, seen)).toEqual([]);
    const console = await page.goto(`${app.url}/ops`);
    expect(console?.status()).toBe(200);
    // The shell says "Loading…" until its script runs: the key form proves the script was allowed.
    await page.getByLabel('Ops API key').waitFor();
    expect(await page.getByText('Loading…').count()).toBe(0);
    expect(await violations(page, seen)).toEqual([]);
  });
});
