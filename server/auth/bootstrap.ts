import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { ensureAdmin, ensureDemoStaff } from '../services/staff.js';
import { generateOneTimePassword } from './passwords.js';

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
  return lines;
}
