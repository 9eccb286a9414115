import { loadSettings, SettingsError } from '../config/settings';

/** The sandbox defaults plus `extra`, through the service's own start-up reading. */
const load = (extra: Record<string, string>) => loadSettings({ ...extra });

function refused(extra: Record<string, string>): string {
  try {
    load(extra);
  } catch (err) {
    if (err instanceof SettingsError) return err.message;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(extra)}`);
}

describe('retention settings', () => {
  it('keep everything by default, 5000 rows a statement', () => {
    expect(load({}).retention).toEqual({ days: 0, batchSize: 5000 });
  });

  it('take a window of days and a batch size', () => {
    expect(load({ RETENTION_DAYS: '90', RETENTION_BATCH_SIZE: '1000' }).retention).toEqual({ days: 90, batchSize: 1000 });
    expect(load({ RETENTION_DAYS: '7' }).retention.days).toBe(7);
  });

  it.each([
    [{ RETENTION_DAYS: '3' }, 'RETENTION_DAYS', /0 \(keep forever\) or between 7 and 36500/],
    [{ RETENTION_DAYS: '90d' }, 'RETENTION_DAYS', /whole number/],
    [{ RETENTION_DAYS: '-1' }, 'RETENTION_DAYS', /whole number/],
    [{ RETENTION_BATCH_SIZE: '10' }, 'RETENTION_BATCH_SIZE', /between 100 and 100000/],
    [{ RETENTION_BATCH_SIZE: '1e6' }, 'RETENTION_BATCH_SIZE', /whole number/],
  ])('refuse %j at start-up with one line naming the setting', (extra, setting, reason) => {
    const message = refused(extra);
    expect(message).toMatch(new RegExp(`^Invalid setting ${setting}: `));
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });
});
