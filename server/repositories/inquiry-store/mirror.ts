import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { DECISIONED_STATUSES, isKnownStatus, type Status } from '../../../shared/statuses.js';
import { completionCounted } from './completions.js';
import { addTimelineEvent, type TimelineEvent } from './events.js';
import { raiseLiveSessionUntil, refreshLiveSessionUntil } from './live-sessions.js';
import { sessionsEnded } from './sessions.js';

/**
 * The Persona provider's mirror (docs/persona.md): what Persona says about an inquiry or a session — from an API
 * answer, a webhook event or the backfill — written into the same tables the local engine uses. The ordering rule:
 * each change carries the time Persona made it (`sourceAt`: an event's created-at, or the resource's updated-at);
 * a change older than what the row already reflects (`remote_updated_at`) is ignored, so events delivered out of
 * order, replays and a backfill running beside webhooks never put older state over newer.
 *
 * Every write here takes the inquiry's row lock (as the store's other writers do) and keeps what they keep: a
 * timeline entry beside each change, live_session_until, the completion histograms.
 */

/** An inquiry as Persona last described it, in the console's terms. */
export interface RemoteInquiry {
  id: string;
  status: string;
  templateId: string;
  /** null when Persona did not say (the mirror keeps what it had). */
  versionId: string | null;
  referenceId: string | null;
  accountId: string | null;
  /** Prefill, flattened: `{ name: value }`. */
  fields: Record<string, unknown>;
  createdAt: Date;
  /** When Persona last changed it. */
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  failedAt: Date | null;
  decisionedAt: Date | null;
  expiredAt: Date | null;
  /** null for an inquiry that no longer expires (completed, decided). */
  expiresAt: Date | null;
  sessionIds: string[];
}

export interface RemoteSession {
  id: string;
  inquiryId: string;
  /** new | active | expired | canceled | … (not a closed list). */
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  expiredAt: Date | null;
  updatedAt: Date;
}

export type MirrorOutcome = 'inserted' | 'updated' | 'stale';

/** What the timeline says Persona did (the local engine says 'expiry sweep', a person's name, …). */
const BY_PERSONA = 'persona';

/**
 * The console's status for Persona's. Persona's list is not closed; the table's CHECK is. Known statuses pass as
 * they are (kebab-case spellings too); `marked-for-review` is needs_review; anything else is read from the
 * timestamps, most advanced first: decided (the decision unknown: needs_review, so a person looks), failed,
 * completed, expired, started (pending), else created.
 */
export function mirroredStatus(inquiry: Pick<RemoteInquiry, 'status' | 'decisionedAt' | 'failedAt' | 'completedAt' | 'expiredAt' | 'startedAt'>): Status {
  const status = inquiry.status.trim().toLowerCase().replace(/-/g, '_');
  if (isKnownStatus(status)) return status;
  if (status === 'marked_for_review' || status === 'in_review') return 'needs_review';
  if (inquiry.decisionedAt) return 'needs_review';
  if (inquiry.failedAt) return 'failed';
  if (inquiry.completedAt) return 'completed';
  if (inquiry.expiredAt) return 'expired';
  if (inquiry.startedAt) return 'pending';
  return 'created';
}

const isDecided = (status: string) => (DECISIONED_STATUSES as readonly string[]).includes(status);
const latest = (...dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));
const earliest = (...dates: Date[]) => new Date(Math.min(...dates.map((d) => d.getTime())));
const newer = (known: Date | null, sourceAt: Date) => known === null || known.getTime() < sourceAt.getTime();

/**
 * The template and version rows for a Persona template/version the console has not seen yet (a version first seen
 * on an inquiry gets the next number; it becomes the template's latest when no newer one is known).
 *
 * The rule, since Persona's ids carry no order: a version's number is the order the console first saw it in
 * (1, 2, …), its published_at the time it was first seen live (`seenAt`: the creation time of the inquiry pinned to
 * it). It becomes the template's latest unless the latest already has a later published_at. A new template is
 * named by its id until someone names it. With no version id (Persona did not say), the template's latest is the
 * answer; a template with no version at all gets a placeholder version `itmplv_unknown<template suffix>`.
 * A known id writes nothing: every write to these tables notifies each instance's catalogue cache.
 */
export async function catalogueSeen(
  trx: Transaction<DB>,
  templateId: string,
  versionId: string | null,
  seenAt: Date,
): Promise<{ versionId: string; versionNumber: number }> {
  const known = await knownVersion(trx, templateId, versionId);
  if (known) return known;

  await trx.insertInto('templates').values({ id: templateId, name: templateId, created_at: seenAt }).onConflict((oc) => oc.column('id').doNothing()).execute();
  // The template's row lock numbers its versions one at a time (two events naming a new version at once).
  const template = await trx
    .selectFrom('templates')
    .select(['latest_version_id', 'latest_version_number'])
    .where('id', '=', templateId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const again = await knownVersion(trx, templateId, versionId);
  if (again) return again;

  const id = versionId ?? `itmplv_unknown${templateId.slice('itmpl_'.length)}`;
  const numbers = await trx
    .selectFrom('template_versions')
    .select((eb) => eb.fn.coalesce(eb.fn.max('version_number'), eb.lit(0)).as('max'))
    .where('template_id', '=', templateId)
    .executeTakeFirstOrThrow();
  const versionNumber = Number(numbers.max) + 1;
  await trx
    .insertInto('template_versions')
    .values({ id, template_id: templateId, version_number: versionNumber, published_at: seenAt, notes: 'First seen in Persona' })
    .execute();
  const current = template.latest_version_id
    ? await trx.selectFrom('template_versions').select('published_at').where('id', '=', template.latest_version_id).executeTakeFirst()
    : undefined;
  if (!current || current.published_at.getTime() <= seenAt.getTime()) {
    await trx.updateTable('templates').set({ latest_version_id: id, latest_version_number: versionNumber }).where('id', '=', templateId).execute();
  }
  return { versionId: id, versionNumber };
}

async function knownVersion(trx: Transaction<DB>, templateId: string, versionId: string | null): Promise<{ versionId: string; versionNumber: number } | null> {
  if (versionId === null) {
    const template = await trx.selectFrom('templates').select(['latest_version_id', 'latest_version_number']).where('id', '=', templateId).executeTakeFirst();
    return template?.latest_version_id ? { versionId: template.latest_version_id, versionNumber: template.latest_version_number } : null;
  }
  const version = await trx.selectFrom('template_versions').select(['template_id', 'version_number']).where('id', '=', versionId).executeTakeFirst();
  if (!version) return null;
  if (version.template_id !== templateId) throw new Error(`Persona's version ${versionId} belongs to ${version.template_id}, not ${templateId}`);
  return { versionId, versionNumber: version.version_number };
}

interface MirroredRow {
  status: string;
  template_id: string;
  version_id: string;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  failed_at: Date | null;
  decisioned_at: Date | null;
  expired_at: Date | null;
  expires_at: Date;
  remote_updated_at: Date | null;
}

/** Inserts or updates the inquiry as Persona describes it at `sourceAt`; older than the row's state: 'stale'. */
export function inquiryMirrored(trx: Transaction<DB>, inquiry: RemoteInquiry, sourceAt: Date): Promise<MirrorOutcome> {
  return mirrorInquiry(trx, inquiry, sourceAt, true);
}

async function mirrorInquiry(trx: Transaction<DB>, inquiry: RemoteInquiry, sourceAt: Date, mayRetry: boolean): Promise<MirrorOutcome> {
  const row = await lockedRow(trx, inquiry.id);
  if (row && !newer(row.remote_updated_at, sourceAt)) return 'stale';

  const status = mirroredStatus(inquiry);
  const createdAt = row?.created_at ?? inquiry.createdAt;
  const target = columnsFor(inquiry, status, createdAt, row, sourceAt);

  if (!row) {
    const version = await catalogueSeen(trx, inquiry.templateId, inquiry.versionId, inquiry.createdAt);
    const customer = inquiry.accountId
      ? await trx.selectFrom('customers').select('id').where('account_id', '=', inquiry.accountId).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst()
      : undefined;
    const inserted = await trx
      .insertInto('inquiries')
      .values({
        id: inquiry.id,
        template_id: inquiry.templateId,
        version_id: version.versionId,
        version_number: version.versionNumber,
        reference_id: inquiry.referenceId,
        customer_id: customer?.id ?? null,
        account_id: inquiry.accountId,
        fields: JSON.stringify(inquiry.fields),
        created_at: createdAt,
        ...target,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      const events: [Date, TimelineEvent][] = [[createdAt, { kind: 'created', detail: { source: BY_PERSONA, versionNumber: version.versionNumber } }]];
      await afterChange(trx, inquiry.id, EMPTY_ROW, { ...target, status, created_at: createdAt }, sourceAt, events);
      return 'inserted';
    }
    // Another transaction mirrored it first (it held the insert until it committed): compare with what it wrote.
    if (!mayRetry) throw new Error(`inquiry ${inquiry.id} was neither inserted nor found`);
    return mirrorInquiry(trx, inquiry, sourceAt, false);
  }

  // Persona not naming the version keeps the row's (an inquiry stays pinned to the version live at its creation).
  const version =
    inquiry.versionId === null && row.template_id === inquiry.templateId
      ? null
      : await catalogueSeen(trx, inquiry.templateId, inquiry.versionId, inquiry.createdAt);
  await trx
    .updateTable('inquiries')
    .set({
      ...target,
      ...(version ? { template_id: inquiry.templateId, version_id: version.versionId, version_number: version.versionNumber } : {}),
      reference_id: inquiry.referenceId,
      account_id: inquiry.accountId,
      // A webhook's payload may carry no fields: keep what the row has rather than forget the prefill.
      ...(Object.keys(inquiry.fields).length > 0 ? { fields: JSON.stringify(inquiry.fields) } : {}),
    })
    .where('id', '=', inquiry.id)
    .execute();
  await afterChange(trx, inquiry.id, row, { ...target, status, created_at: createdAt }, sourceAt, []);
  return 'updated';
}

function lockedRow(trx: Transaction<DB>, id: string): Promise<MirroredRow | undefined> {
  return trx
    .selectFrom('inquiries')
    .select(['status', 'template_id', 'version_id', 'created_at', 'started_at', 'completed_at', 'failed_at', 'decisioned_at', 'expired_at', 'expires_at', 'remote_updated_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

type Milestones = Pick<MirroredRow, 'status' | 'started_at' | 'completed_at' | 'failed_at' | 'decisioned_at' | 'expired_at'>;

const EMPTY_ROW: Milestones = {
  status: 'created',
  started_at: null,
  completed_at: null,
  failed_at: null,
  decisioned_at: null,
  expired_at: null,
};

/**
 * The row's columns for Persona's description, within the table's CHECKs: expires_at is never null (Persona's null
 * keeps the row's value, else expired-at, completed-at or created-at) nor before created_at; an expired inquiry has
 * its expired_at (Persona's, or the row's, or the earlier of its expiry and the change), any other none — as the
 * local engine keeps it (a resume clears it); a milestone Persona does not date is dated by the change.
 */
function columnsFor(inquiry: RemoteInquiry, status: Status, createdAt: Date, row: MirroredRow | undefined, sourceAt: Date) {
  const expiresAt = latest(createdAt, inquiry.expiresAt ?? row?.expires_at ?? inquiry.expiredAt ?? inquiry.completedAt ?? createdAt);
  const expiredAt = status === 'expired' ? (inquiry.expiredAt ?? (row?.status === 'expired' ? row.expired_at : null) ?? earliest(expiresAt, sourceAt)) : null;
  const completedAt = inquiry.completedAt ?? row?.completed_at ?? (status === 'completed' ? sourceAt : null);
  return {
    status,
    started_at: inquiry.startedAt ? latest(createdAt, inquiry.startedAt) : (row?.started_at ?? null),
    completed_at: completedAt ? latest(createdAt, completedAt) : null,
    failed_at: inquiry.failedAt ?? row?.failed_at ?? (status === 'failed' ? sourceAt : null),
    decisioned_at: inquiry.decisionedAt ?? (isDecided(status) ? (row?.decisioned_at ?? sourceAt) : null),
    expired_at: expiredAt,
    expires_at: expiresAt,
    updated_at: latest(createdAt, inquiry.updatedAt),
    remote_updated_at: sourceAt,
  };
}

type Columns = ReturnType<typeof columnsFor> & { created_at: Date };

/**
 * What a change from `before` to `after` adds beside the row: a timeline entry per milestone that appeared (the
 * local engine's kinds — started, completed, failed, decisioned, expired, resumed — dated by Persona's timestamps),
 * the completion histograms, and, when the inquiry expired, its open sessions ended with it.
 */
async function afterChange(
  trx: Transaction<DB>,
  inquiryId: string,
  before: Milestones,
  after: Columns,
  sourceAt: Date,
  events: [Date, TimelineEvent][],
): Promise<void> {
  if (after.started_at && !before.started_at) events.push([after.started_at, { kind: 'started', detail: { by: BY_PERSONA } }]);
  if (before.status === 'expired' && after.status === 'pending') {
    events.push([sourceAt, { kind: 'resumed', detail: { from: 'expired', by: BY_PERSONA, expiresAt: after.expires_at.toISOString() } }]);
  }
  if (after.completed_at && !before.completed_at) events.push([after.completed_at, { kind: 'completed', detail: { by: BY_PERSONA } }]);
  if (after.failed_at && !before.failed_at) events.push([after.failed_at, { kind: 'failed', detail: { by: BY_PERSONA } }]);
  if (isDecided(after.status) && after.status !== before.status) {
    events.push([after.decisioned_at ?? sourceAt, { kind: 'decisioned', detail: { decision: after.status, by: BY_PERSONA } }]);
  }
  const expired = after.status === 'expired' && before.status !== 'expired';
  if (expired) events.push([after.expired_at ?? sourceAt, { kind: 'expired', detail: { by: BY_PERSONA } }]);
  events.sort((a, b) => a[0].getTime() - b[0].getTime());
  for (const [at, event] of events) await addTimelineEvent(trx, inquiryId, at, event);

  if (after.completed_at && !before.completed_at) await completionCounted(trx, inquiryId);
  // Expiry of an inquiry expires its sessions (Persona's rule, and the local engine's): keeps live_session_until.
  // A session made after the expiry (Persona resumed it; that news may arrive before this older event) is not ended.
  if (expired) {
    const at = after.expired_at ?? sourceAt;
    await sessionsEnded(trx, { inquiryId, createdBy: at }, at, 'expired');
  }
}

const ENDED_SESSION = new Set(['expired', 'canceled', 'cancelled']);

/**
 * Inserts or updates the session; 'unknown_inquiry' when its inquiry is not mirrored yet.
 *
 * A session Persona made (not the console: the end user's own, a device hand-off) has no token fingerprint and is
 * attributed to the system, shown as 'Persona'; it expires with its inquiry as the inquiry stood when the console
 * first saw the session (Persona's rule: the inquiry's expiry at the session's creation). expired and canceled end
 * it; an ended session never opens again, and one created before its inquiry expired ends with it.
 */
export async function sessionMirrored(trx: Transaction<DB>, session: RemoteSession, sourceAt: Date): Promise<MirrorOutcome | 'unknown_inquiry'> {
  const inquiry = await trx
    .selectFrom('inquiries')
    .select(['status', 'expires_at', 'expired_at'])
    .where('id', '=', session.inquiryId)
    .forUpdate()
    .executeTakeFirst();
  if (!inquiry) return 'unknown_inquiry';
  const row = await trx
    .selectFrom('inquiry_sessions')
    .select(['inquiry_id', 'created_at', 'expires_at', 'started_at', 'expired_at', 'revoked_at', 'remote_updated_at'])
    .where('id', '=', session.id)
    .forUpdate()
    .executeTakeFirst();
  if (row && row.inquiry_id !== session.inquiryId) throw new Error(`session ${session.id} belongs to ${row.inquiry_id}, not ${session.inquiryId}`);
  if (row && !newer(row.remote_updated_at, sourceAt)) return 'stale';

  const createdAt = row?.created_at ?? session.createdAt;
  let endedAt = ENDED_SESSION.has(session.status.trim().toLowerCase()) ? (session.expiredAt ?? sourceAt) : null;
  if (endedAt === null && inquiry.status === 'expired' && inquiry.expired_at && createdAt.getTime() <= inquiry.expired_at.getTime()) endedAt = inquiry.expired_at;
  const startedAt = row?.started_at ?? session.startedAt;
  const expiredAt = row?.expired_at ?? endedAt;
  const events: [Date, TimelineEvent][] = [];

  if (!row) {
    const expiresAt = latest(createdAt, inquiry.expires_at);
    await trx
      .insertInto('inquiry_sessions')
      .values({
        id: session.id,
        inquiry_id: session.inquiryId,
        created_at: createdAt,
        expires_at: expiresAt,
        started_at: startedAt,
        expired_at: expiredAt,
        token_fingerprint: null,
        issued_by_type: 'system',
        issued_by_id: null,
        issued_by_display: 'Persona',
        remote_updated_at: sourceAt,
      })
      .execute();
    if (expiredAt === null) await sql`update inquiries set ${raiseLiveSessionUntil(expiresAt)} where id = ${session.inquiryId}`.execute(trx);
    events.push([createdAt, { kind: 'session.issued', detail: { sessionId: session.id, by: BY_PERSONA, expiresAt: expiresAt.toISOString() } }]);
  } else {
    await trx.updateTable('inquiry_sessions').set({ started_at: startedAt, expired_at: expiredAt, remote_updated_at: sourceAt }).where('id', '=', session.id).execute();
    // Ended here, not before (nor revoked by a person): the inquiry's latest live session may have changed.
    if (expiredAt && !row.expired_at && !row.revoked_at) await refreshLiveSessionUntil(trx, [session.inquiryId]);
  }
  if (startedAt && !row?.started_at) events.push([startedAt, { kind: 'session.started', detail: { sessionId: session.id } }]);
  if (expiredAt && !row?.expired_at && !row?.revoked_at) {
    events.push([expiredAt, { kind: 'session.expired', detail: { sessionId: session.id, by: BY_PERSONA, status: session.status } }]);
  }
  events.sort((a, b) => a[0].getTime() - b[0].getTime());
  for (const [at, event] of events) await addTimelineEvent(trx, session.inquiryId, at, event);
  return row ? 'updated' : 'inserted';
}

/**
 * Numbers a template's versions in the order Persona published them, as far as the console can tell: each version's
 * published_at becomes the creation time of the earliest inquiry seen on it (never later than it was), versions are
 * numbered 1, 2, … by that time, the highest is the template's latest, and inquiries carry their version's new number.
 * The backfill runs it at the end (it walks newest first, so it meets older versions last and `catalogueSeen` numbered
 * them after the newer ones). Returns how many versions changed number.
 */
export async function catalogueRenumbered(trx: Transaction<DB>, templateId: string): Promise<number> {
  await sql`select id from templates where id = ${templateId} for update`.execute(trx);
  await sql`update template_versions v set published_at = first.at
    from (select i.version_id, min(i.created_at) as at from inquiries i
          join template_versions tv on tv.id = i.version_id and tv.template_id = ${templateId}
          group by i.version_id) first
    where v.id = first.version_id and first.at < v.published_at`.execute(trx);
  const ranked = await sql<{ id: string; old: number; n: number }>`select id, version_number as old,
      (row_number() over (order by published_at, version_number))::int as n
    from template_versions where template_id = ${templateId}`.execute(trx);
  const moved = ranked.rows.filter((r) => r.old !== r.n);
  if (moved.length === 0) return 0;
  // (template_id, version_number) is unique and checked row by row: out of the way first, then into place.
  const offset = 1_000_000;
  await sql`update template_versions set version_number = version_number + ${offset}
    where template_id = ${templateId} and id in (${sql.join(moved.map((r) => r.id))})`.execute(trx);
  for (const r of moved) {
    await sql`update template_versions set version_number = ${r.n} where id = ${r.id}`.execute(trx);
  }
  await sql`update inquiries i set version_number = v.version_number
    from template_versions v
    where v.template_id = ${templateId} and i.version_id = v.id and i.version_number <> v.version_number`.execute(trx);
  await sql`update templates t set latest_version_id = v.id, latest_version_number = v.version_number
    from (select id, version_number from template_versions where template_id = ${templateId}
          order by version_number desc limit 1) v
    where t.id = ${templateId} and (t.latest_version_id is distinct from v.id or t.latest_version_number <> v.version_number)`.execute(trx);
  return moved.length;
}

/** Every template's id (the backfill renumbers each one's versions at the end). */
export async function catalogueTemplateIds(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('templates').select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}

/**
 * A session the mirror recorded as Persona's own (a webhook told of it first) that an action of this console in fact
 * received — a retried resume whose first attempt timed out after Persona made the session. It becomes the action's:
 * its token's fingerprint and its issuer, with a 'session.issued' entry. False when it is not such a row.
 */
export async function mirroredSessionClaimed(
  trx: Transaction<DB>,
  sessionId: string,
  claim: { token_fingerprint: string; issued_by_type: string; issued_by_id: string | null; issued_by_display: string | null; reason: string | null; ticket: string | null },
  now: Date,
): Promise<boolean> {
  const claimed = await trx
    .updateTable('inquiry_sessions')
    .set(claim)
    .where('id', '=', sessionId)
    .where('token_fingerprint', 'is', null)
    .where('issued_by_type', '=', 'system')
    .returning(['inquiry_id'])
    .executeTakeFirst();
  if (!claimed) return false;
  await addTimelineEvent(trx, claimed.inquiry_id, now, { kind: 'session.issued', detail: { sessionId, by: claim.issued_by_type, claimed: true } });
  return true;
}
