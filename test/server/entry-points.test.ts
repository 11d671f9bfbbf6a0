import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { ROOT, runScript, type Exit } from '../helpers/scripts.js';

/**
 * Configuration as an operator meets it (issue 13): an empty variable means unset, and a bad one stops `npm start`
 * and every npm script with one line naming it — no stack trace, exit code 1. Each spawn costs seconds, so the
 * processes are few and the rules themselves are checked in-process first.
 */

const run = runScript;

/** The one line loadConfig refuses `env` with. */
function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the configuration rules', () => {
  it('reads an empty or blank variable as unset: the default, or nothing', () => {
    const config = loadConfig({ DATABASE_URL: '', DATABASE_POOL_SIZE: '', PORT: '', DATA_DIR: ' ', PUBLIC_URL: '', SMTP_URL: '', SESSION_TOKEN_SECRET: '', DEMO_PASSWORD: '', ADMIN_EMAIL: '' });
    expect(config).toMatchObject({ databaseUrl: undefined, databasePoolSize: 10, port: 3000, dataDir: path.resolve('.data'), publicUrl: 'http://localhost:3000', demoPassword: undefined });
    expect(config.auth.adminEmail).toBeUndefined();
    expect(config.mail.smtpUrl).toBeNull();
  });

  it('names each variable at fault and what it must be, in one line, never echoing the value', () => {
    expect(problem({ PORT: 'abc' })).toBe('Invalid configuration: PORT: must be a number');
    expect(problem({ PORT: '3000.5' })).toBe('Invalid configuration: PORT: must be a whole number');
    expect(problem({ PORT: '70000', INQUIRY_PROVIDER: 'acme' })).toBe('Invalid configuration: PORT: must be at most 65535; INQUIRY_PROVIDER: must be one of: local, persona');
    expect(problem({ DATABASE_URL: 'not-a-url' })).toBe('Invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(problem({ DATABASE_URL: 'mysql://root:s3cret@db/app' })).toBe('Invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(problem({ DATABASE_POOL_SIZE: '0' })).toBe('Invalid configuration: DATABASE_POOL_SIZE: must be at least 1');
    expect(problem({ DEMO_PASSWORD: 'short' })).toBe('Invalid configuration: DEMO_PASSWORD: must be at least 8 characters');
    expect(problem({ LOCAL_PASSWORDS: 'off' })).toMatch(/^Invalid configuration: LOCAL_PASSWORDS=off needs OIDC_ISSUER/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://app@db.internal:5432/desk' }).databaseUrl).toBe('postgresql://app@db.internal:5432/desk');
  });

  it('INQUIRY_PROVIDER=persona needs its key and webhook secrets, and https off this machine; names what is wrong, never the value', () => {
    const persona = { INQUIRY_PROVIDER: 'persona', PERSONA_API_KEY: 'persona_sandbox_abc', PERSONA_WEBHOOK_SECRETS: 'wbhsec_first_secret_1, wbhsec_second_secret_2' };
    expect(problem({ ...persona, PERSONA_API_KEY: '' })).toBe('Invalid configuration: PERSONA_API_KEY is required with INQUIRY_PROVIDER=persona');
    expect(problem({ ...persona, PERSONA_WEBHOOK_SECRETS: ' , ' })).toMatch(/^Invalid configuration: PERSONA_WEBHOOK_SECRETS is required with INQUIRY_PROVIDER=persona/);
    expect(problem({ ...persona, PERSONA_WEBHOOK_SECRETS: 'short' })).toMatch(/^Invalid configuration: PERSONA_WEBHOOK_SECRETS: each secret must be at least 16/);
    expect(problem({ ...persona, PERSONA_API_URL: 'http://persona.example.com' })).toBe('Invalid configuration: PERSONA_API_URL must be an https URL (plain http only to localhost)');
    expect(problem({ ...persona, PERSONA_VERSION: 'yesterday' })).toBe('Invalid configuration: PERSONA_VERSION: must be a date like 2023-01-05');
    expect(problem({ ...persona, PERSONA_WEBHOOK_TOLERANCE_SECONDS: '-5' })).toBe('Invalid configuration: PERSONA_WEBHOOK_TOLERANCE_SECONDS: must be at least 1');
    expect(problem({ ...persona, PERSONA_API_KEY: 'has space' })).toBe('Invalid configuration: PERSONA_API_KEY: must be printable ASCII without spaces');
    // Every attempt timing out must still end before the request's deadline answers for it.
    expect(problem({ ...persona, PERSONA_TIMEOUT_MS: '20000' })).toBe(
      'Invalid configuration: PERSONA_ATTEMPTS × PERSONA_TIMEOUT_MS, with the rate gate\'s wait and the back-off between attempts (up to 66938 ms), must stay under REQUEST_DEADLINE_MS (30000 ms)',
    );
    expect(problem({ ...persona, PERSONA_ATTEMPTS: '10' })).toMatch(/must stay under REQUEST_DEADLINE_MS \(30000 ms\)$/);
    // 3 × (2 s at the gate + 9 s) and the back-off come to 33.9 s: refused, though 3 × 9 s alone would fit.
    expect(problem({ ...persona, PERSONA_TIMEOUT_MS: '9000' })).toMatch(/up to 33938 ms\), must stay under REQUEST_DEADLINE_MS/);
    expect(loadConfig({ ...persona, PERSONA_TIMEOUT_MS: '20000', REQUEST_DEADLINE_MS: '90000' }).persona?.timeoutMs).toBe(20_000);
    expect(loadConfig({ ...persona, PERSONA_TIMEOUT_MS: '20000', REQUEST_DEADLINE_MS: '0' }).persona?.timeoutMs).toBe(20_000);
    const config = loadConfig(persona);
    expect(config.persona).toMatchObject({
      apiUrl: 'https://withpersona.com',
      version: '2023-01-05',
      webhookSecrets: ['wbhsec_first_secret_1', 'wbhsec_second_secret_2'],
      webhookToleranceSeconds: 300,
      hostedFlowUrl: 'https://inquiry.withpersona.com/verify',
    });
    expect(loadConfig({}).persona).toBeNull();
  });
});

describe('entry points', () => {
  it('npm start and every npm script that reads the configuration answer a bad variable with one line, exit code 1', { timeout: 120_000 }, async () => {
    const cases: { script: string; args?: string[]; env: Record<string, string>; line: string }[] = [
      {
        script: 'server/index.ts',
        env: { PORT: 'abc', DATABASE_URL: 'not-a-url' },
        line: 'Invalid configuration: PORT: must be a number; DATABASE_URL: must be a postgres:// or postgresql:// URL',
      },
      // Refused before connecting: nothing listens on port 1.
      {
        script: 'server/scripts/seed.ts',
        args: ['--demo-staff'],
        env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DEMO_PASSWORD: '' },
        line: 'Invalid configuration: DEMO_PASSWORD: required with --demo-staff on a server database (DATABASE_URL): the password the demo staff will sign in with, at least 8 characters',
      },
      // Before the database is opened (so before migrations): DATA_DIR points nowhere it could be created.
      {
        script: 'server/index.ts',
        env: { INQUIRY_PROVIDER: 'persona', PERSONA_WEBHOOK_SECRETS: 'wbhsec_first_secret_1', DATA_DIR: '/proc/inqdesk-never' },
        line: 'Invalid configuration: PERSONA_API_KEY is required with INQUIRY_PROVIDER=persona',
      },
      { script: 'server/scripts/migrate.ts', env: { LOG_LEVEL: 'loud' }, line: 'Invalid configuration: LOG_LEVEL: must be one of: fatal, error, warn, info, debug, trace, silent' },
      { script: 'server/scripts/audit-verify.ts', env: { SWEEP_INTERVAL_SECONDS: '0' }, line: 'Invalid configuration: SWEEP_INTERVAL_SECONDS: must be at least 1' },
      { script: 'server/scripts/create-admin.ts', args: ['--email', 'ops@example.test'], env: { ADMIN_EMAIL: 'nobody' }, line: 'Invalid configuration: ADMIN_EMAIL: must be an email address' },
      { script: 'server/scripts/bench.ts', env: { DATABASE_URL: 'http://db/app' }, line: 'Invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL' },
    ];
    // Two at a time: the machine may have two cores.
    const results: Exit[] = [];
    for (let i = 0; i < cases.length; i += 2) {
      results.push(...(await Promise.all(cases.slice(i, i + 2).map((c) => run(c.script, c.args ?? [], c.env)))));
    }
    for (const [i, c] of cases.entries()) {
      expect({ script: c.script, ...results[i] }).toEqual({ script: c.script, code: 1, stdout: '', stderr: `${c.line}\n` });
    }
  });

  it('with DATABASE_URL= (empty) the server starts on the embedded database in DATA_DIR', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-empty-url-'));
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', NODE_ENV: 'test', DATABASE_URL: '', PUBLIC_URL: '', DATA_DIR: dataDir, PORT: String(port), SEED_INQUIRIES: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('Inquiry Desk is running at')) resolve();
        });
        void exited.then((code) => reject(new Error(`exited ${String(code)}: ${stderr}`)));
      });
      expect(stdout).toContain(`Inquiry Desk is running at http://localhost:${port}  (embedded database in ${dataDir})`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok', database: 'pglite' });
    } finally {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
