import { z } from 'zod';
import { AppError } from '../../common/errors.js';

/**
 * Opaque page cursors: the keyset position, as base64url JSON. Opaque to callers (the
 * shape may change); not secret, and checked against a schema when read back, so a
 * forged cursor is a 400, never a query on what it holds.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

const badCursor = () => new AppError('admin.bad_cursor', 'cursor is not one this API returned', { status: 400 });

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badCursor();
  return parsed.data;
}

/** A page of items and the cursor of the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Page sizes: at most this many per request, whatever is asked. */
export const MAX_LIMIT = 200;
export const DEFAULT_LIMIT = 50;
export const clampLimit = (limit: number | undefined) => Math.min(Math.max(Math.trunc(limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
