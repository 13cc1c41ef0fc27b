import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppError } from './app-error';

/** `?limit=&cursor=` of every list endpoint (API.md §0). */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: base64url of a small JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(
  cursor: string | undefined,
  isValid: (v: unknown) => v is T,
): T | null {
  if (cursor === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // falls through to the same answer as a well-formed but foreign cursor
  }
  throw AppError.validation([{ field: 'cursor', message: 'cursor is not one this API issued' }]);
}

/** Fetch `limit + 1` rows, then call this to cut the page and make its cursor. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => unknown,
): Page<Item> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    items: pageRows.map(toItem),
    nextCursor: more ? encodeCursor(cursorOf(pageRows[pageRows.length - 1])) : null,
  };
}
