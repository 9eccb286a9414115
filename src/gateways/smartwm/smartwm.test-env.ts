/** SmartWM's own live settings that pass every rule, for settings specs (src/gateways/testing/env.ts `liveEnvOf`). */
export const LIVE_ENV: Record<string, string> = {
  SMARTWM_CLIENT_ID: '48151',
  SMARTWM_SECRET: 'swm_live_secret_0123456789',
};
