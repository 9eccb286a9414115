import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/app';
import { BrowserSession, scrollWidth } from '../support/browser';
import { orderOf } from '../support/callbacks';

jest.setTimeout(120_000);

/**
 * The invoice keeps its usual lifetime (20 minutes); the test moves time instead of waiting for
 * it: the gateway's deadline is set to now in its database, and the page's clock (Playwright's,
 * which drives the page's timers and Date) is moved past the countdown. Nothing depends on how
 * long a step took.
 */
describe('browser: an invoice that expires while the customer looks at it', () => {
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

  it('the countdown runs out, the hosted page turns to its expired state with no pay button, and the shop shows expired', async () => {
    const page = await session.newPage({ width: 360, height: 740 });
    await page.clock.install();
    await page.goto(`${app.url}/sandbox/shop`);
    await page.getByRole('button', { name: 'Buy Premium subscription, 1 month for 1,500.00 UAH' }).click();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/sandbox\/eccaex\/pay\//);
    const left = page.locator('[role="timer"] .left');
    expect(await left.textContent()).toMatch(/^(20:00|19:[0-5]\d)$/);
    expect(await page.getByRole('button', { name: 'Continue' }).isEnabled()).toBe(true);

    // The gateway's deadline comes (its sweeper expires the invoice and tells the service), and
    // the page's clock passes the end of its countdown.
    const invoiceId = new URL(page.url()).pathname.split('/').pop()!;
    await app.app.get(DataSource).query(`UPDATE sandbox_invoices SET expires_at = now() WHERE id = $1`, [invoiceId]);
    await page.clock.fastForward('20:01');

    // No reload by hand: at zero the page disables its buttons and says so, then shows the final state.
    await page.getByRole('heading', { level: 2, name: 'Invoice expired' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await page.locator('form').count()).toBe(0);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);

    // The way back leads to the shop's fail page, which learns the order expired.
    await page.getByRole('link', { name: 'Return to the shop' }).click();
    await page.waitForURL(/\/sandbox\/shop\/fail\?order=shop-/);
    await page.locator('#order-status[data-status="expired"][data-final="true"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#status').textContent()).toBe('Expired');
    await page.getByRole('heading', { level: 1, name: 'Payment expired' }).waitFor();
    const ref = new URL(page.url()).searchParams.get('order')!;
    expect((await orderOf(app.http, ref)).status).toBe('expired');
  });
});
