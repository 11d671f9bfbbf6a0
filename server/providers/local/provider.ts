import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { prepared } from '../../db/prepared.js';
import { AppError } from '../../errors.js';
import { refreshLiveSessionUntil } from '../../repositories/inquiries.js';
import { writeTogether, type Write } from '../../repositories/writes.js';
import type { InquiryProvider, IssuedBy, IssuedSession, LockedInquiry } from '../types.js';
import { computeExpiresAt, DEFAULT_POLICY, type ExpirationPolicy } from './lifecycle.js';
import { fingerprint, sha256Hex, type SessionTokens } from './tokens.js';

const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Persona-style ids: a prefix and 24 random characters. */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return `${prefix}_${out}`;
}

export interface LocalProviderOptions {
  tokens: SessionTokens;
  hostedFlowUrl: string;
  /** Live sessions an inquiry may have at once (Persona's default is 25). */
  sessionCap: number;
}

async function policyFor(trx: Transaction<DB>, templateId: string): Promise<{ id: number | null; policy: ExpirationPolicy }> {
  const row = await trx.selectFrom('policy_revisions').selectAll().where('template_id', '=', templateId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!row) return { id: null, policy: DEFAULT_POLICY };
  return {
    id: row.id,
    policy: {
      afterCreateMinutes: row.after_create_minutes,
      afterStartMinutes: row.after_start_minutes,
      afterResumeMinutes: row.after_resume_minutes,
      oneTimeLinkMinutes: row.one_time_link_minutes,
    },
  };
}

interface TimelineEvent {
  kind: string;
  detail: Record<string, unknown>;
}

interface PreparedSession {
  issued: IssuedSession;
  row: {
    id: string;
    inquiry_id: string;
    created_at: Date;
    expires_at: Date;
    token_fingerprint: string;
    issued_by_type: IssuedBy['type'];
    issued_by_id: string | null;
    issued_by_display: string | null;
    reason: string | null;
    ticket: string | null;
  };
  event: TimelineEvent;
}

/** How resuming changes a locked inquiry: expired becomes pending with a fresh expiry; pending is only touched. */
function planReopen(inquiry: LockedInquiry, now: Date): { reopen: { expiresAt: Date } | 'touch'; expiresAt: Date; events: TimelineEvent[] } {
  if (inquiry.status === 'pending') return { reopen: 'touch', expiresAt: inquiry.expiresAt, events: [] };
  if (inquiry.status !== 'expired') {
    throw new AppError('CONFLICT', `Only pending or expired inquiries can be resumed; this one is ${inquiry.status}.`);
  }
  const policy = { ...DEFAULT_POLICY, afterResumeMinutes: inquiry.afterResumeMinutes ?? DEFAULT_POLICY.afterResumeMinutes };
  const expiresAt = computeExpiresAt(policy, 'resume', now);
  return { reopen: { expiresAt }, expiresAt, events: [{ kind: 'resumed', detail: { from: 'expired', expiresAt: expiresAt.toISOString() } }] };
}

/**
 * One statement for what an action changes about an inquiry: the inquiry row (reopened, or touched), a new
 * session, and timeline events (inserted in the order given). The caller holds the inquiry's row lock.
 */
async function writeChanges(
  trx: Transaction<DB>,
  change: { inquiryId: string; now: Date; reopen: { expiresAt: Date } | 'touch' | null; session: PreparedSession['row'] | null; events: TimelineEvent[] },
): Promise<void> {
  const { inquiryId, now, reopen, session, events } = change;
  const writes: Write[] = [];
  const sets = [
    ...(reopen && reopen !== 'touch' ? [sql`status = 'pending'`, sql`expires_at = ${reopen.expiresAt}`, sql`expired_at = null`] : []),
    ...(reopen ? [sql`updated_at = ${now}`] : []),
    // A new session raises inquiries.live_session_until (migration 0007) in the same UPDATE of the inquiry row:
    // writes batched into one statement must never change the same row twice.
    ...(session ? [sql`live_session_until = greatest(live_session_until, ${session.expires_at}::timestamptz)`] : []),
  ];
  if (sets.length > 0) writes.push(sql`update inquiries set ${sql.join(sets)} where id = ${inquiryId}`);
  if (session) {
    writes.push(sql`insert into inquiry_sessions
        (id, inquiry_id, created_at, expires_at, token_fingerprint, issued_by_type, issued_by_id, issued_by_display, reason, ticket)
      values (${session.id}, ${session.inquiry_id}, ${session.created_at}, ${session.expires_at}, ${session.token_fingerprint},
        ${session.issued_by_type}, ${session.issued_by_id}, ${session.issued_by_display}, ${session.reason}, ${session.ticket})`);
  }
  if (events.length > 0) {
    const rows = events.map((e) => sql`(${inquiryId}, ${now}, ${e.kind}, ${JSON.stringify(e.detail)}::jsonb)`);
    writes.push(sql`insert into inquiry_events (inquiry_id, occurred_at, kind, detail) values ${sql.join(rows)}`);
  }
  await writeTogether(trx, writes);
}

/** The local engine: Persona's inquiry semantics, implemented in this database. */
export function createLocalProvider(options: LocalProviderOptions): InquiryProvider {
  const { tokens } = options;

  function issue(session: { id: string; inquiry_id: string; created_at: Date; expires_at: Date }, reused: boolean): IssuedSession {
    const sessionToken = tokens.sign({ sessionId: session.id, inquiryId: session.inquiry_id, createdAt: session.created_at, expiresAt: session.expires_at });
    return { sessionId: session.id, sessionToken, tokenFingerprint: fingerprint(sessionToken), expiresAt: session.expires_at, reused };
  }

  /** A new session's row, its token and its timeline event, within the session cap; nothing written yet. */
  function prepareSession(inquiryId: string, now: Date, expiresAt: Date, issuedBy: IssuedBy, liveSessionCount: number): PreparedSession {
    if (liveSessionCount >= options.sessionCap) {
      throw new AppError('CONFLICT', `This inquiry already has ${options.sessionCap} live sessions, the most it may have. Expire some sessions first.`);
    }
    // Token iat/exp have second precision: keep the row equal to what the token says.
    const createdAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const expires = new Date(Math.floor(expiresAt.getTime() / 1000) * 1000);
    const session = { id: newId('iqse'), inquiry_id: inquiryId, created_at: createdAt, expires_at: expires };
    const issued = issue(session, false);
    return {
      issued,
      row: {
        ...session,
        token_fingerprint: issued.tokenFingerprint,
        issued_by_type: issuedBy.type,
        issued_by_id: issuedBy.id,
        issued_by_display: issuedBy.display,
        reason: issuedBy.reason ?? null,
        ticket: issuedBy.ticket ?? null,
      },
      event: { kind: 'session.issued', detail: { sessionId: session.id, by: issuedBy.type, expiresAt: expires.toISOString() } },
    };
  }

  async function insertSession(trx: Transaction<DB>, inquiryId: string, now: Date, expiresAt: Date, issuedBy: IssuedBy): Promise<IssuedSession> {
    const live = await prepared(sql<{ n: number }>`select count(*)::int as n from inquiry_sessions
      where inquiry_id = ${inquiryId} and expired_at is null and revoked_at is null and expires_at > ${now}`).execute(trx);
    const created = prepareSession(inquiryId, now, expiresAt, issuedBy, live.rows[0]?.n ?? 0);
    await writeChanges(trx, { inquiryId, now, reopen: null, session: created.row, events: [created.event] });
    return created.issued;
  }

  return {
    name: 'local',

    async reopen(trx, inquiry, now) {
      const plan = planReopen(inquiry, now);
      await writeChanges(trx, { inquiryId: inquiry.id, now, reopen: plan.reopen, session: null, events: plan.events });
      return { previousStatus: inquiry.status, expiresAt: plan.expiresAt };
    },

    async resume(trx, inquiry, now, issuedBy) {
      const plan = planReopen(inquiry, now);
      // Persona hands out a live session nobody has used yet before it creates another.
      const reusable = inquiry.reusableSession;
      if (reusable) {
        const session = issue({ id: reusable.id, inquiry_id: inquiry.id, created_at: reusable.createdAt, expires_at: reusable.expiresAt }, true);
        await writeChanges(trx, { inquiryId: inquiry.id, now, reopen: plan.reopen, session: null, events: plan.events });
        return { session, previousStatus: inquiry.status, inquiryExpiresAt: plan.expiresAt };
      }
      const created = prepareSession(inquiry.id, now, plan.expiresAt, issuedBy, inquiry.liveSessionCount);
      await writeChanges(trx, { inquiryId: inquiry.id, now, reopen: plan.reopen, session: created.row, events: [...plan.events, created.event] });
      return { session: created.issued, previousStatus: inquiry.status, inquiryExpiresAt: plan.expiresAt };
    },

    async createInquiry(trx, input, now) {
      const template = await trx.selectFrom('templates').select(['id', 'latest_version_id', 'latest_version_number']).where('id', '=', input.templateId).executeTakeFirst();
      if (!template?.latest_version_id) throw new AppError('CONFLICT', `Template ${input.templateId} has no published version.`);
      const { id: policyRevisionId, policy } = await policyFor(trx, input.templateId);
      const id = newId('inq');
      const expiresAt = computeExpiresAt(policy, 'create', now);
      await trx
        .insertInto('inquiries')
        .values({
          id,
          template_id: template.id,
          version_id: template.latest_version_id,
          version_number: template.latest_version_number,
          policy_revision_id: policyRevisionId,
          kind: input.kind,
          reference_id: input.referenceId,
          customer_id: input.customerId,
          account_id: input.accountId,
          fields: JSON.stringify(input.fields),
          status: 'created',
          predecessor_id: input.predecessorId,
          created_at: now,
          expires_at: expiresAt,
          updated_at: now,
        })
        .execute();
      await trx
        .insertInto('inquiry_events')
        .values({ inquiry_id: id, occurred_at: now, kind: 'created', detail: JSON.stringify(input.predecessorId ? { replaces: input.predecessorId } : { kind: input.kind }) })
        .execute();
      return { id, versionId: template.latest_version_id, versionNumber: template.latest_version_number, expiresAt };
    },

    async expireInquiry(trx, inquiryId, now, why) {
      await trx
        .updateTable('inquiries')
        .set({ status: 'expired', expired_at: now, expires_at: sql`least(expires_at, ${now}::timestamptz)`, updated_at: now })
        .where('id', '=', inquiryId)
        .where('status', 'in', ['created', 'pending'])
        .execute();
      await trx.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: now, kind: 'expired', detail: JSON.stringify({ by: why }) }).execute();
      await this.expireSessions(trx, { inquiryId }, now, 'expired');
    },

    async createOneTimeLink(trx, inquiryId, linkId, now, lifetimeMinutes) {
      const inquiry = await trx.selectFrom('inquiries').select(['expires_at']).where('id', '=', inquiryId).executeTakeFirstOrThrow();
      // Expiry of the inquiry expires its one-time links too.
      const expiresAt = new Date(Math.min(now.getTime() + lifetimeMinutes * 60_000, inquiry.expires_at.getTime()));
      await trx.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: now, kind: 'one_time_link.created', detail: JSON.stringify({ linkId, expiresAt: expiresAt.toISOString() }) }).execute();
      return { url: this.oneTimeLinkUrl(linkId), codeHash: sha256Hex(tokens.oneTimeCode(linkId)), expiresAt };
    },

    oneTimeLinkUrl(linkId) {
      const url = new URL(options.hostedFlowUrl);
      url.searchParams.set('code', tokens.oneTimeCode(linkId));
      return url.toString();
    },

    createSession: insertSession,

    async tokenFor(trx, sessionId) {
      const session = await trx.selectFrom('inquiry_sessions').select(['id', 'inquiry_id', 'created_at', 'expires_at']).where('id', '=', sessionId).executeTakeFirst();
      return session ? issue(session, true) : null;
    },

    async expireSessions(trx, target, now, how) {
      let query = trx
        .updateTable('inquiry_sessions')
        .where('inquiry_id', '=', target.inquiryId)
        .where('expired_at', 'is', null)
        .where('revoked_at', 'is', null);
      if (target.sessionIds) {
        if (target.sessionIds.length === 0) return 0;
        query = query.where('id', 'in', target.sessionIds);
      }
      const result = await (how === 'revoked' ? query.set({ revoked_at: now }) : query.set({ expired_at: now })).executeTakeFirst();
      const expired = Number(result.numUpdatedRows);
      if (expired > 0) await refreshLiveSessionUntil(trx, [target.inquiryId]);
      return expired;
    },

    tokenLinkUrl(inquiryId, sessionToken) {
      const url = new URL(options.hostedFlowUrl);
      url.searchParams.set('inquiry-id', inquiryId);
      url.searchParams.set('session-token', sessionToken);
      return url.toString();
    },

    staticLinkUrl(templateId, referenceId) {
      const url = new URL(options.hostedFlowUrl);
      url.searchParams.set('inquiry-template-id', templateId);
      url.searchParams.set('reference-id', referenceId);
      return url.toString();
    },
  };
}
