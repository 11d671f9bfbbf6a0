import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';

const config = loadConfig();
const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
try {
  const applied = await migrate(database);
  console.log(applied.length > 0 ? `Applied ${applied.join(', ')}` : 'Database is up to date.');
} finally {
  await database.close();
}
