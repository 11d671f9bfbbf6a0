import { z } from 'zod';
import { ReasonSchema } from './actions.js';
import { PermissionSchema, RoleSchema } from './permissions.js';

/**
 * Every state-changing request to /trpc and /auth must carry this header with the value "1". A cross-site
 * HTML form cannot set a custom header, and a cross-site fetch that sets one needs a CORS preflight that this
 * server never grants.
 */
export const CSRF_HEADER = 'x-inquiry-desk';
export const CSRF_HEADER_VALUE = '1';

/** Where the SSO flow starts (a plain link, not a form: the browser navigates to the identity provider). */
export const OIDC_START_PATH = '/auth/oidc/start';
/** The console's sign-in page; SSO failures are sent back here as `?error=<SsoErrorCode>`. */
export const SIGN_IN_PATH = '/sign-in';

export const SSO_ERROR_CODES = ['sso_failed', 'sso_expired', 'sso_no_role', 'sso_refused', 'sso_disabled'] as const;
export type SsoErrorCode = (typeof SSO_ERROR_CODES)[number];
export const SSO_ERROR_MESSAGES: Record<SsoErrorCode, string> = {
  sso_failed: 'Single sign-on did not complete. Try again.',
  sso_expired: 'The single sign-on attempt took too long or was started in another browser. Try again.',
  sso_no_role: 'Your identity provider account has no Inquiry Desk role. Ask an admin to add you to a group.',
  sso_refused: 'This account cannot sign in. Ask an admin.',
  sso_disabled: 'Single sign-on is not configured.',
};

/** Passwords people choose; long enough for a passphrase, short enough not to make hashing a denial of service. */
export const NewPasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters');

export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an email address'))
  .transform((e) => e.toLowerCase());

export const LoginInputSchema = z
  .object({
    email: z.string().max(254),
    // Not the new-password rules: a sign-in attempt with a short password is simply wrong, not invalid.
    password: z.string().max(1024),
  })
  .strict();
export type LoginInput = z.infer<typeof LoginInputSchema>;

export const SignedInStaffSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: RoleSchema,
});
export type SignedInStaff = z.infer<typeof SignedInStaffSchema>;

export const MeSchema = z
  .object({
    staff: SignedInStaffSchema.extend({ mustChangePassword: z.boolean() }),
    permissions: z.array(PermissionSchema),
    /** Permissions held only for the person's own records (support: revoke and audit). */
    ownOnly: z.array(PermissionSchema),
    session: z.object({ expiresAt: z.date(), idleExpiresAt: z.date() }).nullable(),
  })
  .nullable();
export type Me = z.infer<typeof MeSchema>;

export const SignInOptionsSchema = z.object({
  password: z.boolean(),
  sso: z.object({ startUrl: z.string() }).nullable(),
});
export type SignInOptions = z.infer<typeof SignInOptionsSchema>;

export const ChangePasswordInputSchema = z
  .object({ currentPassword: z.string().max(1024), newPassword: NewPasswordSchema })
  .strict();

// Staff management (admin).

export const StaffIdSchema = z.string().regex(/^stf_[A-Za-z0-9]+$/, 'must be a staff id (stf_…)');
// Every change to staff (create, role, disable, enable, password reset, ending sessions) carries the admin's reason,
// recorded in its audit event: the same rule as the guarded inquiry actions (shared/actions.ts).

export const StaffListItemSchema = SignedInStaffSchema.extend({
  disabledAt: z.date().nullable(),
  createdAt: z.date(),
  lastLoginAt: z.date().nullable(),
  hasPassword: z.boolean(),
  mustChangePassword: z.boolean(),
  activeSessionCount: z.number().int(),
  /**
   * Password sign-in is locked from at least one address until then (the latest such lock), after failed
   * attempts there; null when no address is locked. An admin can lift it (staff.unlockSignIn).
   */
  signInLockedUntil: z.date().nullable(),
});
export type StaffListItem = z.infer<typeof StaffListItemSchema>;
export const StaffListOutputSchema = z.object({ items: z.array(StaffListItemSchema) });

export const CreateStaffInputSchema = z
  .object({ email: EmailSchema, displayName: z.string().trim().min(1).max(200), role: RoleSchema, reason: ReasonSchema })
  .strict();
export const CreateStaffOutputSchema = z.object({
  staff: StaffListItemSchema,
  /** Shown once; null when local passwords are off (the person signs in with SSO). */
  oneTimePassword: z.string().nullable(),
});

export const ChangeRoleInputSchema = z.object({ id: StaffIdSchema, role: RoleSchema, reason: ReasonSchema }).strict();
export const StaffTargetInputSchema = z.object({ id: StaffIdSchema, reason: ReasonSchema }).strict();
export const ResetPasswordOutputSchema = z.object({ oneTimePassword: z.string() });
export const UnlockSignInOutputSchema = z.object({
  /** Locks lifted: addresses from which the person could not sign in until now (0: none was in force). */
  unlockedAddresses: z.number().int(),
});

export const StaffSessionSchema = z.object({
  id: z.string(),
  method: z.enum(['password', 'oidc']),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  endedAt: z.date().nullable(),
  endReason: z.string().nullable(),
  /** Live: not ended and neither idle nor past its absolute expiry. */
  active: z.boolean(),
  /** The session making this request. */
  current: z.boolean(),
});
export type StaffSession = z.infer<typeof StaffSessionSchema>;
export const StaffSessionsOutputSchema = z.object({ items: z.array(StaffSessionSchema) });
export const EndSessionsOutputSchema = z.object({ ended: z.number().int() });

/** A staff session's public id (`stses_…`, as `staff.sessions` lists it); never the cookie or its hash. */
export const StaffSessionIdSchema = z.string().max(100).regex(/^stses_[A-Za-z0-9]+$/, 'must be a session id (stses_…)');
/** Ends one live session of the person `id`. */
export const EndSessionInputSchema = z.object({ id: StaffIdSchema, sessionId: StaffSessionIdSchema, reason: ReasonSchema }).strict();
export const EndSessionOutputSchema = z.object({
  sessionId: z.string(),
  endedAt: z.date(),
  /** It was the session making this request: the caller is signed out now. */
  current: z.boolean(),
});
