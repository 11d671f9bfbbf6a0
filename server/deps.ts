import type { StaffPrincipal } from './auth/principal.js';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Logger } from './logger.js';
import type { AppMetrics } from './metrics/index.js';
import type { CatalogCache } from './services/catalog-cache.js';
import type { InquiryProvider } from './providers/types.js';

/**
 * The app's dependencies and the request context, as types only: a leaf module that services, routers and the
 * hosted flow import without pulling in how a context is built (server/context.ts) or the services it calls.
 */

/** What every procedure, route and job may use. Built once by `createDeps` (server/providers/index.ts). */
export interface AppDeps {
  database: Database;
  config: Config;
  log: Logger;
  /** Injectable clock so tests can move time; everything time-dependent reads it. */
  now: () => Date;
  /** Every vendor-side effect goes through it (DESIGN §3); a test swaps it by building deps with another. */
  provider: InquiryProvider;
  /** This app's Prometheus registry and metrics (server/metrics), served at GET /metrics. */
  metrics: AppMetrics;
  /** The version catalogue kept between requests, invalidated by LISTEN/NOTIFY (server/services/catalog-cache.ts). */
  catalog: CatalogCache;
}

/** Where a request came from: what the audit log records beside an event. */
export interface RequestFacts {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /**
   * When the request's deadline passes, on `performance.now()`'s clock (server/deadline.ts); null or absent without
   * one. A vendor call made for the request is bounded by it (providers/call-context.ts, withCallDeadline).
   */
  deadlineAt?: number | null | undefined;
}

/** The dependencies of one request, before (or without) knowing who is signed in. */
export type RequestDeps = AppDeps & RequestFacts;

export interface Context extends RequestDeps {
  /** The signed-in member of staff, or null (anonymous). Procedures get it checked by server/trpc.ts. */
  staff: StaffPrincipal | null;
}
