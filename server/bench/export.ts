import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { build } from 'esbuild';
import { sql } from 'kysely';
import pg from 'pg';
import { ensureDemoStaff } from '../auth/bootstrap.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { projectPath } from '../paths.js';
import { auditExportUrl } from '../../shared/exports.js';
import { topUpChain, type BenchResult } from './audit.js';
import { BenchHttpClient } from './http-client.js';
import { SERVER_NODE_FLAGS } from '../../scripts/server-flags.mjs';

/**
 * Exports at a million events (`npm run bench -- --sections export`; docs/audit.md, "Exports"). In a scratch database
 * created on `databaseUrl`'s server (and dropped after), the audit chain is filled to `events` valid events (the audit
 * section's fast top-up: needs a superuser URL), the app server runs in a process of its own (server/bench/list-server.ts,
 * compiled as `npm start` runs it), and a client signed in as the demo compliance officer downloads the whole log:
 *
 *   1. JSONL, uncompressed, with the client reading nothing for the first PAUSE_MS: a server without back-pressure
 *      would buffer everything it reads meanwhile;
 *   2. CSV, gzip-compressed as a browser asks for it, read at full speed.
 *
 * Measured: the server process's resident memory (VmRSS, sampled every 20 ms) above what it was just before the
 * download, against the issue's limit of 100 MB, and the rate (events/s, excluding the pause).
 */

export const EXPORT_RSS_GROWTH_LIMIT_MB = 100;
const PAUSE_MS = 3_000;

/** server/bench/list-server.ts compiled like the production server (as the list section runs it). */
export async function compileBenchServer(): Promise<string> {
  const outfile = projectPath('.bench', 'export-server.mjs');
  await build({
    entryPoints: [projectPath('server', 'bench', 'list-server.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
}

interface Download {
  status: number;
  bytes: number;
  lines: number;
  /** The rows the export's first record announces. */
  rows: number;
  ms: number;
  peakRssKb: number;
}

/** Downloads `path`, counting bytes and lines (decompressed), while sampling the server's RSS. */
function download(baseUrl: string, urlPath: string, headers: Record<string, string>, serverPid: number, pauseMs: number): Promise<Download> {
  return new Promise((resolve, reject) => {
    let peakRssKb = rssKb(serverPid);
    const sampler = setInterval(() => {
      peakRssKb = Math.max(peakRssKb, rssKb(serverPid));
    }, 20);
    const started = performance.now();
    const done = (error: Error | null, result?: Omit<Download, 'peakRssKb'>) => {
      clearInterval(sampler);
      peakRssKb = Math.max(peakRssKb, rssKb(serverPid));
      if (error || !result) reject(error ?? new Error('no result'));
      else resolve({ ...result, peakRssKb });
    };
    const req = http.get(new URL(urlPath, baseUrl), { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => done(new Error(`${urlPath} answered ${status}: ${body.slice(0, 300)}`)));
        return;
      }
      const source: Readable = res.headers['content-encoding'] === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
      let bytes = 0;
      let lines = 0;
      let head = '';
      let paused = pauseMs <= 0;
      source.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.subarray(0, 4096).toString('utf8');
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        if (!paused) {
          paused = true;
          source.pause();
          setTimeout(() => source.resume(), pauseMs);
        }
      });
      source.on('end', () => {
        // JSONL: {"type":"export",…,"rows":N,…}; CSV: "# Inquiry Desk audit log export … | N rows | newest first … | …".
        const rows = Number(/"rows":(\d+)/.exec(head)?.[1] ?? /\| (\d+) rows? \|/.exec(head)?.[1] ?? Number.NaN);
        done(null, { status, bytes, lines, rows, ms: performance.now() - started });
      });
      source.on('error', (error: Error) => done(error));
    });
    req.on('error', (error) => done(error));
  });
}

const mb = (bytes: number | undefined) => `${Math.round((bytes ?? Number.NaN) / 2 ** 20)} MB`;

/** The server's own account of its memory (list-server.ts answers 'memory'), or null when it does not answer. */
function memoryOf(child: ReturnType<typeof fork>): Promise<Record<string, number> | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 2000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve((message as { memory?: Record<string, number> }).memory ?? null);
    });
    child.send('memory');
  });
}

export async function runExportBench(
  databaseUrl: string,
  options: { events?: number; serverFile?: string; log?: (line: string) => void } = {},
): Promise<BenchResult[]> {
  const events = options.events ?? 1_000_000;
  const log = options.log ?? (() => undefined);
  const config = loadConfig();
  const password = config.demoPassword ?? 'bench-demo-password';

  const name = `inqdesk_bench_export_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  const direct = new pg.Client({ connectionString: url.toString() });
  let child: ReturnType<typeof fork> | null = null;
  try {
    await migrate(database);
    await direct.connect();
    const now = new Date();
    await ensureDemoStaff(database.db, password, now);
    log(`filling the audit chain to ${events.toLocaleString('en-US')} events…`);
    const fillStarted = performance.now();
    await topUpChain(database, direct, events);
    await sql`vacuum analyze audit_events`.execute(database.db);
    log(`  filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const serverFile = options.serverFile ?? (await compileBenchServer());
    child = fork(serverFile, [], {
      execArgv: [...SERVER_NODE_FLAGS],
      env: { ...process.env, DATABASE_URL: url.toString(), BENCH_WORLD_NOW: now.toISOString() },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const server = child;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('message', (message) => resolve((message as { port: number }).port));
      server.once('exit', (code) => reject(new Error(`the bench server (server/bench/list-server.ts) exited with ${String(code)}`)));
    });
    const pid = server.pid ?? 0;
    const baseUrl = `http://127.0.0.1:${port}`;
    const client = new BenchHttpClient(baseUrl);
    await client.signIn('compliance@demo.test', password, new URL(config.publicUrl).origin);
    client.close();
    const headers = (encoding: string) => ({ ...client.headers, 'sec-fetch-site': 'same-origin', 'accept-encoding': encoding });

    // Warm the export's code paths on a small search first.
    await download(baseUrl, auditExportUrl('jsonl', 'ticket:SUP-10005'), headers('identity'), pid, 0);

    const results: BenchResult[] = [];
    const runs = [
      { label: 'JSONL, uncompressed, client paused 3 s at the start', path: auditExportUrl('jsonl', ''), encoding: 'identity', pause: PAUSE_MS, extraLines: 1 },
      { label: 'CSV, gzip', path: auditExportUrl('csv', ''), encoding: 'gzip', pause: 0, extraLines: 2 },
    ];
    for (const run of runs) {
      const memoryBefore = await memoryOf(server);
      const before = rssKb(pid);
      const answer = await download(baseUrl, run.path, headers(run.encoding), pid, run.pause);
      const growthMb = (answer.peakRssKb - before) / 1024;
      const seconds = (answer.ms - run.pause) / 1000;
      // The chain holds a few more events than were filled in: the demo staff's creation, the sign-in, earlier exports.
      const expected = answer.rows + run.extraLines;
      const memory = await memoryOf(server);
      log(
        `  ${run.label}: ${answer.lines.toLocaleString('en-US')} lines, ${(answer.bytes / 2 ** 20).toFixed(0)} MB in ${(answer.ms / 1000).toFixed(1)} s; ` +
          `server RSS ${Math.round(before / 1024)} → peak ${Math.round(answer.peakRssKb / 1024)} MB` +
          (memory && memoryBefore
            ? ` (V8 heap ${mb(memoryBefore.heapTotal)} → ${mb(memory.heapTotal)}, of which new space ${mb(memoryBefore.new_space)} → ${mb(memory.new_space)}` +
              `, old space ${mb(memoryBefore.old_space)} → ${mb(memory.old_space)}, large objects ${mb(memoryBefore.large_object_space)} → ${mb(memory.large_object_space)}` +
              `; external ${mb(memoryBefore.external)} → ${mb(memory.external)})`
            : '') +
          `; load ${os.loadavg()[0]?.toFixed(1)}`,
      );
      results.push(
        {
          name: `export ${events.toLocaleString('en-US')} events (${run.label}): server RSS growth`,
          value: Math.round(growthMb),
          unit: 'MB',
          target: `<= ${EXPORT_RSS_GROWTH_LIMIT_MB}`,
          pass: growthMb <= EXPORT_RSS_GROWTH_LIMIT_MB,
        },
        {
          name: `export ${events.toLocaleString('en-US')} events (${run.label}): rate`,
          value: Math.round(events / seconds),
          unit: 'events/s',
          target: `every event (${expected.toLocaleString('en-US')} lines)`,
          pass: answer.rows >= events && answer.lines === expected,
        },
      );
    }
    return results;
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    await direct.end().catch(() => undefined);
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

// Standalone: `npx tsx server/bench/export.ts [admin database url] [events]`; default DATABASE_URL, else the local server.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const url = process.argv[2] ?? loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const events = process.argv[3] ? Number(process.argv[3]) : undefined;
  const results = await runExportBench(url, { log: (line) => console.log(line), ...(events ? { events } : {}) });
  console.table(results.map((r) => ({ metric: r.name, value: r.value, unit: r.unit, target: r.target, result: r.pass ? 'PASS' : 'FAIL' })));
  if (results.some((r) => !r.pass)) process.exitCode = 1;
}
