/** EccaEx's own live settings that pass every rule, for settings specs (src/gateways/testing/env.ts `liveEnvOf`). */
export const LIVE_ENV: Record<string, string> = {
  ECCAEX_API_KEY: 'ek_live_0123456789abcdef',
  ECCAEX_WEBHOOK_SECRET: 'whsk_live_0123456789abcdef',
};
