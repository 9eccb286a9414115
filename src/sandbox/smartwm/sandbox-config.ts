import { SMARTWM_METHOD_CODES } from '../../gateways/smartwm/smartwm.methods';

/**
 * The SmartWM emulator's configuration, given by the host to SmartwmSandboxModule.forRoot: the
 * cash register's credentials (the host makes them; tests pass their own), the public base URL of
 * the hosted pages, and the knobs of the status_url pings. Not service settings.
 */
export interface SmartwmSandboxConfig {
  /** DPAY_CLIENT: the cash register id the emulator accepts. */
  clientId: string;
  /** The signing secret (salt) of that cash register. */
  secret: string;
  /** Where customers reach the hosted page: `<publicBaseUrl>/sandbox/smartwm/pay/{tracking}`. */
  publicBaseUrl: string;
  /** Method codes the cash register has enabled. */
  methods: readonly string[];
  /** Multiplier of the ping retry schedule (tests use a small one). */
  pingRetryScale: number;
  /** Per ping attempt. */
  pingTimeoutMs: number;
  /** How often the ping worker looks for due pings. */
  pingPollMs: number;
  /** Rows a statement answer holds at most (oldest first). */
  statementLimit: number;
  /** Requests kept in the request record (older ones are pruned). */
  requestLogLimit: number;
}

export type SmartwmSandboxOptions = Pick<SmartwmSandboxConfig, 'clientId' | 'secret' | 'publicBaseUrl'> & Partial<SmartwmSandboxConfig>;

export function smartwmSandboxConfig(options: SmartwmSandboxOptions): SmartwmSandboxConfig {
  if (!options.clientId || !options.secret) throw new Error('the SmartWM sandbox needs a client id and a secret');
  return {
    methods: SMARTWM_METHOD_CODES,
    pingRetryScale: 1,
    pingTimeoutMs: 10_000,
    pingPollMs: 200,
    statementLimit: 1000,
    requestLogLimit: 10_000,
    ...options,
    publicBaseUrl: options.publicBaseUrl.replace(/\/+$/, ''),
  };
}

export const SMARTWM_SANDBOX_CONFIG = Symbol('SMARTWM_SANDBOX_CONFIG');

/** The platform's ping retries are not documented; the sandbox's own, in ms before scaling: 8 attempts in all. */
export const PING_RETRY_SCHEDULE_MS: readonly number[] = [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000];

export const SANDBOX_PREFIX = '/sandbox/smartwm';
