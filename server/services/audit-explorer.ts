import { z } from 'zod';
import { findMetadataProblem } from '../audit/metadata.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import { newId } from '../crypto.js';
import type { RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import * as repo from '../repositories/audit-list.js';
import * as staffRepo from '../repositories/staff.js';
import { auditEventWrite, auditRequestContext } from './audit.js';
import { writeTogether } from '../repositories/writes.js';
import { checkAuditRead } from './audit-reads.js';
import { POLICY_SCOPE_FAMILIES, type AuditEventItem, type AuditListOutput, type AuditListQuery, type AuditReadScope } from '../../shared/audit-list.js';
import { combineAuditQuery, formatAuditQuery, type AuditFilter } from '../../shared/audit-query.js';
import { permissionScope } from '../../shared/permissions.js';

/**
 * The audit explorer (`audit.list`; docs/audit.md, "The explorer"). Reads one page of the log, newest first, for the
 * search the person typed, within what their role's `audit:read` reaches:
 *   all     compliance and admin: every event;
 *   own     support: events they are the actor of;
 *   policy  manager: policy and template events (the `policy.*` and `template.*` families).
 *
 * Reading the log is itself audited: opening a search (its first page) appends `audit.viewed` — who, which search
 * (as the search box writes it), what the role let them see, how many events were shown — in the same transaction
 * as the read, so no first page is answered without its event. Later pages ("load more") are not recorded one by
 * one; their cursor names the view it continues, and the server checks that this person recorded that view of this
 * very search before answering. A cursor cannot be forged into an unrecorded read.
 */

type ReaderContext = RequestDeps & { staff: StaffPrincipal };

const VIEW_ID = /^auv_[A-Za-z0-9]{1,64}$/;

/** Where the next page starts, and the view it continues. */
const CursorSchema = z.object({
  /** The last event shown: the next page is older… */
  s: z.number().int().positive(),
  /** …and, when the search names a period (walked by time), when it occurred. */
  t: z.iso.datetime().optional(),
  /** The first page's audit.viewed event (metadata.viewId)… */
  v: z.string().regex(VIEW_ID),
  /** …appended after this seq (the chain head when it was read). */
  h: z.number().int().nonnegative(),
});
type Cursor = z.infer<typeof CursorSchema>;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('BAD_REQUEST', 'cursor: is malformed — start again from the first page', { field: 'cursor' });
  }
}

/** The structured input's fields, as the parser reads them (undefined members left out). */
function fieldsOf(input: AuditListQuery): AuditFilter {
  const fields: AuditFilter = {};
  if (input.actor !== undefined) fields.actor = input.actor;
  if (input.action !== undefined) fields.action = input.action;
  if (input.inquiryId !== undefined) fields.inquiryId = input.inquiryId;
  if (input.target !== undefined) fields.target = input.target;
  if (input.ticket !== undefined) fields.ticket = input.ticket;
  if (input.hasTicket !== undefined) fields.hasTicket = input.hasTicket;
  if (input.after !== undefined) fields.after = isoOrRaw(input.after);
  if (input.before !== undefined) fields.before = isoOrRaw(input.before);
  return fields;
}

/** A date the parser can read back, or text it will refuse with its own message (a year past 9999). */
function isoOrRaw(date: Date): string {
  try {
    return date.toISOString();
  } catch {
    return String(date);
  }
}

function familyOf(action: string): string {
  return action.split('.')[0] ?? action;
}

/**
 * The page filter for a search within a scope; null when the scope leaves nothing to show (a support agent asking
 * for someone else's events, a manager for link events, an email nobody has). The export reads the same
 * (services/exports.ts), so an export holds exactly what the explorer shows for the search.
 */
export async function pageFilterFor(ctx: ReaderContext, filter: AuditFilter, scope: AuditReadScope): Promise<Omit<repo.AuditPageFilter, 'limit'> | null> {
  const page: Omit<repo.AuditPageFilter, 'limit'> = {};
  if (filter.actor !== undefined) {
    if (filter.actor.includes('@')) {
      // An email names a member of staff: their id, so their events are found under any email they had.
      const staff = await staffRepo.findByEmail(ctx.database.db, filter.actor);
      if (!staff) return null;
      page.actorId = staff.id;
    } else {
      page.actorId = filter.actor;
    }
  }
  if (scope === 'own') {
    if (page.actorId !== undefined && page.actorId !== ctx.staff.id) return null;
    page.actorId = ctx.staff.id;
  }
  if (filter.action !== undefined) {
    const family = familyOf(filter.action);
    if (scope === 'policy' && !(POLICY_SCOPE_FAMILIES as readonly string[]).includes(family)) return null;
    if (filter.action.endsWith('.*')) page.families = [family];
    else page.action = filter.action;
  } else if (scope === 'policy') {
    page.families = POLICY_SCOPE_FAMILIES;
  }
  if (filter.inquiryId !== undefined) page.inquiryId = filter.inquiryId;
  if (filter.target !== undefined) page.target = filter.target;
  if (filter.ticket !== undefined) page.ticket = filter.ticket;
  if (filter.hasTicket !== undefined) page.hasTicket = filter.hasTicket;
  if (filter.after !== undefined) page.after = new Date(filter.after);
  if (filter.before !== undefined) page.before = new Date(filter.before);
  // A period is walked by time from its end (repositories/audit-list.ts says why).
  if (page.after !== undefined || page.before !== undefined) page.byTime = true;
  return page;
}

function toItem(row: repo.AuditEventRow): AuditEventItem {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at,
    actor: { type: row.actor_type, id: row.actor_id, display: row.actor_display },
    action: row.action,
    target: row.target_type !== null && row.target_id !== null ? { type: row.target_type, id: row.target_id } : null,
    inquiryId: row.inquiry_id,
    reason: row.reason,
    ticket: row.ticket,
    request: { ip: row.ip, userAgent: row.user_agent, requestId: row.request_id },
    metadata: row.metadata,
    hash: row.hash,
  };
}

/** `audit.list`: one page of the search, newest first; the first page of a search is recorded as `audit.viewed`. */
export async function listAuditEvents(ctx: ReaderContext, input: AuditListQuery): Promise<AuditListOutput> {
  const scope = permissionScope(ctx.staff.role, 'audit:read');
  if (scope === null) throw new AppError('FORBIDDEN', `Your role (${ctx.staff.role}) does not have the permission 'audit:read'.`);

  const read = combineAuditQuery(input.q ?? '', fieldsOf(input));
  if (!read.ok) throw new AppError('BAD_REQUEST', read.message, { field: 'q', at: read.at });
  const filter = read.filter;
  const query = formatAuditQuery(filter);
  // The search is recorded in the log, which never holds a credential: a pasted token is refused, not stored.
  const credential = findMetadataProblem(filter, 'search');
  if (credential) {
    throw new AppError('BAD_REQUEST', `${credential.path.replace(/^search\./, '')}: ${credential.message} — the search is recorded in the audit log, so it may not hold one`, { field: 'q' });
  }

  const plan = await pageFilterFor(ctx, filter, scope);
  const limit = input.limit;
  const pageOf = async (executor: typeof ctx.database.db, position?: { seq: number; occurredAt: Date }) =>
    plan ? repo.auditEventsPage(executor, { ...plan, ...(position ? { position } : {}), limit: limit + 1 }) : [];
  const answer = (rows: repo.AuditEventRow[], view: Pick<Cursor, 'v' | 'h'>): AuditListOutput => {
    const items = rows.slice(0, limit).map(toItem);
    const last = items[items.length - 1];
    const position = last ? { s: last.seq, ...(plan?.byTime ? { t: last.occurredAt.toISOString() } : {}) } : null;
    return {
      items,
      nextCursor: rows.length > limit && position ? encodeCursor({ ...position, ...view }) : null,
      filter,
      query,
      scope,
    };
  };

  if (input.cursor !== undefined) {
    const cursor = decodeCursor(input.cursor);
    const recorded = await repo.viewRecorded(ctx.database.db, { actorId: ctx.staff.id, viewId: cursor.v, query, sinceSeq: cursor.h });
    if (!recorded) {
      throw new AppError('BAD_REQUEST', 'cursor: continues no search of yours — start again from the first page', { field: 'cursor' });
    }
    if (Boolean(plan?.byTime) !== (cursor.t !== undefined) && plan) {
      throw new AppError('BAD_REQUEST', 'cursor: is malformed — start again from the first page', { field: 'cursor' });
    }
    const position = { seq: cursor.s, occurredAt: new Date(cursor.t ?? 0) };
    return answer(await pageOf(ctx.database.db, position), { v: cursor.v, h: cursor.h });
  }

  const viewId = newId('auv');
  // On a server database the chain's head and then the page are read on a connection of their own while the
  // transaction checks the person's bound on reads, so the request waits for the longer of the two, not both; what a
  // refused read (429) has read is never sent, and a failed read fails the transaction before anything is written.
  // The head read first is below this view's event, which is appended after it: a valid start for viewRecorded.
  // The embedded engine is one session, which the transaction holds: there both are read inside it.
  const readHeadAndPage = async (executor: typeof ctx.database.db) => {
    const sinceSeq = await repo.chainHeadSeq(executor);
    return { sinceSeq, rows: await pageOf(executor) };
  };
  const early = ctx.database.kind === 'postgres' ? readHeadAndPage(ctx.database.db) : null;
  early?.catch(() => undefined);
  return ctx.database.db.transaction().execute(async (trx) => {
    const recordRead = await checkAuditRead(trx, ctx.staff.id, ctx.now()); // bounded per person (services/audit-reads.ts)
    const { sinceSeq, rows } = await (early ?? readHeadAndPage(trx));
    // The read's row in the person's window and its event, in one statement.
    await writeTogether(trx, [
      recordRead,
      auditEventWrite({
        actor: staffActor(ctx.staff),
        action: 'audit.viewed',
        metadata: { viewId, query, scope, shown: Math.min(rows.length, limit), more: rows.length > limit },
        request: auditRequestContext(ctx),
        occurredAt: ctx.now(),
      }),
    ]);
    return answer(rows, { v: viewId, h: sinceSeq });
  });
}
