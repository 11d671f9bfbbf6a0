import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { auditEvents, createStaffAccount, signIn, startApp, whoAmI, type RunningApp } from '../helpers/auth.js';

/**
 * SSO against a real OpenID provider (the `oidc-provider` package) running in this process on loopback. The
 * test plays the browser: it follows redirects by hand and keeps each site's cookies, and the provider's login
 * page signs in whichever account `idp.signInAs` names.
 */

interface IdpAccount {
  email: string;
  email_verified?: boolean;
  name: string;
  groups: string[];
}

/** Listens first (the issuer URL needs the port); `serve` then registers the app's callback and starts answering. */
async function startIdp() {
  const accounts = new Map<string, IdpAccount>();
  let current = '';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serve = (redirectUri: string) => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'inquiry-desk',
          client_secret: 'inquiry-desk-test-secret',
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
      findAccount: (_ctx, id) => {
        const account = accounts.get(id);
        return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
      },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      // A first-party client: consent is implied, as a company IdP configures its own apps.
      loadExistingGrant: async (ctx) => {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client?.clientId, accountId: ctx.oidc.session?.accountId });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
      cookies: { keys: ['oidc-test-cookie-key'] },
      ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    });
    const handle = provider.callback();
    server.on('request', (req, res) => {
      if (req.url?.startsWith('/interaction/')) {
        // The login page: the person in `current` signs in.
        provider
          .interactionDetails(req, res)
          .then(() => provider.interactionFinished(req, res, { login: { accountId: current } }, { mergeWithLastSubmission: false }))
          .catch((error: unknown) => {
            res.statusCode = 500;
            res.end(String(error));
          });
        return;
      }
      void handle(req, res);
    });
  };
  return {
    issuer,
    serve,
    addAccount(id: string, account: IdpAccount) {
      accounts.set(id, account);
    },
    signInAs(id: string) {
      current = id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser's cookie jar, per origin, with paths ignored (every cookie goes back to its origin). */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  cookieHeader(url: URL): string {
    return [...(this.jars.get(url.origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  private store(url: URL, response: Response) {
    const jar = this.jars.get(url.origin) ?? new Map<string, string>();
    this.jars.set(url.origin, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim()) || /^max-age=0$/i.test(a.trim()));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  /** GETs `start` and follows redirects; returns every URL visited and the last response. */
  async visit(start: string, maxHops = 12): Promise<{ visited: string[]; final: URL; status: number }> {
    let url = new URL(start);
    const visited: string[] = [];
    for (let hop = 0; hop < maxHops; hop++) {
      visited.push(url.href);
      const cookie = this.cookieHeader(url);
      const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      this.store(url, response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url);
        continue;
      }
      await response.arrayBuffer();
      return { visited, final: url, status: response.status };
    }
    throw new Error(`too many redirects: ${visited.join(' -> ')}`);
  }
}

describe('OpenID Connect sign-in against an in-process provider', () => {
  let database: TestDatabase;
  let app: RunningApp;
  let idp: Awaited<ReturnType<typeof startIdp>>;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    idp = await startIdp();
    // The app discovers the provider on first use, so the provider can learn the app's callback URL afterwards.
    app = await startApp(database, {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'inquiry-desk',
      OIDC_CLIENT_SECRET: 'inquiry-desk-test-secret',
      OIDC_ROLE_CLAIM: 'groups',
      OIDC_ROLE_MAP: 'idesk-admins=admin,idesk-support=support,idesk-viewers=viewer',
    });
    idp.serve(`${app.baseUrl}/auth/oidc/callback`);
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
    await database?.close();
  });

  function sessionCookie(browser: Browser): string | null {
    const value = browser.cookie(new URL(app.baseUrl).origin, 'idesk_session');
    return value ? `idesk_session=${value}` : null;
  }

  it('offers SSO on the sign-in page', async () => {
    const response = await fetch(`${app.baseUrl}/trpc/auth.signInOptions`);
    const body = (await response.json()) as { result: { data: { json: unknown } } };
    expect(body.result.data.json).toEqual({ password: true, sso: { startUrl: '/auth/oidc/start' } });
  });

  it('signs a new person in with the role their group maps to, back where they started', async () => {
    idp.addAccount('u-ada', { email: 'Ada@Example.test', email_verified: true, name: 'Ada Lovelace', groups: ['everyone', 'idesk-support', 'idesk-admins'] });
    idp.signInAs('u-ada');
    const browser = new Browser();
    const { visited, final } = await browser.visit(`${app.baseUrl}/auth/oidc/start?returnTo=${encodeURIComponent('/inquiries?status=pending')}`);
    expect(visited.some((u) => u.startsWith(`${idp.issuer}/auth`))).toBe(true);
    const authorize = new URL(visited.find((u) => u.startsWith(`${idp.issuer}/auth?`)) ?? '');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(final.href).toBe(`${app.baseUrl}/inquiries?status=pending`);

    const { me } = await whoAmI(app, sessionCookie(browser));
    // The first mapping in OIDC_ROLE_MAP that the person's groups match wins: admin.
    expect(me?.staff).toMatchObject({ email: 'ada@example.test', role: 'admin' });
    const staff = await database.db.selectFrom('staff').selectAll().where('email', '=', 'ada@example.test').executeTakeFirstOrThrow();
    expect(staff).toMatchObject({ display_name: 'Ada Lovelace', password_hash: null, oidc_subject: 'u-ada' });
    const actions = (await auditEvents(database.db, { targetId: staff.id })).map((e) => [e.action, e.actor_type]);
    expect(actions).toEqual([
      ['staff.created', 'system'],
      ['auth.login', 'staff'],
    ]);
    // The in-flight row is gone: single use.
    expect(await database.db.selectFrom('oidc_login_flows').selectAll().execute()).toEqual([]);
  });

  it('matches existing staff by email and applies the mapped role, ending their other sessions', async () => {
    const existing = await createStaffAccount(database.db, { role: 'admin', email: 'grace@example.test' });
    const passwordCookie = await signIn(app, existing.email, existing.password);
    idp.addAccount('u-grace', { email: 'grace@example.test', name: 'Grace', groups: ['idesk-viewers'] });
    idp.signInAs('u-grace');
    const browser = new Browser();
    const { final } = await browser.visit(`${app.baseUrl}/auth/oidc/start`);
    expect(final.href).toBe(`${app.baseUrl}/`);
    expect((await whoAmI(app, sessionCookie(browser))).me?.staff).toMatchObject({ id: existing.id, role: 'viewer' });
    expect((await whoAmI(app, passwordCookie)).me).toBeNull();
    const [changed] = await auditEvents(database.db, { action: 'staff.role_changed', targetId: existing.id });
    expect(changed?.metadata).toEqual({ from: 'admin', to: 'viewer', via: 'oidc', endedSessionCount: 1 });
  });

  it('refuses a person whose groups map to no role, and creates nobody', async () => {
    idp.addAccount('u-mallory', { email: 'mallory@example.test', name: 'Mallory', groups: ['everyone', 'idesk-admins-typo'] });
    idp.signInAs('u-mallory');
    const browser = new Browser();
    const { final } = await browser.visit(`${app.baseUrl}/auth/oidc/start`);
    expect(final.href).toBe(`${app.baseUrl}/sign-in?error=sso_no_role`);
    expect(sessionCookie(browser)).toBeNull();
    expect(await database.db.selectFrom('staff').select('id').where('email', '=', 'mallory@example.test').executeTakeFirst()).toBeUndefined();
    const failed = await auditEvents(database.db, { action: 'auth.login_failed' });
    expect(failed.at(-1)?.metadata).toEqual({ method: 'oidc', failure: 'no_mapped_role' });
  });

  it('refuses a disabled account and an unverified email', async () => {
    await createStaffAccount(database.db, { email: 'gone@example.test', disabled: true });
    idp.addAccount('u-gone', { email: 'gone@example.test', name: 'Gone', groups: ['idesk-support'] });
    idp.signInAs('u-gone');
    const disabled = await new Browser().visit(`${app.baseUrl}/auth/oidc/start`);
    expect(disabled.final.search).toBe('?error=sso_refused');

    idp.addAccount('u-unverified', { email: 'unverified@example.test', email_verified: false, name: 'U', groups: ['idesk-support'] });
    idp.signInAs('u-unverified');
    const unverified = await new Browser().visit(`${app.baseUrl}/auth/oidc/start`);
    expect(unverified.final.search).toBe('?error=sso_refused');
  });

  it('completes only in the browser that started, once', async () => {
    idp.addAccount('u-bob', { email: 'bob@example.test', name: 'Bob', groups: ['idesk-support'] });
    idp.signInAs('u-bob');
    const browser = new Browser();
    const { visited } = await browser.visit(`${app.baseUrl}/auth/oidc/start`);
    const callback = visited.find((u) => u.startsWith(`${app.baseUrl}/auth/oidc/callback?`)) ?? '';
    expect(callback).toContain('code=');
    // Replayed (the flow row and the code are spent), or delivered to a browser without the flow cookie.
    expect((await browser.visit(callback)).final.search).toBe('?error=sso_expired');
    expect((await new Browser().visit(callback)).final.search).toBe('?error=sso_expired');
  });

  it('never redirects off-site after sign-in', async () => {
    idp.signInAs('u-bob');
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/auth/logout']) {
      const { final } = await new Browser().visit(`${app.baseUrl}/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`);
      expect(final.href, returnTo).toBe(`${app.baseUrl}/`);
    }
  });

  it('sends people back to the sign-in page when SSO is not configured', async () => {
    const plain = await startApp(database);
    try {
      const response = await fetch(`${plain.baseUrl}/auth/oidc/start`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/sign-in?error=sso_disabled');
    } finally {
      await plain.close();
    }
  });
});
