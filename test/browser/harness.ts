import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createApp } from '../../server/app.js';
import { DEMO_STAFF, ensureDemoStaff } from '../../server/auth/bootstrap.js';
import type { AppDeps } from '../../server/context.js';
import { seedWorld } from '../../server/seed/world.js';
import type { Role } from '../../shared/permissions.js';
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

/** The password of the demo staff (admin@demo.test … viewer@demo.test) that startConsole creates. */
export const DEMO_PASSWORD = 'demo password for browser journeys';

/** The demo account for a role: `viewer@demo.test`, … (server/auth/bootstrap.ts DEMO_STAFF). */
export function demoStaff(role: Role): { email: string; displayName: string; password: string } {
  const found = DEMO_STAFF.find((s) => s.role === role);
  if (!found) throw new Error(`no demo staff member with the role ${role}`);
  return { email: found.email, displayName: found.displayName, password: DEMO_PASSWORD };
}

/**
 * The real app with the built console, on an ephemeral port, over a fresh embedded database with demo data and
 * the five demo staff (password DEMO_PASSWORD). It listens first and then builds its config with PUBLIC_URL set to
 * its real address: the server's same-origin (CSRF) check compares the browser's Origin with PUBLIC_URL.
 */
export async function startConsole(
  options: {
    inquiries?: number;
    now?: () => Date;
    /**
     * More environment for the app's config (e.g. INQUIRY_PROVIDER=persona and its settings), or a function that
     * makes it once the demo world is in the database (a fake provider that is told about its rows).
     */
    env?: Record<string, string> | ((database: TestDatabase) => Promise<Record<string, string>>);
  } = {},
): Promise<RunningConsole> {
  const database = await createTestDatabase('pglite');
  const now = options.now ?? (() => new Date());
  await seedWorld(database, { inquiries: options.inquiries ?? 400, seed: 7, now: now() });
  await ensureDemoStaff(database.db, DEMO_PASSWORD, now());
  const env = typeof options.env === 'function' ? await options.env(database) : (options.env ?? {});
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const deps: AppDeps = testDeps(database, now, { ...env, PUBLIC_URL: url });
  server.on('request', createApp(deps));
  return {
    url,
    database,
    deps,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await database.close();
    },
  };
}

/**
 * Signs in through the console's sign-in page (opening `path`, which sends a signed-out browser there) and waits
 * until the console shows `path` again. Returns the page.
 */
export async function signInThroughPage(page: Page, app: Pick<RunningConsole, 'url'>, email: string, password = DEMO_PASSWORD, path = '/inquiries'): Promise<Page> {
  await page.goto(`${app.url}${path}`);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  const passwordField = page.getByLabel(/^Password/);
  await passwordField.fill(password);
  await passwordField.press('Enter');
  await page.waitForURL((u) => u.pathname === path.split('?')[0]);
  return page;
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

/** The inquiry page's Actions region. */
export const actionsRegion = (page: Page): Locator => page.getByRole('region', { name: 'Actions' });

/** Clicks an action on the inquiry page once it is enabled, and returns the dialog it opens. */
export async function openAction(page: Page, name: string): Promise<Locator> {
  const button = actionsRegion(page).getByRole('button', { name });
  await expect.poll(() => button.isEnabled(), { timeout: 15_000 }).toBe(true);
  await button.click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  return dialog;
}
