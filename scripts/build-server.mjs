// `npm run build:server`: the server compiled to plain JavaScript in dist/server/ (esbuild; packages stay
// imports of node_modules), so `npm start` runs it without transpiling TypeScript at start and without tsx's
// loader thread: about 90 MB less memory (docs/performance.md, "A leaner request path"). Takes well under a
// second; scripts/start.mjs runs it on every start, so the compiled server never lags its sources.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_OUT = path.join(root, 'dist', 'server');

export async function buildServer(entries = {}) {
  mkdirSync(SERVER_OUT, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: {
      index: 'server/index.ts',
      // The audit verification worker (server/audit/verify-worker.mjs) loads this compiled checker when it sits
      // beside it, and the TypeScript one through tsx otherwise.
      'verify-segment': 'server/audit/verify-segment.ts',
      ...entries,
    },
    outdir: SERVER_OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(path.join(root, 'server', 'audit', 'verify-worker.mjs'), path.join(SERVER_OUT, 'verify-worker.mjs'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildServer();
  } catch {
    process.exit(1); // esbuild has printed the errors
  }
}
