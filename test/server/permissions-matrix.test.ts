import { getTRPCErrorFromUnknown } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../server/context.js';
import { createContextInner } from '../../server/context.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory, type ProcedureMeta } from '../../server/trpc.js';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Permission, type PermissionScope, type Role } from '../../shared/permissions.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { authTestDeps, contextAs, testStaff } from '../helpers/auth.js';

/**
 * Reviewed, literal tables — written out by hand, never computed from the router or from hasPermission — so
 * that a procedure declaring the wrong permission, a new procedure without a row, a row for a procedure that
 * no longer exists, or a change to shared/permissions.ts that DESIGN §5 does not say, each fails here.
 *
 * Changing any table below is a security review: check it against DESIGN §5 (roles) and §4 (actions).
 */

type Access = 'public' | 'authenticated' | Permission;

/** Every procedure of appRouter → who may call it. */
const PROCEDURE_ACCESS: Readonly<Record<string, Access>> = {
  'auth.me': 'public',
  'auth.signInOptions': 'public',
  'auth.changePassword': 'authenticated',

  'inquiries.list': 'inquiry:read',
  'inquiries.find': 'inquiry:read',
  'inquiries.get': 'inquiry:read',
  'inquiries.overview': 'inquiry:read',
  'inquiries.actionsFor': 'inquiry:read',
  'inquiries.resume': 'inquiry:act',
  'inquiries.recreate': 'inquiry:act',
  'inquiries.create': 'inquiry:act',
  'inquiries.expireSessions': 'access:revoke',
  'inquiries.revealPii': 'pii:reveal',

  'templates.list': 'inquiry:read',
  'templates.staticLink': 'inquiry:act',
  'templates.get': 'inquiry:read',
  'templates.policyHistory': 'inquiry:read',
  'templates.previewPolicy': 'policy:edit',
  'templates.updatePolicy': 'policy:edit',
  'templates.applyPolicy': 'policy:edit',
  'templates.publishVersion': 'policy:edit',
  'templates.recreateOutdated': 'policy:edit',

  'links.createOneTime': 'inquiry:act',
  'links.createWithToken': 'link:token',
  'links.revoke': 'access:revoke',
  // The two-person rule (docs/two-person-rule.md): deciding needs access:revoke on all records, which the service
  // checks (support's 'own' scope sees only their own requests, and decides nothing); collecting is the requester's.
  'links.approvals': 'access:revoke',
  'links.approve': 'access:revoke',
  'links.reject': 'access:revoke',
  'links.myRequests': 'link:token',
  'links.collect': 'link:token',

  'staff.list': 'staff:manage',
  'staff.create': 'staff:manage',
  'staff.changeRole': 'staff:manage',
  'staff.disable': 'staff:manage',
  'staff.enable': 'staff:manage',
  'staff.resetPassword': 'staff:manage',
  'staff.sessions': 'staff:manage',
  'staff.endSession': 'staff:manage',
  'staff.endSessions': 'staff:manage',
  'staff.unlockSignIn': 'staff:manage',

  'customers.list': 'apikey:manage',
  'apiKeys.list': 'apikey:manage',
  'apiKeys.create': 'apikey:manage',
  'apiKeys.revoke': 'apikey:manage',

  'access.list': 'access:read',
  'access.outliers': 'access:read',
  'access.revokePreview': 'access:revoke',
  'access.revokeMatching': 'access:revoke',
  'access.revokeStatus': 'access:revoke',

  'audit.verify': 'audit:export',
  'audit.list': 'audit:read',

  'persona.syncStatus': 'provider:sync',
  'persona.startSync': 'provider:sync',
};

/** Callable while a one-time password still has to be replaced (besides public ones, which never check). */
const ALLOWED_BEFORE_PASSWORD_CHANGE = ['auth.changePassword', 'auth.me'];

/** DESIGN §5, row by row: role → permission → scope ('own': only what the person did or issued). */
const DESIGN_ROLE_PERMISSIONS: Readonly<Record<Role, Readonly<Partial<Record<Permission, PermissionScope>>>>> = {
  viewer: {
    'inquiry:read': 'all',
  },
  support: {
    'inquiry:read': 'all',
    'pii:reveal': 'all',
    'inquiry:act': 'all',
    'link:token': 'all',
    'access:revoke': 'own',
    'access:read': 'own',
    'audit:read': 'own',
  },
  compliance: {
    'inquiry:read': 'all',
    'pii:reveal': 'all',
    'access:revoke': 'all',
    'access:read': 'all',
    'audit:read': 'all',
    'audit:export': 'all',
  },
  manager: {
    'inquiry:read': 'all',
    // The issue narrows DESIGN §5's ✓: a manager reads policy and template events only.
    'audit:read': 'policy',
    'policy:edit': 'all',
  },
  admin: {
    'inquiry:read': 'all',
    'pii:reveal': 'all',
    'inquiry:act': 'all',
    'link:token': 'all',
    'access:revoke': 'all',
    'access:read': 'all',
    'audit:read': 'all',
    'audit:export': 'all',
    'policy:edit': 'all',
    'staff:manage': 'all',
    'apikey:manage': 'all',
    // Issue 15: the Persona backfill is started and watched by admins only.
    'provider:sync': 'all',
  },
};

/** Role → the procedures it may call (every other non-public one is FORBIDDEN), sorted. */
const READ = ['inquiries.actionsFor', 'inquiries.find', 'inquiries.get', 'inquiries.list', 'inquiries.overview', 'templates.list', 'templates.get', 'templates.policyHistory'];
const POLICY_EDIT = ['templates.previewPolicy', 'templates.updatePolicy', 'templates.applyPolicy', 'templates.publishVersion', 'templates.recreateOutdated'];
const SELF = ['auth.changePassword', 'auth.me', 'auth.signInOptions'];
const ROLE_CAN_CALL: Readonly<Record<Role, readonly string[]>> = {
  viewer: [...SELF, ...READ],
  support: [
    ...SELF,
    ...READ,
    'inquiries.expireSessions',
    'inquiries.create',
    'inquiries.recreate',
    'inquiries.resume',
    'inquiries.revealPii',
    'links.createOneTime',
    'links.createWithToken',
    'links.revoke',
    'links.approvals',
    'links.approve',
    'links.reject',
    'links.myRequests',
    'links.collect',
    'templates.staticLink',
    'access.list',
    'access.outliers',
    'access.revokePreview',
    'access.revokeMatching',
    'access.revokeStatus',
    'audit.list',
  ],
  compliance: [...SELF, ...READ, 'inquiries.expireSessions', 'inquiries.revealPii', 'links.revoke', 'links.approvals', 'links.approve', 'links.reject', 'access.list', 'access.outliers', 'access.revokePreview', 'access.revokeMatching', 'access.revokeStatus', 'audit.verify', 'audit.list'],
  manager: [...SELF, ...READ, ...POLICY_EDIT, 'audit.list'],
  admin: Object.keys(PROCEDURE_ACCESS),
};
/** Anonymous callers: only these; everything else is UNAUTHORIZED. */
const ANONYMOUS_CAN_CALL = ['auth.me', 'auth.signInOptions'];

// At run time `_def.procedures` is flat, keyed by dotted path; its static type is the nested router record.
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>)
  .map(([path, procedure]) => ({ path, meta: procedure._def.meta ?? {} }))
  .sort((a, b) => a.path.localeCompare(b.path));
const procedurePaths = procedures.map((p) => p.path);

/** What a procedure's meta declares, in the table's terms (null: declares nothing, so nobody may call it). */
function declaredAccess(meta: ProcedureMeta): Access | null {
  if (meta.permission) return meta.permission;
  if (meta.public) return 'public';
  if (meta.authenticated) return 'authenticated';
  return null;
}

const sorted = (list: readonly string[]) => [...list].sort((a, b) => a.localeCompare(b));

describe('the reviewed tables', () => {
  it('name exactly the procedures of appRouter (a new procedure needs a row; a removed one loses its row)', () => {
    expect(procedurePaths.length).toBeGreaterThan(20);
    expect(sorted(Object.keys(PROCEDURE_ACCESS))).toEqual(procedurePaths);
  });

  it('name only real permissions and procedures', () => {
    for (const access of Object.values(PROCEDURE_ACCESS)) {
      if (access !== 'public' && access !== 'authenticated') expect(PERMISSIONS).toContain(access);
    }
    for (const list of [...Object.values(ROLE_CAN_CALL), ANONYMOUS_CAN_CALL, ALLOWED_BEFORE_PASSWORD_CHANGE]) {
      for (const path of list) expect(procedurePaths).toContain(path);
    }
  });

  it('shared/permissions.ts is DESIGN §5, scopes included', () => {
    expect(ROLES).toEqual(['viewer', 'support', 'compliance', 'manager', 'admin']);
    expect(ROLE_PERMISSIONS).toEqual(DESIGN_ROLE_PERMISSIONS);
  });

  it('role → callable procedures agrees with procedure → access and DESIGN §5', () => {
    for (const role of ROLES) {
      const fromTables = Object.entries(PROCEDURE_ACCESS)
        .filter(([, access]) => access === 'public' || access === 'authenticated' || DESIGN_ROLE_PERMISSIONS[role][access] !== undefined)
        .map(([path]) => path);
      expect(sorted(ROLE_CAN_CALL[role]), role).toEqual(sorted(fromTables));
    }
  });
});

describe('every procedure declares the access its row says', () => {
  it.each(procedures)('$path', ({ path, meta }) => {
    expect(PROCEDURE_ACCESS, `${path} has no row in PROCEDURE_ACCESS: add one after review`).toHaveProperty([path]);
    expect(declaredAccess(meta), `${path} declares a different access than the reviewed table`).toBe(PROCEDURE_ACCESS[path]);
    expect(meta.allowedBeforePasswordChange === true, `${path}: allowedBeforePasswordChange`).toBe(ALLOWED_BEFORE_PASSWORD_CHANGE.includes(path));
  });
});

type Outcome = 'allowed' | 'UNAUTHORIZED' | `FORBIDDEN: ${string}`;

describe('procedure × caller, called for real', () => {
  let database: TestDatabase;
  let deps: AppDeps;
  const createCaller = createCallerFactory(appRouter);

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    deps = authTestDeps(database).deps;
  });
  afterAll(async () => {
    await database?.close();
  });

  /** Calls with no input: permitted callers fail input validation (or read an empty database), refused ones never get that far. */
  async function outcomeOf(path: string, ctx: ReturnType<typeof contextAs>): Promise<Outcome> {
    const caller = createCaller(ctx) as unknown as Record<string, unknown>;
    const fn = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input?: unknown) => Promise<unknown>;
    try {
      await fn(undefined);
      return 'allowed';
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'UNAUTHORIZED') return 'UNAUTHORIZED';
      if (error.code === 'FORBIDDEN') return `FORBIDDEN: ${error.message}`;
      return 'allowed';
    }
  }

  /** From the literal tables only. */
  function expected(path: string, role: Role | null): Outcome {
    if (role === null) return ANONYMOUS_CAN_CALL.includes(path) ? 'allowed' : 'UNAUTHORIZED';
    if (ROLE_CAN_CALL[role].includes(path)) return 'allowed';
    return `FORBIDDEN: Your role (${role}) does not have the permission '${PROCEDURE_ACCESS[path]}'.`;
  }

  it.each(procedurePaths)('%s', async (path) => {
    const actual: Record<string, Outcome> = {};
    const wanted: Record<string, Outcome> = {};
    for (const role of [null, ...ROLES]) {
      actual[role ?? 'anonymous'] = await outcomeOf(path, contextAs(deps, role));
      wanted[role ?? 'anonymous'] = expected(path, role);
    }
    expect(actual).toEqual(wanted);
  });

  it('before a one-time password is replaced, only sign-in state and changing the password are callable', async () => {
    const ctx = createContextInner(deps, { requestId: 'test', staff: testStaff('admin', { mustChangePassword: true }) });
    const allowed: string[] = [];
    expect(procedurePaths.length).toBeGreaterThan(20);
    for (const path of procedurePaths) {
      const outcome = await outcomeOf(path, ctx);
      if (outcome === 'allowed') allowed.push(path);
      else expect(outcome, path).toBe('FORBIDDEN: Choose a new password before continuing: you signed in with a one-time password.');
    }
    expect(allowed).toEqual(['auth.changePassword', 'auth.me', 'auth.signInOptions']);
  });
});
