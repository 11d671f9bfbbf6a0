import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import type { AppDeps } from '../deps.js';
import { createLocalProvider } from './local/provider.js';
import { loadTokenSecret } from './local/tokens.js';
import type { InquiryProvider } from './types.js';

/**
 * The configured provider for this database. Only the local engine exists so far: INQUIRY_PROVIDER=persona is
 * refused here, at start-up. The local engine's token secret is resolved on first use (it may live in the database).
 */
export function createProvider(database: Database, config: Config): InquiryProvider {
  if (config.inquiryProvider !== 'local') {
    throw new Error('INQUIRY_PROVIDER=persona is not implemented yet: only the local engine is available.');
  }
  return createLocalProvider({
    secret: () => loadTokenSecret(database.db, config.sessionTokenSecret),
    hostedFlowUrl: config.hostedFlowUrl,
    sessionCap: config.guards.sessionCap,
  });
}

/** The app's dependencies: the given ones and the provider configured for them. */
export function createDeps(base: Omit<AppDeps, 'provider'>): AppDeps {
  return { ...base, provider: createProvider(base.database, base.config) };
}
