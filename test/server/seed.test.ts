import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, parseSeedArgs, runSeed } from '../../server/seed/cli.js';
import { SeedRefusedError, isEmpty, resetWorld, seedWorld, type SeedSummary } from '../../server/seed/world.js';
import { listInquiries } from '../../server/services/inquiries.js';
import { InquiryListInputSchema, type InquiryListInput } from '../../shared/inquiries.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { liveSessionUntilDrift, testDeps } from './fixtures.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const WORLD = { inquiries: 2000, seed: 7, now: NOW };

describe('npm run seed arguments', () => {
  it('reads counts written the way people write them, and defaults the seed', () => {
    expect(parseSeedArgs(['--inquiries', '1_000_000'])).toEqual({ inquiries: 1_000_000, seed: 1, reset: false, demoStaff: false });
    expect(parseSeedArgs(['--inquiries=5,000', '--seed', '42', '--reset'])).toEqual({ inquiries: 5000, seed: 42, reset: true, demoStaff: false });
    expect(parseSeedArgs(['--demo-staff'])).toEqual({ inquiries: null, seed: 1, reset: false, demoStaff: true });
    expect(parseSeedArgs(['--inquiries', '10', '--demo-staff'])).toMatchObject({ inquiries: 10, demoStaff: true });
    expect(parseSeedArgs(['--help'])).toBe('help');
  });

  it('explains what is wrong with bad arguments', () => {
    expect(() => parseSeedArgs([])).toThrow(new UsageError('--inquiries N (or --demo-staff) is required'));
    expect(() => parseSeedArgs(['--demo-staff', '--reset'])).toThrow(new UsageError('--seed and --reset need --inquiries N'));
    expect(() => parseSeedArgs(['--inquiries', 'lots'])).toThrow(/--inquiries must be a whole number, got "lots"/);
    expect(() => parseSeedArgs(['--inquiries', '-5'])).toThrow(UsageError);
    expect(() => parseSeedArgs(['--inquiries', '20000000'])).toThrow(/between 0 and 10,000,000/);
    expect(() => parseSeedArgs(['--inquiries', '10', '--sed', '3'])).toThrow(/Unknown option '--sed'/);
  });
});

describe.each(testEngines())('the demo world on %s', (engine) => {
  let database: TestDatabase;
  let summary: SeedSummary;
  const deps = () => testDeps(database);
  const list = (input: InquiryListInput) => listInquiries(deps(), InquiryListInputSchema.parse({ limit: 100, ...input }));
  const rows = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(database.db)).rows;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    summary = await seedWorld(database, WORLD);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is reproducible: the same seed and clock give the same inquiries, another seed a different world', async () => {
    const snapshot = (db: TestDatabase) =>
      sql<{ id: string; status: string; created_at: Date; expires_at: Date; reference_id: string }>`
        select id, status, created_at, expires_at, reference_id from inquiries order by id`.execute(db.db);
    const twin = await createTestDatabase(engine);
    try {
      const twinSummary = await seedWorld(twin, WORLD);
      expect(twinSummary).toEqual(summary);
      expect((await snapshot(twin)).rows).toEqual((await snapshot(database)).rows);
      const sessionIds = (db: TestDatabase) => sql<{ id: string }>`select id from inquiry_sessions order by id`.execute(db.db);
      expect((await sessionIds(twin)).rows).toEqual((await sessionIds(database)).rows);

      await resetWorld(twin.db);
      expect(await isEmpty(twin.db)).toBe(true);
      await seedWorld(twin, { ...WORLD, seed: 8 });
      const other = new Set((await snapshot(twin)).rows.map((r) => r.id));
      expect((await snapshot(database)).rows.filter((r) => other.has(r.id))).toEqual([]);
    } finally {
      await twin.close();
    }
  });

  it('has the catalog a console needs: templates with version and policy history, B2B2C customers', async () => {
    expect(summary).toMatchObject({ inquiries: 2000, templates: 5, customers: 4 });
    const templates = await rows(sql<{ name: string; versions: number; latest: number; latest_ok: boolean; revisions: number }>`
      select t.name, count(distinct v.id)::int as versions, t.latest_version_number as latest,
        bool_and(lv.version_number = t.latest_version_number and lv.published_at = (select max(published_at) from template_versions where template_id = t.id)) as latest_ok,
        count(distinct p.id)::int as revisions
      from templates t join template_versions v on v.template_id = t.id
      join template_versions lv on lv.id = t.latest_version_id
      join policy_revisions p on p.template_id = t.id
      group by t.id`);
    for (const t of templates) {
      expect(t.versions, t.name).toBeGreaterThanOrEqual(2);
      expect(t.latest, t.name).toBe(t.versions);
      expect(t.latest_ok, t.name).toBe(true);
      expect(t.revisions, t.name).toBeGreaterThanOrEqual(1);
      expect(t.name).toMatch(/^[A-Z]/);
    }
    const share = summary.forCustomers ?? 0;
    expect(share / 2000).toBeGreaterThan(0.08);
    expect(share / 2000).toBeLessThan(0.25);
  });

  it('has inquiries in every status, and something to find in every support view', async () => {
    for (const status of ['created', 'pending', 'completed', 'failed', 'expired', 'approved', 'declined', 'needs_review']) {
      expect(summary[`status.${status}`] ?? 0, status).toBeGreaterThan(0);
    }
    for (const quickView of ['stuck', 'expiring_24h', 'outdated', 'expired_resumable'] as const) {
      expect((await list({ quickView })).items.length, quickView).toBeGreaterThan(0);
    }
    expect((await list({ expiry: 'within_1h' })).items.length).toBeGreaterThan(0);
    const stuck = await list({ quickView: 'stuck' });
    expect(stuck.items.every((i) => i.status === 'pending' && i.liveSessionCount === 0 && i.expiresAt > NOW)).toBe(true);
    const outdated = await list({ quickView: 'outdated' });
    expect(outdated.items.every((i) => i.isOutdated)).toBe(true);
  });

  it('derives every status from the timestamps, as the lifecycle and the expiry sweep would', async () => {
    const broken = await rows(sql<{ id: string; status: string }>`
      select id, status from inquiries where not (case status
        when 'created' then started_at is null and expires_at > ${NOW} and completed_at is null and expired_at is null
        when 'pending' then started_at is not null and expires_at > ${NOW} and completed_at is null and failed_at is null
        when 'expired' then expired_at = expires_at and expires_at <= ${NOW} and completed_at is null and failed_at is null
        when 'completed' then completed_at >= started_at and completed_at < expires_at and decisioned_at is null
        when 'failed' then failed_at >= started_at and failed_at < expires_at and decisioned_at is null
        else decisioned_at >= coalesce(completed_at, failed_at) and decisioned_at <= ${NOW} end)
      or created_at > ${NOW} or updated_at > ${NOW}
      or updated_at < greatest(created_at, started_at, completed_at, failed_at, decisioned_at, expired_at)`);
    expect(broken).toEqual([]);
  });

  it('pins each inquiry to the version that was latest when it was created, and records its policy revision', async () => {
    const wrong = await rows(sql<{ id: string }>`
      select i.id from inquiries i
      join template_versions v on v.id = i.version_id
      join policy_revisions p on p.id = i.policy_revision_id
      where v.template_id <> i.template_id or v.version_number <> i.version_number or v.published_at > i.created_at
        or exists (select 1 from template_versions later where later.template_id = i.template_id
          and later.version_number > v.version_number and later.published_at <= i.created_at)
        or p.template_id <> i.template_id or p.created_at > i.created_at`);
    expect(wrong).toEqual([]);
    const counted = await rows(sql<{ n: number }>`select count(*)::int as n from inquiries i
      join template_versions v on v.id = i.version_id join policy_revisions p on p.id = i.policy_revision_id`);
    expect(counted[0]?.n).toBe(2000);
  });

  it('gives sessions the inquiry expiry of their creation, and stuck inquiries none that is live', async () => {
    const sessions = await rows(sql<{ id: string }>`
      select s.id from inquiry_sessions s join inquiries i on i.id = s.inquiry_id
      where s.id !~ '^iqse_[A-Za-z0-9]{24}$' or s.created_at < i.created_at or s.created_at > ${NOW}
        or (s.expired_at is not null and (s.expired_at > ${NOW} or s.expired_at > s.expires_at))
        or (s.expired_at is null and s.revoked_at is null and s.expires_at <= ${NOW})`);
    expect(sessions).toEqual([]);
    const multi = await rows(sql<{ live: number; dead: number }>`
      select count(*) filter (where s.expired_at is null and s.revoked_at is null)::int as live,
        count(*) filter (where s.expired_at is not null or s.revoked_at is not null)::int as dead
      from inquiries i join inquiry_sessions s on s.inquiry_id = i.id
      where i.status = 'pending' group by i.id having count(*) >= 3`);
    expect(multi.length).toBeGreaterThan(0);
    expect(multi.some((m) => m.live > 0 && m.dead > 0)).toBe(true);
  });

  it('sets live_session_until of every inquiry from its sessions, so the Stuck view finds what the sessions say', async () => {
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);
    expect((await rows(sql<{ n: number }>`select count(*)::int as n from inquiries where live_session_until is not null`))[0]?.n).toBeGreaterThan(0);
    // summary.stuck is counted from the sessions themselves; the view filters on the column.
    const stuck = await list({ quickView: 'stuck', limit: 100 });
    expect(stuck.totalExact).toBe(true);
    expect(stuck.total).toBe(summary.stuck);
    expect(summary.stuck ?? 0).toBeGreaterThan(0);
  });

  it('tells each inquiry story in its timeline, in order, at the recorded times', async () => {
    const missing = await rows(sql<{ id: string }>`
      select i.id from inquiries i where
        not exists (select 1 from inquiry_events e where e.inquiry_id = i.id and e.kind = 'created' and e.occurred_at = i.created_at)
        or (i.started_at is not null and not exists (select 1 from inquiry_events e where e.inquiry_id = i.id and e.kind = 'started' and e.occurred_at = i.started_at))
        or (i.completed_at is not null and not exists (select 1 from inquiry_events e where e.inquiry_id = i.id and e.kind = 'completed' and e.occurred_at = i.completed_at))
        or (i.expired_at is not null and not exists (select 1 from inquiry_events e where e.inquiry_id = i.id and e.kind = 'expired' and e.occurred_at = i.expired_at))
        or (i.decisioned_at is not null and not exists (select 1 from inquiry_events e where e.inquiry_id = i.id and e.kind = 'decisioned' and e.occurred_at = i.decisioned_at
          and e.detail ->> 'decision' = i.status))
        or exists (select 1 from inquiry_events e where e.inquiry_id = i.id and (e.occurred_at < i.created_at or e.occurred_at > ${NOW}))`);
    expect(missing).toEqual([]);
  });

  it('links each recreated inquiry to an expired predecessor on an older version, for the same end user', async () => {
    const pairs = await rows(sql<{ ok: boolean }>`
      select p.status = 'expired' and p.version_number < s.version_number and s.version_number = t.latest_version_number
        and s.reference_id = p.reference_id and s.fields = p.fields and s.created_at > p.expired_at as ok
      from inquiries s join inquiries p on p.id = s.predecessor_id join templates t on t.id = s.template_id`);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(pairs.every((p) => p.ok)).toBe(true);
    expect((await list({ quickView: 'expired_resumable', limit: 100 })).items.map((i) => i.id)).not.toContain(
      (await rows(sql<{ id: string }>`select predecessor_id as id from inquiries where predecessor_id is not null limit 1`))[0]?.id,
    );
  });

  it('fills fields with fake, flat PII on reserved domains, and opaque reference ids', async () => {
    const sample = await rows(sql<{ id: string; reference_id: string; fields: Record<string, unknown>; email_normalized: string | null }>`
      select id, reference_id, fields, email_normalized from inquiries where fields <> '{}'::jsonb order by id limit 300`);
    expect(sample.length).toBe(300);
    for (const row of sample) {
      expect(row.id).toMatch(/^inq_[A-Za-z0-9]{24}$/);
      expect(row.reference_id).toMatch(/^usr_[A-Za-z0-9]{20}$/);
      expect(Object.keys(row.fields).sort()).toEqual(
        ['address-city', 'address-country-code', 'birthdate', 'email-address', 'name-first', 'name-last', 'phone-number'].sort(),
      );
      expect(Object.values(row.fields).every((v) => typeof v === 'string')).toBe(true);
      expect(row.fields['email-address']).toMatch(/^[a-z0-9._]+@(example\.com|[a-z]+\.test)$/);
      expect(row.email_normalized).toBe(row.fields['email-address']);
      expect(row.fields.birthdate).toMatch(/^(19[5-9]\d|200\d)-\d\d-\d\d$/);
      expect(row.fields['address-country-code']).toMatch(/^[A-Z]{2}$/);
    }
    const byEmail = await list({ search: String(sample[0]?.fields['email-address']) });
    expect(byEmail.items.map((i) => i.id)).toContain(sample[0]?.id);
  });

  it('loads a large world with keys and indexes rebuilt exactly as the migrations made them', async () => {
    const catalog = (db: TestDatabase) =>
      sql<{ what: string }>`
        select indexdef as what from pg_indexes where schemaname = current_schema()
        union all
        select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated::text
        from pg_constraint where connamespace = current_schema()::regnamespace
        order by 1`.execute(db.db);
    const bulk = await createTestDatabase(engine);
    try {
      const before = (await catalog(bulk)).rows;
      const bulkSummary = await seedWorld(bulk, { inquiries: 300, seed: 3, now: NOW, bulk: true });
      expect((await catalog(bulk)).rows).toEqual(before);
      expect(bulkSummary.inquiries).toBe(300);
      const sessionsWithoutInquiry = await sql<{ n: number }>`
        select count(*)::int as n from inquiry_sessions s where not exists (select 1 from inquiries i where i.id = s.inquiry_id)`.execute(bulk.db);
      expect(sessionsWithoutInquiry.rows[0]?.n).toBe(0);
      expect(await liveSessionUntilDrift(bulk.db)).toEqual([]);
      // The events' identity continues after the ids the bulk load gave.
      const next = await sql<{ id: number }>`insert into inquiry_events (inquiry_id, occurred_at, kind)
        select id, ${NOW}, 'note' from inquiries limit 1 returning id`.execute(bulk.db);
      const max = await sql<{ id: number }>`select max(id)::int8 as id from inquiry_events where kind <> 'note'`.execute(bulk.db);
      expect(Number(next.rows[0]?.id)).toBeGreaterThan(Number(max.rows[0]?.id));
    } finally {
      await bulk.close();
    }
  });

  it('refuses to seed a database that already holds data, unless asked to reset it', async () => {
    await expect(seedWorld(database, WORLD)).rejects.toThrow(SeedRefusedError);
    await expect(runSeed(database, { inquiries: 10, seed: 1, reset: false })).rejects.toThrow(/--reset/);
    const before = await rows(sql<{ n: number }>`select count(*)::int as n from inquiries`);
    expect(before[0]?.n).toBe(2000);
  });
});
