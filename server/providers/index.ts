import type { AppDeps } from '../context.js';
import type { Database } from '../db/index.js';
import { createLocalProvider } from './local/provider.js';
import { loadTokenSecret, SessionTokens } from './local/tokens.js';
import type { InquiryProvider } from './types.js';

const providers = new WeakMap<Database, Promise<{ provider: InquiryProvider; tokens: SessionTokens }>>();

/**
 * The configured provider for this database, built once (the token secret may have to be read from the
 * database first). Only the local engine exists so far: INQUIRY_PROVIDER=persona is refused at start-up.
 */
export function engineFor(deps: Pick<AppDeps, 'database' | 'config'>): Promise<{ provider: InquiryProvider; tokens: SessionTokens }> {
  let engine = providers.get(deps.database);
  if (!engine) {
    engine = (async () => {
      if (deps.config.inquiryProvider !== 'local') {
        throw new Error('INQUIRY_PROVIDER=persona is not implemented yet: only the local engine is available.');
      }
      const tokens = new SessionTokens(await loadTokenSecret(deps.database.db, deps.config.sessionTokenSecret));
      const provider = createLocalProvider({ tokens, hostedFlowUrl: deps.config.hostedFlowUrl, sessionCap: deps.config.guards.sessionCap });
      return { provider, tokens };
    })();
    engine.catch(() => providers.delete(deps.database));
    providers.set(deps.database, engine);
  }
  return engine;
}

export async function providerFor(deps: Pick<AppDeps, 'database' | 'config'>): Promise<InquiryProvider> {
  return (await engineFor(deps)).provider;
}
