import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const sharedDir = fileURLToPath(new URL('../shared/', import.meta.url));

interface Node {
  type: string;
  start: number;
  end: number;
  callee?: Node;
  object?: Node;
  expression?: Node;
  name?: string;
}

/** The identifier a call chain starts from: `z` in `z.string().trim()`, `ReasonSchema` in `ReasonSchema.extend({…})`. */
function chainRoot(node: Node): Node {
  let current = node;
  for (;;) {
    const next = current.type === 'CallExpression' ? current.callee : current.type === 'MemberExpression' ? current.object : undefined;
    if (!next) return current;
    current = next;
  }
}

/**
 * shared/ modules build their zod schemas at the top level, next to the constants and labels the console imports
 * from the same files. A bundler cannot know that building a schema has no side effects, so it keeps every schema
 * of every shared module the console touches, and zod with them (~25 KB gzip), though pages like the inquiry list
 * only read constants. This marks each top-level `const X = z….` or `const X = SomethingSchema.…` as pure (an IIFE
 * with a PURE annotation): a schema nobody uses is dropped, and zod loads only with the pages that validate.
 */
function pureSharedSchemas(): Plugin {
  return {
    name: 'inquiry-desk:pure-shared-schemas',
    apply: 'build',
    transform(code, id) {
      if (!id.startsWith(sharedDir) || !id.endsWith('.ts')) return null;
      const program = this.parse(code) as unknown as { body: (Node & { declaration?: Node & { declarations?: { init?: Node | null }[] }; declarations?: { init?: Node | null }[] })[] };
      const inits: Node[] = [];
      for (const statement of program.body) {
        const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
        if (declaration?.type !== 'VariableDeclaration') continue;
        for (const { init } of declaration.declarations ?? []) {
          if (init?.type !== 'CallExpression') continue;
          const root = chainRoot(init);
          if (root.type === 'Identifier' && (root.name === 'z' || root.name?.endsWith('Schema'))) inits.push(init);
        }
      }
      if (inits.length === 0) return null;
      let out = code;
      for (const init of inits.reverse()) {
        out = `${out.slice(0, init.start)}/* @__PURE__ */ (() => ${out.slice(init.start, init.end)})()${out.slice(init.end)}`;
      }
      return { code: out, map: null };
    },
  };
}
const apiTarget = `http://localhost:${process.env.API_PORT ?? '3001'}`;
// Everything the Express server answers; the rest is the single-page app.
const proxied = ['/trpc', '/auth', '/api', '/healthz', '/verify', '/widget'];

export default defineConfig({
  root,
  plugins: [react(), pureSharedSchemas()],
  // The repo's shared/ folder (client/tsconfig.json "paths" says the same for TypeScript).
  resolve: { alias: { '@shared': fileURLToPath(new URL('../shared', import.meta.url)) } },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // Maps for debugging and bundle analysis, without pointing every browser at them.
    sourcemap: 'hidden',
    // dist/client/.vite/manifest.json: the chunk graph, which test/browser/bundle-budget.test.ts walks to measure
    // what each page loads first.
    manifest: true,
    // The inquiry list's grid chunk carries the DataGrid (~130 KB gzip); it is lazy, so the warning says nothing new.
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(proxied.map((prefix) => [prefix, { target: apiTarget, changeOrigin: false }])),
  },
});
