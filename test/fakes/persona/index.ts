/**
 * A FAKE of Persona's REST API, for tests. It is NOT Persona: it was written from Persona's public documentation
 * (docs.withpersona.com) and ../shared/PERSONA.md, has never been compared with the real service, and knows only
 * what those describe — inquiries, inquiry sessions, one-time links, idempotency keys, rate limits and signed
 * webhooks, in API version 2023-01-05's kebab-case shapes. Where the documents are silent, its choices are its own
 * (noted where they are made). It listens on 127.0.0.1 on an ephemeral port, serves /api/v1, and has switches for
 * the failures a client must survive: 5xx (before or after the effect), slow answers, 429s with reset headers, and
 * webhooks delivered twice or out of order.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newId } from '../../../server/crypto.js';
import { FaultQueue } from './faults.js';
import { createHttpApp } from './http.js';
import { Clock, World } from './model.js';
import { inquiryResource, sessionResource } from './resources.js';
import { Simulator } from './simulate.js';
import type {
  DeliverOptions,
  FakeEffect,
  FakeEvent,
  FakeInquiryState,
  FakePersonaOptions,
  FakeRequest,
  FakeSessionState,
  SeedInquiry,
  TemplateOptions,
} from './types.js';
import { WebhookOutbox, type WebhookTarget } from './webhooks.js';

export type * from './types.js';
export { inquiryResource, sessionResource };

export interface FakePersona {
  /** `http://127.0.0.1:<port>`; the API is under /api/v1. */
  url: string;
  apiKey: string;
  close(): Promise<void>;
  addTemplate(id: string, opts?: TemplateOptions): void;
  /** The version becomes the template's latest (and, given intervals, its expiration intervals change with it). */
  publishVersion(templateId: string, versionId: string, intervals?: Omit<TemplateOptions, 'versionIds'>): void;
  /** Puts an inquiry (and its sessions) into the fake as it is; no event, no effect. */
  seed(inquiry: SeedInquiry): void;
  /** Asked about an unknown inq_ id before the fake answers 404; what it returns is seeded. */
  adopt(resolver: (id: string) => Promise<SeedInquiry | null>): void;
  /** n inquiries created `stepMs` apart from `start` (statuses cycled from `statuses`, default created); ids oldest first. */
  seedMany(n: number, opts: { templateId: string; start?: Date; stepMs?: number; statuses?: string[] }): string[];
  /** A copy of an inquiry's state. */
  inquiry(id: string): FakeInquiryState | undefined;
  /** Copies of an inquiry's sessions, oldest first. */
  sessions(inquiryId: string): FakeSessionState[];
  effects: FakeEffect[];
  requests: FakeRequest[];
  faults: {
    /** The next `count` requests (matching `path`) answer `status` (500); with afterEffect, after doing their work. */
    failNext(count: number, opts?: { status?: number; path?: RegExp; afterEffect?: boolean }): void;
    /** The next `count` requests wait `ms` (real time): before the work (skipped if the client left), or after it. */
    delayNext(count: number, ms: number, opts?: { path?: RegExp; afterEffect?: boolean }): void;
    /** The next `count` requests (matching `path`) answer 429 with `RateLimit-Remaining: 0`, `RateLimit-Reset: resetSeconds`. */
    rateLimitNext(count: number, resetSeconds: number, opts?: { path?: RegExp }): void;
    reset(): void;
  };
  /** What the end user and Persona do; each change queues its webhook events. */
  simulate: {
    start(inquiryId: string): void;
    complete(inquiryId: string): void;
    fail(inquiryId: string): void;
    expire(inquiryId: string): void;
    sessionStarted(sessionId: string): void;
    decide(inquiryId: string, decision: 'approved' | 'declined' | 'needs_review'): void;
    /** Persona's expiry job: expires what is past its expiry; returns the inquiries it expired. */
    expireDue(): string[];
  };
  webhooks: {
    pending(): FakeEvent[];
    all(): FakeEvent[];
    /** Where deliveries go (for a console that starts after the fake). */
    configure(target: WebhookTarget | null): void;
    /** POSTs each pending event, signed; an event answered 2xx is no longer pending. */
    deliver(opts?: DeliverOptions): Promise<Array<{ eventId: string; status: number }>>;
    autoDeliver(on: boolean): void;
    /** Resolves when the deliveries under way have finished. */
    idle(): Promise<void>;
  };
}

const copyInquiry = (inq: FakeInquiryState): FakeInquiryState => structuredClone(inq);

export async function createFakePersona(options: FakePersonaOptions = {}): Promise<FakePersona> {
  const apiKey = options.apiKey ?? 'persona_sandbox_fake_key';
  const clock = new Clock(options.now ?? (() => new Date()));
  const effects: FakeEffect[] = [];
  const requests: FakeRequest[] = [];
  const outbox = new WebhookOutbox(() => clock.read(), options.webhook ? { url: options.webhook.url, secrets: [...options.webhook.secrets] } : null);
  const world = new World({
    clock,
    sessionCap: options.sessionCap ?? 25,
    hostedFlowUrl: options.hostedFlowUrl ?? 'https://inquiry.withpersona.com/verify',
    emit: (name, at, resource) => outbox.add(name, at, resource),
    effect: (e) => effects.push(e),
  });
  const simulator = new Simulator(world);
  const faultQueue = new FaultQueue();
  let resolver: ((id: string) => Promise<SeedInquiry | null>) | null = null;

  let closing = false;
  const sleeping = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleeping.add(wake);
    });

  const app = createHttpApp({ apiKey, rateLimitPerMinute: options.rateLimitPerMinute ?? 300, clock, world, faults: faultQueue, requests, adopt: () => resolver, sleep, closing: () => closing });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    async close() {
      closing = true;
      for (const wake of [...sleeping]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await outbox.idle();
    },
    addTemplate: (id, opts) => world.addTemplate(id, opts),
    publishVersion: (templateId, versionId, intervals) => world.publishVersion(templateId, versionId, intervals),
    seed: (inquiry) => void world.seed(inquiry),
    adopt(r) {
      resolver = r;
    },
    seedMany(n, opts) {
      const step = opts.stepMs ?? 1000;
      const start = opts.start ?? new Date(clock.read().getTime() - n * step);
      const statuses = opts.statuses?.length ? opts.statuses : ['created'];
      const t = world.template(opts.templateId);
      const ids: string[] = [];
      for (let i = 0; i < n; i += 1) {
        const createdAt = new Date(start.getTime() + i * step);
        const status = statuses[i % statuses.length]!;
        const after = (s: number) => new Date(createdAt.getTime() + s * 1000);
        const done = after(Math.min(60, t.afterCreateSeconds / 2));
        const id = world.seed({
          id: newId('inq'),
          templateId: opts.templateId,
          status,
          referenceId: `ref-${i}`,
          createdAt,
          updatedAt: status === 'created' ? createdAt : status === 'expired' ? after(t.afterCreateSeconds) : done,
          startedAt: status === 'created' ? null : done,
          completedAt: status === 'completed' ? done : null,
          failedAt: status === 'failed' ? done : null,
          expiredAt: status === 'expired' ? after(t.afterCreateSeconds) : null,
          expiresAt: status === 'created' || status === 'pending' || status === 'expired' ? after(t.afterCreateSeconds) : null,
        }).id;
        ids.push(id);
      }
      return ids;
    },
    inquiry: (id) => {
      const inq = world.inquiries.get(id);
      return inq ? copyInquiry(inq) : undefined;
    },
    sessions: (inquiryId) => (world.inquiries.get(inquiryId)?.sessionIds ?? []).map((id) => ({ ...world.sessions.get(id)! })),
    effects,
    requests,
    faults: {
      failNext: (count, opts = {}) => faultQueue.add(count, { kind: 'fail', status: opts.status ?? 500, afterEffect: opts.afterEffect ?? false }, opts.path),
      delayNext: (count, ms, opts = {}) => faultQueue.add(count, { kind: 'delay', ms, afterEffect: opts.afterEffect ?? false }, opts.path),
      rateLimitNext: (count, resetSeconds, opts = {}) => faultQueue.add(count, { kind: 'rate', resetSeconds }, opts.path),
      reset: () => faultQueue.reset(),
    },
    simulate: {
      start: (id) => simulator.start(id),
      complete: (id) => simulator.finish(id, 'completed'),
      fail: (id) => simulator.finish(id, 'failed'),
      expire: (id) => simulator.expire(id),
      sessionStarted: (id) => simulator.sessionStarted(id),
      decide: (id, decision) => simulator.decide(id, decision),
      expireDue: () => simulator.expireDue(),
    },
    webhooks: {
      pending: () => outbox.pending(),
      all: () => outbox.all(),
      configure: (target) => outbox.configure(target),
      deliver: (opts) => outbox.deliver(opts),
      autoDeliver: (on) => outbox.autoDeliver(on),
      idle: () => outbox.idle(),
    },
  };
}
