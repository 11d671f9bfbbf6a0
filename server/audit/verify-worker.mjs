// Worker entry for parallel audit verification (verify.ts): checks one seq range and posts its SegmentResult.
// Plain JavaScript so that a worker can start under any loader; it loads the TypeScript checker through tsx,
// which the server already runs on.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { verifySegment } = await tsImport('./verify-segment.ts', import.meta.url);
parentPort?.postMessage(await verifySegment(workerData));
