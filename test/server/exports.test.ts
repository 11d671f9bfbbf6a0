import { createServer } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../server/auth/principal.js';
import { canonicalEventBody, chainHash } from '../../server/audit/canonical.js';
import { readEventLine, type ExportHeader } from '../../server/audit/export-lines.js';
import { verifyExportLines } from '../../server/audit/export-verify.js';
import { createContextInner } from '../../server/context.js';
import { appRouter } from '../../server/routers/_app.js';
import { exportRoutes, exportSlots } from '../../server/routers/exports.js';
import { appendAuditEvent, type AuditEventInput } from '../../server/services/audit.js';
import { startAccessExport, startAuditExport } from '../../server/services/exports.js';
import { createCallerFactory } from '../../server/trpc.js';
import type { AuditListInput } from '../../shared/audit-list.js';
import { accessExportUrl, auditExportUrl, NO_PII_IN_EXPORTS } from '../../shared/exports.js';
import type { Role } from '../../shared/permissions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, createStaffAccount, signIn, startApp, type RunningApp } from '../helpers/auth.js';
import { addInquiry, addTemplate, ago, ahead, DAY, HOUR } from './fixtures.js';

/**
 * Exports of the audit log and the access report (docs/audit.md, "Exports"): exactly the rows the pages show for the
 * same filter, newest first, after a first record naming the filter, who exported and when; audited before the first
 * byte; refused to roles without audit:export and to requests another site starts; and a JSONL export verifies
 * offline, with every tampered event found at its seq.
 */

const createCaller = createCallerFactory(appRouter);
const START = Date.parse('2026-06-01T00:00:00.000Z');

type Person = 'supportA' | 'supportB' | 'compliance' | 'manager' | 'admin' | 'viewer';

/** A JSONL export's lines, parsed. */
function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** RFC 4180 (with LF line ends), as a spreadsheet reads it: records of fields, quotes doubled inside quoted fields. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

describe.each(testEngines())('exports on %s', (engine) => {
  let database: TestDatabase;
  let app: RunningApp;
  const people = {} as Record<Person, StaffPrincipal & { cookie: string }>;

  const callerAs = (who: StaffPrincipal) => createCaller(createContextInner(app.deps, { requestId: 'req-test', ip: '198.51.100.4', userAgent: 'vitest', staff: who }));

  async function download(path: string, who: Person | null, headers: Record<string, string> = {}) {
    const response = await fetch(`${app.baseUrl}${path}`, {
      headers: { 'sec-fetch-site': 'same-origin', ...(who ? { cookie: people[who].cookie } : {}), ...headers },
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Every seq audit.list shows for a search, following its cursors. */
  async function listed(who: StaffPrincipal, input: AuditListInput): Promise<number[]> {
    const caller = callerAs(who);
    let page = await caller.audit.list({ ...input, limit: 100 });
    const seqs = page.items.map((i) => i.seq);
    while (page.nextCursor) {
      page = await caller.audit.list({ ...input, limit: 100, cursor: page.nextCursor });
      seqs.push(...page.items.map((i) => i.seq));
    }
    return seqs;
  }

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    // With its URL, as a server runs: on PostgreSQL the audit export is one COPY on a connection of its own.
    app = await startApp(database, database.url ? { DATABASE_URL: database.url } : {});
    const roles: Record<Person, Role> = { supportA: 'support', supportB: 'support', compliance: 'compliance', manager: 'manager', admin: 'admin', viewer: 'viewer' };
    for (const [name, role] of Object.entries(roles) as Array<[Person, Role]>) {
      const account = await createStaffAccount(database.db, { role, email: `${name.toLowerCase()}@export.test` });
      people[name] = { id: account.id, email: account.email, displayName: name, role, cookie: await signIn(app, account.email, account.password) };
    }
    const staff = (p: StaffPrincipal) => ({ type: 'staff' as const, id: p.id, display: p.email });
    const events: AuditEventInput[] = [];
    for (let i = 0; i < 30; i++) {
      const at = new Date(START + i * 3 * HOUR);
      const agent = i % 3 === 0 ? people.supportB : people.supportA;
      const request = { ip: `203.0.113.${i}`, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0 — ünïcode', requestId: `req-${i}` };
      switch (i % 5) {
        case 0:
          events.push({ actor: staff(agent), action: 'link.created', target: { type: 'inquiry', id: `inq_n${i % 4}` }, reason: `Customer asked, "again" ${i}`, ticket: `SUP-${i}`, metadata: { linkId: `lnk_l${i}`, kind: 'token_link' }, request, occurredAt: at });
          break;
        case 1:
          // A spreadsheet would run this as a formula; and a reason over two lines.
          events.push({ actor: staff(agent), action: 'link.revoked', target: { type: 'link', id: `lnk_l${i - 1}` }, reason: `=HYPERLINK("http://example.invalid")\nsecond line`, metadata: { inquiryId: `inq_n${(i - 1) % 4}` }, request, occurredAt: at });
          break;
        case 2:
          // Keys a JS object would reorder (integer-like) and nested values: the canonical form must still match.
          events.push({ actor: staff(people.manager), action: 'policy.updated', target: { type: 'template', id: 'itmpl_T1' }, reason: 'Quarterly review', metadata: { before: { afterCreateMinutes: 1440, '10': 'x', '2': 'y' }, after: { afterCreateMinutes: 2880 }, list: [1, 'two', null] }, request, occurredAt: at });
          break;
        case 3:
          events.push({ actor: staff(agent), action: 'inquiry.resumed', target: { type: 'inquiry', id: `inq_n${i % 4}` }, reason: 'Lost the session', ticket: 'SUP 7 "quoted"', metadata: { sessionId: `iqse_${i}` }, request, occurredAt: at });
          break;
        default:
          events.push({ actor: { type: 'system', id: 'inquiry-desk', display: 'Inquiry Desk' }, action: 'session.expired', target: { type: 'inquiry', id: `inq_n${i % 4}` }, metadata: { count: 1 }, occurredAt: at });
      }
    }
    for (const event of events) await database.db.transaction().execute((trx) => appendAuditEvent(trx, event));
  }, 120_000);

  // Recorded reads of the log are bounded per person and minute (services/audit-reads.ts): each test starts a new minute.
  beforeEach(() => {
    app?.advance(61_000);
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('streams one export per person and a few per server at once; past that, a 429 that says why, before anything is read or audited', async () => {
    const slots = exportSlots(2, 1);
    const server = createServer(express().use(exportRoutes(app.deps, slots)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (who: Person) => {
      const response = await fetch(`${base}${auditExportUrl('jsonl', '')}`, { headers: { 'sec-fetch-site': 'same-origin', cookie: people[who].cookie } });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() };
    };
    const exported = async () => (await auditEvents(database.db, { action: 'audit.exported' })).length;
    try {
      const before = await exported();
      // Compliance's previous export is still downloading.
      const held = slots.take(people.compliance.id);
      const mine = await get('compliance');
      expect(mine).toMatchObject({ status: 429, retryAfter: '5' });
      expect(mine.text).toMatch(/Your previous export is still downloading/);
      // Someone else's fills the server.
      const other = slots.take(people.supportA.id);
      const full = await get('admin');
      expect(full).toMatchObject({ status: 429, retryAfter: '60' });
      expect(full.text).toMatch(/as many exports as it allows at once/);
      // Someone without the permission is refused for that (and it is recorded), full or not.
      expect((await get('viewer')).status).toBe(403);
      expect(await exported()).toBe(before);
      for (const slot of [held, other]) if ('release' in slot) slot.release();
      expect((await get('compliance')).status).toBe(200);
      expect(await exported()).toBe(before + 1);
      // The download over, its slot is free again.
      const again = slots.take(people.compliance.id);
      expect('release' in again).toBe(true);
      if ('release' in again) again.release();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a download abandoned before it starts streaming gives its slot back', async () => {
    const slots = exportSlots(1, 1);
    const server = createServer(express().use(exportRoutes(app.deps, slots)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(`GET ${auditExportUrl('jsonl', '')} HTTP/1.1\r\nHost: 127.0.0.1\r\nSec-Fetch-Site: same-origin\r\nCookie: ${people.compliance.cookie}\r\n\r\n`);
      // Gone while the export is being set up (counted, audited), before its first byte.
      await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
      let status = 0;
      for (let i = 0; i < 30 && status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const response = await fetch(`http://127.0.0.1:${port}${auditExportUrl('jsonl', '')}`, { headers: { 'sec-fetch-site': 'same-origin', cookie: people.compliance.cookie } });
        status = response.status;
        await response.text();
      }
      expect(status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('the audit log', () => {
    it.each([
      ['everything', ''],
      ['a family', 'action:link.*'],
      ['an agent by email', 'actor:supporta@export.test'],
      ['an inquiry (its links’ events included)', 'inquiry:inq_n1'],
      ['a quoted ticket', 'ticket:"SUP 7 \\"quoted\\""'],
      ['a period (walked by time)', 'after:2026-06-02 before:2026-06-04T06:00Z'],
      ['nothing matches', 'actor:nobody@export.test'],
    ])('%s: exactly the events audit.list shows, newest first, after the first record', async (_name, q) => {
      const answer = await download(auditExportUrl('jsonl', q), 'compliance');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-log-[0-9TZ-]+\.jsonl"$/);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const [first, ...lines] = jsonLines(answer.text);
      const header = first as unknown as ExportHeader;
      expect(header).toMatchObject({
        type: 'export',
        report: 'audit',
        format: 'jsonl',
        exportedBy: { id: people.compliance.id, email: people.compliance.email, role: 'compliance' },
        exportedAt: app.deps.now().toISOString(),
        scope: 'all',
        rows: lines.length,
        pii: 'none',
      });
      expect(header.exportId).toBe(answer.headers.get('x-export-id'));
      // The page's own reading of the search, and its events up to the export's head.
      const page = await callerAs(people.compliance).audit.list({ q, limit: 1 });
      expect(header.query).toBe(page.query);
      expect(header.filter).toEqual(page.filter);
      const seqs = lines.map((line) => line.seq as number);
      expect(seqs).toEqual((await listed(people.compliance, { q })).filter((seq) => seq <= (header.upToSeq ?? 0)));
      if (q !== 'actor:nobody@export.test') expect(seqs.length).toBeGreaterThan(0);
    });

    it('streams in keyset batches without missing or repeating an event (batches of 4, by seq and by time)', async () => {
      const ctx = { ...createContextInner(app.deps, { requestId: 'req-batches', ip: null, userAgent: null, staff: people.admin }), staff: people.admin };
      for (const q of ['', 'after:2026-06-01T05:00Z before:2026-06-03', 'action:link.*']) {
        const started = await startAuditExport(ctx, 'jsonl', new URLSearchParams(q ? { q } : {}), { batchSize: 4 });
        let text = started.preamble;
        for await (const chunk of started.chunks) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        const [, ...lines] = jsonLines(text);
        expect(lines.length, q).toBe(started.header.rows);
        expect(lines.map((l) => l.seq), q).toEqual((await listed(people.admin, { q })).filter((seq) => seq <= (started.header.upToSeq ?? 0)));
        expect(lines.length).toBeGreaterThan(8);
      }
    });

    it('the same bytes whichever way the engine reads them (COPY on PostgreSQL, keyset batches on both)', async () => {
      const ctx = { ...createContextInner(app.deps, { requestId: 'req-methods', ip: null, userAgent: null, staff: people.admin }), staff: people.admin };
      const text = async (method: 'copy' | 'keyset', format: 'csv' | 'jsonl', q: string) => {
        const started = await startAuditExport(ctx, format, new URLSearchParams(q ? { q } : {}), { method, batchSize: 7 });
        let out = '';
        for await (const chunk of started.chunks) out += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        return { out, upToSeq: started.header.upToSeq ?? 0 };
      };
      for (const format of ['csv', 'jsonl'] as const) {
        for (const q of ['', 'after:2026-06-01T05:00Z before:2026-06-03', 'action:link.*']) {
          const copy = await text('copy', format, q);
          const keyset = await text('keyset', format, q);
          // Bounded by the head each export saw: the later one's own event is not compared.
          const upTo = (out: string, head: number) =>
            out.split('\n').filter((line) => {
              const seq = Number(format === 'jsonl' ? /"seq":(\d+)/.exec(line)?.[1] : /^(\d+),/.exec(line)?.[1]);
              return Number.isNaN(seq) || seq <= head;
            });
          expect(upTo(keyset.out, copy.upToSeq), `${format} ${q}`).toEqual(upTo(copy.out, copy.upToSeq));
          expect(copy.out.length).toBeGreaterThan(1000);
        }
      }
    });

    it('takes the search field by field too, read by the same parser', async () => {
      const byFields = await download(`/api/audit/export.jsonl?action=link.created&hasTicket=true&before=2026-06-03`, 'admin');
      expect(byFields.status).toBe(200);
      const [header, ...lines] = jsonLines(byFields.text);
      expect(header?.query).toBe('action:link.created has:ticket before:2026-06-03');
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => l.action === 'link.created' && l.ticket !== null)).toBe(true);
      const disagree = await download(`/api/audit/export.jsonl?q=action:link.created&action=link.revoked`, 'admin');
      expect(disagree.status).toBe(400);
      expect(disagree.text).toMatch(/action: given twice .*the search text and the filters disagree/);
    });

    it('CSV: a first record in words, the column names, then one record per event that a spreadsheet reads back', async () => {
      const answer = await download(auditExportUrl('csv', 'action:link.revoked'), 'compliance');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      // The first line is a comment-like record a reader can skip: unquoted, since its own words hold no comma.
      expect(answer.text.startsWith('# Inquiry Desk audit log export exp_')).toBe(true);
      const [first, columns, ...records] = csvRecords(answer.text);
      expect(first).toHaveLength(1);
      expect(first?.[0]).toMatch(
        new RegExp(`^# Inquiry Desk audit log export exp_\\w+ \\| exported ${app.deps.now().toISOString().replace(/\./g, '\\.')} by compliance@export\\.test \\(compliance; stf_\\w+\\) \\| search: action:link\\.revoked \\| scope: all \\| events up to seq \\d+ \\| ${records.length} rows \\| newest first \\(seq descending\\) \\| prefilled PII: none$`),
      );
      expect(columns).toEqual(['seq', 'occurred_at', 'actor_type', 'actor_id', 'actor_display', 'action', 'target_type', 'target_id', 'inquiry_id', 'reason', 'ticket', 'ip', 'user_agent', 'request_id', 'metadata', 'prev_hash', 'hash']);
      expect(records.length).toBe(6);
      const row = Object.fromEntries((columns ?? []).map((name, i) => [name, records[0]?.[i]]));
      const stored = (await auditEvents(database.db, { action: 'link.revoked' })).at(-1);
      expect(row).toMatchObject({
        seq: String(stored?.seq),
        actor_display: 'supporta@export.test',
        action: 'link.revoked',
        target_type: 'link',
        inquiry_id: 'inq_n1', // the newest link.revoked: link lnk_l25 of inq_n1
        // Shown as text, not run: the leading apostrophe (the JSONL keeps the value as it is).
        reason: `'=HYPERLINK("http://example.invalid")\nsecond line`,
        ticket: '',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0 — ünïcode',
      });
      expect(JSON.parse(row.metadata ?? '')).toEqual({ inquiryId: 'inq_n1' });

      // Every text cell of every event reads back as stored (a formula's apostrophe aside), whatever it holds.
      const all = csvRecords((await download(auditExportUrl('csv', ''), 'compliance')).text).slice(2);
      const stored2 = await database.db.selectFrom('audit_events').selectAll().execute();
      const bySeq = new Map(stored2.map((e) => [Number(e.seq), e]));
      const shown = (v: string | null) => (v === null ? '' : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      expect(all.length).toBeGreaterThan(30);
      for (const record of all) {
        const event = bySeq.get(Number(record[0]));
        expect(record.length).toBe(17);
        expect([record[2], record[3], record[4], record[5], record[9], record[10], record[11], record[12], record[13], record[15], record[16]]).toEqual(
          [event?.actor_type, event?.actor_id, event?.actor_display, event?.action, event?.reason, event?.ticket, event?.ip, event?.user_agent, event?.request_id, event?.prev_hash, event?.hash].map((v) => shown(v ?? null)),
        );
        expect(record[1]).toBe(event?.occurred_at.toISOString());
        expect(JSON.parse(record[14] ?? '')).toEqual(event?.metadata);
      }
    });

    it('is audited before the first byte: who, which search and format, the head, the row count, no PII', async () => {
      const answer = await download(auditExportUrl('jsonl', 'action:policy.*'), 'admin');
      const header = jsonLines(answer.text)[0] as unknown as ExportHeader;
      const event = (await auditEvents(database.db, { action: 'audit.exported' })).find((e) => e.metadata.exportId === header.exportId);
      expect(event).toMatchObject({
        actor_type: 'staff',
        actor_id: people.admin.id,
        actor_display: people.admin.email,
        target_type: null,
        ip: '127.0.0.1',
        metadata: { report: 'audit', format: 'jsonl', query: 'action:policy.*', filter: { action: 'policy.*' }, scope: 'all', upToSeq: header.upToSeq, rows: header.rows, pii: 'none' },
      });
      // The export holds the log as it stood: not its own event.
      expect(Number(event?.seq)).toBeGreaterThan(header.upToSeq ?? Infinity);
    });

    it('an export cut off midway still leaves its event', async () => {
      const before = (await auditEvents(database.db, { action: 'audit.exported' })).length;
      const controller = new AbortController();
      const response = await fetch(`${app.baseUrl}${auditExportUrl('jsonl', '')}`, { headers: { cookie: people.compliance.cookie }, signal: controller.signal });
      expect(response.status).toBe(200);
      controller.abort();
      await response.text().catch(() => undefined);
      expect((await auditEvents(database.db, { action: 'audit.exported' })).length).toBe(before + 1);
    });

    it.each([['supportA'], ['manager'], ['viewer']] as const)('%s cannot export: 403, the refusal recorded, nothing exported', async (who) => {
      const exported = (await auditEvents(database.db, { action: 'audit.exported' })).length;
      for (const format of ['csv', 'jsonl'] as const) {
        const answer = await download(auditExportUrl(format, ''), who);
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.text)).toEqual({ errors: [{ title: `Your role (${people[who].role}) does not have the permission 'audit:export'.` }] });
      }
      expect((await auditEvents(database.db, { action: 'audit.exported' })).length).toBe(exported);
      const denied = (await auditEvents(database.db, { action: 'access.denied' })).filter((e) => e.actor_id === people[who].id);
      expect(denied.at(-1)?.metadata).toMatchObject({ procedure: 'audit.export', permission: 'audit:export', refusal: 'missing_permission' });
    });

    it('anonymous: 401; started by another site: 403 before anything is read or recorded', async () => {
      const exported = (await auditEvents(database.db, { action: 'audit.exported' })).length;
      expect((await download(auditExportUrl('csv', ''), null)).status).toBe(401);
      for (const site of ['cross-site', 'same-site']) {
        const answer = await download(auditExportUrl('jsonl', ''), 'compliance', { 'sec-fetch-site': site });
        expect(answer.status, site).toBe(403);
        expect(answer.text).toMatch(/an export is started from the Inquiry Desk console/);
      }
      // Typed into the address bar or opened from a bookmark: Sec-Fetch-Site: none.
      expect((await download(auditExportUrl('jsonl', 'action:link.*'), 'compliance', { 'sec-fetch-site': 'none' })).status).toBe(200);
      expect((await auditEvents(database.db, { action: 'audit.exported' })).length).toBe(exported + 1);
    });

    it('says what is wrong with a filter it does not understand (400), and never holds PII to reveal', async () => {
      const cases: Array<[string, RegExp | string]> = [
        ['/api/audit/export.csv?q=colour:red', /unknown key "colour:"/],
        ['/api/audit/export.csv?colour=red', /colour: not a filter of this export — use q, actor, action/],
        ['/api/audit/export.csv?q=a&q=b', /q: given twice/],
        ['/api/audit/export.jsonl?hasTicket=maybe', /hasTicket: expected true or false/],
        ['/api/audit/export.jsonl?pii=1', NO_PII_IN_EXPORTS],
        ['/api/access/export.csv?pii=1', NO_PII_IN_EXPORTS],
        ['/api/access/export.csv?kind=token', /kind/],
      ];
      for (const [path, message] of cases) {
        const answer = await download(path, 'compliance');
        expect(answer.status, path).toBe(400);
        const title = (JSON.parse(answer.text) as { errors: Array<{ title: string }> }).errors[0]?.title ?? '';
        if (typeof message === 'string') expect(title).toBe(message);
        else expect(title).toMatch(message);
      }
      const head = await fetch(`${app.baseUrl}${auditExportUrl('csv', '')}`, { method: 'HEAD', headers: { cookie: people.compliance.cookie } });
      expect(head.status).toBe(405);
    });

    it('verifies offline: intact as exported; an edited event is found at its seq, re-hashed or not', async () => {
      const answer = await download(auditExportUrl('jsonl', ''), 'compliance');
      // Compressed on the wire when the client accepts it, as browsers do (fetch decompresses it here).
      expect(answer.headers.get('content-encoding')).toBe('gzip');
      const lines = answer.text.split('\n').filter(Boolean);
      const intact = await verifyExportLines(lines);
      expect(intact).toMatchObject({ ok: true, firstBrokenSeq: null, problemCount: 0, gapCount: 0 });
      expect(intact.proven).toEqual([{ from: 1, to: intact.highestSeq }]);

      const target = lines.findIndex((line) => (JSON.parse(line) as { action?: string }).action === 'policy.updated');
      const original = JSON.parse(lines[target] ?? '') as Record<string, unknown>;
      const seq = original.seq as number;
      const edited = (change: Record<string, unknown>, rehash: boolean) => {
        const copy = [...lines];
        const value = { ...original, ...change };
        if (rehash) {
          const read = readEventLine(value);
          if (typeof read === 'string') throw new Error(read);
          value.hash = chainHash(read.prevHash, read.seq, canonicalEventBody(read.event));
        }
        copy[target] = JSON.stringify(value);
        return copy;
      };
      for (const change of [{ reason: 'Nothing to see here' }, { metadata: { ...(original.metadata as object), after: { afterCreateMinutes: 99999 } } }, { occurred_at: '2026-06-01T00:00:00.001Z' }]) {
        const plain = await verifyExportLines(edited(change, false));
        expect(plain.ok).toBe(false);
        expect(plain.firstBrokenSeq).toBe(seq);
        expect(plain.problems[0]).toMatchObject({ kind: 'hash_mismatch', seq });
        // Re-hashed to look whole: the link to the next event gives it away, at the same seq.
        const rehashed = await verifyExportLines(edited(change, true));
        expect(rehashed.firstBrokenSeq).toBe(seq);
        expect(rehashed.problems[0]).toMatchObject({ kind: 'link_broken', seq });
        expect(rehashed.proven).toEqual([
          { from: 1, to: seq - 1 },
          { from: seq + 1, to: intact.highestSeq },
        ]);
      }
    });

    it('a filtered export proves each run of consecutive events, and says the gaps are unproven', async () => {
      const answer = await download(auditExportUrl('jsonl', 'action:link.*'), 'compliance');
      const lines = answer.text.split('\n').filter(Boolean);
      const seqs = lines.slice(1).map((line) => (JSON.parse(line) as { seq: number }).seq).sort((a, b) => a - b);
      const runs: Array<{ from: number; to: number }> = [];
      for (const seq of seqs) {
        const last = runs.at(-1);
        if (last && last.to + 1 === seq) last.to = seq;
        else runs.push({ from: seq, to: seq });
      }
      const result = await verifyExportLines(lines);
      expect(result.ok).toBe(true);
      expect(result.proven).toEqual(runs);
      expect(runs.some((r) => r.to > r.from)).toBe(true); // a link.created followed by its link.revoked: a run of two
      expect(result.gapCount).toBe(runs.length - 1);
      expect(result.missingEvents).toBe((seqs.at(-1) ?? 0) - (seqs[0] ?? 0) + 1 - seqs.length);
    });
  });

  describe('the access report', () => {
    let inquiries: string[];

    beforeAll(async () => {
      const kyc = await addTemplate(database.db, 'KYC', 2);
      inquiries = [];
      for (let i = 0; i < 5; i++) inquiries.push(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(DAY) }));
      let n = 0;
      for (const [who, id] of [['supportA', inquiries[0]], ['supportB', inquiries[1]], ['supportA', inquiries[2]], ['admin', inquiries[3]], ['supportA', inquiries[4]]] as const) {
        await callerAs(people[who]).inquiries.resume({ id: id ?? '', reason: `Customer lost the tab, ${++n}`, idempotencyKey: `export-resume-${engine}-${n}` });
      }
      await callerAs(people.admin).links.createOneTime({ inquiryId: inquiries[0] ?? '', reason: 'Send a fresh link', idempotencyKey: `export-link-${engine}` });
    });

    it('exactly the rows access.list shows for the same filters, after the first record', async () => {
      for (const filter of [{}, { issuer: people.supportA.email }, { kind: ['one_time_link' as const] }, { state: ['live' as const], issuedAfter: ago(2 * DAY) }]) {
        const answer = await download(accessExportUrl('jsonl', filter), 'compliance');
        expect(answer.status).toBe(200);
        const [header, ...rows] = jsonLines(answer.text);
        expect(header).toMatchObject({ type: 'export', report: 'access', format: 'jsonl', scope: 'all', rows: rows.length, pii: 'none', exportedBy: { email: people.compliance.email } });
        const listed = await callerAs(people.compliance).access.list({ ...filter, limit: 100 });
        expect(rows.map((r) => r.id)).toEqual(listed.items.map((r) => r.id));
        expect(rows.length).toBeGreaterThan(0);
        expect(rows[0]).toMatchObject({ type: 'access', kind: listed.items[0]?.kind, inquiryId: listed.items[0]?.inquiryId, state: listed.items[0]?.state });
      }
    });

    it('CSV with its first record, streamed across batches; audited as audit.exported', async () => {
      const answer = await download(accessExportUrl('csv', { issuer: people.supportA.email }), 'admin');
      expect(answer.status).toBe(200);
      const [first, columns, ...records] = csvRecords(answer.text);
      expect(first?.[0]).toMatch(/^# Inquiry Desk access report export exp_\w+ \| exported .* by admin@export\.test .*\| filter: issuer=supporta@export\.test \| scope: all \| states as of .* \| 3 rows \| newest first/);
      expect(columns?.slice(0, 4)).toEqual(['id', 'kind', 'inquiry_id', 'issued_by']);
      expect(records).toHaveLength(3);
      expect(records.every((r) => r[1] === 'console_resume' && r[3] === people.supportA.email)).toBe(true);
      const event = (await auditEvents(database.db, { action: 'audit.exported' })).at(-1);
      expect(event).toMatchObject({ actor_id: people.admin.id, metadata: { report: 'access', format: 'csv', filter: { issuer: people.supportA.email }, rows: 3, scope: 'all', pii: 'none' } });

      const ctx = { ...createContextInner(app.deps, { requestId: 'req-batches', ip: null, userAgent: null, staff: people.admin }), staff: people.admin };
      const started = await startAccessExport(ctx, 'jsonl', new URLSearchParams(), { batchSize: 2 });
      let text = '';
      for await (const chunk of started.chunks) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const all = await callerAs(people.admin).access.list({ limit: 100 });
      expect(jsonLines(text).map((r) => r.id)).toEqual(all.items.map((r) => r.id));
    });

    it('support (who reads only what they issued) and manager cannot export it', async () => {
      for (const who of ['supportA', 'manager', 'viewer'] as const) {
        const answer = await download(accessExportUrl('csv', {}), who);
        expect(answer.status, who).toBe(403);
        const denied = (await auditEvents(database.db, { action: 'access.denied' })).filter((e) => e.actor_id === people[who].id);
        expect(denied.some((e) => e.metadata.procedure === 'access.export')).toBe(true);
      }
    });
  });
});
