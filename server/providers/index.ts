import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import type { AppDeps } from '../deps.js';
import { createMetrics, type AppMetrics } from '../metrics/index.js';
import { createLocalProvider } from './local/provider.js';
import type { Logger } from '../logger.js';
import { loadTokenKeys } from './local/token-keys.js';
import type { InquiryProvider } from './types.js';
import { createCatalogCache, type CatalogCache } from '../services/catalog-cache.js';

/**
 * The configured provider for this database. Only the local engine exists so far: INQUIRY_PROVIDER=persona is
 * refused here, at start-up. The local engine's token keys are resolved on first use (`ready()`; token-keys.ts).
 */
export function createProvider(database: Database, config: Config, log?: Logger): InquiryProvider {
  if (config.inquiryProvider !== 'local') {
    throw new Error('INQUIRY_PROVIDER=persona is not implemented yet: only the local engine is available.');
  }
  return createLocalProvider({
    keys: () => loadTokenKeys(database, { secret: config.sessionTokenSecret, previous: config.sessionTokenPreviousSecret }, log),
    hostedFlowUrl: config.hostedFlowUrl,
    sessionCap: config.guards.sessionCap,
  });
}

/**
 * The app's dependencies: the given ones, the provider configured for them, and a metrics registry and a version
 * catalogue cache unless given. The cache's subscription ends with `catalog.close()` or with the database's close.
 */
export function createDeps(base: Omit<AppDeps, 'provider' | 'metrics' | 'catalog'> & { metrics?: AppMetrics; catalog?: CatalogCache }): AppDeps {
  return {
    ...base,
    metrics: base.metrics ?? createMetrics(base.database),
    catalog: base.catalog ?? createCatalogCache(base.database),
    provider: createProvider(base.database, base.config, base.log),
  };
}
