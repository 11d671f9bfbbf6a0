import { exitOnConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { verifyAuditChain } from '../audit/verify.js';

/** `npm run audit:verify`: recomputes the whole audit chain; exits 1 when it is broken, 2 when it cannot run. */
exitOnConfigError();
const config = loadConfig();
const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
try {
  const started = performance.now();
  const result = await verifyAuditChain(database.db, config.databaseUrl ? { databaseUrl: config.databaseUrl } : {});
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (result.ok) {
    console.log(`Audit chain intact: ${result.checked} events, head ${result.headHash} (${seconds} s)`);
  } else {
    console.log(`Audit chain BROKEN at seq ${result.firstBrokenSeq}: ${result.checked} events before it are intact; recorded head ${result.headHash}`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`Audit verification could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await database.close();
}
