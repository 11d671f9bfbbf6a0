import { exitOnConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { SEED_USAGE, UsageError, formatDemoStaff, formatSummary, parseSeedArgs, requireDemoPassword, runSeed, seedDemoStaff } from '../seed/cli.js';
import { SeedRefusedError } from '../seed/world.js';

// `npm run seed -- --inquiries N [--seed S] [--reset] [--demo-staff]`, or `npm run seed -- --demo-staff`

let args;
try {
  args = parseSeedArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${SEED_USAGE}\n`);
  process.exit(2);
}
if (args === 'help') {
  process.stdout.write(`${SEED_USAGE}\n`);
  process.exit(0);
}

exitOnConfigError();
const config = loadConfig();
// Before touching the database: a missing DEMO_PASSWORD is one line on stderr and exit code 1.
if (args.demoStaff) requireDemoPassword(config.databaseUrl ? 'postgres' : 'pglite', config.demoPassword);
const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
let exitCode = 0;
try {
  await migrate(database);
  const where = database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded database in ${config.dataDir}`;
  if (args.inquiries !== null) {
    process.stdout.write(`Seeding ${args.inquiries.toLocaleString('en-US')} inquiries (seed ${args.seed}) into ${where}…\n`);
    const run = await runSeed(database, { ...args, inquiries: args.inquiries }, {
      onStep: (step, ms) => {
        if (ms >= 1000) process.stdout.write(`  ${step} ${(ms / 1000).toFixed(1)} s\n`);
      },
    });
    if (run.truncated.length > 0) process.stdout.write(`Emptied first: ${run.truncated.join(', ')}\n`);
    process.stdout.write(`${formatSummary(run.summary)}\nDone in ${(run.elapsedMs / 1000).toFixed(1)} s.\n`);
  }
  if (args.demoStaff) {
    if (args.inquiries === null) process.stdout.write(`Creating the demo staff in ${where}…\n`);
    process.stdout.write(`${formatDemoStaff(await seedDemoStaff(database, config.demoPassword))}\n`);
  }
} catch (error) {
  if (!(error instanceof SeedRefusedError)) throw error;
  process.stderr.write(`${error.message}\n`);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
