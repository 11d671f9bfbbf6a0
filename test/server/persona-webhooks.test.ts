import { createServer, type Server } from 'node:http';
import pg from 'pg';
import type { AddressInfo } from 'node:net';
import type { Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import type { Database } from '../../server/db/index.js';
import type { DB } from '../../server/db/schema.js';
import type { AppDeps } from '../../server/deps.js';
import { signatureHeader } from '../../server/providers/persona/signature.js';
import * as store from '../../server/repositories/inquiry-store/index.js';
import { mirroredStatus, type RemoteInquiry } from '../../server/repositories/inquiry-store/mirror.js';
import { applyPendingEvents, MAX_ATTEMPTS, startInboxApplier } from '../../server/services/persona-inbox.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, DAY, HOUR, liveSessionUntilDrift, MINUTE, NOW, testDeps, type TemplateFixture } from './fixtures.js';

const SECRET_1 = 'wbhsec_test_secret_1';
const SECRET_2 = 'wbhsec_test_secret_2';
const PERSONA_ENV = {
  INQUIRY_PROVIDER: 'persona',
  PERSONA_API_KEY: 'k_test',
  PERSONA_WEBHOOK_SECRETS: `${SECRET_1},${SECRET_2}`,
  PERSONA_API_URL: 'http://127.0.0.1:9',
};

/** The app's deps with the Persona provider (its API unreachable: webhooks and the applier never call it). */
function personaDeps(database: Database, now: () => Date, env: Record<string, string> = PERSONA_ENV): AppDeps {
  return testDeps(database, now, env);
}

async function listen(deps: AppDeps): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('request', createApp(deps, { serveClient: false }));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

let counter = 0;
const unique = (prefix: string) => `${prefix}_${(++counter).toString().padStart(4, '0')}${Math.random().toString(36).slice(2, 8)}`;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

interface InquiryShape {
  status: string;
  templateId: string;
  versionId: string | null;
  createdAt: Date;
  updatedAt?: Date;
  startedAt?: Date;
  completedAt?: Date;
  expiredAt?: Date;
  expiresAt?: Date | null;
}

function inquiryResource(id: string, s: InquiryShape) {
  return {
    type: 'inquiry',
    id,
    attributes: {
      status: s.status,
      'reference-id': 'usr_42',
      'created-at': iso(s.createdAt),
      'updated-at': iso(s.updatedAt ?? s.createdAt),
      'started-at': iso(s.startedAt),
      'completed-at': iso(s.completedAt),
      'expired-at': iso(s.expiredAt),
      'expires-at': s.expiresAt === undefined ? iso(new Date(s.createdAt.getTime() + DAY)) : iso(s.expiresAt),
      fields: { 'name-first': { type: 'string', value: 'Ada' }, 'email-address': { type: 'string', value: 'ada@example.com' } },
    },
    relationships: {
      'inquiry-template': { data: { type: 'inquiry-template', id: s.templateId } },
      'inquiry-template-version': { data: s.versionId ? { type: 'inquiry-template-version', id: s.versionId } : null },
    },
  };
}

function sessionResource(id: string, inquiryId: string, s: { status: string; createdAt: Date; startedAt?: Date; expiredAt?: Date }) {
  return {
    type: 'inquiry-session',
    id,
    attributes: { status: s.status, 'created-at': iso(s.createdAt), 'started-at': iso(s.startedAt), 'expired-at': iso(s.expiredAt) },
    relationships: { inquiry: { data: { type: 'inquiry', id: inquiryId } } },
  };
}

function event(name: string, createdAt: Date, data: unknown, id = unique('evt')) {
  return { data: { type: 'event', id, attributes: { name, 'created-at': createdAt.toISOString(), payload: { data } } } };
}

describe('the mirror’s status rule', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const none = { decisionedAt: null, failedAt: null, completedAt: null, expiredAt: null, startedAt: null };
  it('keeps the statuses the table allows and maps the others by their timestamps', () => {
    expect(mirroredStatus({ ...none, status: 'approved' })).toBe('approved');
    expect(mirroredStatus({ ...none, status: 'needs-review' })).toBe('needs_review');
    expect(mirroredStatus({ ...none, status: 'marked-for-review' })).toBe('needs_review');
    expect(mirroredStatus({ ...none, status: 'redacted', completedAt: at })).toBe('completed');
    expect(mirroredStatus({ ...none, status: 'transitioned', decisionedAt: at, completedAt: at })).toBe('needs_review');
    expect(mirroredStatus({ ...none, status: 'something-new', startedAt: at })).toBe('pending');
    expect(mirroredStatus({ ...none, status: 'something-new' })).toBe('created');
  });
});

describe.each(testEngines())('Persona webhooks on %s', (engine) => {
  let database: TestDatabase;
  let deps: AppDeps;
  let app: Awaited<ReturnType<typeof listen>>;
  let kyc: TemplateFixture;
  let clock = NOW;
  const now = () => clock;
  const seconds = () => Math.floor(clock.getTime() / 1000);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    deps = personaDeps(database, now);
    app = await listen(deps);
    kyc = await addTemplate(database.db, 'KYC', 2);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const post = (raw: string, header: string | null) =>
    fetch(`${app.baseUrl}/webhooks/persona`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'persona-signature': header }) },
      body: raw,
    });
  const deliver = (body: unknown, secrets: string[] = [SECRET_1], t = seconds()) => {
    const raw = JSON.stringify(body);
    return post(raw, signatureHeader(secrets, t, raw));
  };
  const inboxRow = (eventId: string) => database.db.selectFrom('persona_webhook_inbox').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  const inquiryRow = (id: string) => database.db.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirst();
  const timeline = async (id: string) =>
    (await database.db.selectFrom('inquiry_events').select(['kind', 'occurred_at']).where('inquiry_id', '=', id).orderBy('occurred_at').orderBy('id').execute()).map((e) => e.kind);
  const apply = () => applyPendingEvents(deps, { limit: 100 });
  const mirror = (fn: (trx: Transaction<DB>) => Promise<unknown>) => database.db.transaction().execute(fn);

  it('/healthz names the provider', async () => {
    expect(await (await fetch(`${app.baseUrl}/healthz`)).json()).toMatchObject({ status: 'ok', database: engine === 'postgres' ? 'postgres' : 'pglite', provider: 'persona' });
  });

  it('accepts the known-answer vector of PERSONA.md when its secret is configured, and nothing else', async () => {
    const t = 1709686052;
    const body = '{"data":{"type":"event","id":"evt_ABC123"}}';
    const header = `t=${t},v1=890347d334e614e8957d04420388d2f19f59822a91dc2950b36d1c7f6adaaeed`;
    const katDeps = personaDeps(database, () => new Date((t + 30) * 1000), { ...PERSONA_ENV, PERSONA_WEBHOOK_SECRETS: `${SECRET_1},wbhsec_fake_secret` });
    const kat = await listen(katDeps);
    try {
      const send = (raw: string) => fetch(`${kat.baseUrl}/webhooks/persona`, { method: 'POST', headers: { 'content-type': 'application/json', 'persona-signature': header }, body: raw });
      // The signature verifies: what is refused is only the body, which is not a whole event (no attributes).
      const accepted = await send(body);
      expect(accepted.status).toBe(400);
      expect(await accepted.json()).toEqual({ errors: [{ title: 'Bad request', details: 'The body is not a Persona webhook event.' }] });
      const changed = await send(body.replace('ABC123', 'ABC124'));
      expect(changed.status).toBe(401);
    } finally {
      await kat.close();
    }
    // Without that secret the same delivery is refused by the signature.
    const elsewhere = await post(body, header);
    expect(elsewhere.status).toBe(401);
    expect(await inboxRow('evt_ABC123')).toBeUndefined();
  });

  it('refuses a missing, mismatched or stale signature with 401, storing nothing and echoing nothing', async () => {
    const inquiryId = unique('inq');
    const body = event('inquiry.created', ago(MINUTE), inquiryResource(inquiryId, { status: 'created', templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: ago(MINUTE) }));
    const raw = JSON.stringify(body);
    const wrongSecret = signatureHeader(['wbhsec_not_configured_1'], seconds(), raw);
    const answers = [
      await post(raw, null),
      await post(raw, 'garbage'),
      await post(raw, wrongSecret),
      await post(`${raw} `, signatureHeader([SECRET_1], seconds(), raw)),
      await deliver(body, [SECRET_1], seconds() - 301),
      await deliver(body, [SECRET_1], seconds() + 301),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      const text = await res.text();
      const answer = JSON.parse(text) as { errors: { title: string }[] };
      expect(answer.errors.map((e) => e.title)).toEqual(['Must be authenticated to access this endpoint']);
      expect(text).not.toContain('wbhsec');
      expect(text).not.toContain('v1=');
    }
    expect(await inboxRow(body.data.id)).toBeUndefined();
    // Within the tolerance it is taken.
    expect((await deliver(body, [SECRET_1], seconds() - 299)).status).toBe(200);
    expect(await inboxRow(body.data.id)).toBeDefined();
  });

  it('takes either configured secret, and a rotation header with one unknown pair', async () => {
    for (const secrets of [[SECRET_1], [SECRET_2], ['wbhsec_brand_new_secret', SECRET_2]]) {
      const body = event('account.created', ago(MINUTE), { type: 'account', id: unique('act') });
      const res = await deliver(body, secrets);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, duplicate: false });
    }
  });

  it('answers 400 to a signed body that is not an event, storing nothing', async () => {
    for (const raw of ['not json', '{"data":{"type":"event","id":"evt_x1","attributes":{"name":"inquiry.created"}}}', '[]']) {
      const res = await post(raw, signatureHeader([SECRET_1], seconds(), raw));
      expect(res.status).toBe(400);
    }
    expect(await inboxRow('evt_x1')).toBeUndefined();
  });

  it('stores a replayed event id once and applies it once', async () => {
    const inquiryId = unique('inq');
    const body = event('inquiry.created', ago(HOUR), inquiryResource(inquiryId, { status: 'created', templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: ago(HOUR) }));
    const first = await deliver(body);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const again = await deliver(body, [SECRET_2]);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    await apply();
    const third = await deliver(body);
    expect(await third.json()).toEqual({ received: true, duplicate: true });
    await apply();
    const rows = await database.db.selectFrom('persona_webhook_inbox').select(['outcome', 'attempts']).where('event_id', '=', body.data.id).execute();
    expect(rows).toEqual([{ outcome: 'applied', attempts: 1 }]);
    expect(await timeline(inquiryId)).toEqual(['created']);
  });

  it('applies events delivered out of order by their own created-at: completed stays completed', async () => {
    const inquiryId = unique('inq');
    const created = ago(3 * HOUR);
    const shape = { templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: created };
    const started = event('inquiry.started', ago(2 * HOUR), inquiryResource(inquiryId, { ...shape, status: 'pending', startedAt: ago(2 * HOUR), updatedAt: ago(2 * HOUR) }));
    const completed = event(
      'inquiry.completed',
      ago(HOUR),
      inquiryResource(inquiryId, { ...shape, status: 'completed', startedAt: ago(2 * HOUR), completedAt: ago(HOUR), updatedAt: ago(HOUR), expiresAt: null }),
    );
    expect((await deliver(completed)).status).toBe(200);
    await apply();
    expect((await deliver(started)).status).toBe(200);
    await apply();

    const row = await inquiryRow(inquiryId);
    expect(row).toMatchObject({ status: 'completed', completed_at: ago(HOUR), started_at: ago(2 * HOUR), remote_updated_at: ago(HOUR) });
    // First seen completed with expires-at null: it expired (for the CHECKs' sake) when it completed.
    expect(row?.expires_at).toEqual(ago(HOUR));
    expect(await inboxRow(started.data.id)).toMatchObject({ outcome: 'stale', applied_at: NOW });
    expect(await inboxRow(completed.data.id)).toMatchObject({ outcome: 'applied' });
    expect(await timeline(inquiryId)).toEqual(['created', 'started', 'completed']);
    // Counted once in the completion histograms.
    const counted = await database.db.selectFrom('inquiry_completion_days').select('completions').where('template_id', '=', kyc.id).execute();
    expect(counted.reduce((n, r) => n + r.completions, 0)).toBe(1);
  });

  it('applies what a crash after the 2xx left in the inbox when an applier starts', async () => {
    const inquiryId = unique('inq');
    const body = event('inquiry.created', ago(HOUR), inquiryResource(inquiryId, { status: 'created', templateId: kyc.id, versionId: kyc.versionIds[0] ?? null, createdAt: ago(HOUR) }));
    expect((await deliver(body)).status).toBe(200);
    expect(await inboxRow(body.data.id)).toMatchObject({ outcome: null, applied_at: null });
    expect(await inquiryRow(inquiryId)).toBeUndefined();

    const applier = startInboxApplier(deps, { intervalMs: 60_000 });
    try {
      await applier.drained();
      expect(await inboxRow(body.data.id)).toMatchObject({ outcome: 'applied' });
      expect(await inquiryRow(inquiryId)).toMatchObject({ status: 'created', version_number: 1 });

      // Running, it is nudged by each delivery.
      const later = event('inquiry.started', ago(30 * MINUTE), inquiryResource(inquiryId, { status: 'pending', templateId: kyc.id, versionId: kyc.versionIds[0] ?? null, createdAt: ago(HOUR), startedAt: ago(30 * MINUTE) }));
      expect((await deliver(later)).status).toBe(200);
      for (let i = 0; i < 100 && (await inboxRow(later.data.id))?.outcome !== 'applied'; i++) await new Promise((r) => setTimeout(r, 20));
      await applier.drained();
      expect((await inquiryRow(inquiryId))?.status).toBe('pending');
    } finally {
      applier();
    }
  });

  it('mirrors sessions: created by Persona, expired, live_session_until kept; a session before its inquiry waits', async () => {
    const inquiryId = unique('inq');
    const sessionId = unique('iqse');
    const expiresAt = ahead(20 * HOUR);
    const shape = { templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: ago(HOUR), expiresAt };
    const sessionStarted = event('inquiry-session.started', ago(50 * MINUTE), sessionResource(sessionId, inquiryId, { status: 'active', createdAt: ago(55 * MINUTE), startedAt: ago(50 * MINUTE) }));
    expect((await deliver(sessionStarted)).status).toBe(200);
    expect(await apply()).toMatchObject({ deferred: 1 });
    expect(await inboxRow(sessionStarted.data.id)).toMatchObject({ outcome: null, attempts: 1, waiting_for: inquiryId, last_error: `inquiry ${inquiryId} is not mirrored yet` });

    // The inquiry arrives (its event is newer): the waiting session event is applied in the same run.
    const inquiryStarted = event('inquiry.started', ago(45 * MINUTE), inquiryResource(inquiryId, { ...shape, status: 'pending', startedAt: ago(50 * MINUTE) }));
    expect((await deliver(inquiryStarted)).status).toBe(200);
    expect(await apply()).toMatchObject({ applied: 2, deferred: 0 });
    const session = await database.db.selectFrom('inquiry_sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    expect(session).toMatchObject({
      inquiry_id: inquiryId,
      token_fingerprint: null,
      issued_by_type: 'system',
      issued_by_id: null,
      issued_by_display: 'Persona',
      expires_at: expiresAt,
      started_at: ago(50 * MINUTE),
      expired_at: null,
    });
    expect((await inquiryRow(inquiryId))?.live_session_until).toEqual(expiresAt);
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);

    // An older event about the session changes nothing; the expiry does.
    const older = event('inquiry-session.created', ago(55 * MINUTE), sessionResource(sessionId, inquiryId, { status: 'new', createdAt: ago(55 * MINUTE) }));
    const expired = event('inquiry-session.expired', ago(10 * MINUTE), sessionResource(sessionId, inquiryId, { status: 'expired', createdAt: ago(55 * MINUTE), startedAt: ago(50 * MINUTE), expiredAt: ago(10 * MINUTE) }));
    await deliver(expired);
    await deliver(older);
    expect(await apply()).toMatchObject({ applied: 1, stale: 1 });
    expect(await database.db.selectFrom('inquiry_sessions').select('expired_at').where('id', '=', sessionId).executeTakeFirstOrThrow()).toEqual({ expired_at: ago(10 * MINUTE) });
    expect((await inquiryRow(inquiryId))?.live_session_until).toBeNull();
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);
    expect(await timeline(inquiryId)).toEqual(['created', 'session.issued', 'started', 'session.started', 'session.expired']);
  });

  it('an expiry reported after a later session does not end that session (Persona resumed the inquiry after it expired)', async () => {
    const inquiryId = unique('inq');
    const later = unique('iqse');
    const shape = { templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: ago(5 * HOUR), startedAt: ago(5 * HOUR) };
    await deliver(event('inquiry.started', ago(5 * HOUR), inquiryResource(inquiryId, { ...shape, status: 'pending', expiresAt: ago(2 * HOUR) })));
    // The end user's session after the resume (30 minutes ago) arrives before the expiry two hours ago.
    await deliver(event('inquiry-session.started', ago(30 * MINUTE), sessionResource(later, inquiryId, { status: 'active', createdAt: ago(30 * MINUTE) })));
    await apply();
    await deliver(event('inquiry.expired', ago(2 * HOUR), inquiryResource(inquiryId, { ...shape, status: 'expired', expiresAt: ago(2 * HOUR), expiredAt: ago(2 * HOUR), updatedAt: ago(2 * HOUR) })));
    await apply();
    const session = await database.db.selectFrom('inquiry_sessions').select(['expired_at']).where('id', '=', later).executeTakeFirstOrThrow();
    expect(session.expired_at).toBeNull();
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);
  });

  it('expiring an inquiry ends its open sessions; canceled ends a session', async () => {
    const inquiryId = unique('inq');
    const [a, b] = [unique('iqse'), unique('iqse')];
    const shape = { templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: ago(3 * HOUR), startedAt: ago(3 * HOUR) };
    await deliver(event('inquiry.started', ago(3 * HOUR), inquiryResource(inquiryId, { ...shape, status: 'pending', expiresAt: ago(HOUR) })));
    await deliver(event('inquiry-session.started', ago(170 * MINUTE), sessionResource(a, inquiryId, { status: 'active', createdAt: ago(170 * MINUTE) })));
    await deliver(event('inquiry-session.started', ago(160 * MINUTE), sessionResource(b, inquiryId, { status: 'active', createdAt: ago(160 * MINUTE) })));
    await deliver(event('inquiry-session.canceled', ago(150 * MINUTE), sessionResource(b, inquiryId, { status: 'canceled', createdAt: ago(160 * MINUTE) })));
    await apply();
    const sessions = () => database.db.selectFrom('inquiry_sessions').select(['id', 'expired_at']).where('inquiry_id', '=', inquiryId).orderBy('created_at').execute();
    expect(await sessions()).toEqual([
      { id: a, expired_at: null },
      { id: b, expired_at: ago(150 * MINUTE) },
    ]);
    expect((await inquiryRow(inquiryId))?.live_session_until).toEqual(ago(HOUR));

    await deliver(event('inquiry.expired', ago(HOUR), inquiryResource(inquiryId, { ...shape, status: 'expired', expiresAt: ago(HOUR), expiredAt: ago(HOUR), updatedAt: ago(HOUR) })));
    await apply();
    expect(await inquiryRow(inquiryId)).toMatchObject({ status: 'expired', expired_at: ago(HOUR), live_session_until: null });
    expect(await sessions()).toEqual([
      { id: a, expired_at: ago(HOUR) },
      { id: b, expired_at: ago(150 * MINUTE) },
    ]);
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);
  });

  // Two appliers (instances) at once: one holds a session event that waits for its inquiry and is about to lock that
  // inquiry; the other applies the inquiry's event, which wakes the waiting ones. Waking them while still holding the
  // inquiry's row deadlocked the two (PostgreSQL ended one after a second); they are woken after the commit.
  it.skipIf(engine !== 'postgres')('an inquiry event applies while another applier holds a session event waiting for it, and wakes it after', async () => {
    const inquiryId = unique('inq');
    const sessionId = unique('iqse');
    const shape = { templateId: kyc.id, versionId: kyc.versionIds[1] ?? null, createdAt: ago(HOUR), expiresAt: ahead(20 * HOUR) };
    // The inquiry is known (here from its own event; a backfill mirrors it so too) while a session event still waits
    // for it, due now: it was deferred before the inquiry arrived.
    await deliver(event('inquiry.started', ago(50 * MINUTE), inquiryResource(inquiryId, { ...shape, status: 'pending', startedAt: ago(50 * MINUTE) })));
    expect(await apply()).toMatchObject({ applied: 1 });
    const waiting = event('inquiry-session.started', ago(40 * MINUTE), sessionResource(sessionId, inquiryId, { status: 'active', createdAt: ago(45 * MINUTE), startedAt: ago(40 * MINUTE) }));
    await deliver(waiting);
    await database.db.updateTable('persona_webhook_inbox').set({ waiting_for: inquiryId, attempts: 1, next_attempt_at: ahead(HOUR) }).where('event_id', '=', waiting.data.id).execute();

    const other = new pg.Client({ connectionString: database.url ?? '' });
    await other.connect();
    let applying: ReturnType<typeof apply> | undefined;
    try {
      await other.query("set lock_timeout = '5s'");
      await other.query('begin');
      // The other applier has claimed the session event…
      await other.query('select event_id from persona_webhook_inbox where event_id = $1 for update', [waiting.data.id]);
      // …when the inquiry's own event is applied here; it waits, to wake the held event, only once it has committed.
      await deliver(event('inquiry.completed', ago(30 * MINUTE), inquiryResource(inquiryId, { ...shape, status: 'completed', completedAt: ago(30 * MINUTE) })));
      applying = apply();
      const lockWaiters = async () =>
        Number((await other.query<{ n: string }>("select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0]?.n);
      await expect.poll(lockWaiters, { timeout: 5_000 }).toBe(1);
      // The other applier goes on: it locks the inquiry (free: the event here has committed) and finishes.
      await other.query('select id from inquiries where id = $1 for update', [inquiryId]);
      await other.query('commit');
    } finally {
      await other.end();
    }
    // The inquiry's event, then the session event it woke, in the same drain; no deadlock, nothing deferred.
    expect(await applying).toEqual({ applied: 2, stale: 0, ignored: 0, deferred: 0, failed: 0 });
    expect((await inquiryRow(inquiryId))?.status).toBe('completed');
    expect(await inboxRow(waiting.data.id)).toMatchObject({ outcome: 'applied' });
  });

  it('gives a waiting session event up after the cap, with why', async () => {
    const inquiryId = unique('inq');
    const body = event('inquiry-session.started', ago(MINUTE), sessionResource(unique('iqse'), inquiryId, { status: 'active', createdAt: ago(MINUTE) }));
    await deliver(body);
    await database.db.updateTable('persona_webhook_inbox').set({ attempts: MAX_ATTEMPTS - 1 }).where('event_id', '=', body.data.id).execute();
    expect(await apply()).toMatchObject({ failed: 1 });
    expect(await inboxRow(body.data.id)).toMatchObject({ outcome: 'failed', applied_at: null, attempts: MAX_ATTEMPTS, last_error: `inquiry ${inquiryId} is not mirrored yet` });
    expect(await apply()).toMatchObject({ failed: 0, deferred: 0 });
  });

  it('retries a waiting event only after its backoff', async () => {
    const inquiryId = unique('inq');
    const body = event('inquiry-session.started', ago(MINUTE), sessionResource(unique('iqse'), inquiryId, { status: 'active', createdAt: ago(MINUTE) }));
    await deliver(body);
    await apply();
    expect(await apply()).toMatchObject({ deferred: 0 });
    clock = new Date(NOW.getTime() + 3000);
    try {
      expect(await apply()).toMatchObject({ deferred: 1 });
      expect((await inboxRow(body.data.id))?.attempts).toBe(2);
    } finally {
      clock = NOW;
    }
    // Leave nothing due for the other tests.
    await database.db.updateTable('persona_webhook_inbox').set({ outcome: 'failed' }).where('event_id', '=', body.data.id).execute();
  });

  it('records an unknown template and version in the catalogue: numbered as first seen, latest unless a newer is known', async () => {
    const templateId = unique('itmpl');
    const [v1, v2, v3] = [unique('itmplv'), unique('itmplv'), unique('itmplv')];
    const on = (versionId: string, createdAt: Date) => event('inquiry.created', createdAt, inquiryResource(unique('inq'), { status: 'created', templateId, versionId, createdAt }));
    await deliver(on(v1, ago(3 * DAY)));
    await apply();
    const template = () => database.db.selectFrom('templates').select(['name', 'latest_version_id', 'latest_version_number']).where('id', '=', templateId).executeTakeFirstOrThrow();
    expect(await template()).toEqual({ name: templateId, latest_version_id: v1, latest_version_number: 1 });
    await deliver(on(v2, ago(DAY)));
    await apply();
    expect(await template()).toMatchObject({ latest_version_id: v2, latest_version_number: 2 });
    // First seen on an inquiry older than the latest's first sighting: numbered next, not latest.
    await deliver(on(v3, ago(2 * DAY)));
    await apply();
    expect(await template()).toMatchObject({ latest_version_id: v2, latest_version_number: 2 });
    const versions = await database.db.selectFrom('template_versions').select(['id', 'version_number', 'published_at']).where('template_id', '=', templateId).orderBy('version_number').execute();
    expect(versions).toEqual([
      { id: v1, version_number: 1, published_at: ago(3 * DAY) },
      { id: v2, version_number: 2, published_at: ago(DAY) },
      { id: v3, version_number: 3, published_at: ago(2 * DAY) },
    ]);
    // Seen again: nothing written.
    expect(await mirror((trx) => store.catalogueSeen(trx, templateId, v1, NOW))).toEqual({ versionId: v1, versionNumber: 1 });
    expect(await mirror((trx) => store.catalogueSeen(trx, templateId, null, NOW))).toEqual({ versionId: v2, versionNumber: 2 });
    // No version named and none known: a placeholder.
    const bare = unique('itmpl');
    expect(await mirror((trx) => store.catalogueSeen(trx, bare, null, NOW))).toEqual({ versionId: `itmplv_unknown${bare.slice(6)}`, versionNumber: 1 });
  });

  it('renumbers a template’s versions by their earliest inquiry after a newest-first backfill, and the inquiries with them', async () => {
    const templateId = unique('itmpl');
    const [vNew, vMid, vOld] = [unique('itmplv'), unique('itmplv'), unique('itmplv')];
    const ids: Record<string, string> = {};
    // The order a backfill meets them: newest inquiry first.
    for (const [versionId, createdAt] of [[vNew, ago(DAY)], [vMid, ago(5 * DAY)], [vOld, ago(9 * DAY)], [vMid, ago(6 * DAY)]] as const) {
      const id = unique('inq');
      ids[`${versionId}:${createdAt.getTime()}`] = id;
      await deliver(event('inquiry.created', createdAt, inquiryResource(id, { status: 'created', templateId, versionId, createdAt })));
      await apply();
    }
    const versions = () => database.db.selectFrom('template_versions').select(['id', 'version_number', 'published_at']).where('template_id', '=', templateId).orderBy('version_number').execute();
    expect((await versions()).map((v) => v.id)).toEqual([vNew, vMid, vOld]);
    expect(await mirror((trx) => store.catalogueRenumbered(trx, templateId))).toBe(2);
    expect(await versions()).toEqual([
      { id: vOld, version_number: 1, published_at: ago(9 * DAY) },
      { id: vMid, version_number: 2, published_at: ago(6 * DAY) },
      { id: vNew, version_number: 3, published_at: ago(DAY) },
    ]);
    const template = await database.db.selectFrom('templates').select(['latest_version_id', 'latest_version_number']).where('id', '=', templateId).executeTakeFirstOrThrow();
    expect(template).toEqual({ latest_version_id: vNew, latest_version_number: 3 });
    const rows = await database.db.selectFrom('inquiries').select(['version_id', 'version_number']).where('template_id', '=', templateId).execute();
    expect(rows.map((r) => [r.version_id, r.version_number]).sort()).toEqual(
      [[vNew, 3], [vMid, 2], [vOld, 1], [vMid, 2]].map((r) => [r[0], r[1]] as [string, number]).sort(),
    );
    expect(await mirror((trx) => store.catalogueRenumbered(trx, templateId))).toBe(0);
  });

  describe('the ordering rule', () => {
    const remote = (id: string, overrides: Partial<RemoteInquiry> = {}): RemoteInquiry => ({
      id,
      status: 'created',
      templateId: kyc.id,
      versionId: kyc.versionIds[1] ?? null,
      referenceId: 'usr_1',
      accountId: null,
      fields: { 'name-first': 'Ada' },
      createdAt: ago(2 * HOUR),
      updatedAt: ago(2 * HOUR),
      startedAt: null,
      completedAt: null,
      failedAt: null,
      decisionedAt: null,
      expiredAt: null,
      expiresAt: ahead(22 * HOUR),
      sessionIds: [],
      ...overrides,
    });

    it('applies a change only when it is newer than what the row reflects', async () => {
      const id = unique('inq');
      expect(await mirror((trx) => store.inquiryMirrored(trx, remote(id), ago(2 * HOUR)))).toBe('inserted');
      expect(await mirror((trx) => store.inquiryMirrored(trx, remote(id, { status: 'pending', startedAt: ago(HOUR) }), ago(2 * HOUR)))).toBe('stale');
      expect(await mirror((trx) => store.inquiryMirrored(trx, remote(id, { status: 'pending', startedAt: ago(HOUR) }), ago(3 * HOUR)))).toBe('stale');
      expect((await inquiryRow(id))?.status).toBe('created');
      expect(await mirror((trx) => store.inquiryMirrored(trx, remote(id, { status: 'pending', startedAt: ago(HOUR) }), ago(HOUR)))).toBe('updated');
      expect(await inquiryRow(id)).toMatchObject({ status: 'pending', started_at: ago(HOUR), remote_updated_at: ago(HOUR) });
    });

    it('updates a row Persona never described, keeps its version when Persona names none, and fills the CHECKed columns', async () => {
      const id = await addInquiry(database.db, kyc, { status: 'pending', version: 1, createdAt: ago(3 * HOUR), expiresAt: ahead(HOUR) });
      const expired = remote(id, { status: 'expired', versionId: null, createdAt: ago(3 * HOUR), expiresAt: null, expiredAt: null });
      expect(await mirror((trx) => store.inquiryMirrored(trx, expired, ago(MINUTE)))).toBe('updated');
      // Expired with no expired-at from Persona: the earlier of its expiry and the change; expires_at kept.
      expect(await inquiryRow(id)).toMatchObject({ status: 'expired', version_number: 1, expires_at: ahead(HOUR), expired_at: ago(MINUTE) });
      const reopened = remote(id, { status: 'pending', versionId: null, createdAt: ago(3 * HOUR), expiresAt: ahead(5 * HOUR), startedAt: ago(2 * HOUR) });
      expect(await mirror((trx) => store.inquiryMirrored(trx, reopened, NOW))).toBe('updated');
      expect(await inquiryRow(id)).toMatchObject({ status: 'pending', expired_at: null, expires_at: ahead(5 * HOUR) });
      expect((await timeline(id)).slice(-2)).toEqual(['expired', 'resumed']);
      // A status outside the table's list is mapped, never refused by the CHECK.
      const odd = remote(id, { status: 'transitioned', versionId: null, createdAt: ago(3 * HOUR), completedAt: ahead(MINUTE), expiresAt: null });
      expect(await mirror((trx) => store.inquiryMirrored(trx, odd, ahead(MINUTE)))).toBe('updated');
      expect(await inquiryRow(id)).toMatchObject({ status: 'completed', expires_at: ahead(5 * HOUR) });
    });

    it('inserts a first sighting with no expires-at within the CHECKs', async () => {
      const id = unique('inq');
      const done = remote(id, { status: 'approved', createdAt: ago(2 * HOUR), completedAt: ago(HOUR), decisionedAt: ago(30 * MINUTE), expiresAt: null, startedAt: ago(90 * MINUTE) });
      expect(await mirror((trx) => store.inquiryMirrored(trx, done, ago(30 * MINUTE)))).toBe('inserted');
      expect(await inquiryRow(id)).toMatchObject({ status: 'approved', expires_at: ago(HOUR), decisioned_at: ago(30 * MINUTE), live_session_until: null });
      expect(await timeline(id)).toEqual(['created', 'started', 'completed', 'decisioned']);
    });
  });

  it('is not mounted with the local provider', async () => {
    const localApp = await listen(testDeps(database, now));
    try {
      const raw = JSON.stringify(event('inquiry.created', NOW, {}));
      const res = await fetch(`${localApp.baseUrl}/webhooks/persona`, { method: 'POST', headers: { 'persona-signature': signatureHeader([SECRET_1], seconds(), raw) }, body: raw });
      expect(res.status).toBe(404);
    } finally {
      await localApp.close();
    }
  });
});
