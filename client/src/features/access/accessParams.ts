import { ACCESS_KINDS, ACCESS_KIND_LABELS, ACCESS_STATES, type AccessFilter, type AccessKind, type AccessListInput, type AccessState } from '@shared/access.js';
import { endOfLocalDay, formatDay, startOfLocalDay } from '../../lib/time';

/**
 * The access report's whole state lives in the URL (a view can be bookmarked and shared with a colleague). Values
 * that do not parse are ignored, never sent.
 */
export const PARAM = {
  kind: 'kind',
  state: 'state',
  issuer: 'issuer',
  inquiry: 'inquiry',
  issuedAfter: 'from',
  issuedBefore: 'to',
  ticket: 'ticket',
  pageSize: 'size',
  cursor: 'cursor',
} as const;

export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;

export type TicketFilter = 'with' | 'without';

export interface AccessReportState {
  kinds: AccessKind[];
  states: AccessState[];
  /** A staff id, partner key id or staff email. */
  issuer: string | null;
  inquiryId: string | null;
  /** Local calendar days, "YYYY-MM-DD", as the date inputs hold them. */
  issuedAfter: string | null;
  issuedBefore: string | null;
  ticket: TicketFilter | null;
  pageSize: number;
  /** Keyset cursors of the pages before this one. */
  cursors: string[];
}

export const STATE_LABELS: Record<AccessState, string> = {
  live: 'Live',
  used: 'Used',
  expired: 'Expired',
  revoked: 'Revoked',
  pending: 'Pending approval',
  approved: 'Approved',
  rejected: 'Rejected',
};

const ISSUER = /^(?:[A-Za-z0-9_-]{1,200}|[^\s@]{1,100}@[^\s@]{1,100})$/;
const INQUIRY_ID = /^inq_[A-Za-z0-9]{1,64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

const allOf = <T extends string>(allowed: readonly T[], values: string[]): T[] =>
  [...new Set(values)].filter((v): v is T => (allowed as readonly string[]).includes(v));

export function parseAccessState(params: URLSearchParams): AccessReportState {
  const day = (name: string) => {
    const value = params.get(name);
    return value && DAY.test(value) && startOfLocalDay(value) ? value : null;
  };
  const issuer = params.get(PARAM.issuer)?.trim() ?? '';
  const inquiry = params.get(PARAM.inquiry)?.trim() ?? '';
  const ticket = params.get(PARAM.ticket);
  const size = Number(params.get(PARAM.pageSize));
  return {
    kinds: allOf(ACCESS_KINDS, params.getAll(PARAM.kind)),
    states: allOf(ACCESS_STATES, params.getAll(PARAM.state)),
    issuer: ISSUER.test(issuer) ? issuer : null,
    inquiryId: INQUIRY_ID.test(inquiry) ? inquiry : null,
    issuedAfter: day(PARAM.issuedAfter),
    issuedBefore: day(PARAM.issuedBefore),
    ticket: ticket === 'with' || ticket === 'without' ? ticket : null,
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    cursors: params.getAll(PARAM.cursor).filter((c) => CURSOR.test(c)),
  };
}

export function toSearchParams(state: AccessReportState): URLSearchParams {
  const params = new URLSearchParams();
  for (const kind of state.kinds) params.append(PARAM.kind, kind);
  for (const s of state.states) params.append(PARAM.state, s);
  if (state.issuer) params.set(PARAM.issuer, state.issuer);
  if (state.inquiryId) params.set(PARAM.inquiry, state.inquiryId);
  if (state.issuedAfter) params.set(PARAM.issuedAfter, state.issuedAfter);
  if (state.issuedBefore) params.set(PARAM.issuedBefore, state.issuedBefore);
  if (state.ticket) params.set(PARAM.ticket, state.ticket);
  if (state.pageSize !== DEFAULT_PAGE_SIZE) params.set(PARAM.pageSize, String(state.pageSize));
  for (const cursor of state.cursors) params.append(PARAM.cursor, cursor);
  return params;
}

/** The filter the server reads (the list's, the bulk revocation's): whole local days, both ends included. */
export function toFilter(state: AccessReportState): AccessFilter {
  const filter: AccessFilter = {};
  if (state.kinds.length > 0) filter.kind = state.kinds;
  if (state.states.length > 0) filter.state = state.states;
  if (state.issuer) filter.issuer = state.issuer;
  if (state.inquiryId) filter.inquiryId = state.inquiryId;
  const after = state.issuedAfter ? startOfLocalDay(state.issuedAfter) : null;
  const before = state.issuedBefore ? endOfLocalDay(state.issuedBefore) : null;
  if (after) filter.issuedAfter = after;
  if (before) filter.issuedBefore = before;
  if (state.ticket) filter.hasTicket = state.ticket === 'with';
  return filter;
}

export function toListInput(state: AccessReportState): AccessListInput {
  const cursor = state.cursors.at(-1);
  return { ...toFilter(state), limit: state.pageSize, ...(cursor ? { cursor } : {}) };
}

/** The "live token links" quick view: token links that still open their inquiry. */
export const LIVE_TOKEN_LINKS: Pick<AccessReportState, 'kinds' | 'states'> = { kinds: ['token_link'], states: ['live'] };

export function isLiveTokenLinks(state: AccessReportState): boolean {
  return state.kinds.length === 1 && state.kinds[0] === 'token_link' && state.states.length === 1 && state.states[0] === 'live';
}

/** The state with every filter cleared; page size stays, paging starts over. */
export function clearFilters(state: AccessReportState): AccessReportState {
  return { ...state, kinds: [], states: [], issuer: null, inquiryId: null, issuedAfter: null, issuedBefore: null, ticket: null, cursors: [] };
}

/** The active filters in words: for the empty state and the bulk revocation's confirmation. */
export function describeFilters(state: AccessReportState): string[] {
  const parts: string[] = [];
  if (state.kinds.length > 0) parts.push(`kind ${state.kinds.map((k) => ACCESS_KIND_LABELS[k]).join(' or ')}`);
  if (state.states.length > 0) parts.push(`state ${state.states.map((s) => STATE_LABELS[s].toLowerCase()).join(' or ')}`);
  if (state.issuer) parts.push(`issued by ${state.issuer}`);
  if (state.inquiryId) parts.push(`inquiry ${state.inquiryId}`);
  const after = state.issuedAfter ? startOfLocalDay(state.issuedAfter) : null;
  const before = state.issuedBefore ? startOfLocalDay(state.issuedBefore) : null;
  if (after) parts.push(`issued on or after ${formatDay(after)}`);
  if (before) parts.push(`issued on or before ${formatDay(before)}`);
  if (state.ticket) parts.push(state.ticket === 'with' ? 'with a ticket' : 'without a ticket');
  return parts;
}

export function hasFilters(state: AccessReportState): boolean {
  return describeFilters(state).length > 0;
}
