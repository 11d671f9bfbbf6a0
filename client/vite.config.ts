import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = `http://localhost:${process.env.API_PORT ?? '3001'}`;
// Everything the Express server answers; the rest is the single-page app.
const proxied = ['/trpc', '/auth', '/api', '/healthz', '/verify', '/widget'];

export default defineConfig({
  root,
  plugins: [react()],
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
    // The inquiry list's chunk carries the DataGrid (~170 KB gzip); it is lazy, so the warning says nothing new.
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(proxied.map((prefix) => [prefix, { target: apiTarget, changeOrigin: false }])),
  },
});
