/**
 * FAKE — what happens on the end user's and Persona's side of the fake Persona API (a session starts, the inquiry
 * completes, fails, is decided, expires), each change queuing the webhook events PERSONA.md names. Tests drive
 * these; they are not API calls, so they record no effect. Written from public documentation; not Persona.
 */
import { effectiveStatus, OPEN, plusSeconds, type World } from './model.js';

export class Simulator {
  constructor(private readonly world: World) {}

  private get clock() {
    return this.world.deps.clock;
  }

  /** A new session is opened by its holder: active; a created inquiry becomes pending (after-start expiry). */
  sessionStarted(sessionId: string): void {
    const s = this.world.session(sessionId);
    const inq = this.world.inquiry(s.inquiryId);
    const now = this.clock.read();
    if (s.status !== 'new' || s.expiresAt.getTime() <= now.getTime()) throw new Error(`Fake Persona: session ${s.id} is ${s.status} and cannot start`);
    const status = effectiveStatus(inq, now);
    if (!OPEN.has(status)) throw new Error(`Fake Persona: inquiry ${inq.id} is ${status}; its sessions cannot start`);
    const at = this.clock.stamp();
    s.status = 'active';
    s.startedAt = at;
    this.world.emitSession('started', s, at);
    if (inq.status === 'created') {
      inq.status = 'pending';
      inq.startedAt = at;
      inq.updatedAt = at;
      inq.expiresAt = plusSeconds(at, inq.afterStartSeconds ?? this.world.template(inq.templateId).afterCreateSeconds);
      this.world.emitInquiry('started', inq);
    }
  }

  /** The end user begins: created → pending, in its unused session or a new one. */
  start(inquiryId: string): void {
    const inq = this.world.inquiry(inquiryId);
    const now = this.clock.read();
    const status = effectiveStatus(inq, now);
    if (status !== 'created') throw new Error(`Fake Persona: inquiry ${inq.id} is ${status}, not created`);
    const s = this.world.reusableSession(inq, now) ?? this.world.newSession(inq, this.clock.stamp());
    this.sessionStarted(s.id);
  }

  /** pending (a created one is started first) → completed | failed; it no longer expires. */
  finish(inquiryId: string, outcome: 'completed' | 'failed'): void {
    const inq = this.world.inquiry(inquiryId);
    if (effectiveStatus(inq, this.clock.read()) === 'created') this.start(inquiryId);
    const status = effectiveStatus(inq, this.clock.read());
    if (status !== 'pending') throw new Error(`Fake Persona: inquiry ${inq.id} is ${status}, not pending`);
    const at = this.clock.stamp();
    inq.status = outcome;
    if (outcome === 'completed') inq.completedAt = at;
    else inq.failedAt = at;
    inq.expiresAt = null;
    inq.updatedAt = at;
    this.world.emitInquiry(outcome, inq);
  }

  decide(inquiryId: string, decision: 'approved' | 'declined' | 'needs_review'): void {
    const inq = this.world.inquiry(inquiryId);
    if (!['completed', 'failed', 'needs_review'].includes(inq.status)) throw new Error(`Fake Persona: inquiry ${inq.id} is ${inq.status}; it cannot be decided`);
    const at = this.clock.stamp();
    inq.status = decision;
    inq.decisionedAt = at;
    inq.updatedAt = at;
    this.world.emitInquiry(decision === 'needs_review' ? 'marked-for-review' : decision, inq);
  }

  /** Persona expires an open inquiry now (as its expire endpoint would, without the API call). */
  expire(inquiryId: string): void {
    const inq = this.world.inquiry(inquiryId);
    if (!OPEN.has(inq.status)) throw new Error(`Fake Persona: inquiry ${inq.id} is ${inq.status}; it cannot expire`);
    this.world.expireNow(inq, this.clock.stamp());
  }

  /** Persona's expiry job: every created|pending inquiry past expires-at, and every session past its expiry. */
  expireDue(): string[] {
    const now = this.clock.read();
    const expired: string[] = [];
    for (const inq of this.world.inquiries.values()) {
      if (effectiveStatus(inq, now) === 'expired' && inq.status !== 'expired') {
        this.world.catchUp(inq, now);
        expired.push(inq.id);
      }
    }
    for (const s of this.world.sessions.values()) {
      if ((s.status === 'new' || s.status === 'active') && s.expiresAt.getTime() <= now.getTime()) {
        s.status = 'expired';
        s.expiredAt = s.expiresAt;
        this.world.emitSession('expired', s, s.expiresAt);
      }
    }
    return expired;
  }
}
