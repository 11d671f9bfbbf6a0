import { parseArgs } from 'node:util';
import { ensureAdmin, recoverAdmin } from '../auth/bootstrap.js';
import { exitOnConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { AppError } from '../errors.js';
import { EmailSchema } from '../../shared/auth.js';

/**
 * `npm run staff:create-admin -- --email ops@example.com [--name "Olga Ops"]` creates an admin and prints a
 * one-time password, once (changed at first sign-in). `--reset` instead gives an existing account admin rights
 * and a new one-time password: the way back in when nobody can sign in as an admin.
 */
const USAGE = 'Usage: npm run staff:create-admin -- --email <email> [--name "<display name>"] [--reset]';

const { values } = parseArgs({
  options: { email: { type: 'string' }, name: { type: 'string' }, reset: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const email = EmailSchema.safeParse(values.email ?? '');
if (!email.success) {
  console.error(`${USAGE}\n--email must be an email address.`);
  process.exit(2);
}

exitOnConfigError();
const config = loadConfig();
const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
try {
  await migrate(database);
  if (values.reset) {
    const { oneTimePassword } = await recoverAdmin(database.db, email.data);
    console.log(`${email.data} is an enabled admin again; their sessions were ended.`);
    console.log(`One-time password (shown once; change it at first sign-in): ${oneTimePassword}`);
  } else {
    const result = await ensureAdmin(database.db, { email: email.data, displayName: values.name, via: 'cli' });
    if (!result.created) {
      console.error(`A staff account with the email ${email.data} already exists. Use --reset to make it an admin with a new one-time password.`);
      process.exitCode = 1;
    } else {
      console.log(`Admin ${email.data} created.`);
      console.log(`One-time password (shown once; change it at first sign-in): ${result.oneTimePassword ?? ''}`);
    }
  }
} catch (error) {
  console.error(error instanceof AppError ? error.message : `Could not create the admin: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
