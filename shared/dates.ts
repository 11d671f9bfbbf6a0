import { z } from 'zod';

const EARLIEST = new Date(Date.UTC(1970, 0, 1));
const LATEST = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

/**
 * A date a person types into a filter (created after, issued before, …). JavaScript accepts dates PostgreSQL
 * cannot store (years before 4713 BC), which reached the database and answered 500; a filter date is refused with
 * a clear message outside 1970 … 9999 instead.
 */
export const FilterDateSchema = z.coerce
  .date({ error: 'must be a date' })
  .min(EARLIEST, { error: 'must be on or after 1970-01-01' })
  .max(LATEST, { error: 'must be on or before 9999-12-31' });
