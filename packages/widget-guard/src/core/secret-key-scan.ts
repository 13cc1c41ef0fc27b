// The shape of a secret key (API.md §4): a widget request must never carry one.
export const SECRET_KEY_SHAPE = /sk_live_[A-Za-z0-9_-]{43}/;
const SECRET_KEY_SHAPE_ALL = new RegExp(SECRET_KEY_SHAPE.source, 'g');

/** Containers nested deeper than this are not looked into (a body is at most 64 KiB). */
export const MAX_SCAN_DEPTH = 16;
/** At most this many key-shaped strings are returned (each is compared with the key). */
const MAX_FOUND = 8;
const NONE: readonly string[] = Object.freeze([]);

/**
 * The secret-key-shaped strings in a parsed request body: string values and property names,
 * in objects and arrays down to MAX_SCAN_DEPTH, and a body that is itself a string. Never
 * throws and never recurses (a deeply nested body cannot overflow the stack); cost is bounded
 * by the body's size, which the server already bounds.
 */
export function findSecretKeys(body: unknown): readonly string[] {
  if (body === undefined || body === null) return NONE;
  const found: string[] = [];
  const collect = (text: string): void => {
    // Most strings cannot hold a key: skip the regex for them.
    if (text.length < 51 || !text.includes('sk_live_')) return;
    for (const match of text.matchAll(SECRET_KEY_SHAPE_ALL)) {
      if (found.length >= MAX_FOUND) return;
      found.push(match[0]);
    }
  };
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length > 0 && found.length < MAX_FOUND) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      collect(value);
      continue;
    }
    if (typeof value !== 'object' || value === null || depth >= MAX_SCAN_DEPTH) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    if (Buffer.isBuffer(value)) continue;
    for (const key of Object.keys(value)) {
      collect(key);
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return found;
}
