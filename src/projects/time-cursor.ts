/**
 * Keyset cursors over (timestamp, uuid). PostgreSQL keeps microseconds and a
 * JS Date only milliseconds, so the cursor carries the exact timestamp as
 * text, made by `cursorTimeSql` and read back with `::timestamptz`.
 */
export interface TimeCursor {
  at: string;
  id: string;
}

export function cursorTimeSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const AT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only values `cursorTimeSql` could have written: PostgreSQL never sees a bad date. */
export function isTimeCursor(value: unknown): value is TimeCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { at, id } = value as Record<string, unknown>;
  if (typeof id !== 'string' || !UUID.test(id) || typeof at !== 'string') return false;
  const parts = AT.exec(at);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1970 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}
