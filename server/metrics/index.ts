import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/index.js';

/**
 * What /metrics reports (docs/operations.md, "Metrics"), in Prometheus's text format. One registry per app (tests
 * build many apps in one process; prom-client's global registry is never used), built by createDeps with the rest of
 * the app's dependencies. Every label is drawn from a short, fixed set — route patterns, procedure paths, tRPC
 * codes, action names — never from a URL, an id, a token or an address.
 */

const PREFIX = 'inquiry_desk_';

/** Requests here take milliseconds; the top buckets catch the statement and request time limits. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const AUDIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const SWEEP_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/**
 * The guarded actions staff take through tRPC, by procedure path (test/server/metrics.test.ts checks each path
 * exists). The partner API's resume is counted from its HTTP route (server/metrics/http.ts).
 */
export const GUARDED_PROCEDURES: ReadonlyMap<string, string> = new Map([
  ['inquiries.resume', 'resume'],
  ['inquiries.recreate', 'recreate'],
  ['inquiries.create', 'inquiry_create'],
  ['inquiries.expireSessions', 'sessions_expire'],
  ['links.createOneTime', 'one_time_link'],
  ['links.createWithToken', 'token_link'],
  ['links.revoke', 'link_revoke'],
  ['links.approve', 'token_link_approve'],
  ['links.reject', 'token_link_reject'],
  ['links.collect', 'token_link_collect'],
  ['inquiries.revealPii', 'pii_reveal'],
]);

export type ActionOutcome = 'ok' | 'refused' | 'error';

/**
 * Appending an audit event (validating, encoding and staging it: server/services/audit.ts). Process-wide, as the
 * audit service is called from transactions that carry no app; every app's registry reports it.
 */
export const auditAppendDuration = new Histogram<'mode'>({
  name: `${PREFIX}audit_append_duration_seconds`,
  help: 'Time to validate, encode and stage one audit event (mode=statement: its own round trip; batched: staged with the action\'s other last writes, encoding only). Chaining happens at COMMIT.',
  labelNames: ['mode'],
  buckets: AUDIT_BUCKETS,
  registers: [],
});

export interface AppMetrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method'>;
  procedureDuration: Histogram<'procedure' | 'type'>;
  procedureErrors: Counter<'procedure' | 'code'>;
  guardedActions: Counter<'action' | 'outcome'>;
  actionRefusals: Counter<'action' | 'reason'>;
  sweepRuns: Counter<'outcome'>;
  sweepDuration: Histogram<'outcome'>;
  sweepExpired: Counter<'kind'>;
}

export interface MetricsOptions {
  /** Also Node's process metrics (CPU, memory, event loop lag, GC): for the server process, not for tests. */
  processMetrics?: boolean;
}

export function createMetrics(database: Pick<Database, 'poolStats' | 'reportPoolStats' | 'sidePoolStats'>, options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  registry.registerMetric(auditAppendDuration);
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const poolStats = database.poolStats;
  if (poolStats) registerPoolMetrics(registry, poolStats, 'db_pool', 'the pool');
  // The access report's own read connections (Database.reportReads), under names of their own.
  const reportPoolStats = database.reportPoolStats;
  if (reportPoolStats) registerPoolMetrics(registry, reportPoolStats, 'db_report_pool', "the access report's read pool");
  // The side pool Persona's shared rate gate asks on (Database.side).
  const sidePoolStats = database.sidePoolStats;
  if (sidePoolStats) registerPoolMetrics(registry, sidePoolStats, 'db_side_pool', "the side pool (Persona's rate gate)");

  return {
    registry,
    httpRequests: new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by route pattern (not the URL), method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from receiving a request to the end of its answer, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    procedureDuration: new Histogram({
      name: `${PREFIX}trpc_procedure_duration_seconds`,
      help: 'Time each tRPC procedure call took (every call of a batch counts), by procedure path and type; _count is the call rate.',
      labelNames: ['procedure', 'type'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    procedureErrors: new Counter({
      name: `${PREFIX}trpc_procedure_errors_total`,
      help: 'tRPC procedure calls that ended in an error, by procedure path and tRPC error code.',
      labelNames: ['procedure', 'code'],
      registers,
    }),
    guardedActions: new Counter({
      name: `${PREFIX}guarded_actions_total`,
      help: 'Guarded actions attempted, by action and outcome (ok, refused: a 4xx answer, error: a 5xx answer).',
      labelNames: ['action', 'outcome'],
      registers,
    }),
    actionRefusals: new Counter({
      name: `${PREFIX}action_refusals_total`,
      help: 'Guarded actions refused, by action and reason (the error code, lower case: conflict, too_many_requests, precondition_failed, forbidden, …).',
      labelNames: ['action', 'reason'],
      registers,
    }),
    sweepRuns: new Counter({
      name: `${PREFIX}sweep_runs_total`,
      help: 'Expiry sweeps started by this instance, by outcome (ran; skipped: another instance held the sweep lock; error).',
      labelNames: ['outcome'],
      registers,
    }),
    sweepDuration: new Histogram({
      name: `${PREFIX}sweep_duration_seconds`,
      help: 'Time one expiry sweep took, by outcome.',
      labelNames: ['outcome'],
      buckets: SWEEP_BUCKETS,
      registers,
    }),
    sweepExpired: new Counter({
      name: `${PREFIX}sweep_expired_total`,
      help: 'What the expiry sweeps of this instance expired: inquiries, sessions, and links marked past their expiry.',
      labelNames: ['kind'],
      registers,
    }),
  };
}

/** A tRPC error code as a refusal reason label: `TOO_MANY_REQUESTS` → `too_many_requests`. */
export function refusalReason(code: string): string {
  return code.toLowerCase();
}

/** Counts a guarded action's outcome, and its refusal reason when it was refused. */
export function countGuardedAction(metrics: AppMetrics, action: string, outcome: ActionOutcome, reason?: string): void {
  metrics.guardedActions.inc({ action, outcome });
  if (outcome === 'refused' && reason !== undefined) metrics.actionRefusals.inc({ action, reason });
}

/** A server database's pool, read when Prometheus scrapes (nothing is done per request beyond the pool's own counts). */
function registerPoolMetrics(registry: Registry, stats: NonNullable<Database['poolStats']>, name: 'db_pool' | 'db_report_pool' | 'db_side_pool', what: string): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}${name}_connections`,
    help: `Open database connections of ${what}, by state (in_use, idle).`,
    labelNames: ['state'],
    registers,
    collect() {
      const s = stats();
      this.set({ state: 'in_use' }, s.total - s.idle);
      this.set({ state: 'idle' }, s.idle);
    },
  });
  new Gauge({
    name: `${PREFIX}${name}_max_connections`,
    help: `The most connections ${what} opens.`,
    registers,
    collect() {
      this.set(stats().max);
    },
  });
  new Gauge({
    name: `${PREFIX}${name}_waiting_requests`,
    help: `Requests waiting for a free connection of ${what} right now.`,
    registers,
    collect() {
      this.set(stats().waiting);
    },
  });
  // Counters read from the pool's running totals: reset and set to the total at each scrape.
  const total = (suffix: string, help: string, read: (s: ReturnType<typeof stats>) => number) =>
    new Counter({
      name: `${PREFIX}${name}_${suffix}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  total('acquires_total', `Connections checked out of ${what}.`, (s) => s.acquired);
  total('acquire_wait_seconds_total', `Seconds spent waiting to check a connection of ${what} out (divide by ${name}_acquires_total for the mean wait).`, (s) => s.acquireWaitSeconds);
  total('acquire_failures_total', `Check-outs of ${what} that failed (no connection within 10 s, or the database refused one).`, (s) => s.acquireFailures);
}
