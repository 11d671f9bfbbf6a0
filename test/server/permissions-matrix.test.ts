import { getTRPCErrorFromUnknown } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../server/context.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory, type ProcedureMeta } from '../../server/trpc.js';
import { hasPermission, PERMISSIONS, ROLES, type Role } from '../../shared/permissions.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { authTestDeps, contextAs } from '../helpers/auth.js';

/**
 * Generated from the router itself: every procedure × every role (and anonymous) must be allowed or refused
 * exactly as its declared permission and shared/permissions.ts say. A new procedure needs no change here; one
 * that declares no permission fails the first block.
 */

/** Reviewed exceptions. Anything else must declare a permission. */
const PUBLIC_PROCEDURES = new Set(['auth.me', 'auth.signInOptions']);
const SIGNED_IN_PROCEDURES = new Set(['auth.changePassword']);

// At run time `_def.procedures` is flat, keyed by dotted path; its static type is the nested router record.
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>)
  .map(([path, procedure]) => ({ path, meta: procedure._def.meta ?? {} }))
  .sort((a, b) => a.path.localeCompare(b.path));

type Access = 'public' | 'signed-in' | { permission: string };
function declaredAccess(meta: ProcedureMeta): Access | null {
  if (meta.permission) return { permission: meta.permission };
  if (meta.public) return 'public';
  if (meta.authenticated) return 'signed-in';
  return null;
}

describe('every procedure declares who may call it', () => {
  it('finds the procedures', () => {
    expect(procedures.map((p) => p.path)).toEqual(expect.arrayContaining(['auth.me', 'inquiries.list', 'inquiries.get', 'inquiries.overview', 'templates.list', 'staff.list']));
  });

  it.each(procedures)('$path', ({ path, meta }) => {
    const access = declaredAccess(meta);
    if (PUBLIC_PROCEDURES.has(path)) {
      expect(access, `${path} is on the public list`).toBe('public');
    } else if (SIGNED_IN_PROCEDURES.has(path)) {
      expect(access, `${path} is on the signed-in list`).toBe('signed-in');
    } else {
      expect(access, `${path} must be built with permissionProcedure(…) (publicProcedure/authedProcedure need review)`).toEqual({
        permission: expect.any(String) as unknown,
      });
      expect(PERMISSIONS).toContain(meta.permission);
    }
  });
});

type Outcome = 'allowed' | 'UNAUTHORIZED' | `FORBIDDEN: ${string}`;

describe('procedure × role matrix', () => {
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
  async function outcomeOf(path: string, role: Role | null): Promise<Outcome> {
    const caller = createCaller(contextAs(deps, role)) as unknown as Record<string, unknown>;
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

  function expected(access: Access, role: Role | null): Outcome {
    if (access === 'public') return 'allowed';
    if (role === null) return 'UNAUTHORIZED';
    if (access === 'signed-in') return 'allowed';
    return hasPermission(role, access.permission as (typeof PERMISSIONS)[number])
      ? 'allowed'
      : `FORBIDDEN: Your role (${role}) does not have the permission '${access.permission}'.`;
  }

  const declared = procedures.flatMap(({ path, meta }) => {
    const access = declaredAccess(meta);
    return access ? [{ path, access }] : [];
  });

  it.each(declared)('$path', async ({ path, access }) => {
    const actual: Record<string, Outcome> = {};
    const wanted: Record<string, Outcome> = {};
    for (const role of [null, ...ROLES]) {
      actual[role ?? 'anonymous'] = await outcomeOf(path, role);
      wanted[role ?? 'anonymous'] = expected(access, role);
    }
    expect(actual).toEqual(wanted);
  });
});
