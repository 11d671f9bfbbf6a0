/**
 * One way of counting inquiries on the list page. Two figures come from the server:
 * - the list's `total`, for the filters applied: exact up to 1,000 matches, above that the planner's estimate for
 *   the filter (server/services/inquiries.ts, TOTAL_EXACT_CAP);
 * - the overview's counts by status, for all inquiries: exact up to 200,000 rows, above that table statistics.
 * Without filters both describe the same set, so the heading (and the grid's "of N") use the overview's sum, and
 * agree with the counts by status to the unit. With filters they describe different sets, and say so.
 */

const number = new Intl.NumberFormat();

export interface ListTotal {
  total: number;
  totalExact: boolean;
}

export interface StatusCounts {
  byStatus: readonly { status: string; count: number }[];
  countsExact: boolean;
}

export interface HeadingCount {
  value: number;
  exact: boolean;
  /** "5,000 inquiries", "≈1,000,000 inquiries". */
  text: string;
  /** Why the figure is what it is, when it is not a plain count of the rows listed. */
  note: string | null;
}

export function formatCount(value: number, exact: boolean): string {
  return `${exact ? '' : '≈'}${number.format(value)}`;
}

export function headingCount(list: ListTotal | undefined, overview: StatusCounts | undefined, filtered: boolean): HeadingCount | null {
  if (!filtered && overview) {
    const value = overview.byStatus.reduce((sum, s) => sum + s.count, 0);
    return {
      value,
      exact: overview.countsExact,
      text: `${formatCount(value, overview.countsExact)} ${value === 1 ? 'inquiry' : 'inquiries'}`,
      note: overview.countsExact ? null : 'Estimated from table statistics, like the counts by status below.',
    };
  }
  if (!list) return null;
  const { total, totalExact } = list;
  if (!filtered) {
    // The overview has not answered (or failed): the list's own count, labelled as what it is.
    return {
      value: total,
      exact: totalExact,
      text: `${formatCount(total, totalExact)} ${total === 1 ? 'inquiry' : 'inquiries'}`,
      note: totalExact ? null : 'Estimated by the database planner.',
    };
  }
  return {
    value: total,
    exact: totalExact,
    text: `${formatCount(total, totalExact)} ${total === 1 ? 'inquiry' : 'inquiries'}`,
    note: totalExact
      ? 'Matching the filters. The counts by status above are for all inquiries.'
      : 'Matching the filters, estimated by the database planner: a large result is not counted row by row. The counts by status above are for all inquiries.',
  };
}
