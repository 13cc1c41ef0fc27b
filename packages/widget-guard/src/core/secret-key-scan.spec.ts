import { findSecretKeys, MAX_SCAN_DEPTH } from './secret-key-scan';

const KEY = `sk_live_${'A'.repeat(42)}Q`;
const OTHER = `sk_live_${'b'.repeat(43)}`;

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { next: value };
  return value;
}

describe('findSecretKeys', () => {
  it.each<[string, unknown, string[]]>([
    ['no body', undefined, []],
    ['a null body', null, []],
    ['a body without keys', { content: 'hello', n: 1, ok: true, list: ['a'] }, []],
    ['a key as a value', { content: KEY }, [KEY]],
    ['a key inside a sentence', { content: `my key is ${KEY}, ok?` }, [KEY]],
    ['a key as a property name', { [KEY]: 1 }, [KEY]],
    ['a key in an array', { list: ['x', [KEY]] }, [KEY]],
    ['a body that is a string', `key=${KEY}`, [KEY]],
    ['two keys', { a: KEY, b: OTHER }, [KEY, OTHER]],
    ['too short to be a key', { content: `sk_live_${'A'.repeat(42)}` }, []],
    ['another prefix', { content: `sk_test_${'A'.repeat(43)}` }, []],
    ['a key at the deepest level looked into', nested(MAX_SCAN_DEPTH - 1, KEY), [KEY]],
  ])('finds in %s: %j', (_case, body, expected) => {
    expect([...findSecretKeys(body)].sort()).toEqual([...expected].sort());
  });

  it('does not look deeper than MAX_SCAN_DEPTH, and never overflows the stack', () => {
    expect(findSecretKeys(nested(MAX_SCAN_DEPTH + 1, KEY))).toEqual([]);
    let deep: unknown = KEY;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findSecretKeys(deep)).toEqual([]);
  });

  it('returns a bounded number of matches', () => {
    expect(findSecretKeys({ list: Array.from({ length: 100 }, () => KEY) }).length).toBe(8);
  });
});
