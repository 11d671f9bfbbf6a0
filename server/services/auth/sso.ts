import { mapRole, type OidcClient, type OidcIdentity } from '../../auth/oidc.js';
import { staffActor } from '../../auth/principal.js';
import type { AuditActor } from '../../audit/canonical.js';
import type { OidcRoleMapping } from '../../config.js';
import { newId, randomSecret, sha256Hex } from '../../crypto.js';
import type { StaffRow } from '../../db/schema.js';
import type { RequestDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import * as oidcFlows from '../../repositories/auth-oidc.js';
import * as staffSessions from '../../repositories/staff-sessions.js';
import * as staffRepo from '../../repositories/staff.js';
import { appendAuditEvent, auditRequestContext } from '../audit.js';
import { openStaffSession, type NewStaffSession } from './staff-sessions.js';
import { SSO_ERROR_MESSAGES, type SsoErrorCode } from '../../../shared/auth.js';

/** Single sign-on (OpenID Connect): the flow's bookkeeping and what a verified identity may do here. */

/**
 * SSO sign-in, after the identity provider's answer was verified. Staff are matched by email (created on first
 * sign-in) and get the role OIDC_ROLE_MAP gives their role claim, every time: the provider is the source of
 * truth, and a changed role ends the person's other sessions. No mapped role, an unverified email, a disabled
 * account or an account already bound to another subject is refused (and audited as a failed sign-in).
 */
export async function signInWithOidc(ctx: RequestDeps, identity: OidcIdentity, roleMap: readonly OidcRoleMapping[]): Promise<NewStaffSession> {
  const now = ctx.now();
  const request = auditRequestContext(ctx);
  const outcome = await ctx.database.db.transaction().execute(async (trx) => {
    const refuse = async (code: SsoErrorCode, failure: string, staff?: StaffRow) => {
      await appendAuditEvent(trx, {
        actor: { type: 'staff', id: null, display: null },
        action: 'auth.login_failed',
        target: staff ? { type: 'staff', id: staff.id } : null,
        metadata: { method: 'oidc', failure },
        request,
        occurredAt: now,
      });
      return { refused: code } as const;
    };
    if (!identity.email || identity.emailVerified === false) return refuse('sso_refused', 'no_verified_email');
    const role = mapRole(roleMap, identity.roleClaimValues);
    let staff = await staffRepo.findByEmail(trx, identity.email);
    if (!role) return refuse('sso_no_role', 'no_mapped_role', staff);
    if (staff?.disabled_at) return refuse('sso_refused', 'disabled', staff);
    if (staff?.oidc_subject && staff.oidc_subject !== identity.subject) return refuse('sso_refused', 'subject_mismatch', staff);

    const events: Parameters<typeof appendAuditEvent>[1][] = [];
    if (!staff) {
      const created = await staffRepo.insertIfAbsent(trx, {
        id: newId('stf'),
        email: identity.email,
        display_name: (identity.name ?? identity.email).slice(0, 200),
        role,
        password_hash: null,
        oidc_subject: identity.subject,
        created_at: now,
        updated_at: now,
      });
      // Lost a race with a concurrent first sign-in of the same person: use the row it created.
      staff = created ?? (await staffRepo.findByEmail(trx, identity.email));
      if (!staff) throw new Error('staff row vanished during SSO sign-in');
      if (created) {
        events.push({
          actor: SSO_ACTOR,
          action: 'staff.created',
          target: { type: 'staff', id: created.id },
          metadata: { email: created.email, role, via: 'oidc' },
          request,
          occurredAt: now,
        });
      }
    } else {
      const from = staff.role;
      if (from !== role || !staff.oidc_subject) {
        staff = await staffRepo.update(trx, staff.id, { role, oidc_subject: identity.subject, updated_at: now });
      }
      if (from !== role) {
        const ended = await staffSessions.endAllForStaff(trx, staff.id, 'role_changed', now);
        events.push({
          actor: SSO_ACTOR,
          action: 'staff.role_changed',
          target: { type: 'staff', id: staff.id },
          metadata: { from, to: role, via: 'oidc', endedSessionCount: ended.length },
          request,
          occurredAt: now,
        });
      }
    }
    const opened = await openStaffSession(trx, ctx, staff, 'oidc');
    events.push({
      actor: staffActor(staff),
      action: 'auth.login',
      target: { type: 'staff', id: staff.id },
      metadata: { method: 'oidc', sessionId: opened.sessionId },
      request,
      occurredAt: now,
    });
    for (const event of events) await appendAuditEvent(trx, event);
    return { session: opened } as const;
  });
  if ('refused' in outcome) {
    throw new AppError('FORBIDDEN', SSO_ERROR_MESSAGES[outcome.refused], { ssoError: outcome.refused });
  }
  return outcome.session;
}

/** Changes that the identity provider caused (role from the role claim, accounts created on first SSO sign-in). */
const SSO_ACTOR: AuditActor = { type: 'system', id: 'oidc', display: 'Single sign-on' };

/** How long a person has at the identity provider between /auth/oidc/start and the callback. */
export const OIDC_FLOW_MS = 10 * 60_000;

/** Only a path on this site (never `//host` or `/\\host`, which browsers treat as another site). */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return '/';
  if (!/^\/(?![/\\])[^\s\\]*$/.test(value) || value.startsWith('/auth/')) return '/';
  return value;
}

/**
 * Starts an SSO sign-in: the state, nonce and PKCE verifier are kept in a single-use row keyed by the hash of
 * `flowSecret`, which the caller puts in a short-lived HttpOnly cookie; only the browser that started can finish.
 */
export async function beginOidcSignIn(ctx: RequestDeps, oidc: OidcClient, returnTo: string): Promise<{ authorizationUrl: URL; flowSecret: string }> {
  const { authorizationUrl, checks } = await oidc.begin();
  const flowSecret = randomSecret();
  const now = ctx.now();
  await oidcFlows.purgeExpired(ctx.database.db, now);
  await oidcFlows.insertFlow(ctx.database.db, {
    id_hash: sha256Hex(flowSecret),
    state: checks.state,
    nonce: checks.nonce,
    code_verifier: checks.codeVerifier,
    return_to: safeReturnTo(returnTo),
    created_at: now,
    expires_at: new Date(now.getTime() + OIDC_FLOW_MS),
  });
  return { authorizationUrl, flowSecret };
}

/** Finishes an SSO sign-in from the provider's redirect. Throws AppError with `details.ssoError` when refused. */
export async function completeOidcSignIn(
  ctx: RequestDeps,
  oidc: OidcClient,
  flowSecret: string | null,
  callbackUrl: URL,
): Promise<{ session: NewStaffSession; returnTo: string }> {
  const roleMap = ctx.config.auth.oidc?.roleMap;
  if (!roleMap) throw new AppError('PRECONDITION_FAILED', SSO_ERROR_MESSAGES.sso_disabled, { ssoError: 'sso_disabled' });
  const flow = flowSecret ? await oidcFlows.takeFlow(ctx.database.db, sha256Hex(flowSecret)) : undefined;
  if (!flow || flow.expires_at <= ctx.now()) {
    throw new AppError('BAD_REQUEST', SSO_ERROR_MESSAGES.sso_expired, { ssoError: 'sso_expired' });
  }
  let identity: OidcIdentity;
  try {
    identity = await oidc.complete(callbackUrl, { state: flow.state, nonce: flow.nonce, codeVerifier: flow.code_verifier });
  } catch (err) {
    // The provider's error (or a failed check) goes to the log, not to the person.
    ctx.log.warn({ err: describeOidcError(err) }, 'SSO callback rejected');
    throw new AppError('BAD_REQUEST', SSO_ERROR_MESSAGES.sso_failed, { ssoError: 'sso_failed' });
  }
  const session = await signInWithOidc(ctx, identity, roleMap);
  return { session, returnTo: flow.return_to };
}

/** Enough to diagnose a failed callback without logging codes or tokens. */
function describeOidcError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const extra = err as Error & { code?: unknown; error?: unknown; error_description?: unknown };
  return { name: err.name, message: err.message, code: extra.code, error: extra.error, errorDescription: extra.error_description };
}
