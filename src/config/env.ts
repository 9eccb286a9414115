import { isIP } from 'node:net';

/**
 * The reading rules every setting goes through (core and each gateway's settings slice): one
 * clear line naming a bad setting, live-mode refusals. No imports of the service: gateway folders
 * use these without pulling in the settings of the whole service.
 */
/** Each gateway is live (its real API), sandbox (its emulator, mounted in this service) or off (nothing of it). */
export type GatewayMode = 'live' | 'sandbox' | 'off';
export const GATEWAY_MODES: readonly GatewayMode[] = ['live', 'sandbox', 'off'];

export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`Invalid setting ${setting}: ${reason}`);
  }
}

/** Live mode: the shortest secret, API key or signing secret taken. */
export const MIN_SECRET_LENGTH = 16;

/**
 * Key values shipped in the repository's examples (.env.example, docker-compose.yml,
 * deploy/sandbox.env). Public, so live mode refuses every one of them.
 */
export const DEMO_KEYS: ReadonlySet<string> = new Set([
  'sk_store_change_me_0001',
  'sk_store_change_me_0002',
  'sk_ops_change_me_000001',
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'sk_store_compose_demo_0001',
  'sk_ops_compose_demo_00001',
  'whsk_compose_demo_secret_0001',
]);

export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new SettingsError(name, `expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new SettingsError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function bool(env: Env, name: string, def: boolean): boolean {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return def;
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new SettingsError(name, `expected true or false, got "${v}"`);
}

export function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const v = str(env, name);
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new SettingsError(name, `expected one of ${allowed.join(', ')}, got "${v}"`);
  }
  return v as T;
}

export function list(env: Env, name: string): string[] {
  const v = str(env, name);
  if (v === undefined) return [];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (item.length < 16) throw new SettingsError(name, 'every key must be at least 16 characters');
  }
  return items;
}

/** Absolute http(s) URL without credentials; the single URL rule of the service. */
export function checkHttpUrl(value: string): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must use http or https';
  if (u.username || u.password) return 'must not carry credentials';
  if (!u.hostname) return 'has no host';
  return null;
}

export function url(env: Env, name: string, def?: string): string | undefined {
  const v = str(env, name) ?? def;
  if (v === undefined) return undefined;
  const problem = checkHttpUrl(v);
  if (problem) throw new SettingsError(name, `${problem} ("${v.replace(/\/\/[^@/]*@/, '//***@')}")`);
  return v.replace(/\/+$/, '');
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || (isIP(h) === 4 && h.startsWith('127.')) || h === '::1';
}


/**
 * `<GATEWAY>_MODE`, or when unset: live with credentials; else sandbox, except in production
 * where it is off (an emulator in production only when the mode says so, and then with a warning).
 */
export function gatewayMode(env: Env, prefix: string, name: string, hasCredentials: boolean, production: boolean, warnings: string[]): GatewayMode {
  const setting = `${prefix}_MODE`;
  const explicit = str(env, setting);
  if (explicit === undefined) return hasCredentials ? 'live' : production ? 'off' : 'sandbox';
  const mode = oneOf(env, setting, 'off', GATEWAY_MODES);
  if (mode === 'sandbox' && production) {
    warnings.push(
      `${setting}=sandbox with NODE_ENV=production: the ${name} emulator is mounted under /sandbox/${prefix.toLowerCase()} and anyone can mark its invoices paid; never for real money`,
    );
  }
  return mode;
}

/**
 * Live mode refuses what would lose money or leak keys, one setting at a time: a secret, API key
 * or signing secret shorter than MIN_SECRET_LENGTH or shipped in the repository's examples
 * (DEMO_KEYS), and a URL that is not https unless its host is a loopback one (local tests).
 */
export function refuseInLive(c: { secrets: Record<string, string[]>; urls: Record<string, string> }): void {
  for (const [name, values] of Object.entries(c.secrets)) {
    for (const v of values) {
      if (DEMO_KEYS.has(v)) throw new SettingsError(name, "a demo value from the repository's examples; live mode needs a real one");
      if (v.length < MIN_SECRET_LENGTH) throw new SettingsError(name, `every value must be at least ${MIN_SECRET_LENGTH} characters in live mode`);
    }
  }
  for (const [name, value] of Object.entries(c.urls)) {
    const u = new URL(value);
    if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname)) throw new SettingsError(name, `must be https in live mode (http only for a loopback host), got ${u.protocol}//${u.host}`);
  }
}
