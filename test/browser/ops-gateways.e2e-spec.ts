import { join } from 'node:path';
import { Page } from 'playwright-core';
import { OPS_KEY, startTestApp, TestApp } from '../support/app';
import { BrowserSession, SCREENSHOT_DIR } from '../support/browser';
import { waitForStatus } from '../support/callbacks';
import { createOrderFor, driversEnv } from '../support/gateways';
import { cryptosteroidDriver } from '../support/gateways/cryptosteroid';
import { smartwmDriver } from '../support/gateways/smartwm';

jest.setTimeout(120_000);

/** The ops console with all three gateways on: each order shows its gateway's own figures, fee and net apart. */
describe('browser: ops console, each gateway\'s payment figures', () => {
  let app: TestApp;
  const session = new BrowserSession();

  beforeAll(async () => {
    app = await startTestApp(driversEnv());
    await session.start();
  });
  afterEach(async () => {
    await session.finish(expect.getState().currentTestName);
  });
  afterAll(async () => {
    await session.close();
    await app?.close();
  });

  async function openPaid(driverName: string, id: string, externalId: string): Promise<Page> {
    const page = await session.newPage();
    await page.goto(`${app.url}/ops`);
    await page.getByLabel('Ops API key').fill(OPS_KEY);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('#result-count').waitFor();
    // The gateway filter finds it.
    await page.getByLabel('Gateway').selectOption(driverName);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: externalId }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^Order ${externalId}`) }).waitFor();
    await page.locator('section#payment dl').waitFor();
    expect(id).toBeTruthy();
    return page;
  }

  it('CryptoSteroid: the coin amount asked and received, the coin fee and the net credited', async () => {
    const order = await createOrderFor(app.http, cryptosteroidDriver, { external_id: `ops-cs-${Date.now()}` });
    await cryptosteroidDriver.settle(app.http, order, 'success');
    await waitForStatus(app.http, order.id, 'paid');
    const page = await openPaid('cryptosteroid', order.id, order.external_id);
    const payment = await page.locator('section#payment').innerText();
    expect(await page.locator('#summary').innerText()).toMatch(/Gateway\s+CryptoSteroid/);
    expect(payment).toMatch(/Coin amount asked\s+[\d,.]+ USDT_TRC20/);
    expect(payment).toMatch(/Coin amount received\s+[\d,.]+ USDT_TRC20/);
    expect(payment).toMatch(/Fee\s+[\d,.]+ USDT_TRC20/);
    expect(payment).toMatch(/Credited to the merchant \(net\)\s+[\d,.]+ USDT_TRC20/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'ops-payment-cryptosteroid.png'), fullPage: true });
  });

  it('SmartWM: the fee and the credited amount, apart', async () => {
    const order = await createOrderFor(app.http, smartwmDriver, { external_id: `ops-swm-${Date.now()}` });
    await smartwmDriver.settle(app.http, order, 'success');
    await waitForStatus(app.http, order.id, 'paid');
    const page = await openPaid('smartwm', order.id, order.external_id);
    const payment = await page.locator('section#payment').innerText();
    expect(await page.locator('#summary').innerText()).toMatch(/Gateway\s+SmartWM/);
    expect(payment).toMatch(/Method\s+\S+/);
    expect(payment).toMatch(/Fee\s+[\d,.]+ [A-Z]{3}/);
    expect(payment).toMatch(/Credited to the merchant \(net\)\s+[\d,.]+ [A-Z]{3}/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'ops-payment-smartwm.png'), fullPage: true });
  });
});
