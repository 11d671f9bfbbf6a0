import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, CLIENT_DIST } from '../../server/app.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { testDeps } from '../server/fixtures.js';

/** How the built console is delivered: compressed, hashed assets cached for a year, index.html revalidated. */
describe('delivering the console', () => {
  let database: TestDatabase;
  let server: Server;
  let base = '';

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    server = createServer(createApp(testDeps(database)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await database?.close();
  });

  const someAsset = () => fs.readdirSync(path.join(CLIENT_DIST, 'assets')).find((f) => f.endsWith('.js') && fs.statSync(path.join(CLIENT_DIST, 'assets', f)).size > 10_000) ?? '';

  it('serves hashed assets compressed and immutable for a year', async () => {
    const res = await fetch(`${base}/assets/${someAsset()}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('makes the browser revalidate index.html, and answers a missing asset 404 rather than with the page', async () => {
    const page = await fetch(`${base}/inquiries`);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const missing = await fetch(`${base}/assets/no-such-chunk-123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toMatch(/text\/html/);
  });
});
