import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.js';
import { listVersions } from '../../server/repositories/templates.js';
import { createCatalogCache, type CatalogCache } from '../../server/services/catalog-cache.js';
import { listInquiries } from '../../server/services/inquiries.js';
import { publishVersion } from '../../server/services/template-changes.js';
import { createDeps } from '../../server/providers/index.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import type { AppDeps } from '../../server/deps.js';
import { InquiryListInputSchema } from '../../shared/inquiries.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, HOUR, NOW, serverDatabaseSecret, staffPrincipal, type TemplateFixture } from './fixtures.js';

/**
 * The version catalogue is kept between list requests and dropped on any change to templates or versions, on
 * every instance (issue 13, "A leaner request path"; docs/performance.md, "The version catalogue cache").
 */

/** Deps whose catalogue cache counts how often it reads the catalogue from the database. */
function countingDeps(database: Database) {
  const reads = { count: 0 };
  const catalog: CatalogCache = createCatalogCache(database, (db) => {
    reads.count += 1;
    return listVersions(db);
  });
  const deps: AppDeps = createDeps({
    database,
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...serverDatabaseSecret(database) }),
    log: createLogger('silent'),
    now: () => NOW,
    catalog,
  });
  return { deps, reads, catalog };
}

const outdated = InquiryListInputSchema.parse({ versionState: 'outdated' });
const outdatedIds = async (deps: AppDeps) => (await listInquiries(deps, outdated)).items.map((i) => i.id);
const publish = (deps: AppDeps, templateId: string) =>
  publishVersion({ ...deps, requestId: 'test', ip: '127.0.0.1', userAgent: 'vitest', staff: staffPrincipal('manager') }, { templateId, notes: 'v next', reason: 'New checks (ticket 88)' });

async function until(condition: () => boolean | Promise<boolean>, ms = 2_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(testEngines())('the version catalogue cache (%s)', (engine) => {
  let database: TestDatabase;
  let kyc: TemplateFixture;
  let inquiry: string;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    kyc = await addTemplate(database.db, 'KYC', 1);
    inquiry = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(20 * HOUR) });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('a second list reads no catalogue, and a published version is seen by the next list on the same instance', async () => {
    const { deps, reads, catalog } = countingDeps(database);
    await until(() => catalog.listening());
    expect(await outdatedIds(deps)).toEqual([]);
    expect(await outdatedIds(deps)).toEqual([]);
    await listInquiries(deps, InquiryListInputSchema.parse({}));
    expect(reads.count).toBe(1);

    await publish(deps, kyc.id);
    // The publishing instance drops its own copy at once: the very next list, with no wait for the notification.
    expect(await outdatedIds(deps)).toContain(inquiry);
    expect(reads.count).toBeGreaterThanOrEqual(2);

    // A write that bypasses the services (here: a fixture) is seen too: the trigger fires for any statement.
    await addTemplate(database.db, 'Address check', 2);
    const before = reads.count;
    await until(async () => (await listInquiries(deps, InquiryListInputSchema.parse({}))).items.length === 1 && reads.count > before);
    catalog.close();
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('the version catalogue cache on two instances (postgres)', () => {
  let database: TestDatabase;
  let pools: Database[];
  let kyc: TemplateFixture;
  let inquiry: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    pools = [await openDatabase({ databaseUrl: database.url ?? '' }), await openDatabase({ databaseUrl: database.url ?? '' })];
    kyc = await addTemplate(database.db, 'KYC', 1);
    inquiry = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(20 * HOUR) });
  });
  afterAll(async () => {
    for (const pool of pools ?? []) await pool.close();
    await database?.close();
  });

  it('a version published on instance A is seen by a list on instance B right after the commit', async () => {
    const a = countingDeps(pools[0]!);
    const b = countingDeps(pools[1]!);
    await until(() => a.catalog.listening() && b.catalog.listening());
    expect(await outdatedIds(b.deps)).toEqual([]);
    expect(await outdatedIds(b.deps)).toEqual([]);
    expect(b.reads.count).toBe(1);

    const published = await publish(a.deps, kyc.id);
    const started = Date.now();
    await until(async () => (await outdatedIds(b.deps)).includes(inquiry), 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await listInquiries(b.deps, InquiryListInputSchema.parse({ versionState: 'latest' }))).items).toEqual([]);
    expect(published.versionNumber).toBe(2);
    a.catalog.close();
    b.catalog.close();
  });

  it('after its listening connection is killed, B bypasses its copy until it listens again, and serves nothing stale', async () => {
    const a = countingDeps(pools[0]!);
    const b = countingDeps(pools[1]!);
    await until(() => a.catalog.listening() && b.catalog.listening());
    await outdatedIds(b.deps);
    await outdatedIds(b.deps);
    const cachedReads = b.reads.count;

    const pid = pools[1]!.notifications.backendPid();
    expect(pid).not.toBeNull();
    await sql`select pg_terminate_backend(${pid})`.execute(database.db);
    await until(() => !b.catalog.listening());

    // Not listening: a notification would be lost, so every list reads the catalogue afresh (and keeps nothing).
    await outdatedIds(b.deps);
    const template = await addTemplate(database.db, 'Liveness', 2);
    const onOld = await addInquiry(database.db, template, { status: 'pending', version: 1, createdAt: ago(HOUR), expiresAt: ahead(20 * HOUR) });
    const seen = await outdatedIds(b.deps);
    expect(seen).toContain(onOld);
    expect(b.reads.count).toBeGreaterThan(cachedReads);

    // It listens again (with a new connection), caches again, and is told of the next change.
    await until(() => b.catalog.listening(), 10_000);
    expect(pools[1]!.notifications.backendPid()).not.toBe(pid);
    await outdatedIds(b.deps);
    const again = b.reads.count;
    await outdatedIds(b.deps);
    expect(b.reads.count).toBe(again);
    await publish(a.deps, template.id);
    await until(async () => (await outdatedIds(b.deps)).filter((id) => id === inquiry || id === onOld).length === 2, 2_000);
    a.catalog.close();
    b.catalog.close();
  });
});
