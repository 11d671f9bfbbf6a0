import { sql } from 'kysely';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { GUARDED_PROCEDURES } from '../../server/metrics/index.js';
import { startSweeper } from '../../server/providers/local/sweeper-loop.js';
import { appRouter } from '../../server/routers/_app.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { consoleHeaders, createStaffAccount, signIn, startApp, type RunningApp, type StaffAccount } from '../helpers/auth.js';
import { addInquiry, addTemplate, DAY, HOUR } from './fixtures.js';

const TOKEN = 'metrics-token-0123456789abcdef';

/** One sample of the exposition text: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; 0 when there is none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

const scrape = (app: RunningApp, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => fetch(`${app.baseUrl}/metrics`, { headers });

async function samplesOf(app: RunningApp): Promise<{ text: string; samples: Sample[] }> {
  const response = await scrape(app);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parse(text) };
}

describe('GET /metrics protection', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is off (404) when no METRICS_TOKEN is configured, even with a bearer token', async () => {
    const app = await startApp(database);
    try {
      expect((await scrape(app)).status).toBe(404);
      expect((await scrape(app, {})).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('answers 401 without the token, with a wrong one, or in another scheme', async () => {
    const app = await startApp(database, { METRICS_TOKEN: TOKEN });
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, `Bearer  ${TOKEN}`]) {
        const response = await scrape(app, authorization === undefined ? {} : { authorization });
        expect(response.status, String(authorization)).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await response.text()).not.toContain('inquiry_desk_');
      }
      expect((await scrape(app)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('METRICS_TOKEN must be at least 16 characters, without spaces; empty means unset', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_TOKEN: 'sixteen chars with spaces' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
  });

  it('every guarded procedure the metrics name exists', () => {
    for (const path of GUARDED_PROCEDURES.keys()) expect(Object.keys(appRouter._def.procedures)).toContain(path);
  });
});

describe.each(testEngines())('metrics on %s', (kind) => {
  let database: TestDatabase;
  let app: RunningApp;
  let support: StaffAccount;
  let cookie = '';
  let pendingId = '';
  let approvedId = '';
  let sessionToken = '';

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp(database, { METRICS_TOKEN: TOKEN });
    const template = await addTemplate(database.db, 'KYC', 1);
    const now = app.deps.now();
    const at = (ms: number) => new Date(now.getTime() + ms);
    pendingId = await addInquiry(database.db, template, { status: 'pending', createdAt: at(-HOUR), expiresAt: at(DAY), email: 'ada.lovelace@example.com' });
    approvedId = await addInquiry(database.db, template, { status: 'approved', createdAt: at(-HOUR), expiresAt: at(DAY) });
    support = await createStaffAccount(database.db, { role: 'support' });
    cookie = await signIn(app, support.email, support.password);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const resume = (id: string, key: string) =>
    fetch(`${app.baseUrl}/trpc/inquiries.resume`, {
      method: 'POST',
      headers: consoleHeaders(app, { cookie }),
      body: JSON.stringify({ json: { id, reason: 'Customer closed the browser', idempotencyKey: key } }),
    });

  it('counts requests, procedures, guarded actions and refusals with bounded labels, and leaks nothing', async () => {
    const before = (await samplesOf(app)).samples;
    const search = superjson.serialize({ search: 'ada.lovelace@example.com', limit: 5 });
    const list = await fetch(`${app.baseUrl}/trpc/inquiries.list?input=${encodeURIComponent(JSON.stringify(search))}`, { headers: { cookie } });
    expect(list.status).toBe(200);
    // A batch of two procedures in one request: each is counted.
    const batchInput = encodeURIComponent(JSON.stringify({ 0: superjson.serialize({ limit: 1 }), 1: superjson.serialize({ id: pendingId }) }));
    const batch = await fetch(`${app.baseUrl}/trpc/inquiries.list,inquiries.get?batch=1&input=${batchInput}`, { headers: { cookie } });
    expect(batch.status).toBe(200);

    const ok = await resume(pendingId, `metrics-ok-${kind}`);
    expect(ok.status).toBe(200);
    sessionToken = ((await ok.json()) as { result: { data: { json: { sessionToken: string } } } }).result.data.json.sessionToken;
    expect(sessionToken.length).toBeGreaterThan(20);
    const refused = await resume(approvedId, `metrics-refused-${kind}`);
    expect(refused.status).toBe(409);
    // The partner API's resume without a key: a refused guarded action, under its route pattern, not its URL.
    const partner = await fetch(`${app.baseUrl}/api/v1/inquiries/${pendingId}/resume`, { method: 'POST', headers: { 'idempotency-key': 'partner-key-1' } });
    expect(partner.status).toBe(401);
    expect((await fetch(`${app.baseUrl}/no-such-page/${pendingId}?token=${sessionToken}`)).status).toBe(404);

    const { text, samples } = await samplesOf(app);
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels) - valueOf(before, name, labels);

    expect(delta('inquiry_desk_http_requests_total', { route: '/trpc', method: 'GET', status: '200' })).toBe(2);
    expect(delta('inquiry_desk_http_requests_total', { route: '/trpc', method: 'POST', status: '200' })).toBe(1);
    expect(delta('inquiry_desk_http_requests_total', { route: '/trpc', method: 'POST', status: '409' })).toBe(1);
    expect(delta('inquiry_desk_http_requests_total', { route: '/api/v1/inquiries/:id/resume', method: 'POST', status: '401' })).toBe(1);
    expect(delta('inquiry_desk_http_requests_total', { route: 'other', method: 'GET', status: '404' })).toBe(1);
    expect(delta('inquiry_desk_trpc_procedure_duration_seconds_count', { procedure: 'inquiries.list', type: 'query' })).toBe(2);
    expect(delta('inquiry_desk_trpc_procedure_duration_seconds_count', { procedure: 'inquiries.get', type: 'query' })).toBe(1);
    expect(delta('inquiry_desk_trpc_procedure_duration_seconds_count', { procedure: 'inquiries.resume', type: 'mutation' })).toBe(2);
    expect(delta('inquiry_desk_trpc_procedure_errors_total', { procedure: 'inquiries.resume', code: 'CONFLICT' })).toBe(1);
    expect(delta('inquiry_desk_guarded_actions_total', { action: 'resume', outcome: 'ok' })).toBe(1);
    expect(delta('inquiry_desk_guarded_actions_total', { action: 'resume', outcome: 'refused' })).toBe(1);
    expect(delta('inquiry_desk_action_refusals_total', { action: 'resume', reason: 'conflict' })).toBe(1);
    expect(delta('inquiry_desk_guarded_actions_total', { action: 'partner_resume', outcome: 'refused' })).toBe(1);
    expect(delta('inquiry_desk_action_refusals_total', { action: 'partner_resume', reason: 'unauthorized' })).toBe(1);
    // The resume staged its audit event with its last writes.
    expect(delta('inquiry_desk_audit_append_duration_seconds_count', { mode: 'batched' })).toBeGreaterThanOrEqual(1);

    // Histograms carry their buckets, up to +Inf, and +Inf equals the count.
    const buckets = samples.filter((s) => s.name === 'inquiry_desk_http_request_duration_seconds_bucket' && s.labels.route === '/trpc' && s.labels.method === 'GET');
    expect(buckets.map((s) => s.labels.le)).toEqual(expect.arrayContaining(['0.005', '0.1', '1', '+Inf']));
    expect(valueOf(samples, 'inquiry_desk_http_request_duration_seconds_bucket', { route: '/trpc', method: 'GET', le: '+Inf' })).toBe(
      valueOf(samples, 'inquiry_desk_http_request_duration_seconds_count', { route: '/trpc', method: 'GET' }),
    );
    expect(samples.some((s) => s.name === 'inquiry_desk_trpc_procedure_duration_seconds_bucket' && s.labels.procedure === 'inquiries.resume')).toBe(true);

    // No inquiry id, token, address, search term or credential anywhere in the output.
    for (const secret of [pendingId, approvedId, sessionToken, support.email, 'ada.lovelace', '@', 'no-such-page', cookie.split('=')[1] ?? cookie, TOKEN]) {
      expect(text).not.toContain(secret);
    }
    // Every route label is a pattern or a mount point.
    const routes = new Set(samples.filter((s) => s.name === 'inquiry_desk_http_requests_total').map((s) => s.labels.route));
    for (const route of routes) expect(route).toMatch(/^(other|\/[a-z0-9/:{}*_.-]*)$/);
  });

  it('counts the expiry sweep', async () => {
    const stop = startSweeper(app.deps);
    try {
      let samples: Sample[] = [];
      for (let i = 0; i < 50; i++) {
        samples = (await samplesOf(app)).samples;
        if (valueOf(samples, 'inquiry_desk_sweep_runs_total', { outcome: 'ran' }) >= 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(valueOf(samples, 'inquiry_desk_sweep_runs_total', { outcome: 'ran' })).toBe(1);
      expect(valueOf(samples, 'inquiry_desk_sweep_duration_seconds_count', { outcome: 'ran' })).toBe(1);
      expect(samples.some((s) => s.name === 'inquiry_desk_sweep_expired_total' && s.labels.kind === 'inquiry')).toBe(true);
    } finally {
      stop();
    }
  });

  it(kind === 'postgres' ? 'reports the connection pool, read at scrape time' : 'reports no pool for the embedded engine', async () => {
    const { samples } = await samplesOf(app);
    const pool = samples.filter((s) => s.name.startsWith('inquiry_desk_db_pool_'));
    if (kind === 'pglite') {
      expect(pool).toEqual([]);
      return;
    }
    expect(valueOf(samples, 'inquiry_desk_db_pool_max_connections')).toBe(20);
    const open = valueOf(samples, 'inquiry_desk_db_pool_connections', { state: 'idle' }) + valueOf(samples, 'inquiry_desk_db_pool_connections', { state: 'in_use' });
    expect(open).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'inquiry_desk_db_pool_waiting_requests')).toBe(0);
    expect(valueOf(samples, 'inquiry_desk_db_pool_acquires_total')).toBeGreaterThanOrEqual(5);
    expect(samples.some((s) => s.name === 'inquiry_desk_db_pool_acquire_wait_seconds_total')).toBe(true);
  });

  it.skipIf(kind !== 'postgres')("reports the access report's read pool under names of its own, once the report is read", async () => {
    const before = (await samplesOf(app)).samples;
    expect(valueOf(before, 'inquiry_desk_db_report_pool_max_connections')).toBe(4);
    const answer = await fetch(`${app.baseUrl}/trpc/access.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 10 } }))}`, {
      headers: consoleHeaders(app, { cookie }),
    });
    expect(answer.status).toBe(200);
    const { samples } = await samplesOf(app);
    expect(valueOf(samples, 'inquiry_desk_db_report_pool_acquires_total') - valueOf(before, 'inquiry_desk_db_report_pool_acquires_total')).toBeGreaterThanOrEqual(1);
    const open = valueOf(samples, 'inquiry_desk_db_report_pool_connections', { state: 'idle' }) + valueOf(samples, 'inquiry_desk_db_report_pool_connections', { state: 'in_use' });
    expect(open).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'inquiry_desk_db_report_pool_waiting_requests')).toBe(0);
    // The main pool's figures are its own: its size is unchanged.
    expect(valueOf(samples, 'inquiry_desk_db_pool_max_connections')).toBe(20);
  });

  it.skipIf(kind !== 'postgres')("reports the side pool (Persona's rate gate) under names of its own", async () => {
    const before = (await samplesOf(app)).samples;
    expect(valueOf(before, 'inquiry_desk_db_side_pool_max_connections')).toBe(2);
    const side = app.deps.database.side?.();
    if (!side) throw new Error('a server database has a side pool');
    await sql`select 1`.execute(side);
    const { samples } = await samplesOf(app);
    expect(valueOf(samples, 'inquiry_desk_db_side_pool_acquires_total') - valueOf(before, 'inquiry_desk_db_side_pool_acquires_total')).toBe(1);
    expect(valueOf(samples, 'inquiry_desk_db_side_pool_connections', { state: 'idle' })).toBe(1);
    expect(valueOf(samples, 'inquiry_desk_db_side_pool_waiting_requests')).toBe(0);
  });
});
