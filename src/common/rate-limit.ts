/**
 * Storefront rate limit (RATE_LIMIT_PER_MIN): a fixed one-minute window per API key, counted in
 * this process's memory. The window of a key opens at its first request and lasts 60 s; past the
 * limit a request is refused with the seconds until the window ends (Retry-After). With N
 * replicas the effective limit is up to N × the setting. Pure: the clock is injected.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (≥ 1). */
  resetS: number;
}

interface Window {
  start: number;
  count: number;
}

export const RATE_WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    /** Keys tracked at most; past it expired windows are swept, then the oldest dropped. */
    private readonly maxKeys = 10_000,
  ) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  take(key: string): RateDecision {
    const limit = this.perMinute;
    const t = this.now();
    if (limit <= 0) return { allowed: true, limit: 0, remaining: 0, resetS: 0 };
    this.sweep(t);
    let w = this.windows.get(key);
    if (!w || t - w.start >= RATE_WINDOW_MS) {
      w = { start: t, count: 0 };
      this.windows.delete(key);
      this.windows.set(key, w);
    }
    const resetS = Math.max(1, Math.ceil((w.start + RATE_WINDOW_MS - t) / 1000));
    if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetS };
    w.count += 1;
    return { allowed: true, limit, remaining: limit - w.count, resetS };
  }

  private sweep(t: number): void {
    if (this.windows.size < this.maxKeys && t - this.lastSweep < RATE_WINDOW_MS) return;
    this.lastSweep = t;
    for (const [key, w] of this.windows) if (t - w.start >= RATE_WINDOW_MS) this.windows.delete(key);
    // Still full (a flood of distinct keys cannot happen: keys are the configured ones, but stay bounded).
    while (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }
}
