/**
 * The inquiry store: the one home of every write to `inquiries`, `inquiry_sessions` (and their later hand-outs,
 * `session_handouts`), `access_links` and `inquiry_events`, and of the invariants that ride on them (the live-session predicate, live_session_until, a
 * timeline entry beside each change). Services, the local provider, the sweeper and the hosted flow say what
 * happened (`store.inquiryStarted(trx, …)`); how it is stored is decided here. Use as `import * as store`.
 */
export * from './inquiries.js';
export * from './sessions.js';
export * from './links.js';
export * from './sweep.js';
export { expiryReapplied, policyTarget, reappliedExpiry } from './expiry.js';
export { rebuildCompletionDays, DURATION_EDGES } from './completions.js';
export { sessionLiveAt, sessionOpen, liveSessionCount, noLiveSessionAt, refreshLiveSessionUntil } from './live-sessions.js';
export { inquiryStartedFromBareId, isBareIdSession, STARTED_FROM_BARE_ID, type BareIdStart } from './bare-id.js';
export type { TimelineEvent } from './events.js';
export { catalogueRenumbered, catalogueSeen, catalogueTemplateIds, mirroredSessionClaimed, inquiryMirrored, sessionMirrored, type RemoteInquiry, type RemoteSession, type MirrorOutcome } from './mirror.js';
