import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { callWrite, type Write } from './writes.js';

/** An audit event's columns as the appender writes them; seq, prev_hash and hash come from the chain head at commit. */
export interface AuditEventValues {
  occurredAt: string; // ISO-8601 UTC, milliseconds
  actorType: string;
  actorId: string | null;
  actorDisplay: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  ticket: string | null;
  metadataJson: string; // canonical JSON of the metadata object
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * Step 1 of an append: stages the event and its canonical body through audit_append(), the one way the
 * application's database role may write the audit log (a SECURITY DEFINER function, migrations/0016; it refuses a
 * body that does not describe the columns). Takes no shared lock. At COMMIT the deferred trigger
 * `audit_pending_chain` (migrations/0002) locks the chain head, gives the event the next seq, computes its hash in
 * SQL as chainHash() does in Node, and inserts it into audit_events; if the transaction rolls back, nothing of it
 * remains. A call write (repositories/writes.ts): run it alone or with an action's other last writes.
 */
export function pendingEventWrite(event: AuditEventValues, body: string): Write {
  return callWrite(sql`audit_append(
      ${body}, ${event.occurredAt}::timestamptz, ${event.actorType}, ${event.actorId}, ${event.actorDisplay},
      ${event.action}, ${event.targetType}, ${event.targetId}, ${event.reason}, ${event.ticket},
      ${event.metadataJson}::jsonb, ${event.ip}, ${event.userAgent}, ${event.requestId})`);
}

export interface ChainHeadRow {
  seq: number;
  hash: string;
}

export async function readChainHead(db: Kysely<DB>): Promise<ChainHeadRow | undefined> {
  const row = await db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

export async function maxEventSeq(db: Kysely<DB>): Promise<number> {
  const result = await sql<{ max: number | string | null }>`select max(seq) as max from audit_events`.execute(db);
  const max = result.rows[0]?.max;
  return max === null || max === undefined ? 0 : Number(max);
}

/**
 * Exactly the columns the chain hash covers. occurred_at comes as epoch milliseconds: the appender stores whole
 * milliseconds, so a fraction means tampering, and the verifier does not parse date strings.
 */
export interface ChainRow {
  seq: number;
  occurred_ms: number;
  actor_type: 'staff' | 'partner' | 'system';
  actor_id: string | null;
  actor_display: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  ticket: string | null;
  metadata: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The events with from <= seq < to, in seq order: a range scan of the primary key. (Rendering the range as one
 * JSON document in the database costs it more CPU than plain rows, for little gain in Node: docs/performance.md,
 * "Why the list is shaped this way".)
 */
export async function chainRowsInRange(db: Kysely<DB>, from: number, to: number): Promise<ChainRow[]> {
  const result = await sql<ChainRow>`
    select seq, (extract(epoch from occurred_at) * 1000)::float8 as occurred_ms, actor_type, actor_id, actor_display,
           action, target_type, target_id, reason, ticket, metadata, ip, user_agent, request_id, prev_hash, hash
      from audit_events
     where seq >= ${from} and seq < ${to}
     order by seq`.execute(db);
  return result.rows;
}

/**
 * The hash stored for each of `seqs` that has an event (primary-key lookups, a thousand per statement): what an
 * audit checkpoint outside the database is compared with (server/audit/checkpoints.ts).
 */
export async function eventHashesAt(db: Kysely<DB>, seqs: readonly number[]): Promise<Map<number, string>> {
  const hashes = new Map<number, string>();
  for (let i = 0; i < seqs.length; i += 1000) {
    const rows = await db.selectFrom('audit_events').select(['seq', 'hash']).where('seq', 'in', seqs.slice(i, i + 1000)).execute();
    for (const row of rows) hashes.set(Number(row.seq), row.hash);
  }
  return hashes;
}
