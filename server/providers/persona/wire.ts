import { z } from 'zod';
import type { RemoteInquiry, RemoteSession } from '../../repositories/inquiry-store/mirror.js';

export type { RemoteInquiry, RemoteSession };

/**
 * Persona's wire shapes (API version 2023-01-05, `Key-Inflection: kebab`; ../shared/PERSONA.md), read leniently:
 * only what the console uses is required, unknown attributes and statuses pass through. Each resource is turned
 * into the plain snapshot the inquiry store mirrors (repositories/inquiry-store/mirror.ts).
 */

const Time = z.string().datetime({ offset: true }).nullish();
const Ref = z.object({ type: z.string(), id: z.string() });
const ToOne = z.object({ data: Ref.nullable().optional() }).nullish();
const ToMany = z.object({ data: z.array(Ref).nullable().optional() }).nullish();

export const InquiryResource = z.object({
  type: z.literal('inquiry'),
  id: z.string().regex(/^inq_[A-Za-z0-9]+$/),
  attributes: z
    .object({
      status: z.string().min(1),
      'reference-id': z.string().nullish(),
      'created-at': z.string().datetime({ offset: true }),
      'updated-at': Time,
      'started-at': Time,
      'completed-at': Time,
      'failed-at': Time,
      'decisioned-at': Time,
      'expired-at': Time,
      'expires-at': Time,
      'redacted-at': Time,
      fields: z.record(z.string(), z.object({ type: z.string().optional(), value: z.unknown() }).passthrough().nullable()).nullish(),
    })
    .passthrough(),
  relationships: z
    .object({
      account: ToOne,
      'inquiry-template': ToOne,
      'inquiry-template-version': ToOne,
      sessions: ToMany,
    })
    .passthrough()
    .nullish(),
});
export type InquiryResource = z.infer<typeof InquiryResource>;

export const SessionResource = z.object({
  type: z.literal('inquiry-session'),
  id: z.string().regex(/^iqse_[A-Za-z0-9]+$/),
  attributes: z
    .object({
      status: z.string().min(1),
      'created-at': z.string().datetime({ offset: true }),
      'started-at': Time,
      'expired-at': Time,
      'updated-at': Time,
    })
    .passthrough(),
  relationships: z.object({ inquiry: ToOne }).passthrough().nullish(),
});
export type SessionResource = z.infer<typeof SessionResource>;

/** `{ data: inquiry, meta? }`: create, resume, expire, generate-one-time-link. */
export const InquiryDocument = z.object({
  data: InquiryResource,
  included: z.array(z.unknown()).optional(),
  meta: z
    .object({
      'session-token': z.string().optional(),
      'one-time-link': z.string().optional(),
      'one-time-link-short': z.string().optional(),
    })
    .passthrough()
    .nullish(),
});
export type InquiryDocument = z.infer<typeof InquiryDocument>;

export const SessionDocument = z.object({ data: SessionResource });

export const ListDocument = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    links: z.object({ prev: z.string().nullish(), next: z.string().nullish() }).passthrough().nullish(),
  });

/** Persona's error body: `{ errors: [{ title, details?, source? }] }`. */
export const ErrorDocument = z.object({
  errors: z.array(z.object({ title: z.string().optional(), details: z.string().optional(), detail: z.string().optional() }).passthrough()).min(1),
});

/** A webhook delivery's body: one event whose payload carries the resource as it was when the event happened. */
export const WebhookEvent = z.object({
  data: z.object({
    type: z.literal('event'),
    id: z.string().regex(/^evt_[A-Za-z0-9]+$/),
    attributes: z.object({
      name: z.string().min(1),
      'created-at': z.string().datetime({ offset: true }),
      payload: z.object({ data: z.unknown(), included: z.array(z.unknown()).optional() }).passthrough(),
    }),
  }),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

const date = (value: string | null | undefined): Date | null => (value ? new Date(value) : null);

export function remoteInquiry(resource: InquiryResource): RemoteInquiry {
  const a = resource.attributes;
  const rel = resource.relationships ?? {};
  const templateId = rel['inquiry-template']?.data?.id;
  if (!templateId) throw new Error(`Persona's inquiry ${resource.id} names no inquiry template`);
  const fields: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(a.fields ?? {})) if (field) fields[name] = field.value ?? null;
  const createdAt = new Date(a['created-at']);
  return {
    id: resource.id,
    status: a.status,
    templateId,
    versionId: rel['inquiry-template-version']?.data?.id ?? null,
    referenceId: a['reference-id'] ?? null,
    accountId: rel.account?.data?.id ?? null,
    fields,
    createdAt,
    updatedAt: date(a['updated-at']) ?? createdAt,
    startedAt: date(a['started-at']),
    completedAt: date(a['completed-at']),
    failedAt: date(a['failed-at']),
    decisionedAt: date(a['decisioned-at']),
    expiredAt: date(a['expired-at']),
    expiresAt: date(a['expires-at']),
    sessionIds: (rel.sessions?.data ?? []).map((s) => s.id),
  };
}

export function remoteSession(resource: SessionResource, inquiryId?: string): RemoteSession {
  const a = resource.attributes;
  const owner = resource.relationships?.inquiry?.data?.id ?? inquiryId;
  if (!owner) throw new Error(`Persona's inquiry session ${resource.id} names no inquiry`);
  const createdAt = new Date(a['created-at']);
  const startedAt = date(a['started-at']);
  const expiredAt = date(a['expired-at']);
  const latest = [createdAt, startedAt, expiredAt, date(a['updated-at'])].filter((d): d is Date => d !== null);
  return {
    id: resource.id,
    inquiryId: owner,
    status: a.status,
    createdAt,
    startedAt,
    expiredAt,
    updatedAt: new Date(Math.max(...latest.map((d) => d.getTime()))),
  };
}

/**
 * The session id a session token names. Persona's tokens are JWTs whose `sid` (or `sub`) is the iqse_ id; the
 * console cannot check their signature (Persona's key), so it only reads the claim, and trusts it because the
 * token came straight from Persona's API over TLS. Null when the token is not a JWT naming a session.
 */
export function sessionIdOfToken(token: string): { sessionId: string; expiresAt: Date | null } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const sid = [claims.sid, claims.sub].find((v): v is string => typeof v === 'string' && /^iqse_[A-Za-z0-9]+$/.test(v));
    if (!sid) return null;
    return { sessionId: sid, expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null };
  } catch {
    return null;
  }
}
