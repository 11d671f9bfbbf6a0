import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/**
 * What each page makes the browser download before it can show anything, from the build's chunk graph
 * (dist/client/.vite/manifest.json, built by this project's global setup): the entry's static imports plus the
 * page's own chunk and its static imports, gzipped. The sign-in page must not carry the list's code.
 */
const DIST = path.resolve(import.meta.dirname, '../../dist/client');
const KB = 1024;

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  isEntry?: boolean;
}
type Manifest = Record<string, ManifestChunk>;

function manifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(DIST, '.vite/manifest.json'), 'utf8')) as Manifest;
}

/** The files a chunk needs loaded before it runs: itself and its static imports, transitively. */
function staticClosure(m: Manifest, key: string, into = new Set<string>()): Set<string> {
  const chunk = m[key];
  if (!chunk) throw new Error(`no chunk ${key} in the manifest`);
  if (into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) staticClosure(m, imported, into);
  return into;
}

function initialKb(m: Manifest, ...chunks: string[]): { kb: number; files: string[] } {
  const closure = staticClosure(m, 'index.html');
  for (const chunk of chunks) staticClosure(m, chunk, closure);
  const files = [...closure].filter((f) => f.endsWith('.js'));
  const bytes = files.reduce((sum, f) => sum + gzipSync(fs.readFileSync(path.join(DIST, f))).length, 0);
  return { kb: bytes / KB, files };
}

const LIST = 'src/features/inquiries/InquiryListPage.tsx';
const GRID = 'src/features/inquiries/InquiryGrid.tsx';

describe('initial JavaScript per page (gzip)', () => {
  it('the sign-in page stays within 250 KB and does not load the list', () => {
    const m = manifest();
    const signIn = initialKb(m, 'src/features/auth/SignInPage.tsx');
    expect(signIn.kb).toBeLessThanOrEqual(250);
    const listOnly = m['src/features/inquiries/InquiryListPage.tsx']?.file;
    expect(signIn.files).not.toContain(listOnly);
    expect(signIn.files).not.toContain(m[GRID]?.file);
  });

  // The list shows its heading, counts, filters and search, and asks for its first rows, from the shell (~240 KB:
  // React, MUI, router, query, tRPC) plus a few KB of its own. The grid (the DataGrid, ~130 KB) is its own chunk,
  // requested by the page as it first renders, so it downloads beside the first rows instead of before them.
  it('the inquiry list shows its page within 350 KB, and loads its grid beside it', () => {
    const m = manifest();
    expect(initialKb(m, LIST).kb).toBeLessThanOrEqual(350);
    expect(m[LIST]?.dynamicImports).toContain(GRID);
    // The row menu's action dialogs wait until a menu opens.
    expect(initialKb(m, LIST).files).not.toContain(m['src/features/inquiries/actions/ActionDialogFor.tsx']?.file);
  });

  // Honest about the rest: everything the list needs to show its rows, ~390 KB today (zod kept out of it by
  // client/vite.config.ts, pureSharedSchemas). A regression past this fails here instead of hiding behind the lazy grid.
  it('the whole list, grid included, stays within 400 KB', () => {
    const m = manifest();
    expect(initialKb(m, LIST, GRID).kb).toBeLessThanOrEqual(400);
  });
});
