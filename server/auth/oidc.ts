import * as client from 'openid-client';
import type { OidcConfig, OidcRoleMapping } from '../config.js';
import type { Role } from '../../shared/permissions.js';

/** Who the identity provider says signed in, after the ID token (and userinfo) were verified. */
export interface OidcIdentity {
  subject: string;
  email: string | null;
  /** False only when the provider says so; many providers do not send the claim. */
  emailVerified: boolean | null;
  name: string | null;
  /** The values of the role claim (OIDC_ROLE_CLAIM), a string or an array in the token, as a list. */
  roleClaimValues: string[];
}

/** What /auth/oidc/start keeps until the callback: checked there against the provider's answer. */
export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  begin(): Promise<{ authorizationUrl: URL; checks: OidcChecks }>;
  complete(callbackUrl: URL, checks: OidcChecks): Promise<OidcIdentity>;
}

export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

/** The first mapping (in OIDC_ROLE_MAP order) whose value the person's role claim holds; null: no access. */
export function mapRole(roleMap: readonly OidcRoleMapping[], claimValues: readonly string[]): Role | null {
  return roleMap.find((m) => claimValues.includes(m.value))?.role ?? null;
}

/** Reads a claim by name, or by a dotted path for nested claims (Keycloak's `realm_access.roles`). */
export function claimValues(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = claim in claims ? claims[claim] : undefined;
  if (value === undefined && claim.includes('.')) {
    value = claim.split('.').reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), claims);
  }
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/**
 * Authorization code flow with PKCE (S256), state and nonce, through openid-client. The provider's metadata is
 * discovered on first use and kept; a failed discovery is retried by the next sign-in.
 */
export function createOidcClient(config: OidcConfig, publicUrl: string): OidcClient {
  const issuer = new URL(config.issuer);
  const redirectUri = `${publicUrl}${OIDC_CALLBACK_PATH}`;
  let discovered: Promise<client.Configuration> | null = null;

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(
        issuer,
        config.clientId,
        config.clientSecret,
        config.clientSecret ? client.ClientSecretBasic(config.clientSecret) : client.None(),
        // http is accepted by config.ts only for a provider on this machine (development and tests).
        { execute: issuer.protocol === 'http:' && isLoopback(issuer) ? [client.allowInsecureRequests] : [], timeout: 10 },
      )
      .catch((error: unknown) => {
        discovered = null;
        throw error;
      });
    return discovered;
  }

  return {
    async begin() {
      const conf = await configuration();
      const checks: OidcChecks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const authorizationUrl = client.buildAuthorizationUrl(conf, {
        redirect_uri: redirectUri,
        scope: config.scopes,
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      return { authorizationUrl, checks };
    },

    async complete(callbackUrl, checks) {
      const conf = await configuration();
      const tokens = await client.authorizationCodeGrant(conf, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('the provider returned no ID token');
      let claims: Record<string, unknown> = { ...idToken };
      // Many providers keep email, name and groups out of the ID token and serve them from userinfo.
      if (conf.serverMetadata().userinfo_endpoint) {
        const userinfo = await client.fetchUserInfo(conf, tokens.access_token, idToken.sub);
        claims = { ...claims, ...userinfo };
      }
      const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null;
      return {
        subject: idToken.sub,
        email,
        emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : null,
        name: typeof claims.name === 'string' ? claims.name : null,
        roleClaimValues: claimValues(claims, config.roleClaim),
      };
    },
  };
}
