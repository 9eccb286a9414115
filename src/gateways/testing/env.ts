/**
 * Test helpers for settings specs (not part of the build: tsconfig.build.json leaves out
 * src/**\/testing/ and the *.test-env.ts files). Environments are built from the registry (and
 * each gateway folder's `<name>.test-env.ts`), so a spec names only its own gateway's settings and
 * never another gateway's.
 */
import { loadSettings, SettingsError } from '../../config/settings';
import { gatewayPlugins } from '../gateways.registry';

export type Env = Record<string, string | undefined>;

/** The core settings of a live deployment that pass every rule; a gateway's own credentials make it live. */
export const LIVE_CORE: Env = {
  STOREFRONT_API_KEYS: 'sk_store_live_0123456789',
  OPS_API_KEYS: 'sk_ops_live_0123456789ab',
  DATABASE_URL: 'postgres://payments@db.internal:5432/payments',
  PUBLIC_BASE_URL: 'https://pay.shop.example',
};

const modeOf = (prefix: string) => `${prefix}_MODE`;

/** `<PREFIX>_MODE` of each registered gateway, in the registry's order. */
export const modeSettings = (): string[] => gatewayPlugins().map((p) => modeOf(p.settingsPrefix));

/** Every registered gateway off. */
export const allOff = (): Env => Object.fromEntries(modeSettings().map((s) => [s, 'off']));

/** Every registered gateway but `name` off (its own settings untouched). */
export const othersOff = (name: string): Env =>
  Object.fromEntries(gatewayPlugins().filter((p) => p.name !== name).map((p) => [modeOf(p.settingsPrefix), 'off']));

/** A gateway's own live settings that pass every rule: `LIVE_ENV` of its folder's `<name>.test-env.ts`. */
export function liveEnvOf(name: string): Env {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`../${name}/${name}.test-env`) as { LIVE_ENV: Env }).LIVE_ENV;
}

/** The live settings of every registered gateway but `name` (`name` left as it is). */
export const othersLive = (name: string): Env => Object.assign({}, ...gatewayPlugins().filter((p) => p.name !== name).map((p) => liveEnvOf(p.name))) as Env;

/** Every registered gateway live, with the core settings of a live deployment: passes every rule. */
export const allLive = (): Env => Object.assign({ ...LIVE_CORE }, ...gatewayPlugins().map((p) => liveEnvOf(p.name))) as Env;

/** The first registered gateway other than `name`. */
export function another(name: string): { name: string; mode: string } {
  const p = gatewayPlugins().find((g) => g.name !== name);
  if (!p) throw new Error(`no gateway is registered besides ${name}`);
  return { name: p.name, mode: modeOf(p.settingsPrefix) };
}

/** The SettingsError loadSettings throws for `env` (fails the test when it does not throw). */
export function refusal(env: Env): SettingsError {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

/** Refused with one line naming `setting`, and without echoing any secret value of `env`. */
export function expectRefused(env: Env, setting: string, reason?: RegExp): void {
  const err = refusal(env);
  expect(err.message).toMatch(new RegExp(`^Invalid setting ${setting}: `));
  expect(err.message).not.toContain('\n');
  if (reason) expect(err.message).toMatch(reason);
  for (const [name, value] of Object.entries(env)) {
    if (/KEY|SECRET/.test(name) && value && value.length >= 8) expect([name, err.message.includes(value)]).toEqual([name, false]);
  }
}
