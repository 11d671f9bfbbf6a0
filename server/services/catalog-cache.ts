import type { Database } from '../db/index.js';
import * as templatesRepo from '../repositories/templates.js';

/** Every template version with its template's latest version: what the list resolves template/version filters with. */
export type VersionCatalog = Awaited<ReturnType<typeof templatesRepo.listVersions>>;

/** The channel migrations/0017 notifies on any change to templates or template_versions. */
export const CATALOG_CHANNEL = 'inquiry_desk_catalog';

/**
 * The version catalogue, kept in this process between requests (issue 13, "A leaner request path";
 * docs/performance.md, "The version catalogue cache"), so a list page costs one round trip fewer.
 *
 * Correct across instances: every change to templates or template_versions notifies CATALOG_CHANNEL at commit
 * (migrations/0017), and this instance's listening connection drops the copy. While that connection is not
 * listening (before it connects, after an error, until it has re-LISTENed) the copy is neither used nor kept, so a
 * notification missed then cannot leave a stale catalogue behind. A load that was running when a notification
 * arrived is answered but not kept.
 */
export interface CatalogCache {
  versions(): Promise<VersionCatalog>;
  /** Drops this instance's copy now: a service that changed templates or versions calls it after its commit, so the
   * next list on this instance does not wait for the notification that tells every other instance. */
  invalidate(): void;
  /** Whether a copy would be used now (listening); tests read it. */
  listening(): boolean;
  close(): void;
}

export function createCatalogCache(database: Database, load: (db: Database['db']) => Promise<VersionCatalog> = templatesRepo.listVersions): CatalogCache {
  let listening = false;
  let closed = false;
  // Bumped by every notification and every change of listening state: a load that started under an older
  // generation is not kept.
  let generation = 0;
  let cached: { generation: number; value: Promise<VersionCatalog> } | null = null;

  const unsubscribe = database.notifications.subscribe(CATALOG_CHANNEL, {
    onNotify: () => {
      generation += 1;
      cached = null;
    },
    onListening: (state) => {
      generation += 1;
      cached = null;
      listening = state;
    },
  });

  return {
    versions() {
      if (!listening || closed) return load(database.db);
      if (cached && cached.generation === generation) return cached.value;
      const started = generation;
      const value = load(database.db);
      cached = { generation: started, value };
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
      return value;
    },
    invalidate() {
      generation += 1;
      cached = null;
    },
    listening: () => listening && !closed,
    close() {
      closed = true;
      cached = null;
      unsubscribe();
    },
  };
}
