// Worker entry for parallel audit verification (verify.ts): checks one seq range and posts its SegmentResult.
// Plain JavaScript so that a worker can start under any loader. The compiled server (dist/server/, built by
// scripts/build-server.mjs) has the checker compiled beside this file; from the sources it is loaded through tsx,
// which the server then runs on.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

async function loadChecker() {
  const compiled = new URL('./verify-segment.mjs', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return import(compiled.href);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport('./verify-segment.ts', import.meta.url);
}

const { verifySegment } = await loadChecker();
parentPort?.postMessage(await verifySegment(workerData));
