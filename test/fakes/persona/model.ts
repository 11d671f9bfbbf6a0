/**
 * FAKE — the state behind the fake Persona API: templates, inquiries, sessions, one-time links, and the rules
 * ../shared/PERSONA.md describes for resuming, expiring and handing out links. Written from public documentation;
 * not Persona's code, and never compared with Persona's behaviour.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { newId } from '../../../server/crypto.js';
import { conflict, inquiryResource, invalid, newestFirst, notFound, sessionResource } from './resources.js';
import type { FakeEffect, FakeInquiryState, FakeOneTimeLink, FakeSessionState, SeedInquiry, TemplateOptions } from './types.js';

interface TemplateState {
  id: string;
  versionIds: string[];
  afterCreateSeconds: number;
  afterResumeSeconds: number;
  afterStartSeconds: number | null;
}

const DAY = 86_400;
export const OPEN = new Set(['created', 'pending']);

/** The fake's time: `read()` is the clock; `stamp()` never repeats, so two changes never share a timestamp. */
export class Clock {
  private last = 0;
  constructor(private readonly source: () => Date) {}
  read(): Date {
    return this.source();
  }
  stamp(): Date {
    this.last = Math.max(this.source().getTime(), this.last + 1);
    return new Date(this.last);
  }
}

export interface WorldDeps {
  clock: Clock;
  sessionCap: number;
  hostedFlowUrl: string;
  emit: (name: string, at: Date, resource: unknown) => void;
  effect: (effect: FakeEffect) => void;
}

export const plusSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);
const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A seeded inquiry's last change, when the seed does not say. */
function latest(s: SeedInquiry): Date {
  const times = [s.createdAt, s.startedAt, s.completedAt, s.failedAt, s.decisionedAt, s.expiredAt].filter((d): d is Date => d instanceof Date);
  return new Date(Math.max(...times.map((d) => d.getTime())));
}

/** created|pending past expires-at count as expired, whether or not Persona's expiry job has marked them yet. */
export function effectiveStatus(inq: FakeInquiryState, now: Date): string {
  return OPEN.has(inq.status) && inq.expiresAt && inq.expiresAt.getTime() <= now.getTime() ? 'expired' : inq.status;
}

function fieldOf(value: unknown): { type: string; value: unknown } {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'value' in value) {
    const typed = value as { type?: unknown; value: unknown };
    return { type: typeof typed.type === 'string' ? typed.type : 'string', value: typed.value };
  }
  const type = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
  return { type, value };
}

export class World {
  readonly templates = new Map<string, TemplateState>();
  readonly inquiries = new Map<string, FakeInquiryState>();
  readonly sessions = new Map<string, FakeSessionState>();
  /** Signs session tokens (HS256); made up per fake. */
  readonly tokenKey = randomBytes(32);
  private sortedInquiries: FakeInquiryState[] | null = null;
  private sortedSessions: FakeSessionState[] | null = null;

  constructor(readonly deps: WorldDeps) {}

  // ---- templates and seeding -------------------------------------------------------------------------------

  addTemplate(id: string, opts: TemplateOptions = {}): void {
    this.templates.set(id, {
      id,
      versionIds: opts.versionIds?.length ? [...opts.versionIds] : [newId('itmplv')],
      afterCreateSeconds: opts.afterCreateSeconds ?? DAY,
      afterResumeSeconds: opts.afterResumeSeconds ?? DAY,
      afterStartSeconds: opts.afterStartSeconds ?? null,
    });
  }

  publishVersion(templateId: string, versionId: string, intervals: Omit<TemplateOptions, 'versionIds'> = {}): void {
    const t = this.template(templateId);
    t.versionIds = [...t.versionIds.filter((v) => v !== versionId), versionId];
    if (intervals.afterCreateSeconds !== undefined) t.afterCreateSeconds = intervals.afterCreateSeconds;
    if (intervals.afterResumeSeconds !== undefined) t.afterResumeSeconds = intervals.afterResumeSeconds;
    if (intervals.afterStartSeconds !== undefined) t.afterStartSeconds = intervals.afterStartSeconds;
  }

  template(id: string): TemplateState {
    const t = this.templates.get(id);
    if (!t) throw new Error(`Fake Persona: no template ${id} (addTemplate first)`);
    return t;
  }

  seed(s: SeedInquiry): FakeInquiryState {
    if (!this.templates.has(s.templateId)) this.addTemplate(s.templateId, s.versionId ? { versionIds: [s.versionId] } : {});
    const t = this.template(s.templateId);
    if (s.versionId && !t.versionIds.includes(s.versionId)) t.versionIds.unshift(s.versionId);
    const old = this.inquiries.get(s.id);
    for (const id of old?.sessionIds ?? []) this.sessions.delete(id);
    const expiresAt = s.expiresAt === undefined ? (OPEN.has(s.status) ? plusSeconds(s.createdAt, t.afterCreateSeconds) : null) : s.expiresAt;
    const inq: FakeInquiryState = {
      id: s.id,
      templateId: s.templateId,
      versionId: s.versionId ?? t.versionIds[t.versionIds.length - 1]!,
      status: s.status,
      referenceId: s.referenceId ?? null,
      accountId: s.accountId ?? null,
      fields: Object.fromEntries(Object.entries(s.fields ?? {}).map(([k, v]) => [k, fieldOf(v)])),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt ?? latest(s),
      startedAt: s.startedAt ?? null,
      completedAt: s.completedAt ?? null,
      failedAt: s.failedAt ?? null,
      decisionedAt: s.decisionedAt ?? null,
      expiredAt: s.expiredAt ?? null,
      expiresAt,
      afterStartSeconds: s.afterStartSeconds === undefined ? t.afterStartSeconds : s.afterStartSeconds,
      afterResumeSeconds: s.afterResumeSeconds ?? t.afterResumeSeconds,
      sessionIds: [],
      oneTimeLinks: [],
    };
    this.putInquiry(inq);
    for (const seed of s.sessions ?? []) {
      this.putSession({
        id: seed.id ?? newId('iqse'),
        inquiryId: inq.id,
        status: seed.status ?? 'new',
        createdAt: seed.createdAt,
        startedAt: seed.startedAt ?? null,
        expiredAt: seed.expiredAt ?? null,
        expiresAt: seed.expiresAt ?? wholeSeconds(expiresAt ?? plusSeconds(seed.createdAt, DAY)),
      });
    }
    return inq;
  }

  private putInquiry(inq: FakeInquiryState): void {
    this.inquiries.set(inq.id, inq);
    this.sortedInquiries = null;
  }

  private putSession(s: FakeSessionState): void {
    this.sessions.set(s.id, s);
    this.inquiry(s.inquiryId).sessionIds.push(s.id);
    this.sortedSessions = null;
  }

  inquiry(id: string): FakeInquiryState {
    const inq = this.inquiries.get(id);
    if (!inq) throw notFound();
    return inq;
  }

  session(id: string): FakeSessionState {
    const s = this.sessions.get(id);
    if (!s) throw notFound();
    return s;
  }

  inquiriesNewestFirst(): FakeInquiryState[] {
    return (this.sortedInquiries ??= [...this.inquiries.values()].sort(newestFirst));
  }

  sessionsNewestFirst(): FakeSessionState[] {
    return (this.sortedSessions ??= [...this.sessions.values()].sort(newestFirst));
  }

  // ---- what happens, and the events it makes ---------------------------------------------------------------

  /** @internal (simulate.ts) */
  emitInquiry(name: string, inq: FakeInquiryState): void {
    this.deps.emit(`inquiry.${name}`, inq.updatedAt, inquiryResource(inq));
  }

  /** @internal (simulate.ts) */
  emitSession(name: string, s: FakeSessionState, at: Date): void {
    this.deps.emit(`inquiry-session.${name}`, at, sessionResource(s));
  }

  /** @internal (simulate.ts) */
  newSession(inq: FakeInquiryState, at: Date): FakeSessionState {
    const live = this.liveSessions(inq, at).length;
    if (live >= this.deps.sessionCap) throw conflict(`This inquiry already has ${live} sessions, the limit of ${this.deps.sessionCap}.`);
    const s: FakeSessionState = { id: newId('iqse'), inquiryId: inq.id, status: 'new', createdAt: at, startedAt: null, expiredAt: null, expiresAt: wholeSeconds(inq.expiresAt ?? at) };
    this.putSession(s);
    this.emitSession('created', s, at);
    return s;
  }

  /** @internal (simulate.ts) */
  liveSessions(inq: FakeInquiryState, now: Date): FakeSessionState[] {
    return inq.sessionIds
      .map((id) => this.sessions.get(id)!)
      .filter((s) => (s.status === 'new' || s.status === 'active') && s.expiresAt.getTime() > now.getTime());
  }

  /** The newest session nobody has used yet that has not expired. */
  /** @internal (simulate.ts) */
  reusableSession(inq: FakeInquiryState, now: Date): FakeSessionState | undefined {
    return this.liveSessions(inq, now).filter((s) => s.status === 'new').pop();
  }

  /** created|pending → expired at `at`; its live sessions and links end with it. */
  /** @internal (simulate.ts) */
  expireNow(inq: FakeInquiryState, at: Date): void {
    inq.status = 'expired';
    inq.expiredAt = at;
    inq.updatedAt = at;
    for (const link of inq.oneTimeLinks) if (link.expiresAt > at) link.expiresAt = at;
    this.emitInquiry('expired', inq);
    for (const id of inq.sessionIds) {
      const s = this.sessions.get(id)!;
      if (s.status !== 'new' && s.status !== 'active') continue;
      s.status = 'expired';
      s.expiredAt = at;
      this.emitSession('expired', s, at);
    }
  }

  /** Persona's expiry job, caught up: an inquiry past its expires-at is marked expired (at that moment). */
  /** @internal (simulate.ts) */
  catchUp(inq: FakeInquiryState, now: Date): void {
    if (effectiveStatus(inq, now) === 'expired' && inq.status !== 'expired') this.expireNow(inq, inq.expiresAt ?? now);
  }

  async token(s: FakeSessionState, now: Date): Promise<string> {
    return new SignJWT({ sid: s.id })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(s.id)
      .setAudience('persona-verify')
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(s.expiresAt.getTime() / 1000))
      .sign(this.tokenKey);
  }

  create(attrs: Record<string, unknown>, meta: Record<string, unknown>, key: string | null): { inquiry: FakeInquiryState; session: FakeSessionState | null } {
    const templateId = attrs['inquiry-template-id'];
    const versionId = attrs['inquiry-template-version-id'];
    let t: TemplateState | undefined;
    if (typeof versionId === 'string') {
      t = [...this.templates.values()].find((x) => x.versionIds.includes(versionId));
      if (!t) throw invalid('/data/attributes/inquiry-template-version-id', `No inquiry template version ${versionId}.`);
    } else if (typeof templateId === 'string') {
      t = this.templates.get(templateId);
      if (!t) throw invalid('/data/attributes/inquiry-template-id', `No inquiry template ${templateId}.`);
    } else {
      throw invalid('/data/attributes/inquiry-template-id', 'inquiry-template-id or inquiry-template-version-id is required.');
    }
    const text = (name: string) => {
      const v = attrs[name];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') throw invalid(`/data/attributes/${name}`, `${name} must be a string.`);
      return v;
    };
    const fields = attrs.fields ?? {};
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw invalid('/data/attributes/fields', 'fields must be an object.');
    const seconds = (name: string, fallback: number | null) => {
      const v = meta[`expiration-after-${name}-interval-seconds`];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw invalid(`/meta/expiration-after-${name}-interval-seconds`, 'must be a positive integer.');
      return v;
    };
    const at = this.deps.clock.stamp();
    const inq: FakeInquiryState = {
      id: newId('inq'),
      templateId: t.id,
      versionId: typeof versionId === 'string' ? versionId : t.versionIds[t.versionIds.length - 1]!,
      status: 'created',
      referenceId: text('reference-id'),
      accountId: text('account-id'),
      fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fieldOf(v)])),
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      completedAt: null,
      failedAt: null,
      decisionedAt: null,
      expiredAt: null,
      expiresAt: plusSeconds(at, seconds('create', t.afterCreateSeconds)!),
      afterStartSeconds: seconds('start', t.afterStartSeconds),
      afterResumeSeconds: seconds('resume', t.afterResumeSeconds)!,
      sessionIds: [],
      oneTimeLinks: [],
    };
    this.putInquiry(inq);
    this.emitInquiry('created', inq);
    const session = meta['auto-create-inquiry-session'] === true ? this.newSession(inq, at) : null;
    this.deps.effect({ operation: 'create', inquiryId: inq.id, ...(session ? { sessionId: session.id } : {}), ...(key ? { idempotencyKey: key } : {}) });
    return { inquiry: inq, session };
  }

  resume(id: string, key: string | null): { inquiry: FakeInquiryState; session: FakeSessionState } {
    const inq = this.inquiry(id);
    const now = this.deps.clock.read();
    const status = effectiveStatus(inq, now);
    if (status !== 'pending' && status !== 'expired') throw conflict(`Inquiries in status ${status} cannot be resumed; only pending or expired ones can.`);
    const at = this.deps.clock.stamp();
    let session: FakeSessionState | undefined;
    if (status === 'expired') {
      this.catchUp(inq, now);
      for (const s of this.liveSessions(inq, at)) {
        s.status = 'expired';
        s.expiredAt = at;
        this.emitSession('expired', s, at);
      }
      inq.status = 'pending';
      inq.expiresAt = plusSeconds(at, inq.afterResumeSeconds);
      inq.updatedAt = at;
      this.emitInquiry('transitioned', inq);
    } else {
      session = this.reusableSession(inq, at);
    }
    session ??= this.newSession(inq, at);
    this.deps.effect({ operation: 'resume', inquiryId: inq.id, sessionId: session.id, ...(key ? { idempotencyKey: key } : {}) });
    return { inquiry: inq, session };
  }

  expire(id: string, key: string | null): FakeInquiryState {
    const inq = this.inquiry(id);
    if (!OPEN.has(inq.status)) throw conflict(`Inquiries in status ${inq.status} cannot be expired; only created or pending ones can.`);
    this.expireNow(inq, this.deps.clock.stamp());
    this.deps.effect({ operation: 'expire', inquiryId: inq.id, ...(key ? { idempotencyKey: key } : {}) });
    return inq;
  }

  /** The inquiry's unused, unexpired link, or a new one lasting `expiresInSeconds`. */
  oneTimeLink(id: string, expiresInSeconds: number, key: string | null): { inquiry: FakeInquiryState; link: FakeOneTimeLink } {
    const inq = this.inquiry(id);
    const now = this.deps.clock.read();
    const status = effectiveStatus(inq, now);
    if (status === 'expired') throw conflict('One-time links cannot be generated for an expired inquiry; resume it first.');
    if (!OPEN.has(status)) throw conflict(`One-time links cannot be generated for inquiries in status ${status}.`);
    const existing = inq.oneTimeLinks.find((l) => l.usedAt === null && l.expiresAt.getTime() > now.getTime());
    if (existing) return { inquiry: inq, link: existing };
    const at = this.deps.clock.stamp();
    const code = randomBytes(18).toString('base64url');
    const url = new URL(this.deps.hostedFlowUrl);
    url.searchParams.set('code', code);
    const link: FakeOneTimeLink = { code, url: url.toString(), shortUrl: `${url.origin}/l/${code.slice(0, 10)}`, createdAt: at, expiresAt: plusSeconds(at, expiresInSeconds), usedAt: null };
    inq.oneTimeLinks.push(link);
    this.deps.effect({ operation: 'one_time_link', inquiryId: inq.id, ...(key ? { idempotencyKey: key } : {}) });
    return { inquiry: inq, link };
  }

  expireSession(id: string, key: string | null): FakeSessionState {
    const s = this.session(id);
    if (s.status !== 'new' && s.status !== 'active') throw conflict(`Inquiry sessions in status ${s.status} cannot be expired.`);
    const at = this.deps.clock.stamp();
    s.status = 'expired';
    s.expiredAt = at;
    this.emitSession('expired', s, at);
    this.deps.effect({ operation: 'session_expire', inquiryId: s.inquiryId, sessionId: s.id, ...(key ? { idempotencyKey: key } : {}) });
    return s;
  }
}
