import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Journeys drive the built console: build it once if it is missing. */
export default function setup() {
  const root = path.resolve(import.meta.dirname, '../..');
  if (fs.existsSync(path.join(root, 'dist/client/index.html'))) return;
  const result = spawnSync(path.join(root, 'node_modules/.bin/vite'), ['build', '--config', 'client/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vite build failed');
}
