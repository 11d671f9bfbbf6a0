import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { createPersonaClient } from '../../server/providers/persona/client.js';
import { memoryRateGate, sharedRateGate, type RateGate } from '../../server/providers/persona/rate-gate.js';
import { inquiryMirrored, sessionMirrored } from '../../server/repositories/inquiry-store/index.js';
import { claimRun, runSync, SyncAlreadyRunning, walkRun, type SyncDeps, type SyncStarter } from '../../server/services/persona-sync.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { createFakePersona, type FakePersona, type SeedInquiry } from '../fakes/persona/index.js';

/**
 * The Persona backfill against the fake Persona API (docs/persona.md, "Backfill"): every inquiry and session
 * mirrored, 100 a page, within the rate limit; resumed from its cursor after an interruption; Persona's 429s and
 * 5xx waited out; and a listed state older than what the mirror holds (a webhook got there first) left alone.
 */

const TEMPLATE = 'itmpl_sync';
const START = Date.UTC(2026, 5, 15, 12, 0, 30); // half a minute into a window: Persona's windows need not align with ours

/** A clock that moves only when the test (or a wait) moves it. */
function testClock() {
  let t = START;
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
}
type Clock = ReturnType<typeof testClock>;

/** The gate, waiting by moving the clock instead of sleeping; it records when each request was let through. */
function instantGate(inner: RateGate, clock: Clock): RateGate & { admitted: number[] } {
  const admitted: number[] = [];
  return {
    admitted,
    async take(now) {
      let wait = await inner.take(now);
      while (wait > 0) {
        clock.advance(wait);
        wait = await inner.take(clock.now());
      }
      admitted.push(clock.now().getTime());
      return 0;
    },
    observe: (observed, now) => inner.observe(observed, now),
  };
}

const pad = (i: number) => String(i).padStart(4, '0');
const STATUSES = ['created', 'pending', 'completed', 'expired', 'pending'] as const;

/** `n` inquiries a minute apart, the newest a minute before START; every fifth has no session, some two. */
function seedInquiries(fake: FakePersona, n: number): { ids: string[]; sessions: number } {
  fake.addTemplate(TEMPLATE, { versionIds: ['itmplv_sync1'], afterCreateSeconds: 86_400 });
  const ids: string[] = [];
  let sessions = 0;
  for (let i = 0; i < n; i += 1) {
    const createdAt = new Date(START - (n - i) * 60_000);
    const status = STATUSES[i % STATUSES.length] as string;
    const at = (minutes: number) => new Date(createdAt.getTime() + minutes * 60_000);
    const seed: SeedInquiry = {
      id: `inq_sync${pad(i)}`,
      templateId: TEMPLATE,
      status,
      referenceId: `ref-${i}`,
      createdAt,
      updatedAt: status === 'created' ? createdAt : at(10),
      startedAt: status === 'created' ? null : at(5),
      completedAt: status === 'completed' ? at(10) : null,
      expiredAt: status === 'expired' ? at(10) : null,
      expiresAt: status === 'completed' ? null : at(status === 'expired' ? 10 : 24 * 60),
      sessions:
        i % 5 === 0
          ? []
          : [
              { id: `iqse_sync${pad(i)}a`, status: status === 'created' ? 'new' : 'active', createdAt: at(1), startedAt: status === 'created' ? null : at(5) },
              ...(i % 3 === 0 ? [{ id: `iqse_sync${pad(i)}b`, status: 'new', createdAt: at(2) }] : []),
            ],
    };
    sessions += seed.sessions?.length ?? 0;
    fake.seed(seed);
    ids.push(seed.id);
  }
  return { ids, sessions };
}

const CLI: SyncStarter = { startedBy: 'cli', actor: { type: 'system', id: 'cli', display: 'npm run sync:persona' } };

describe.each(testEngines())('the Persona backfill on %s', (engine) => {
  let database: TestDatabase;
  let fake: FakePersona;
  let clock: Clock;
  let gate: ReturnType<typeof instantGate>;
  let sleeps: number[];
  let deps: SyncDeps;
  let bucket = 0;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  async function reset(rateLimitPerMinute = 300) {
    await sql`truncate inquiries, inquiry_sessions, inquiry_events, session_handouts, access_links, inquiry_completion_days, template_versions, templates, persona_sync_runs cascade`.execute(database.db);
    clock = testClock();
    fake = await createFakePersona({ now: clock.now, rateLimitPerMinute });
    bucket += 1;
    const inner = database.kind === 'postgres' ? sharedRateGate(database.db, rateLimitPerMinute, `sync-test-${bucket}`) : memoryRateGate(rateLimitPerMinute);
    gate = instantGate(inner, clock);
    sleeps = [];
    deps = { database, now: clock.now, log: createLogger('silent') };
  }
  beforeEach(() => reset());
  afterEach(async () => {
    await fake?.close();
  });

  const client = () => createPersonaClient({ apiUrl: fake.url, apiKey: fake.apiKey, version: '2023-01-05', timeoutMs: 5000, gate, now: clock.now, maxGateWaitMs: 600_000 });
  const sleep = (ms: number) => {
    sleeps.push(ms);
    clock.advance(ms);
    return Promise.resolve();
  };
  const listRequests = () => fake.requests.filter((r) => r.path === '/api/v1/inquiries');
  const sessionRequests = () => fake.requests.filter((r) => r.path === '/api/v1/inquiry-sessions');
  const counts = async () => {
    const row = await sql<{ inquiries: number; sessions: number }>`
      select (select count(*) from inquiries)::int as inquiries, (select count(*) from inquiry_sessions)::int as sessions`.execute(database.db);
    return row.rows[0];
  };

  it('mirrors every inquiry and its sessions, 100 a page, and never passes the rate limit', { timeout: 60_000 }, async () => {
    await fake.close();
    await reset(60); // 250 inquiries' walk takes five of these minutes
    const { ids, sessions } = seedInquiries(fake, 250);
    const progress: number[] = [];
    const outcome = await runSync(deps, CLI, { client: client(), sleep, onProgress: (p) => progress.push(p.inquiries) });

    expect(outcome).toMatchObject({ status: 'done', inquiries: 250, sessions, pages: 3, errors: 0, lastError: null });
    expect(await counts()).toEqual({ inquiries: 250, sessions });
    const lists = listRequests();
    expect(lists.map((r) => new URL(r.url, fake.url).searchParams.get('page[size]'))).toEqual(['100', '100', '100']);
    expect(new URL(lists[0]?.url ?? '', fake.url).searchParams.get('page[after]')).toBeNull();
    // Sessions are asked for only where Persona's list names some: one request per such inquiry, none twice.
    const asked = sessionRequests().map((r) => new URL(r.url, fake.url).searchParams.get('filter[inquiry-id]'));
    expect(asked).toHaveLength(200);
    expect(new Set(asked).size).toBe(200);
    expect(asked).not.toContain(ids[0]);
    // Persona never had to refuse a request, and no minute of the gate's admitted more than the limit.
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([]);
    const perMinute = new Map<number, number>();
    for (const t of gate.admitted) perMinute.set(Math.floor(t / 60_000), (perMinute.get(Math.floor(t / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(60);
    expect(gate.admitted).toHaveLength(203);
    expect(perMinute.size).toBe(4);
    expect(progress.at(-1)).toBe(250);

    // Mirrored as Persona describes them: status, times, the template and version first seen.
    const row = await database.db.selectFrom('inquiries').selectAll().where('id', '=', 'inq_sync0002').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'completed', template_id: TEMPLATE, version_id: 'itmplv_sync1', reference_id: 'ref-2' });
    expect(row.remote_updated_at?.toISOString()).toBe(new Date(START - 248 * 60_000 + 10 * 60_000).toISOString());
    const run = await database.db.selectFrom('persona_sync_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'done', cursor: null, inquiries: 250, pages: 3 });
    const audit = await database.db.selectFrom('audit_events').select(['action', 'actor_type', 'actor_id', 'target_id']).where('target_id', '=', run.id).execute();
    expect(audit).toEqual([{ action: 'persona.sync_started', actor_type: 'system', actor_id: 'cli', target_id: run.id }]);
  });

  it('resumes an interrupted run from its cursor: no inquiry asked for twice, the counts carried forward', { timeout: 60_000 }, async () => {
    const { sessions } = seedInquiries(fake, 250);
    const stop = new AbortController();
    const first = await runSync(deps, CLI, {
      client: client(),
      sleep,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.pages === 1) stop.abort(); // as SIGINT: the page under way is finished, then the run stops
      },
    });
    expect(first).toMatchObject({ status: 'interrupted', inquiries: 100, pages: 1 });
    expect((await counts())?.inquiries).toBe(100);
    const stored = await database.db.selectFrom('persona_sync_runs').selectAll().executeTakeFirstOrThrow();
    expect(stored.cursor).toBe('inq_sync0150'); // the 100th newest: the page after it is next
    expect(listRequests()).toHaveLength(1);

    const second = await runSync(deps, CLI, { client: client(), sleep, onProgress: () => clock.advance(1000) });
    expect(second).toMatchObject({ status: 'done', resumedFrom: first.runId, inquiries: 250, sessions, pages: 3 });
    expect(second.ratePerSecond).not.toBeNull();
    expect(await counts()).toEqual({ inquiries: 250, sessions });
    // One walk's worth of requests in all: 3 pages, and each inquiry's sessions once.
    expect(listRequests()).toHaveLength(3);
    expect(new URL(listRequests()[1]?.url ?? '', fake.url).searchParams.get('page[after]')).toBe('inq_sync0150');
    const asked = sessionRequests().map((r) => r.url);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked).toHaveLength(200);
  });

  it('waits out a 429 for Persona’s reset, then carries on', { timeout: 60_000 }, async () => {
    seedInquiries(fake, 30);
    fake.faults.rateLimitNext(1, 7);
    const outcome = await runSync(deps, CLI, { client: client(), sleep });
    expect(outcome).toMatchObject({ status: 'done', inquiries: 30, errors: 0 });
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
    expect(sleeps).toContain(7000);
    // The request after the 429 went only once the reset had passed.
    const limitedAt = gate.admitted[0] ?? 0;
    expect(gate.admitted[1]).toBeGreaterThanOrEqual(limitedAt + 7000);
  });

  it('retries Persona’s 5xx with back-off; past a few, stops as failed, and the next run resumes', { timeout: 60_000 }, async () => {
    seedInquiries(fake, 120);
    fake.faults.failNext(2, { status: 503, path: /^\/api\/v1\/inquiries$/ });
    const recovered = await runSync(deps, CLI, { client: client(), sleep, fresh: true });
    expect(recovered).toMatchObject({ status: 'done', inquiries: 120 });
    expect(sleeps.slice(0, 2)).toEqual([1000, 2000]);

    // Persona down for good after the first page: the run stops as failed, its cursor kept.
    const failed = await runSync(deps, CLI, {
      client: client(),
      sleep,
      fresh: true,
      onProgress: (p) => {
        if (p.pages === 1 && p.status === 'running') fake.faults.failNext(50, { status: 502, path: /^\/api\/v1\/inquiries$/ });
      },
    });
    expect(failed).toMatchObject({ status: 'failed', inquiries: 100, pages: 1 });
    expect(failed.lastError).toMatch(/list inquiries: HTTP 502/);
    fake.faults.reset();
    const resumed = await runSync(deps, CLI, { client: client(), sleep });
    expect(resumed).toMatchObject({ status: 'done', resumedFrom: failed.runId, inquiries: 120, pages: 2 });
  });

  it('is safe beside webhooks: a listed state older than the mirror’s is not written over it', { timeout: 60_000 }, async () => {
    const { ids } = seedInquiries(fake, 10);
    const id = ids[1] as string; // pending in the fake, last changed 10 minutes after creation
    const listed = fake.inquiry(id);
    if (!listed) throw new Error('seeded');
    const later = new Date(listed.updatedAt.getTime() + 60 * 60_000);
    // A webhook delivered meanwhile: completed an hour later, its session expired.
    await database.db.transaction().execute(async (trx) => {
      await inquiryMirrored(
        trx,
        {
          id,
          status: 'completed',
          templateId: TEMPLATE,
          versionId: 'itmplv_sync1',
          referenceId: 'ref-1',
          accountId: null,
          fields: {},
          createdAt: listed.createdAt,
          updatedAt: later,
          startedAt: listed.startedAt,
          completedAt: later,
          failedAt: null,
          decisionedAt: null,
          expiredAt: null,
          expiresAt: null,
          sessionIds: [],
        },
        later,
      );
      const session = fake.sessions(id)[0];
      if (!session) throw new Error('seeded with a session');
      await sessionMirrored(trx, { id: session.id, inquiryId: id, status: 'expired', createdAt: session.createdAt, startedAt: session.startedAt, expiredAt: later, updatedAt: later }, later);
    });

    const outcome = await runSync(deps, CLI, { client: client(), sleep });
    expect(outcome).toMatchObject({ status: 'done', inquiries: 10, errors: 0 });
    const row = await database.db.selectFrom('inquiries').select(['status', 'completed_at', 'remote_updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('completed');
    expect(row.remote_updated_at?.toISOString()).toBe(later.toISOString());
    const session = await database.db.selectFrom('inquiry_sessions').select(['expired_at']).where('inquiry_id', '=', id).executeTakeFirstOrThrow();
    expect(session.expired_at?.toISOString()).toBe(later.toISOString());
    // The others were written as listed.
    expect((await database.db.selectFrom('inquiries').select('status').where('id', '=', ids[2] as string).executeTakeFirstOrThrow()).status).toBe('completed');
    expect((await database.db.selectFrom('inquiries').select('status').where('id', '=', ids[3] as string).executeTakeFirstOrThrow()).status).toBe('expired');
  });

  it('runs one at a time; a run whose heartbeat stopped is taken over and resumed', { timeout: 60_000 }, async () => {
    seedInquiries(fake, 5);
    const first = await claimRun(deps, CLI);
    await expect(claimRun(deps, { ...CLI, startedBy: 'server' })).rejects.toBeInstanceOf(SyncAlreadyRunning);
    clock.advance(3 * 60_000); // no heartbeat for three minutes: its process is gone
    const second = await claimRun(deps, { ...CLI, startedBy: 'server' });
    expect(second.resumed_from).toBe(first.id);
    const old = await database.db.selectFrom('persona_sync_runs').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(old).toMatchObject({ status: 'interrupted' });
    expect(old.last_error).toMatch(/No heartbeat/);
    // The first process, had it survived, learns at its next page that the run is no longer its own.
    const lost = await walkRun(deps, first, { client: client(), sleep });
    expect(lost).toMatchObject({ status: 'interrupted', lastError: 'Taken over by another process after a missed heartbeat.' });
    expect((await database.db.selectFrom('persona_sync_runs').select('status').where('id', '=', second.id).executeTakeFirstOrThrow()).status).toBe('running');
    const done = await walkRun(deps, second, { client: client(), sleep });
    expect(done).toMatchObject({ status: 'done', inquiries: 5 });
  });

  it('with --since, stops at the first inquiry created before it, and estimates what is left against it', { timeout: 60_000 }, async () => {
    seedInquiries(fake, 250);
    const since = new Date(START - 150 * 60_000); // the newest 150 (created a minute apart)
    const seen: Array<{ fraction: number | null; eta: number | null }> = [];
    const outcome = await runSync(deps, CLI, {
      client: client(),
      sleep,
      since,
      onProgress: (p) => {
        clock.advance(1000);
        seen.push({ fraction: p.estimatedFraction, eta: p.etaSeconds });
      },
    });
    expect(outcome).toMatchObject({ status: 'done', inquiries: 150, pages: 2, estimatedFraction: 1 });
    expect(listRequests()).toHaveLength(2);
    // After the first page (100 of 150, created over 99 of the 149 minutes), about two thirds.
    const afterFirst = seen.find((s) => s.fraction !== null && s.fraction < 1);
    expect(afterFirst?.fraction).toBeCloseTo(99 / 149, 2);
    expect(afterFirst?.eta).not.toBeNull();
  });

  it('numbers the versions it met by their earliest inquiry once the walk is done (it meets the oldest last)', { timeout: 60_000 }, async () => {
    fake.addTemplate(TEMPLATE, { versionIds: ['itmplv_syncold', 'itmplv_syncmid', 'itmplv_syncnew'] });
    const versionOf = (i: number) => (i < 60 ? 'itmplv_syncold' : i < 120 ? 'itmplv_syncmid' : 'itmplv_syncnew');
    for (let i = 0; i < 150; i += 1) {
      const createdAt = new Date(START - (150 - i) * 60_000);
      fake.seed({ id: `inq_ver${pad(i)}`, templateId: TEMPLATE, versionId: versionOf(i), status: 'created', createdAt, expiresAt: new Date(createdAt.getTime() + 86_400_000) });
    }
    expect(await runSync(deps, CLI, { client: client(), sleep })).toMatchObject({ status: 'done', inquiries: 150 });
    const versions = await database.db.selectFrom('template_versions').select(['id', 'version_number']).where('template_id', '=', TEMPLATE).orderBy('version_number').execute();
    expect(versions.map((v) => v.id)).toEqual(['itmplv_syncold', 'itmplv_syncmid', 'itmplv_syncnew']);
    expect(await database.db.selectFrom('templates').select('latest_version_id').where('id', '=', TEMPLATE).executeTakeFirst()).toEqual({ latest_version_id: 'itmplv_syncnew' });
    const mismatched = await sql<{ n: number }>`select count(*)::int as n from inquiries i join template_versions v on v.id = i.version_id
      where i.version_number <> v.version_number`.execute(database.db);
    expect(mismatched.rows[0]?.n).toBe(0);
  });
});
