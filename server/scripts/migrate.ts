import { exitOnConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrate, MigrationPrivilegeError } from '../db/migrate.js';
import { describeRolesReport, PGLITE_HAS_NO_ROLES, RolesError, setUpDatabaseRoles } from '../db/roles.js';

// `npm run db:migrate [-- --create-roles]`: the roles part is docs/operations.md, "Database roles".
const USAGE = 'Usage: npm run db:migrate [-- --create-roles]\n  --create-roles  create (or update) the owner and application roles (DATABASE_OWNER_ROLE, DATABASE_APP_ROLE,\n                  DATABASE_APP_PASSWORD, DATABASE_OWNER_PASSWORD), migrate as the owner and grant the application its privileges';
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const unknown = args.filter((arg) => arg !== '--create-roles');
if (unknown.length > 0) {
  process.stderr.write(`Unknown argument ${unknown[0]}\n${USAGE}\n`);
  process.exit(2);
}
const createRoles = args.includes('--create-roles');

exitOnConfigError();
const config = loadConfig();
if (createRoles && !config.databaseUrl) {
  process.stderr.write(`${PGLITE_HAS_NO_ROLES}\n`);
  process.exit(1);
}
const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
try {
  if (createRoles) {
    const report = await setUpDatabaseRoles(database, config.databaseRoles);
    console.log(describeRolesReport(report, config.databaseRoles).join('\n'));
  } else {
    const applied = await migrate(database);
    console.log(applied.length > 0 ? `Applied ${applied.join(', ')}` : 'Database is up to date.');
  }
} catch (error) {
  if (!(error instanceof RolesError || error instanceof MigrationPrivilegeError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
