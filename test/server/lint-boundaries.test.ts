// The layer boundaries in eslint.config.js (`boundaries`), run through ESLint's Node API against the real config.
// Code is linted in memory under virtual paths, so no fixture files exist for `npm run lint` or tsc to trip on;
// type-aware linting is switched off here because those paths belong to no tsconfig (the boundary rules are
// core ESLint rules and need no type information).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: fileURLToPath(new URL('../../eslint.config.js', import.meta.url)),
  overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config,
});

const BOUNDARY_RULES = new Set(['no-restricted-syntax', 'no-restricted-imports']);
const SQL_HOME = 'SQL belongs in server/repositories';
const LOCAL_ENGINE = "Use the provider from the app's dependencies (ctx.provider)";

/** Boundary errors, plus anything without a rule (a parse error, "file ignored") so a silent pass can't hide one. */
async function boundaryMessages(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === null || BOUNDARY_RULES.has(m.ruleId))
    .map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
}

const QUERY_BUILDER = `
declare const db: { selectFrom(table: string): unknown };
export const rows = db.selectFrom('inquiries');
`;
const SQL_TAG = `
import { sql } from 'kysely';
export const one = sql\`select 1\`;
export const raw = sql.raw('select 2');
`;

describe('lint boundary: SQL lives in server/repositories', () => {
  it('fails a query builder call in a service', async () => {
    const messages = await boundaryMessages('server/services/lint-probe.ts', QUERY_BUILDER);
    expect(messages).toEqual([
      { rule: 'no-restricted-syntax', line: 3, message: expect.stringContaining(SQL_HOME) as string },
    ]);
  });

  it('fails the sql tag, its helpers and its import in a service', async () => {
    const messages = await boundaryMessages('server/services/lint-probe.ts', SQL_TAG);
    expect(messages.map((m) => [m.rule, m.line])).toEqual([
      ['no-restricted-imports', 2],
      ['no-restricted-syntax', 3],
      ['no-restricted-syntax', 4],
    ]);
    for (const m of messages) expect(m.message).toContain(SQL_HOME);
  });

  it.each(['server/routers/lint-probe.ts', 'server/hosted-flow/lint-probe.ts', 'server/partner-api/lint-probe.ts', 'server/auth/lint-probe.ts', 'server/webhooks/lint-probe.ts', 'server/providers/local/lint-probe.ts', 'client/src/features/lint-probe.tsx'])(
    'fails a query builder call in %s',
    async (filePath) => {
      const messages = await boundaryMessages(filePath, QUERY_BUILDER);
      expect(messages.map((m) => m.rule)).toEqual(['no-restricted-syntax']);
    },
  );

  it('passes the same code in a repository', async () => {
    expect(await boundaryMessages('server/repositories/lint-probe.ts', QUERY_BUILDER)).toEqual([]);
    expect(await boundaryMessages('server/repositories/lint-probe.ts', SQL_TAG)).toEqual([]);
  });

  it('allows type imports from kysely in a service', async () => {
    const code = `import type { Kysely, Transaction } from 'kysely';\nexport type Db = Kysely<object> | Transaction<object>;\n`;
    expect(await boundaryMessages('server/services/lint-probe.ts', code)).toEqual([]);
  });
});

describe('lint boundary: providers/local is the local engine’s inside', () => {
  it('fails a service importing the local provider, even for types', async () => {
    const code = `import { newId } from '../providers/local/provider.js';\nimport type { SessionTokens } from '../providers/local/tokens.js';\nexport const f = (t: SessionTokens) => [newId(), t];\n`;
    const messages = await boundaryMessages('server/services/lint-probe.ts', code);
    expect(messages.map((m) => [m.rule, m.line])).toEqual([
      ['no-restricted-imports', 1],
      ['no-restricted-imports', 2],
    ]);
    for (const m of messages) expect(m.message).toContain(LOCAL_ENGINE);
  });

  it('fails deeper and sibling paths into the local engine', async () => {
    const deep = `import { DEFAULT_POLICY } from '../../providers/local/lifecycle.js';\nexport const p = DEFAULT_POLICY;\n`;
    expect((await boundaryMessages('server/services/inquiry-actions/lint-probe.ts', deep)).map((m) => m.rule)).toEqual(['no-restricted-imports']);
    const sibling = `export { loadTokenSecret } from './local/tokens.js';\n`;
    expect((await boundaryMessages('server/providers/lint-probe.ts', sibling)).map((m) => m.rule)).toEqual(['no-restricted-imports']);
    const fromScripts = `import { sweepExpired } from '../providers/local/sweeper.js';\nexport const s = sweepExpired;\n`;
    expect((await boundaryMessages('server/scripts/lint-probe.ts', fromScripts)).map((m) => m.rule)).toEqual(['no-restricted-imports']);
  });

  it('passes imports inside the engine, from its wiring, and from tests', async () => {
    const inside = `import { loadTokenSecret } from './tokens.js';\nexport const load = loadTokenSecret;\n`;
    expect(await boundaryMessages('server/providers/local/sweeper.ts', inside)).toEqual([]);
    const factory = `import { createLocalProvider } from './local/provider.js';\nexport const make = createLocalProvider;\n`;
    expect(await boundaryMessages('server/providers/index.ts', factory)).toEqual([]);
    const entry = `import { startSweeper } from './providers/local/sweeper-loop.js';\nexport const start = startSweeper;\n`;
    expect(await boundaryMessages('server/index.ts', entry)).toEqual([]);
    const test = `import { sweepExpired } from '../../server/providers/local/sweeper.js';\nexport const s = sweepExpired;\n`;
    expect(await boundaryMessages('test/server/lint-probe.test.ts', test)).toEqual([]);
  });
});

describe('lint:cycles (dpdm) reports type-only import cycles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lint-cycles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on a cycle made only of `import type` / `export type` edges', () => {
    const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint:cycles'];
    // Type edges count only while dpdm does not transform TypeScript away first.
    expect(script).toMatch(/^dpdm /);
    expect(script).not.toMatch(/\s(-T|--transform)\b/);

    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(root, 'tsconfig.base.json'), include: ['src'] }));
    writeFileSync(join(dir, 'src/principal.ts'), `import type { Actor } from './audit.js';\nexport type Principal = { actor: Actor };\n`);
    writeFileSync(join(dir, 'src/audit.ts'), `export type { Principal as Actor } from './principal.js';\n`);
    writeFileSync(join(dir, 'src/free.ts'), `import type { Principal } from './principal.js';\nexport type Free = Principal;\n`);

    const bin = join(dirname(createRequire(import.meta.url).resolve('dpdm/package.json')), 'lib/bin/dpdm.js');
    const run = spawnSync(process.execPath, [bin, '--no-tree', '--no-warning', '--no-progress', '--exit-code', 'circular:1', 'src/**/*.ts'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/src\/(principal|audit)\.ts -> src\/(principal|audit)\.ts/);
    expect(run.stdout).not.toContain('free.ts');
  });
});
