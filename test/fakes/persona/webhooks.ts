/**
 * FAKE — webhook events as ../shared/PERSONA.md describes Persona's deliveries: `{ data: event }` bodies signed with
 * `Persona-Signature`, attempt headers, duplicates and any order on request. Written from public documentation.
 */
import { newId } from '../../../server/crypto.js';
import { signatureHeader } from '../../../server/providers/persona/signature.js';
import type { DeliverOptions, FakeEvent } from './types.js';

/** Persona tries a delivery once and retries it 7 times. */
const ATTEMPTS = 8;
/** A 2xx within 5 s counts as delivered. */
const DELIVERY_TIMEOUT_MS = 5_000;

export interface WebhookTarget {
  url: string;
  secrets: string[];
}

/** A small seeded PRNG (mulberry32), so a shuffled delivery order can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class WebhookOutbox {
  private readonly events: FakeEvent[] = [];
  private auto = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly now: () => Date,
    private target: WebhookTarget | null,
  ) {}

  add(name: string, at: Date, resource: unknown): FakeEvent {
    const id = newId('evt');
    const body = { data: { type: 'event', id, attributes: { name, 'created-at': at.toISOString(), payload: { data: structuredClone(resource) } } } };
    const event: FakeEvent = { id, name, createdAt: at, body, raw: JSON.stringify(body), attemptsMade: 0, firstAttemptedAt: null, deliveredAt: null };
    this.events.push(event);
    if (this.auto && this.target) void this.deliver().catch(() => undefined);
    return event;
  }

  /** Every event made so far, oldest first. */
  all(): FakeEvent[] {
    return [...this.events];
  }

  /** Events not yet answered with a 2xx, oldest first. */
  pending(): FakeEvent[] {
    return this.events.filter((e) => e.deliveredAt === null);
  }

  configure(target: WebhookTarget | null): void {
    this.target = target;
  }

  autoDeliver(on: boolean): void {
    this.auto = on;
    if (on && this.target && this.pending().length > 0) void this.deliver().catch(() => undefined);
  }

  /** Resolves when every delivery started so far has finished. */
  async idle(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** One delivery round at a time (an automatic one and a test's own do not interleave). */
  deliver(opts: DeliverOptions = {}): Promise<Array<{ eventId: string; status: number }>> {
    const run = this.chain.then(() => this.send(opts));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async send(opts: DeliverOptions): Promise<Array<{ eventId: string; status: number }>> {
    const target = this.target;
    if (!target) throw new Error('Fake Persona: no webhook url (pass options.webhook or call webhooks.configure)');
    let batch = this.pending();
    if (opts.eventIds) batch = batch.filter((e) => opts.eventIds!.includes(e.id));
    if (opts.duplicate) batch = [...batch, ...batch];
    if (opts.order === 'reversed') batch.reverse();
    if (opts.order === 'shuffled') {
      const next = random(opts.seed ?? 1);
      for (let i = batch.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [batch[i], batch[j]] = [batch[j]!, batch[i]!];
      }
    }
    const results: Array<{ eventId: string; status: number }> = [];
    for (const event of batch) {
      const now = this.now();
      event.attemptsMade += 1;
      event.firstAttemptedAt ??= now;
      const timestamp = opts.timestamp ?? Math.floor(now.getTime() / 1000);
      let status = 0;
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Persona-Signature': signatureHeader(opts.secrets ?? target.secrets, timestamp, event.raw),
            'Persona-Webhook-Attempts-Made': String(event.attemptsMade),
            'Persona-Webhook-Attempts-Left': String(Math.max(0, ATTEMPTS - event.attemptsMade)),
            'Persona-Webhook-First-Attempted-At': String(Math.floor(event.firstAttemptedAt.getTime() / 1000)),
          },
          body: event.raw,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch {
        status = 0; // refused, reset or timed out: not delivered
      }
      if (status >= 200 && status < 300) event.deliveredAt ??= this.now();
      results.push({ eventId: event.id, status });
    }
    return results;
  }
}
