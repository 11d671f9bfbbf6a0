import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPageQuery, type AuditPageFilter } from '../../server/repositories/audit-list.js';
import { POLICY_SCOPE_FAMILIES } from '../../shared/audit-list.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';

/**
 * The explorer's pages are index walks (migrations/0002 and 0020): each filter's statement, on a log of EVENTS events,
 * is explained, and must read a bounded number of rows whatever the log's size — no sequential scan, no sort of
 * everything that matched, a bitmap only over a handful of rows. A walk may skip entries its index does not decide
 * (an action's walk skipping other people's actions): that costs the inverse of the filter's selectivity per page,
 * never the depth of the page. Run with AUDIT_PLAN_EVENTS=300000 (and TEST_DATABASE_URL) and AUDIT_PLAN_LOG=1 to
 * see the plans and timings docs/audit.md quotes.
 */
const EVENTS = Number(process.env.AUDIT_PLAN_EVENTS ?? 40_000);
const LIMIT = 51;
/** Rows a bitmap or a sort may handle: a few pages. */
const ROWS_LIMIT = 500;
/** Index entries a walk may read for one page (what it returns and what it skips): far below the log's size. */
const WALK_LIMIT = 15_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe.each(testEngines())('audit.list plans on %s', (engine) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    // Written directly (the chain is not the point here): 1 in 500 events a policy or template change, a third with
    // a ticket, link revocations naming their inquiry in metadata, 40 people, 20,000 inquiries, 10 s apart.
    // Written directly (the chain is not the point here), from independent random draws: 1 in 500 events a policy
    // or template change, a third with a ticket (5,000 of them), link revocations naming their inquiry in metadata,
    // 40 people, 20,000 inquiries, an event every 10 s.
    await sql`select setseed(0.42)`.execute(database.db);
    await sql`
      insert into audit_events (seq, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id,
                                reason, ticket, metadata, ip, user_agent, request_id, prev_hash, hash)
      select g,
             timestamptz '2026-01-01 00:00:00+00' + g * interval '10 seconds',
             'staff', 'stf_p' || r.person, 'p' || r.person || '@demo.test',
             r.action,
             case when r.action = 'link.revoked' then 'link' when r.action like 'policy.%' or r.action like 'template.%' then 'template' else 'inquiry' end,
             case when r.action = 'link.revoked' then 'lnk_' || g when r.action like 'policy.%' or r.action like 'template.%' then 'itmpl_T' || (g % 7) else 'inq_' || r.inquiry end,
             'Reason ' || g,
             case when r.ticketed then 'SUP-' || r.ticket end,
             case when r.action = 'link.revoked' then jsonb_build_object('inquiryId', 'inq_' || r.inquiry) else '{}'::jsonb end,
             '203.0.113.' || (g % 250), 'bench', 'req-' || g, repeat('0', 64), repeat('0', 64)
        from generate_series(1, ${EVENTS}::int) as g
        cross join lateral (
          select floor(random() * 40)::int as person,
                 floor(random() * 20000)::int as inquiry,
                 random() < 0.33 as ticketed,
                 floor(random() * 5000)::int as ticket,
                 case when random() < 0.002 then (array['policy.updated', 'policy.applied', 'template.version_published'])[1 + floor(random() * 3)::int]
                      else (array['inquiry.resumed', 'link.created', 'auth.login', 'audit.viewed', 'link.revoked', 'session.expired'])[1 + floor(random() * 6)::int]
                 end as action,
                 g as at_g
        ) as r`.execute(database.db);
    await sql`analyze audit_events`.execute(database.db);
  }, 600_000);
  afterAll(async () => {
    await database?.close();
  });

  const middle = () => Math.floor(EVENTS / 2);
  const cases: Array<[string, () => Omit<AuditPageFilter, 'limit'>]> = [
    ['newest first, no filter', () => ({})],
    ['an actor', () => ({ actorId: 'stf_p7' })],
    ['an action', () => ({ action: 'link.created' })],
    ['a family', () => ({ families: ['link'] })],
    ['a manager’s scope (two families)', () => ({ families: POLICY_SCOPE_FAMILIES })],
    ['an inquiry (with its links’ events)', () => ({ inquiryId: 'inq_1234' })],
    ['a target', () => ({ target: { type: 'inquiry', id: 'inq_77' } })],
    ['a ticket', () => ({ ticket: 'SUP-42' })],
    ['an actor and an action', () => ({ actorId: 'stf_p7', action: 'inquiry.resumed' })],
    ['an actor, deep down (a cursor in the middle)', () => ({ actorId: 'stf_p7', position: { seq: middle(), occurredAt: new Date(0) } })],
    ['an action and a ticket, deep down', () => ({ action: 'link.created', hasTicket: true, position: { seq: middle(), occurredAt: new Date(0) } })],
    // A period is walked by time, from its end (byTime: what the service asks for when the search names one).
    ['the last day', () => ({ byTime: true, after: new Date(Date.parse('2026-01-01T00:00:00Z') + (EVENTS - 8_640) * 10_000) })],
    ['a past day', () => ({ byTime: true, after: new Date('2026-01-02T00:00:00Z'), before: new Date('2026-01-03T00:00:00Z') })],
    ['everything before a past day', () => ({ byTime: true, before: new Date('2026-01-03T00:00:00Z') })],
    ['an actor in a past day', () => ({ byTime: true, actorId: 'stf_p3', after: new Date('2026-01-02T00:00:00Z'), before: new Date('2026-01-03T00:00:00Z') })],
    ['an actor in a past day, second page', () => ({ byTime: true, actorId: 'stf_p3', after: new Date('2026-01-02T00:00:00Z'), before: new Date('2026-01-03T00:00:00Z'), position: { seq: 13_000, occurredAt: new Date(Date.parse('2026-01-01T00:00:00Z') + 13_000 * 10_000) } })],
    ['a manager’s scope in a past day', () => ({ byTime: true, families: POLICY_SCOPE_FAMILIES, after: new Date('2026-01-02T00:00:00Z'), before: new Date('2026-01-03T00:00:00Z') })],
  ];

  it.each(cases)('%s: an index walk that reads about a page', async (name, filter) => {
    const query = auditPageQuery(database.db, { ...filter(), limit: LIMIT });
    const explained = await database.db.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (analyze, format json) ${query.sql}`, [...query.parameters]));
    const raw = explained.rows[0]?.['QUERY PLAN'];
    const document = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode; 'Execution Time': number }>;
    const plan = document[0]!.Plan;
    const all = nodes(plan);
    const scans = all.filter((n) => n['Relation Name'] === 'audit_events');
    if (process.env.AUDIT_PLAN_LOG) {
      console.log(`${name}: ${document[0]!['Execution Time'].toFixed(2)} ms — ${scans.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''} (${n['Actual Rows']} rows, ${n['Rows Removed by Filter'] ?? 0} skipped)`).join(' + ')}`);
    }
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) {
      const read = (scan['Actual Rows'] ?? 0) + (scan['Rows Removed by Filter'] ?? 0) + (scan['Rows Removed by Index Recheck'] ?? 0);
      expect(scan['Node Type'], `${name}: no sequential scan`).not.toBe('Seq Scan');
      if (scan['Node Type'] === 'Bitmap Heap Scan') expect(read, `${name}: a bitmap over a handful of rows`).toBeLessThanOrEqual(ROWS_LIMIT);
      else expect(read, `${name}: rows read by ${scan['Index Name']}`).toBeLessThanOrEqual(WALK_LIMIT);
    }
    for (const sort of all.filter((n) => n['Node Type'] === 'Sort')) {
      expect(sort.Plans?.[0]?.['Actual Rows'] ?? 0, `${name}: a sort of everything that matched`).toBeLessThanOrEqual(ROWS_LIMIT);
    }
  });
});
