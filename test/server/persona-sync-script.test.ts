import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDataDir, DataDirHeldError, LOCK_FILE } from '../../server/db/data-dir-lock.js';
import { createFakePersona, type FakePersona } from '../fakes/persona/index.js';
import { runScript, type Exit } from '../helpers/scripts.js';

/**
 * `npm run sync:persona` as an operator meets it: it refuses, with one line, to open an embedded database that a
 * running server holds (PGlite locks nothing itself: the server's lock file in DATA_DIR says who has it), takes over
 * a lock its process left behind, and otherwise syncs, printing plain progress lines when not on a terminal.
 */
const SCRIPT = 'server/scripts/sync-persona.ts';


function run(env: Record<string, string>, args: string[] = []): Promise<Exit> {
  return runScript(SCRIPT, args, { NODE_ENV: 'test', DATABASE_URL: '', ...env });
}

/** A pid that was a process a moment ago and is no more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const writeLock = (dir: string, pid: number, role: 'server' | 'sync') => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, role, hostname: os.hostname(), startedAt: new Date().toISOString() }));
};

describe('npm run sync:persona', () => {
  let fake: FakePersona;
  let tmp: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await createFakePersona();
    fake.addTemplate('itmpl_script');
    fake.seedMany(12, { templateId: 'itmpl_script' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-persona-'));
    env = { INQUIRY_PROVIDER: 'persona', PERSONA_API_URL: fake.url, PERSONA_API_KEY: fake.apiKey, PERSONA_WEBHOOK_SECRETS: 'wbhsec_script_test_secret' };
  });
  afterAll(async () => {
    await fake?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses with one line when the provider is local', { timeout: 60_000 }, async () => {
    const result = await run({ DATA_DIR: path.join(tmp, 'local') });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Nothing to sync: the provider is local (INQUIRY_PROVIDER=local). Set INQUIRY_PROVIDER=persona and the PERSONA_* settings (docs/persona.md).');
    expect(fs.existsSync(path.join(tmp, 'local'))).toBe(false); // nothing was opened
  });

  it('refuses with one line to open an embedded database a running server holds, and leaves it alone', { timeout: 60_000 }, async () => {
    const dir = path.join(tmp, 'held');
    writeLock(dir, process.pid, 'server'); // this test's own process stands in for the running server
    const result = await run({ ...env, DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `The embedded database in ${dir} is held by a running server (pid ${process.pid}): start the sync from the console (Persona sync, as an admin), or stop the server first.`,
    );
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]); // the database was not opened
    expect(fake.requests).toHaveLength(0);
  });

  it('takes over a lock whose process is gone, syncs, prints a line per page, and lets go', { timeout: 120_000 }, async () => {
    const dir = path.join(tmp, 'stale');
    writeLock(dir, deadPid(), 'server');
    const result = await run({ ...env, DATA_DIR: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Persona sync psync_\w+: from the newest inquiry$/);
    expect(lines).toContainEqual(expect.stringMatching(/^Persona sync psync_\w+: 12 inquiries, 0 sessions, 1 page, /));
    expect(lines.at(-1)).toBe('Persona sync done: 12 inquiries and 0 sessions in 1 page.');
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);

    // Again: a whole walk was made, so a new one starts from the newest.
    const again = await run({ ...env, DATA_DIR: dir }, ['--fresh']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('Persona sync done: 12 inquiries and 0 sessions in 1 page.');
  });

  it('answers a usage mistake with the usage', { timeout: 60_000 }, async () => {
    const result = await run({ ...env, DATA_DIR: path.join(tmp, 'usage') }, ['--since', 'yesterday']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--since yesterday: not a date like 2025-01-31\nUsage: npm run sync:persona/);
  });
});

describe('the embedded database’s lock file', () => {
  it('keeps a server from opening a database the sync holds, and is let go of by its holder only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-dir-lock-'));
    try {
      writeLock(dir, deadPid(), 'sync'); // its process is gone: stale
      const release = claimDataDir(dir, 'server');
      expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, role: 'server' });
      release();
      expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);

      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
      try {
        writeLock(dir, child.pid ?? 0, 'sync');
        expect(() => claimDataDir(dir, 'server')).toThrow(DataDirHeldError);
        expect(() => claimDataDir(dir, 'server')).toThrow(
          `The embedded database in ${dir} is held by npm run sync:persona (pid ${child.pid}): wait for the sync to finish (or stop it with Ctrl-C; it resumes later), then start the server.`,
        );
      } finally {
        child.kill();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
