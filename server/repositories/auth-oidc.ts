import type { Executor } from './executor.js';
import type { Insertable } from 'kysely';
import type { OidcLoginFlowsTable } from '../db/schema.js';

export async function insertFlow(db: Executor, values: Insertable<OidcLoginFlowsTable>): Promise<void> {
  await db.insertInto('oidc_login_flows').values(values).execute();
}

/** Single use: the row is deleted as it is read, so a replayed callback finds nothing. */
export function takeFlow(db: Executor, idHash: string) {
  return db.deleteFrom('oidc_login_flows').where('id_hash', '=', idHash).returningAll().executeTakeFirst();
}

export async function purgeExpired(db: Executor, now: Date): Promise<void> {
  await db.deleteFrom('oidc_login_flows').where('expires_at', '<', now).execute();
}
