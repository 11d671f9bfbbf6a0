import { newId, sha256Hex } from '../crypto.js';
import type { RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import * as repo from '../repositories/api-keys.js';
import { appendAuditEvent, auditRequestContext } from './audit.js';
import { API_KEY_PREFIX, MAX_KEY_LIFETIME_DAYS, type ApiKey, type ApiKeyState, type Customer } from '../../shared/partner.js';
import type { ApiKeyCreateInputSchema } from '../../shared/partner.js';
import type { z } from 'zod';

/**
 * Customers' partner API keys (admin; the routers check 'apikey:manage'). A key's secret is generated here,
 * returned once to the admin who asked, and kept only as its SHA-256; every change commits with its audit event.
 */

type ActorContext = RequestDeps & { staff: StaffPrincipal };
const DAY_MS = 86_400_000;
/** 40 characters of a 57-letter alphabet: about 233 random bits after the recognisable prefix. */
const SECRET_LENGTH = 40;

export function keyState(key: { revoked_at: Date | null; expires_at: Date | null }, now: Date): ApiKeyState {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && key.expires_at <= now) return 'expired';
  return 'active';
}

/** The first UTC day (ISO) of the seven that end today. */
export function weekStart(now: Date): string {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - 6 * DAY_MS).toISOString().slice(0, 10);
}

function toApiKey(row: repo.ApiKeyListRow, now: Date): ApiKey {
  return {
    id: row.id,
    customerId: row.customer_id,
    customerName: row.customer_name,
    name: row.name,
    prefix: row.prefix,
    rateLimitPerMinute: row.rate_limit_per_minute,
    canReadPii: row.can_read_pii,
    state: keyState(row, now),
    createdAt: row.created_at,
    createdBy: row.created_by_email,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by_email,
    revokeReason: row.revoke_reason,
    lastUsedAt: row.last_used_at,
    callsThisWeek: row.calls_this_week,
  };
}

export async function listCustomers(ctx: RequestDeps): Promise<{ items: Customer[] }> {
  const rows = await repo.listCustomers(ctx.database.db, ctx.now());
  return {
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      accountId: r.account_id,
      createdAt: r.created_at,
      inquiryCount: r.inquiry_count,
      openInquiryCount: r.open_inquiry_count,
      activeKeyCount: r.active_key_count,
    })),
  };
}

export async function listKeys(ctx: RequestDeps, filter: { customerId?: string }): Promise<{ items: ApiKey[] }> {
  const now = ctx.now();
  const rows = await repo.listKeys(ctx.database.db, filter, weekStart(now));
  return { items: rows.map((r) => toApiKey(r, now)) };
}

type CreateInput = z.output<typeof ApiKeyCreateInputSchema>;

export async function createKey(ctx: ActorContext, input: CreateInput): Promise<{ id: string; secret: string; prefix: string; expiresAt: Date | null }> {
  const now = ctx.now();
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new AppError('BAD_REQUEST', 'expiresAt: must be in the future.');
  if (expiresAt && expiresAt.getTime() > now.getTime() + MAX_KEY_LIFETIME_DAYS * DAY_MS) {
    throw new AppError('BAD_REQUEST', `expiresAt: must be within ${MAX_KEY_LIFETIME_DAYS} days.`);
  }
  const secret = newId(API_KEY_PREFIX.slice(0, -1), SECRET_LENGTH);
  const prefix = secret.slice(0, API_KEY_PREFIX.length + 4);
  const id = newId('key');
  await ctx.database.db.transaction().execute(async (trx) => {
    const customer = await repo.findCustomer(trx, input.customerId);
    if (!customer) throw new AppError('NOT_FOUND', `No customer ${input.customerId}.`);
    await repo.insertKey(trx, {
      id,
      customer_id: customer.id,
      name: input.name,
      prefix,
      secret_hash: sha256Hex(secret),
      rate_limit_per_minute: input.rateLimitPerMinute,
      can_read_pii: input.canReadPii,
      created_at: now,
      created_by: ctx.staff.id,
      expires_at: expiresAt,
    });
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'api_key.created',
      target: { type: 'api_key', id },
      reason: input.reason ?? null,
      metadata: {
        customerId: customer.id,
        customerName: customer.name,
        name: input.name,
        prefix,
        rateLimitPerMinute: input.rateLimitPerMinute,
        canReadPii: input.canReadPii,
        expiresAt: expiresAt?.toISOString() ?? null,
      },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
  });
  return { id, secret, prefix, expiresAt };
}

export async function revokeKey(ctx: ActorContext, input: { id: string; reason: string }): Promise<ApiKey> {
  const now = ctx.now();
  await ctx.database.db.transaction().execute(async (trx) => {
    const key = await repo.lockKey(trx, input.id);
    if (!key) throw new AppError('NOT_FOUND', `No API key ${input.id}.`);
    if (key.revoked_at) throw new AppError('CONFLICT', `API key ${key.prefix}… was already revoked.`);
    await repo.revokeKey(trx, key.id, { revoked_at: now, revoked_by: ctx.staff.id, revoke_reason: input.reason });
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'api_key.revoked',
      target: { type: 'api_key', id: key.id },
      reason: input.reason,
      metadata: { customerId: key.customer_id, name: key.name, prefix: key.prefix, stateBefore: keyState(key, now) },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
  });
  const [row] = await repo.listKeys(ctx.database.db, { id: input.id }, weekStart(now));
  if (!row) throw new AppError('NOT_FOUND', `No API key ${input.id}.`);
  return toApiKey(row, now);
}
