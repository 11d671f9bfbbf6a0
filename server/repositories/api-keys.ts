import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type { ApiKeysTable, DB } from '../db/schema.js';
import { prepared } from '../db/prepared.js';
import type { Executor } from './executor.js';

/** Customers, their partner API keys and the keys' counters (SQL only; server/services/api-keys.ts decides). */

export interface CustomerSummaryRow {
  id: string;
  name: string;
  account_id: string | null;
  created_at: Date;
  inquiry_count: number;
  open_inquiry_count: number;
  active_key_count: number;
}

/** Every customer with its inquiry counts (from the partial customer index) and its usable keys. */
export async function listCustomers(db: Kysely<DB>, now: Date): Promise<CustomerSummaryRow[]> {
  const result = await sql<CustomerSummaryRow>`
    select c.id, c.name, c.account_id, c.created_at,
      coalesce(q.total, 0)::int as inquiry_count, coalesce(q.open, 0)::int as open_inquiry_count,
      (select count(*) from api_keys k where k.customer_id = c.id and k.revoked_at is null
        and (k.expires_at is null or k.expires_at > ${now}))::int as active_key_count
    from customers c
    left join (select customer_id, count(*) as total, count(*) filter (where status in ('created', 'pending')) as open
      from inquiries where customer_id is not null group by customer_id) q on q.customer_id = c.id
    order by c.name, c.id`.execute(db);
  return result.rows;
}

export function findCustomer(db: Executor, id: string) {
  return db.selectFrom('customers').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

export interface ApiKeyListRow {
  id: string;
  customer_id: string;
  customer_name: string;
  name: string;
  prefix: string;
  rate_limit_per_minute: number;
  can_read_pii: boolean;
  created_at: Date;
  created_by_email: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by_email: string | null;
  revoke_reason: string | null;
  last_used_at: Date | null;
  calls_this_week: number;
}

/** Keys, newest first, with who created and revoked them and their calls since `weekStart` (a UTC day, ISO). */
export async function listKeys(db: Executor, filter: { customerId?: string; id?: string }, weekStart: string): Promise<ApiKeyListRow[]> {
  const result = await sql<ApiKeyListRow>`
    select k.id, k.customer_id, c.name as customer_name, k.name, k.prefix, k.rate_limit_per_minute, k.can_read_pii,
      k.created_at, cb.email as created_by_email, k.expires_at, k.revoked_at, rb.email as revoked_by_email,
      k.revoke_reason, k.last_used_at,
      coalesce((select sum(u.calls) from api_key_usage u where u.key_id = k.id and u.day >= ${weekStart}), 0)::int as calls_this_week
    from api_keys k
    join customers c on c.id = k.customer_id
    left join staff cb on cb.id = k.created_by
    left join staff rb on rb.id = k.revoked_by
    where true
      ${filter.customerId === undefined ? sql`` : sql`and k.customer_id = ${filter.customerId}`}
      ${filter.id === undefined ? sql`` : sql`and k.id = ${filter.id}`}
    order by k.created_at desc, k.id desc`.execute(db);
  return result.rows;
}

export function insertKey(trx: Transaction<DB>, values: Insertable<ApiKeysTable>) {
  return trx.insertInto('api_keys').values(values).execute();
}

export function lockKey(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('api_keys').select(['id', 'customer_id', 'name', 'prefix', 'revoked_at', 'expires_at']).where('id', '=', id).forUpdate().executeTakeFirst();
}

export function revokeKey(trx: Transaction<DB>, id: string, values: { revoked_at: Date; revoked_by: string; revoke_reason: string }) {
  return trx.updateTable('api_keys').set(values).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export interface PresentedKeyRow {
  id: string;
  customer_id: string;
  customer_name: string;
  name: string;
  prefix: string;
  rate_limit_per_minute: number;
  can_read_pii: boolean;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** The key whose secret hashes to `secretHash`, whatever its state (the service says whether it may be used). */
export async function findKeyByHash(db: Kysely<DB>, secretHash: string): Promise<PresentedKeyRow | undefined> {
  const result = await prepared(sql<PresentedKeyRow>`
    select k.id, k.customer_id, c.name as customer_name, k.name, k.prefix, k.rate_limit_per_minute, k.can_read_pii,
      k.expires_at, k.revoked_at
    from api_keys k join customers c on c.id = k.customer_id
    where k.secret_hash = ${secretHash}`).execute(db);
  return result.rows[0];
}

/**
 * Counts one call in `bucket`'s fixed window starting at `windowStart` and returns the window's count so far.
 * One upsert, so calls on any number of instances add up exactly. With a key, the same statement counts the call
 * for the key's day and marks the key used (to the minute: a busy key's row is not rewritten on every call).
 */
export async function countCall(db: Kysely<DB>, bucket: string, windowStart: Date, key: { id: string; day: string; now: Date } | null): Promise<number> {
  const usage = key
    ? sql`,
      usage as (insert into api_key_usage (key_id, day, calls) values (${key.id}, ${key.day}, 1)
        on conflict (key_id, day) do update set calls = api_key_usage.calls + 1 returning 1),
      used as (update api_keys set last_used_at = ${key.now} where id = ${key.id}
        and (last_used_at is null or last_used_at < ${key.now}::timestamptz - interval '1 minute') returning 1)`
    : sql``;
  const result = await prepared(sql<{ calls: number }>`
    with counted as (insert into api_rate_windows (bucket, window_start, calls) values (${bucket}, ${windowStart}, 1)
      on conflict (bucket, window_start) do update set calls = api_rate_windows.calls + 1 returning calls)${usage}
    select calls from counted`).execute(db);
  return result.rows[0]?.calls ?? 1;
}
