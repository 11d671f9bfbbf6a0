import { getTRPCErrorFromUnknown } from '@trpc/server';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rateGateFor } from '../../server/providers/persona/rate-gate.js';
import { appRouter } from '../../server/routers/_app.js';
import { STALE_AFTER_MS } from '../../server/services/persona-sync.js';
import { startSyncIfEmpty, startSyncWhenFree, stopSyncJobs, syncJobDone } from '../../server/services/persona-sync-jobs.js';
import { createCallerFactory } from '../../server/trpc.js';
import type { Role } from '../../shared/permissions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { createFakePersona, type FakePersona } from '../fakes/persona/index.js';
import { authTestDeps, contextAs } from '../helpers/auth.js';

/**
 * The backfill inside the running server (docs/persona.md, "Backfill"): `persona.startSync` (admin, audited) runs it
 * in the background, `persona.syncStatus` shows it; the server starts one by itself on an empty database; shutdown
 * interrupts it; and with the local provider both procedures say so instead of failing.
 */

const createCaller = createCallerFactory(appRouter);
const TEMPLATE = 'itmpl_procs';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    const e = getTRPCErrorFromUnknown(error);
    return `${e.code}: ${e.message}`;
  }
}

describe.each(testEngines())('persona.syncStatus and persona.startSync on %s', (engine) => {
  let database: TestDatabase;
  let fake: FakePersona;
  let personaDeps: ReturnType<typeof authTestDeps>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    fake = await createFakePersona();
    fake.addTemplate(TEMPLATE, { versionIds: ['itmplv_procs1'] });
    fake.seedMany(30, { templateId: TEMPLATE, statuses: ['created', 'pending', 'completed'] });
    personaDeps = authTestDeps(database, {
      INQUIRY_PROVIDER: 'persona',
      PERSONA_API_URL: fake.url,
      PERSONA_API_KEY: fake.apiKey,
      PERSONA_WEBHOOK_SECRETS: 'wbhsec_procedures_test_secret',
    });
  });
  afterAll(async () => {
    await stopSyncJobs(database);
    await fake?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await syncJobDone(database);
    await sql`truncate inquiries, inquiry_sessions, inquiry_events, session_handouts, access_links, inquiry_completion_days, template_versions, templates, persona_sync_runs cascade`.execute(database.db);
    fake.faults.reset();
    personaDeps.advance(60_000); // a fresh rate window for each test (the test clock stands still otherwise)
  });

  const as = (role: Role) => createCaller(contextAs(personaDeps.deps, role));

  it('an admin starts it: it runs in the background, is audited, and its status shows the counts when done', async () => {
    expect(await as('admin').persona.syncStatus()).toEqual({ run: null, resumable: false });
    fake.faults.delayNext(1, 300); // the first page comes slowly: the run is seen running
    const started = await as('admin').persona.startSync({ reason: 'first import from Persona' });
    expect(started.run).toMatchObject({ status: 'running', startedBy: 'stf_testadmin', inquiries: 0 });
    // One at a time: a second start while it runs is refused, plainly.
    expect(await codeOf(as('admin').persona.startSync({ fresh: true, reason: 'again' }))).toMatch(/^CONFLICT: A Persona sync is already running/);

    await syncJobDone(database);
    const status = await as('admin').persona.syncStatus();
    expect(status.run).toMatchObject({ runId: started.run?.runId, status: 'done', inquiries: 30, pages: 1, errors: 0, estimatedFraction: 1 });
    expect(status.resumable).toBe(false);
    const count = await database.db.selectFrom('inquiries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(30);
    const audit = await database.db
      .selectFrom('audit_events')
      .select(['actor_type', 'actor_id', 'request_id', 'reason'])
      .where('action', '=', 'persona.sync_started')
      .where('target_id', '=', started.run?.runId ?? '')
      .execute();
    expect(audit).toEqual([{ actor_type: 'staff', actor_id: 'stf_testadmin', request_id: 'test', reason: 'first import from Persona' }]);
  });

  it('is for admins only', async () => {
    for (const role of ['viewer', 'support', 'compliance', 'manager'] as const) {
      expect(await codeOf(as(role).persona.syncStatus())).toBe(`FORBIDDEN: Your role (${role}) does not have the permission 'provider:sync'.`);
      expect(await codeOf(as(role).persona.startSync({ reason: 'first import from Persona' }))).toMatch(/^FORBIDDEN/);
    }
    expect(await database.db.selectFrom('persona_sync_runs').select('id').execute()).toEqual([]);
  });

  it('with the local provider, both answer that the provider is local (not a server error)', async () => {
    const local = authTestDeps(database);
    const admin = createCaller(contextAs(local.deps, 'admin'));
    expect(await codeOf(admin.persona.syncStatus())).toBe('PRECONDITION_FAILED: The provider is local (INQUIRY_PROVIDER=local): there is no Persona to sync from.');
    expect(await codeOf(admin.persona.startSync({ reason: 'first import from Persona' }))).toMatch(/^PRECONDITION_FAILED: The provider is local/);
  });

  it('the server starts one by itself on an empty database, not on one with inquiries; shutdown interrupts it, and a start resumes it', async () => {
    expect(await startSyncIfEmpty(authTestDeps(database).deps)).toBeNull(); // local provider: nothing to do

    fake.faults.delayNext(1, 1500, { path: /^\/api\/v1\/inquiries$/ });
    const runId = await startSyncIfEmpty(personaDeps.deps);
    expect(runId).not.toBeNull();
    await stopSyncJobs(database); // as at shutdown: the page under way is abandoned
    let status = await as('admin').persona.syncStatus();
    expect(status.run).toMatchObject({ runId, status: 'interrupted', startedBy: 'server', inquiries: 0 });
    expect(status.resumable).toBe(true);

    const resumed = await as('admin').persona.startSync({ reason: 'first import from Persona' });
    expect(resumed.run).toMatchObject({ resumedFrom: runId });
    await syncJobDone(database);
    status = await as('admin').persona.syncStatus();
    expect(status.run).toMatchObject({ status: 'done', inquiries: 30 });
    // Inquiries now: a restart does not start another.
    expect(await startSyncIfEmpty(personaDeps.deps)).toBeNull();
    const audit = await database.db.selectFrom('audit_events').select(['actor_type', 'actor_id']).where('action', '=', 'persona.sync_started').where('target_id', '=', runId ?? '').execute();
    expect(audit).toEqual([{ actor_type: 'system', actor_id: 'inquiry-desk' }]);
  });

  it('shutdown stops a run at once, whether it waits for Persona’s answer or for the rate gate', async () => {
    const stopAfterStart = async (inItsWait: () => boolean) => {
      const runId = await startSyncIfEmpty(personaDeps.deps);
      expect(runId).not.toBeNull();
      await expect.poll(inItsWait, { timeout: 5_000 }).toBe(true);
      const started = performance.now();
      await stopSyncJobs(database);
      const tookMs = performance.now() - started;
      const status = await as('admin').persona.syncStatus();
      expect(status.run).toMatchObject({ runId, status: 'interrupted', inquiries: 0 });
      return tookMs;
    };
    // An answer 4 s away (the request's own limit is 5 s): stopped once Persona has the request.
    fake.faults.delayNext(1, 4000, { path: /^\/api\/v1\/inquiries$/ });
    const requests = fake.requests.length;
    expect(await stopAfterStart(() => fake.requests.length > requests)).toBeLessThan(1500);
    // Persona said to wait 30 s (a 429's reset, shared through the gate): stopped once the run has asked the gate.
    fake.faults.reset();
    const gate = rateGateFor(database, 300);
    await gate.observe({ remaining: 0, resetSeconds: 30, limited: true }, personaDeps.deps.now());
    const take = gate.take.bind(gate);
    let asked = 0;
    gate.take = (now, share) => {
      asked += 1;
      return take(now, share);
    };
    try {
      expect(await stopAfterStart(() => asked > 0)).toBeLessThan(1500);
    } finally {
      gate.take = take;
    }
    expect(fake.requests.length).toBe(requests + 1);
  });

  /** A crashed process's run: still "running", its heartbeat a moment old. */
  const crashedRun = async (id: string) => {
    const now = personaDeps.deps.now();
    await database.db
      .insertInto('persona_sync_runs')
      .values({ id, started_at: now, started_by: 'server', status: 'running', heartbeat_at: new Date(now.getTime() - 5_000) })
      .execute();
  };

  it('after a crash, a start on an empty embedded database takes the crashed run over at once; a server database waits for its heartbeat to go stale', async () => {
    await crashedRun('psync_crashed');
    const runId = await startSyncIfEmpty(personaDeps.deps);
    if (engine === 'pglite') {
      expect(runId).not.toBeNull();
      await syncJobDone(database);
      const crashed = await database.db.selectFrom('persona_sync_runs').select('status').where('id', '=', 'psync_crashed').executeTakeFirstOrThrow();
      expect(crashed.status).toBe('interrupted');
    } else {
      // Another instance may be running it: it is left alone until its heartbeat is STALE_AFTER_MS old.
      expect(runId).toBeNull();
    }
  });

  it('a server that found a run marked running elsewhere asks again once its heartbeat would be stale, and takes a crashed one over', async () => {
    await crashedRun('psync_crashed2');
    const runs = () => database.db.selectFrom('persona_sync_runs').select(['id', 'status', 'resumed_from', 'inquiries']).orderBy('started_at').orderBy('id').execute();
    const stop = startSyncWhenFree(personaDeps.deps, { everyMs: 100 });
    try {
      if (engine === 'postgres') {
        // Asked a few times while the heartbeat is fresh: left alone.
        await new Promise((resolve) => setTimeout(resolve, 350));
        expect(await runs()).toEqual([{ id: 'psync_crashed2', status: 'running', resumed_from: null, inquiries: 0 }]);
        personaDeps.advance(STALE_AFTER_MS); // the crashed process never beats again
      }
      // The crashed run interrupted, and a run resuming it mirrors everything.
      const crashedFirst = async () => (await runs()).sort((a, b) => Number(b.id === 'psync_crashed2') - Number(a.id === 'psync_crashed2'));
      await expect.poll(async () => (await crashedFirst()).map((r) => r.status), { timeout: 10_000 }).toEqual(['interrupted', 'done']);
      expect((await crashedFirst())[1]).toMatchObject({ resumed_from: 'psync_crashed2', inquiries: 30 });
    } finally {
      stop();
    }
  });
});
