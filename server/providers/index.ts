import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import type { AppDeps } from '../deps.js';
import { createMetrics, type AppMetrics } from '../metrics/index.js';
import { createLocalProvider } from './local/provider.js';
import type { Logger } from '../logger.js';
import { loadTokenKeys } from './local/token-keys.js';
import type { InquiryProvider } from './types.js';
import { createPersonaClient } from './persona/client.js';
import { createPersonaProvider } from './persona/provider.js';
import { rateGateFor } from './persona/rate-gate.js';
import { createCatalogCache, type CatalogCache } from '../services/catalog-cache.js';

/**
 * The configured provider for this database: the local engine (its token keys resolved on first use, `ready()`;
 * token-keys.ts), or Persona's API (INQUIRY_PROVIDER=persona; its settings were checked by loadConfig).
 */
export function createProvider(database: Database, config: Config, log?: Logger, now: () => Date = () => new Date()): InquiryProvider {
  if (config.inquiryProvider === 'persona') {
    if (!config.persona) throw new Error('INQUIRY_PROVIDER=persona without its settings: build the config with loadConfig');
    return createPersonaProvider({
      // One budget for every instance on this database (PostgreSQL), or for this process (the embedded database).
      client: createPersonaClient({ ...config.persona, gate: rateGateFor(database, config.persona.rateLimitPerMinute), now, ...(log ? { log } : {}) }),
      hostedFlowUrl: config.persona.hostedFlowUrl,
      ...(log ? { log } : {}),
    });
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
export function createDeps(
  base: Omit<AppDeps, 'provider' | 'metrics' | 'catalog'> & { metrics?: AppMetrics; catalog?: CatalogCache; provider?: InquiryProvider },
): AppDeps {
  return {
    ...base,
    metrics: base.metrics ?? createMetrics(base.database),
    catalog: base.catalog ?? createCatalogCache(base.database),
    provider: base.provider ?? createProvider(base.database, base.config, base.log),
  };
}
