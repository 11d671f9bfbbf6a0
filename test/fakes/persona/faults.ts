/**
 * FAKE — the fake Persona API's fault switches: failures, delays and rate-limit answers queued for the next
 * matching requests. Test machinery, not anything Persona has.
 */

export type Fault =
  | { kind: 'fail'; status: number; afterEffect: boolean }
  | { kind: 'delay'; ms: number; afterEffect: boolean }
  | { kind: 'rate'; resetSeconds: number };

interface Rule {
  fault: Fault;
  remaining: number;
  path: RegExp | null;
}

export class FaultQueue {
  private rules: Rule[] = [];

  add(count: number, fault: Fault, path?: RegExp): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('Fake Persona: a fault needs a count of at least 1');
    this.rules.push({ fault, remaining: count, path: path ?? null });
  }

  /** The first queued fault of these kinds whose path matches, used up once. */
  take(kinds: ReadonlyArray<Fault['kind']>, path: string): Fault | null {
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !kinds.includes(rule.fault.kind)) continue;
      if (rule.path) {
        rule.path.lastIndex = 0;
        if (!rule.path.test(path)) continue;
      }
      rule.remaining -= 1;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      return rule.fault;
    }
    return null;
  }

  reset(): void {
    this.rules = [];
  }
}
