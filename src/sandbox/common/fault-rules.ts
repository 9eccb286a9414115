/**
 * The emulators' fault rules: each names an endpoint (or `*`), applies `times` times (null:
 * always) with a `probability`; the first rule that fires for a request is taken. In process memory.
 */
export interface FaultRule<E extends string> {
  id: number;
  endpoint: E | '*';
  times: number | null;
  probability: number;
  applied: number;
  created_at: string;
}

export class FaultRules<E extends string, F extends FaultRule<E>> {
  private rules: F[] = [];
  private nextId = 1;
  random: () => number = Math.random;

  add(f: Omit<F, 'id' | 'applied' | 'created_at'>): F {
    const rule = { ...f, id: this.nextId++, applied: 0, created_at: new Date().toISOString() } as F;
    this.rules.push(rule);
    return rule;
  }

  list(): F[] {
    return this.rules.map((f) => ({ ...f }));
  }

  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  /** The first rule for this endpoint that fires, its `times` consumed; spent rules are dropped. */
  take(endpoint: E): F | null {
    for (const f of this.rules) {
      if (f.endpoint !== endpoint && f.endpoint !== '*') continue;
      if (f.times !== null && f.times <= 0) continue;
      if (f.probability < 1 && this.random() >= f.probability) continue;
      if (f.times !== null) f.times -= 1;
      f.applied += 1;
      const taken = { ...f };
      this.rules = this.rules.filter((x) => x.times === null || x.times > 0);
      return taken;
    }
    return null;
  }
}
