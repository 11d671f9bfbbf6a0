import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/** Anything that runs queries: the database or a transaction. */
export type Executor = Kysely<DB>;
