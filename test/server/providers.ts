import type { Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.js';
import type { Database } from '../../server/db/index.js';
import { createFakePersona, type FakePersona, type SeedInquiry } from '../fakes/persona/index.js';

/**
 * The providers every guarded-action test runs over (issue 15): the local engine, and Persona's API as the fake
 * Persona API (test/fakes/persona) plays it. The console's rows are written by the test fixtures as they would be
 * mirrored; the fake adopts an inquiry (with its sessions) from them the first time the adapter names it, and
 * knows every template the tests made.
 */
export type ProviderKind = 'local' | 'persona';
export const PROVIDERS: readonly ProviderKind[] = ['local', 'persona'];

export const WEBHOOK_SECRETS = ['wbhsec_test_secret_new_0001', 'wbhsec_test_secret_old_0002'];

export interface ProviderHarness {
  kind: ProviderKind;
  /** Environment for testDeps/callerFor: INQUIRY_PROVIDER and Persona's settings. */
  env: Record<string, string>;
  fake: FakePersona | null;
  /** Where token and static links point: the local flow, or Persona's hosted flow. */
  hostedFlowUrl: string;
  /** Tells the fake about templates and versions made since (call after addTemplate). */
  syncTemplates(): Promise<void>;
  /**
   * Tells the fake about an inquiry the fixtures just wrote (and returns its id). The fake could adopt it on first
   * use instead, but on the embedded database its query would wait behind the action's own transaction.
   */
  track(id: string): Promise<string>;
  /** The end user opened the session (locally, and at Persona). */
  sessionStarted(sessionId: string, at: Date): Promise<void>;
  close(): Promise<void>;
}

async function templatesOf(db: Kysely<DB>) {
  const versions = await db.selectFrom('template_versions').select(['id', 'template_id', 'version_number']).orderBy('version_number').execute();
  const policies = await db.selectFrom('policy_revisions').select(['template_id', 'after_create_minutes', 'after_resume_minutes', 'after_start_minutes']).orderBy('id').execute();
  const byTemplate = new Map<string, { versionIds: string[]; policy?: (typeof policies)[number] }>();
  for (const v of versions) {
    const entry = byTemplate.get(v.template_id) ?? { versionIds: [] };
    entry.versionIds.push(v.id);
    byTemplate.set(v.template_id, entry);
  }
  for (const p of policies) {
    const entry = byTemplate.get(p.template_id);
    if (entry) entry.policy = p;
  }
  return byTemplate;
}

/** An inquiry as the console's rows say it is: what the fake would have said when it was mirrored. */
async function seedFromRows(db: Kysely<DB>, id: string): Promise<SeedInquiry | null> {
  const row = await db.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const policy = await db.selectFrom('policy_revisions').select(['after_resume_minutes', 'after_start_minutes']).where('template_id', '=', row.template_id).orderBy('id', 'desc').executeTakeFirst();
  const sessions = await db.selectFrom('inquiry_sessions').selectAll().where('inquiry_id', '=', id).orderBy('created_at').execute();
  return {
    id: row.id,
    templateId: row.template_id,
    versionId: row.version_id,
    status: row.status,
    referenceId: row.reference_id,
    accountId: row.account_id,
    fields: row.fields,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    failedAt: row.failed_at,
    decisionedAt: row.decisioned_at,
    expiredAt: row.expired_at,
    expiresAt: row.expires_at,
    ...(policy ? { afterResumeSeconds: policy.after_resume_minutes * 60, afterStartSeconds: policy.after_start_minutes === null ? null : policy.after_start_minutes * 60 } : {}),
    sessions: sessions.map((s) => ({
      id: s.id,
      status: s.expired_at || s.revoked_at ? 'expired' : s.started_at ? 'active' : 'new',
      createdAt: s.created_at,
      startedAt: s.started_at,
      expiredAt: s.expired_at ?? s.revoked_at,
      expiresAt: s.expires_at,
    })),
  };
}

export async function providerHarness(kind: ProviderKind, database: Database, now: () => Date): Promise<ProviderHarness> {
  if (kind === 'local') {
    return {
      kind,
      env: {},
      fake: null,
      hostedFlowUrl: 'http://localhost:3000/verify',
      syncTemplates: () => Promise.resolve(),
      track: (id) => Promise.resolve(id),
      sessionStarted: async (sessionId, at) => {
        await database.db.updateTable('inquiry_sessions').set({ started_at: at }).where('id', '=', sessionId).execute();
      },
      close: () => Promise.resolve(),
    };
  }
  const hostedFlowUrl = 'https://inquiry.withpersona.com/verify';
  const fake = await createFakePersona({ now, rateLimitPerMinute: 100_000, hostedFlowUrl });
  fake.adopt((id) => seedFromRows(database.db, id));
  const known = new Set<string>();
  return {
    kind,
    env: {
      INQUIRY_PROVIDER: 'persona',
      PERSONA_API_KEY: fake.apiKey,
      PERSONA_API_URL: fake.url,
      PERSONA_WEBHOOK_SECRETS: WEBHOOK_SECRETS.join(','),
      PERSONA_TIMEOUT_MS: '2000',
      // The adapter's own gate (one per database: rate-gate.ts) at the fake's limit, as the fake above: a file's tests
      // make more calls a minute than Persona's default 300. A test of Persona's limit injects its 429 (fake.faults).
      PERSONA_RATE_LIMIT_PER_MINUTE: '100000',
    },
    fake,
    hostedFlowUrl,
    async syncTemplates() {
      for (const [id, t] of await templatesOf(database.db)) {
        const policy = t.policy
          ? {
              afterCreateSeconds: t.policy.after_create_minutes * 60,
              afterResumeSeconds: t.policy.after_resume_minutes * 60,
              afterStartSeconds: t.policy.after_start_minutes === null ? null : t.policy.after_start_minutes * 60,
            }
          : {};
        if (!known.has(id)) fake.addTemplate(id, { versionIds: t.versionIds, ...policy });
        else for (const v of t.versionIds) fake.publishVersion(id, v);
        known.add(id);
      }
    },
    async track(id) {
      const seed = await seedFromRows(database.db, id);
      if (seed) fake.seed(seed);
      return id;
    },
    async sessionStarted(sessionId, at) {
      await database.db.updateTable('inquiry_sessions').set({ started_at: at }).where('id', '=', sessionId).execute();
      fake.simulate.sessionStarted(sessionId);
    },
    close: () => fake.close(),
  };
}
