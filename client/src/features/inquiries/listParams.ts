import {
  EXPIRY_FILTERS,
  QUICK_VIEWS,
  SORT_FIELDS,
  VERSION_STATES,
  type ExpiryFilter,
  type InquiryListInput,
  type QuickView,
  type SortField,
  type VersionState,
} from '@shared/inquiries.js';
import { STATUSES, statusLabel, type Status } from '@shared/statuses.js';
import { endOfLocalDay, formatDay, startOfLocalDay } from '../../lib/time';
import { QUICK_VIEW_TEXT } from './quickViews';

/**
 * The inquiry list's whole state lives in the URL, so a view can be bookmarked, shared and walked with
 * back/forward. These are the search-param names; values that do not parse are ignored, never sent.
 */
export const PARAM = {
  search: 'q',
  status: 'status',
  template: 'template',
  customer: 'customer',
  version: 'version',
  expiry: 'expiry',
  view: 'view',
  createdAfter: 'from',
  createdBefore: 'to',
  sort: 'sort',
  order: 'order',
  pageSize: 'size',
  cursor: 'cursor',
} as const;

export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_SORT: SortField = 'createdAt';
export const DEFAULT_ORDER: SortOrder = 'desc';

export type SortOrder = 'asc' | 'desc';

export interface ListState {
  search: string;
  statuses: Status[];
  templateId: string | null;
  /** A B2B2C customer's inquiries only (the Customers page links here). */
  customerId: string | null;
  versionState: VersionState | null;
  expiry: ExpiryFilter | null;
  quickView: QuickView | null;
  /** Local calendar days, "YYYY-MM-DD", as the date inputs hold them. */
  createdAfter: string | null;
  createdBefore: string | null;
  sort: SortField;
  order: SortOrder;
  pageSize: number;
  /** Keyset cursors of the pages before this one: empty on page 1, one per "Next" since. */
  cursors: string[];
}

export const EXPIRY_LABELS: Record<ExpiryFilter, string> = {
  expired: 'Expired',
  within_1h: 'Expires within 1 h',
  within_24h: 'Expires within 24 h',
  within_7d: 'Expires within 7 d',
  live: 'Not expired',
};

export const VERSION_STATE_LABELS: Record<VersionState, string> = {
  latest: 'Latest version',
  outdated: 'Outdated version',
};

const TEMPLATE_ID = /^itmpl_[A-Za-z0-9]+$/;
const CUSTOMER_ID = /^cust_[A-Za-z0-9]{1,59}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

export function parseListState(params: URLSearchParams): ListState {
  const size = Number(params.get(PARAM.pageSize));
  const day = (name: string) => {
    const value = params.get(name);
    return value && DAY.test(value) && startOfLocalDay(value) ? value : null;
  };
  const template = params.get(PARAM.template);
  const customer = params.get(PARAM.customer);
  return {
    search: (params.get(PARAM.search) ?? '').trim(),
    statuses: [...new Set(params.getAll(PARAM.status).flatMap((v) => oneOf(STATUSES, v) ?? []))],
    templateId: template && TEMPLATE_ID.test(template) ? template : null,
    customerId: customer && CUSTOMER_ID.test(customer) ? customer : null,
    versionState: oneOf(VERSION_STATES, params.get(PARAM.version)),
    expiry: oneOf(EXPIRY_FILTERS, params.get(PARAM.expiry)),
    quickView: oneOf(QUICK_VIEWS, params.get(PARAM.view)),
    createdAfter: day(PARAM.createdAfter),
    createdBefore: day(PARAM.createdBefore),
    sort: oneOf(SORT_FIELDS, params.get(PARAM.sort)) ?? DEFAULT_SORT,
    order: oneOf(['asc', 'desc'] as const, params.get(PARAM.order)) ?? DEFAULT_ORDER,
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    cursors: params.getAll(PARAM.cursor).filter((c) => CURSOR.test(c)),
  };
}

/** The URL for a state; defaults are left out so URLs stay short and stable. */
export function toSearchParams(state: ListState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.search) params.set(PARAM.search, state.search);
  if (state.quickView) params.set(PARAM.view, state.quickView);
  for (const status of state.statuses) params.append(PARAM.status, status);
  if (state.templateId) params.set(PARAM.template, state.templateId);
  if (state.customerId) params.set(PARAM.customer, state.customerId);
  if (state.versionState) params.set(PARAM.version, state.versionState);
  if (state.expiry) params.set(PARAM.expiry, state.expiry);
  if (state.createdAfter) params.set(PARAM.createdAfter, state.createdAfter);
  if (state.createdBefore) params.set(PARAM.createdBefore, state.createdBefore);
  if (state.sort !== DEFAULT_SORT) params.set(PARAM.sort, state.sort);
  if (state.order !== DEFAULT_ORDER) params.set(PARAM.order, state.order);
  if (state.pageSize !== DEFAULT_PAGE_SIZE) params.set(PARAM.pageSize, String(state.pageSize));
  for (const cursor of state.cursors) params.append(PARAM.cursor, cursor);
  return params;
}

/** A link to the list with some filters set, the rest at their defaults: `/inquiries?customer=cust_…`. */
export function inquiryListPath(filters: Partial<ListState>): string {
  const query = toSearchParams({ ...parseListState(new URLSearchParams()), ...filters }).toString();
  return query ? `/inquiries?${query}` : '/inquiries';
}

/** The API input for a state. The current page's cursor is the last one on the stack. */
export function toListInput(state: ListState): InquiryListInput {
  const input: InquiryListInput = { sort: state.sort, order: state.order, limit: state.pageSize };
  if (state.search) input.search = state.search;
  if (state.statuses.length > 0) input.status = state.statuses;
  if (state.templateId) input.templateId = state.templateId;
  if (state.customerId) input.customerId = state.customerId;
  if (state.versionState) input.versionState = state.versionState;
  if (state.expiry) input.expiry = state.expiry;
  if (state.quickView) input.quickView = state.quickView;
  // Date inputs hold whole local days; both ends include the chosen day.
  const after = state.createdAfter ? startOfLocalDay(state.createdAfter) : null;
  const before = state.createdBefore ? endOfLocalDay(state.createdBefore) : null;
  if (after) input.createdAfter = after;
  if (before) input.createdBefore = before;
  const cursor = state.cursors.at(-1);
  if (cursor) input.cursor = cursor;
  return input;
}


export function hasFilters(state: ListState): boolean {
  return describeFilters(state, () => null).length > 0;
}

/** The active filters in words, for the empty state: "status is Pending or Expired", "template Onboarding". */
export function describeFilters(
  state: ListState,
  templateName: (id: string) => string | null,
  customerName: (id: string) => string | null = () => null,
): string[] {
  const parts: string[] = [];
  if (state.quickView) parts.push(`view “${QUICK_VIEW_TEXT[state.quickView].label}”`);
  if (state.search) parts.push(`search “${state.search}”`);
  if (state.statuses.length > 0) parts.push(`status ${state.statuses.map(statusLabel).join(' or ')}`);
  if (state.templateId) parts.push(`template ${templateName(state.templateId) ?? state.templateId}`);
  if (state.customerId) parts.push(`customer ${customerName(state.customerId) ?? state.customerId}`);
  if (state.versionState) parts.push(state.versionState === 'latest' ? 'on the latest version' : 'on an outdated version');
  if (state.expiry) parts.push(EXPIRY_LABELS[state.expiry].toLowerCase());
  const after = state.createdAfter ? startOfLocalDay(state.createdAfter) : null;
  const before = state.createdBefore ? startOfLocalDay(state.createdBefore) : null;
  if (after) parts.push(`created on or after ${formatDay(after)}`);
  if (before) parts.push(`created on or before ${formatDay(before)}`);
  return parts;
}

/** The state with every filter cleared; sort and page size stay, paging starts over. */
export function clearFilters(state: ListState): ListState {
  return {
    ...state,
    search: '',
    statuses: [],
    templateId: null,
    customerId: null,
    versionState: null,
    expiry: null,
    quickView: null,
    createdAfter: null,
    createdBefore: null,
    cursors: [],
  };
}
