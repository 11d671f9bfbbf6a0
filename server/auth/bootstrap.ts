import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/canonical.js';
import type { Config } from '../config.js';
import { newId } from '../crypto.js';
import type { DB, StaffRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import * as staffSessions from '../repositories/staff-sessions.js';
import * as staffRepo from '../repositories/staff.js';
import { appendAuditEvent } from '../services/audit.js';
import type { Role } from '../../shared/permissions.js';
import { generateOneTimePassword, hashPassword } from './passwords.js';
import { SYSTEM_ACTOR } from './principal.js';

/**
 * Staff accounts that exist before anyone signs in: the first admin, the demo staff, and an admin recovered from
 * the command line. These run outside any request, as the system.
 */

/**
 * Start-up: the first admin from ADMIN_EMAIL (and ADMIN_PASSWORD, or a generated one-time password) and, for a
 * freshly seeded demo database, the demo staff (DEMO_PASSWORD, or a generated password). Returns lines for the
 * person starting the server; they are printed once, to the terminal, never to the log. Existing accounts are
 * never changed.
 */
export async function bootstrapStaff(db: Kysely<DB>, config: Config, options: { demo: boolean }): Promise<string[]> {
  const lines: string[] = [];
  const { adminEmail, adminPassword } = config.auth;
  if (adminEmail) {
    const result = await ensureAdmin(db, { email: adminEmail, password: adminPassword, via: 'env' });
    if (result.created) {
      lines.push(
        result.oneTimePassword
          ? `Admin ${adminEmail} created. One-time password (shown once, change it at first sign-in): ${result.oneTimePassword}`
          : `Admin ${adminEmail} created with ADMIN_PASSWORD.`,
      );
    }
  }
  if (options.demo) {
    const password = config.demoPassword ?? generateOneTimePassword();
    const created = await ensureDemoStaff(db, password);
    if (created.length > 0) {
      lines.push(`Demo sign-ins: ${created.join(', ')}`);
      lines.push(config.demoPassword ? 'Password: the DEMO_PASSWORD you set.' : `Password (generated, shown once; set DEMO_PASSWORD to choose it): ${password}`);
    }
  }
  // A new server database has nobody to sign in as: say how to make someone.
  if (lines.length === 0 && (await staffRepo.countAll(db)) === 0) {
    lines.push('No staff yet, so nobody can sign in. Make an admin: npm run staff:create-admin -- --email you@example.com');
    lines.push('or the five demo sign-ins: DEMO_PASSWORD=… npm run seed -- --demo-staff');
  }
  return lines;
}

export const DEMO_STAFF: readonly { email: string; displayName: string; role: Role }[] = [
  { email: 'admin@demo.test', displayName: 'Ada Admin', role: 'admin' },
  { email: 'support@demo.test', displayName: 'Sam Support', role: 'support' },
  { email: 'compliance@demo.test', displayName: 'Cleo Compliance', role: 'compliance' },
  { email: 'manager@demo.test', displayName: 'Max Manager', role: 'manager' },
  { email: 'viewer@demo.test', displayName: 'Vic Viewer', role: 'viewer' },
];

async function createBySystem(
  db: Kysely<DB>,
  account: { email: string; displayName: string; role: Role; passwordHash: string | null; mustChangePassword: boolean },
  via: string,
  now: Date,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<StaffRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const created = await staffRepo.insertIfAbsent(trx, {
      id: newId('stf'),
      email: account.email.toLowerCase(),
      display_name: account.displayName,
      role: account.role,
      password_hash: account.passwordHash,
      must_change_password: account.mustChangePassword,
      created_at: now,
      updated_at: now,
    });
    if (created) {
      await appendAuditEvent(trx, {
        actor,
        action: 'staff.created',
        target: { type: 'staff', id: created.id },
        metadata: { email: created.email, role: created.role, via },
        occurredAt: now,
      });
    }
    return created;
  });
}

/**
 * Creates the five demo accounts (admin@demo.test … viewer@demo.test) that do not exist yet, all with
 * `password`. Idempotent. Returns the emails it created. Call it only for a demo database.
 */
export async function ensureDemoStaff(db: Kysely<DB>, password: string, now: Date = new Date()): Promise<string[]> {
  const passwordHash = await hashPassword(password);
  const created: string[] = [];
  for (const demo of DEMO_STAFF) {
    const row = await createBySystem(db, { ...demo, passwordHash, mustChangePassword: false }, 'demo_seed', now);
    if (row) created.push(row.email);
  }
  return created;
}

/**
 * Ensures an admin account for `email` exists (ADMIN_EMAIL at start-up, `npm run staff:create-admin`). Never
 * changes an existing account. With no password given, a one-time password is generated and returned once,
 * and must be changed at first sign-in.
 */
export async function ensureAdmin(
  db: Kysely<DB>,
  input: { email: string; displayName?: string | undefined; password?: string | undefined; via: string },
  now: Date = new Date(),
): Promise<{ created: boolean; staffId: string; oneTimePassword: string | null }> {
  const existing = await staffRepo.findByEmail(db, input.email);
  if (existing) return { created: false, staffId: existing.id, oneTimePassword: null };
  const oneTimePassword = input.password ? null : generateOneTimePassword();
  const passwordHash = await hashPassword(input.password ?? oneTimePassword ?? '');
  const row = await createBySystem(
    db,
    { email: input.email, displayName: input.displayName ?? input.email, role: 'admin', passwordHash, mustChangePassword: oneTimePassword !== null },
    input.via,
    now,
  );
  if (!row) {
    const raced = await staffRepo.findByEmail(db, input.email);
    return { created: false, staffId: raced?.id ?? '', oneTimePassword: null };
  }
  return { created: true, staffId: row.id, oneTimePassword };
}

/**
 * Recovery from the command line (`npm run staff:create-admin -- --email … --reset`): the account becomes an
 * enabled admin with a new one-time password, and its sessions end. Audited as the system.
 */
export async function recoverAdmin(db: Kysely<DB>, email: string, now: Date = new Date()): Promise<{ staffId: string; oneTimePassword: string }> {
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const staffId = await db.transaction().execute(async (trx) => {
    const found = await staffRepo.findByEmail(trx, email);
    if (!found) throw new AppError('NOT_FOUND', `No staff account with the email ${email}.`);
    const target = await staffRepo.findByIdForUpdate(trx, found.id);
    if (!target) throw new AppError('NOT_FOUND', `No staff member ${found.id}.`);
    await staffRepo.update(trx, target.id, {
      role: 'admin',
      disabled_at: null,
      password_hash: passwordHash,
      must_change_password: true,
      password_changed_at: now,
      updated_at: now,
    });
    const ended = await staffSessions.endAllForStaff(trx, target.id, 'password_reset', now);
    await appendAuditEvent(trx, {
      actor: { type: 'system', id: 'cli', display: 'staff:create-admin' },
      action: 'staff.password_reset',
      target: { type: 'staff', id: target.id },
      metadata: { via: 'cli', roleBefore: target.role, wasDisabled: target.disabled_at !== null, endedSessionCount: ended.length },
      occurredAt: now,
    });
    return target.id;
  });
  return { staffId, oneTimePassword };
}
