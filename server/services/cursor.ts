import { z } from 'zod';
import { AppError } from '../errors.js';
import type { SortField } from '../../shared/inquiries.js';

/** An opaque keyset position: the last row's sort value and id, bound to the sort it was made for. */
const CursorSchema = z.object({
  s: z.enum(['createdAt', 'expiresAt', 'updatedAt']),
  o: z.enum(['asc', 'desc']),
  v: z.iso.datetime(),
  id: z.string().regex(/^inq_[A-Za-z0-9]{1,64}$/),
});

export interface CursorPosition {
  sort: SortField;
  order: 'asc' | 'desc';
  value: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  const payload = { s: position.sort, o: position.order, v: position.value.toISOString(), id: position.id };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(cursor: string, sort: SortField, order: 'asc' | 'desc'): { value: Date; id: string } {
  let parsed: z.infer<typeof CursorSchema>;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('BAD_REQUEST', 'cursor: is malformed — start again from the first page');
  }
  if (parsed.s !== sort || parsed.o !== order) {
    throw new AppError('BAD_REQUEST', 'cursor: belongs to a different sort order — start again from the first page');
  }
  return { value: new Date(parsed.v), id: parsed.id };
}
