import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root directory: the nearest directory above this module holding this package's package.json.
 * Files the server reads at run time (migrations, the built console, the hosted flow's assets) are found from
 * here, so the same code works from its sources (`node --import tsx server/index.ts`) and from the compiled
 * server that `npm start` runs (`dist/server/index.mjs`, scripts/build-server.mjs).
 */
function findRoot(from: string): string {
  for (let dir = path.dirname(fileURLToPath(from)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'inquiry-desk') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json of inquiry-desk above ${fileURLToPath(from)}`);
  }
}

export const PROJECT_ROOT = findRoot(import.meta.url);

/** A path inside the project, e.g. `projectPath('migrations')`. */
export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);
