import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.js';
import { migrate } from '../../server/db/migrate.js';
import { appendAuditEvent } from '../../server/services/audit.js';
import { createTestDatabase, testEngines } from '../db.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** `npm run audit:verify`, as an operator runs it: its own process, configured by the environment. */
async function auditVerify(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/scripts/audit-verify.ts'], {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

async function appendThree(database: Database) {
  for (const n of [1, 2, 3]) {
    await database.db.transaction().execute((trx) =>
      appendAuditEvent(trx, { actor: { type: 'system', id: 'test', display: null }, action: 'test.appended', reason: `event ${n}` }),
    );
  }
}

describe.each(testEngines())('npm run audit:verify on %s', (engine) => {
  it('prints the head of an intact chain and exits 0; names the broken seq and exits 1', { timeout: 240_000 }, async () => {
    let database: Database;
    let env: Record<string, string>;
    let dataDir: string | null = null;
    if (engine === 'pglite') {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-audit-'));
      database = await openDatabase({ dataDir });
      await migrate(database);
      env = { DATA_DIR: dataDir };
    } else {
      const test = await createTestDatabase('postgres');
      database = test;
      env = { DATABASE_URL: test.url ?? '' };
    }
    try {
      await appendThree(database);
      const head = await database.db.selectFrom('audit_chain_head').select('hash').executeTakeFirstOrThrow();
      // PGlite's data directory has one user at a time.
      if (dataDir) await database.close();
      const intact = await auditVerify(env);
      expect(intact).toEqual({ code: 0, stdout: expect.stringContaining(`Audit chain intact: 3 events, head ${head.hash}`) as string });

      if (dataDir) database = await openDatabase({ dataDir });
      // Behind the append-only trigger's back, as only a superuser could.
      await database.db.transaction().execute(async (trx) => {
        await sql`set local session_replication_role = replica`.execute(trx);
        await sql`update audit_events set reason = 'rewritten' where seq = 2`.execute(trx);
      });
      if (dataDir) await database.close();
      const broken = await auditVerify(env);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain('Audit chain BROKEN at seq 2');
    } finally {
      if (dataDir) {
        await database.close().catch(() => undefined);
        fs.rmSync(dataDir, { recursive: true, force: true });
      } else {
        await database.close();
      }
    }
  });
});
