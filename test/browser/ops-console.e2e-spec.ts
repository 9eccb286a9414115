import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { Page } from 'playwright-core';
import { ops, OPS_KEY, startTestApp, STOREFRONT_KEY, TestApp } from '../support/app';
import { BrowserSession, inPage } from '../support/browser';
import { createOrder, orderOf, sandboxWebhooks, simulate, waitForStatus } from '../support/callbacks';

jest.setTimeout(120_000);

/** The ops console at /ops in a real browser, against the ops API of a running service. */
describe('browser: ops console', () => {
  let app: TestApp;
  const session = new BrowserSession();
  /** The merchant's webhook receiver: answers 200, so the console has notifications to show. */
  let merchant: Server;

  beforeAll(async () => {
    merchant = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((r) => merchant.listen(0, '127.0.0.1', r));
    const port = (merchant.address() as { port: number }).port;
    app = await startTestApp({ MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/payments`, MERCHANT_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}` });
    await session.start();
  });
  afterEach(async () => {
    await session.finish(expect.getState().currentTestName);
    await sandboxWebhooks(app.http, true);
  });
  afterAll(async () => {
    await session.close();
    await app?.close();
    await new Promise((r) => merchant?.close(r));
  });

  async function signIn(page: Page, key = OPS_KEY): Promise<void> {
    await page.goto(`${app.url}/ops`);
    await page.getByLabel('Ops API key').fill(key);
    await page.getByRole('button', { name: 'Use this key' }).click();
  }

  async function openBySearch(page: Page, text: string): Promise<void> {
    await page.getByLabel('Order id, external_id or customer id').fill(text);
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: text }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^Order ${text}`) }).waitFor();
  }

  /** The console asks first: answers its dialog with the named button. */
  async function confirmDialog(page: Page, button: string): Promise<void> {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: button, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  /** The status badge in the order page's heading. */
  const headingStatus = (page: Page) => page.locator('h1 .badge');

  it('finds a paid order by external_id and shows its timeline, callbacks and gateway webhook history', async () => {
    const order = await createOrder(app.http, { external_id: `ops-find-${Date.now()}`, customer_id: 'ops_customer', description: 'Found by ops' });
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');

    const page = await session.newPage();
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    // The key lives in this tab's sessionStorage, nowhere else.
    expect(await inPage(page, '({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie })')).toEqual({ session: 1, local: 0, cookie: '' });

    // By customer and status: the customer's paid orders.
    await page.getByLabel('Order id, external_id or customer id').fill('ops_customer');
    await page.getByLabel('Status').selectOption('paid');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: order.external_id }).waitFor();
    expect(await page.locator('#result-count').textContent()).toBe('1 order');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#result-count', { hasText: 'No orders match.' }).waitFor();

    // By external_id: the order page with its story.
    await openBySearch(page, order.external_id);
    expect(await headingStatus(page).textContent()).toBe('Paid');

    const timeline = page.locator('section#timeline');
    await timeline.locator('table').waitFor();
    const paidRow = timeline.locator('tbody tr', { has: page.locator('.badge', { hasText: /^Paid$/ }) });
    await paidRow.first().waitFor();
    expect(await paidRow.first().innerText()).toMatch(/Awaiting payment\s*→\s*Paid/);
    expect(await paidRow.first().innerText()).toContain('webhook');

    const callbacks = page.locator('section#callbacks');
    await callbacks.locator('tbody tr').first().waitFor();
    expect(await callbacks.locator('tbody tr').first().innerText()).toContain('Processed');

    const gateway = page.locator('section#gateway-webhooks');
    await gateway.locator('tbody tr').first().waitFor();
    expect(await gateway.locator('tbody').innerText()).toContain('invoice.success');

    const notifications = page.locator('section#notifications');
    await notifications.locator('tbody tr').first().waitFor();
    expect(await notifications.locator('tbody').innerText()).toContain('order.paid');
  });

  it('a reconcile click fixes an order whose callback was dropped', async () => {
    await sandboxWebhooks(app.http, false).expect(200);
    const order = await createOrder(app.http, { external_id: `ops-reconcile-${Date.now()}`, customer_id: 'ops_customer' });
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await new Promise((r) => setTimeout(r, 500));
    expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');

    const page = await session.newPage();
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await openBySearch(page, order.external_id);
    expect(await headingStatus(page).textContent()).toBe('Awaiting payment');
    await page.locator('section#callbacks').getByText('No callback stored for this order.').waitFor();

    await page.getByRole('button', { name: 'Reconcile' }).click();
    await confirmDialog(page, 'Reconcile');
    await page.getByRole('status').getByText('Reconciled with the gateway: the order is paid.').waitFor();
    expect(await headingStatus(page).textContent()).toBe('Paid');
    const timeline = page.locator('section#timeline');
    await timeline.locator('tbody tr', { has: page.locator('.badge', { hasText: /^Paid$/ }) }).first().waitFor();
    expect(await timeline.locator('tbody').innerText()).toContain('ops');
    expect(await orderOf(app.http, order.id)).toMatchObject({ status: 'paid', paid_at: expect.any(String) });
  });

  it('replays a stored callback, resends the gateway webhook, and shows the API error of a second resend', async () => {
    const order = await createOrder(app.http, { external_id: `ops-replay-${Date.now()}` });
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');

    const page = await session.newPage();
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await openBySearch(page, order.external_id);
    const replay = page.locator('section#callbacks').getByRole('button', { name: /^Replay callback / });
    await replay.first().click();
    await confirmDialog(page, 'Replay');
    // The order was paid already: the replay says it changed nothing.
    await page.getByRole('status').getByText(/^Callback .+ replayed: processed; nothing changed \(the order already reflected it\)\.$/).waitFor();
    // Exactly once: still one change to paid.
    const paidRows = page.locator('section#timeline tbody tr', { has: page.locator('.badge', { hasText: /^Paid$/ }) });
    await paidRows.first().waitFor();
    expect(await paidRows.count()).toBe(1);

    await page.getByRole('button', { name: 'Resend gateway webhook' }).click();
    await confirmDialog(page, 'Resend');
    await page.getByRole('status').getByText(/^The gateway resent its latest webhook/).waitFor();
    // The gateway's cooldown: the second resend is refused, and the console says why, in words.
    await page.getByRole('button', { name: 'Resend gateway webhook' }).click();
    await confirmDialog(page, 'Resend');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const said = await alert.innerText();
    expect(said).toMatch(/^Resend: the gateway allows this only once in a while; try again in \d+ seconds?\./);
    expect(said).toContain('HTTP 429');
    expect(said).not.toMatch(/Client|resendInvoiceWebhook|\w+\.\w+\(/);
  });

  it('refuses a storefront key and a wrong key with clear messages; "Forget key" forgets it', async () => {
    const page = await session.newPage();
    await signIn(page, STOREFRONT_KEY);
    await page.getByRole('alert').getByText('This is a storefront key; the console needs an ops key.').waitFor();
    expect(await inPage<number>(page, 'sessionStorage.length')).toBe(0);
    await page.getByLabel('Ops API key').fill('not-a-key-at-all-000000');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('alert').getByText('This key is not a valid API key.').waitFor();

    await page.getByLabel('Ops API key').fill(OPS_KEY);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    expect(await inPage<number>(page, 'sessionStorage.length')).toBe(1);
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.getByLabel('Ops API key').waitFor();
    expect(await inPage<number>(page, 'sessionStorage.length')).toBe(0);
    // Every view needs the key again.
    await page.getByRole('link', { name: 'Withdrawals' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  });

  it('the withdrawals page: Sync mirrors them from the gateway and lists them', async () => {
    const page = await session.newPage();
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await page.getByRole('link', { name: 'Withdrawals' }).click();
    await page.getByRole('heading', { level: 1, name: 'Withdrawals' }).waitFor();
    await page.getByRole('button', { name: 'Sync from the gateway' }).click();
    await page.getByRole('status').getByText(/^Synced: \d+ fetched, \d+ new, \d+ updated\.$/).waitFor();
    const rows = page.locator('section#withdrawals tbody tr');
    await rows.first().waitFor();
    const listed = (await app.http.get('/v1/withdrawals?limit=50').set(ops).expect(200)).body.data as Array<{ withdraw_uuid: string }>;
    expect(await rows.count()).toBe(listed.length);
    expect(await rows.first().innerText()).toContain(listed[0]!.withdraw_uuid);
  });
});
