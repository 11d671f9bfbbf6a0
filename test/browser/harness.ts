import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createApp } from '../../server/app.js';
import type { AppDeps } from '../../server/context.js';
import { seedWorld } from '../../server/seed/world.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { testDeps } from '../server/fixtures.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = fs.existsSync(CHROMIUM);

/**
 * Browser journeys need Debian's Chromium. In CI (REQUIRE_BROWSER=1) its absence is a failure; elsewhere the
 * journeys are skipped with a notice.
 */
export function browserOrSkip(): boolean {
  if (browserAvailable) return true;
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`Chromium not found at ${CHROMIUM}; install it with: apt-get install -y chromium`);
  console.warn(`[browser tests skipped] Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  return false;
}

export interface RunningConsole {
  url: string;
  database: TestDatabase;
  deps: AppDeps;
  close(): Promise<void>;
}

/** The real app with the built console, on an ephemeral port, over a fresh embedded database with demo data. */
export async function startConsole(options: { inquiries?: number; now?: () => Date } = {}): Promise<RunningConsole> {
  const database = await createTestDatabase('pglite');
  const now = options.now ?? (() => new Date());
  await seedWorld(database, { inquiries: options.inquiries ?? 400, seed: 7, now: now() });
  const deps = testDeps(database, now);
  const server: Server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    database,
    deps,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await database.close();
    },
  };
}

/** A fresh browser profile each time: nothing carries over between journeys. */
export async function openBrowser(): Promise<BrowserContext> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    timezoneId: 'Europe/Berlin',
  });
}
