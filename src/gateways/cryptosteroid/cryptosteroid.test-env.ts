/** CryptoSteroid's own live settings that pass every rule, for settings specs (src/gateways/testing/env.ts `liveEnvOf`). */
export const LIVE_ENV: Record<string, string> = {
  CRYPTOSTEROID_API_KEY: 'cs_live_0123456789abcdef',
  CRYPTOSTEROID_MERCHANT_ID: '6f1c2a9e-4b7d-4c1e-9a3f-2d8e5b7c9a01',
};
