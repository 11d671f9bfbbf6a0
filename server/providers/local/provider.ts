import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { raiseLiveSessionUntil, refreshLiveSessionUntil } from '../../repositories/inquiries.js';
import type { InquiryProvider, IssuedBy, IssuedSession } from '../types.js';
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

/** The local engine: Persona's inquiry semantics, implemented in this database. */
export function createLocalProvider(options: LocalProviderOptions): InquiryProvider {
  const { tokens } = options;

  async function issue(session: { id: string; inquiry_id: string; created_at: Date; expires_at: Date }, reused: boolean): Promise<IssuedSession> {
    const sessionToken = await tokens.sign({ sessionId: session.id, inquiryId: session.inquiry_id, createdAt: session.created_at, expiresAt: session.expires_at });
    return { sessionId: session.id, sessionToken, tokenFingerprint: fingerprint(sessionToken), expiresAt: session.expires_at, reused };
  }

  async function insertSession(trx: Transaction<DB>, inquiryId: string, now: Date, expiresAt: Date, issuedBy: IssuedBy): Promise<IssuedSession> {
    const live = await sql<{ n: number }>`select count(*)::int as n from inquiry_sessions
      where inquiry_id = ${inquiryId} and expired_at is null and revoked_at is null and expires_at > ${now}`.execute(trx);
    if ((live.rows[0]?.n ?? 0) >= options.sessionCap) {
      throw new AppError('CONFLICT', `This inquiry already has ${options.sessionCap} live sessions, the most it may have. Expire some sessions first.`);
    }
    // Token iat/exp have second precision: keep the row equal to what the token says.
    const createdAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const expires = new Date(Math.floor(expiresAt.getTime() / 1000) * 1000);
    const session = { id: newId('iqse'), inquiry_id: inquiryId, created_at: createdAt, expires_at: expires };
    const issued = await issue(session, false);
    await trx
      .insertInto('inquiry_sessions')
      .values({
        ...session,
        token_fingerprint: issued.tokenFingerprint,
        issued_by_type: issuedBy.type,
        issued_by_id: issuedBy.id,
        issued_by_display: issuedBy.display,
        reason: issuedBy.reason ?? null,
        ticket: issuedBy.ticket ?? null,
      })
      .execute();
    await raiseLiveSessionUntil(trx, inquiryId, expires);
    await trx
      .insertInto('inquiry_events')
      .values({ inquiry_id: inquiryId, occurred_at: now, kind: 'session.issued', detail: JSON.stringify({ sessionId: session.id, by: issuedBy.type, expiresAt: expires.toISOString() }) })
      .execute();
    return issued;
  }

  return {
    name: 'local',

    async reopen(trx, inquiryId, now) {
      const inquiry = await trx.selectFrom('inquiries').select(['id', 'status', 'template_id', 'expires_at']).where('id', '=', inquiryId).forUpdate().executeTakeFirst();
      if (!inquiry) throw new AppError('NOT_FOUND', `No inquiry ${inquiryId}.`);
      if (inquiry.status !== 'pending' && inquiry.status !== 'expired') {
        throw new AppError('CONFLICT', `Only pending or expired inquiries can be resumed; this one is ${inquiry.status}.`);
      }
      if (inquiry.status === 'pending') {
        await trx.updateTable('inquiries').set({ updated_at: now }).where('id', '=', inquiryId).execute();
        return { previousStatus: inquiry.status, expiresAt: inquiry.expires_at };
      }
      const { policy } = await policyFor(trx, inquiry.template_id);
      const expiresAt = computeExpiresAt(policy, 'resume', now);
      await trx.updateTable('inquiries').set({ status: 'pending', expires_at: expiresAt, expired_at: null, updated_at: now }).where('id', '=', inquiryId).execute();
      await trx.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: now, kind: 'resumed', detail: JSON.stringify({ from: 'expired', expiresAt: expiresAt.toISOString() }) }).execute();
      return { previousStatus: inquiry.status, expiresAt };
    },

    async resume(trx, inquiryId, now, issuedBy) {
      const { previousStatus, expiresAt } = await this.reopen(trx, inquiryId, now);
      // Persona hands out a live session nobody has used yet before it creates another.
      const unused = await trx
        .selectFrom('inquiry_sessions')
        .select(['id', 'inquiry_id', 'created_at', 'expires_at'])
        .where('inquiry_id', '=', inquiryId)
        .where('expired_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('started_at', 'is', null)
        .where('expires_at', '>', now)
        // A token link's session belongs to that link alone.
        .where((eb) => eb.not(eb.exists(eb.selectFrom('access_links').select('id').whereRef('access_links.session_id', '=', 'inquiry_sessions.id'))))
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const session = unused ? await issue(unused, true) : await insertSession(trx, inquiryId, now, expiresAt, issuedBy);
      return { session, previousStatus, inquiryExpiresAt: expiresAt };
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
