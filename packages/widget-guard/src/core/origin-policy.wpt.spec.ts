import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileOriginPolicy, MAX_ORIGIN_LENGTH, normalizeAllowedOrigins } from './origin-policy';

/**
 * The URL Standard's own test data (web-platform-tests url/resources/urltestdata.json, see
 * wpt-url/README.md), given entry by entry to our parser as an allowed origin (API.md §3):
 * - an http(s) entry written as just scheme://host[:port] (a lone "/" at most) is stored as
 *   the standard's `origin`, and the guard matches that origin, as a browser sends it;
 * - any other http(s) entry the standard parses is refused, for a reason §3 gives;
 * - every entry the standard fails to parse is refused.
 */
interface WptCase {
  input: string;
  base: string | null;
  failure?: true;
  protocol?: string;
  host?: string;
  origin?: string;
}

const cases: WptCase[] = (
  JSON.parse(readFileSync(join(__dirname, 'wpt-url', 'urltestdata.json'), 'utf8')) as unknown[]
).filter((entry): entry is WptCase => typeof entry === 'object' && entry !== null);

const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/; // eslint-disable-line no-control-regex
/** Just scheme://host[:port] and a lone "/", as written; "*" is wildcard syntax. */
const ORIGIN_SHAPED = /^https?:\/\/[^/?#\\@*]+\/?$/i;
const authorityEnd = (input: string) => {
  const rest = input.slice(input.indexOf('://') + 3);
  const end = rest.search(/[/?#\\]/);
  return end === -1 ? '' : rest.slice(end);
};

/** API.md §3's reasons to refuse an entry, each with what the input must show for it. */
const REASONS: { reason: RegExp; shows: (input: string) => boolean }[] = [
  // "no path (a lone trailing / is dropped), query, fragment or userinfo"
  { reason: /has a path/, shows: (i) => !['', '/'].includes(authorityEnd(i)) },
  { reason: /has a query/, shows: (i) => i.includes('?') },
  { reason: /has a fragment/, shows: (i) => i.includes('#') },
  { reason: /has user info/, shows: (i) => i.includes('@') },
  // "anything unparsable" as scheme://host[:port]: relative, scheme-less or hostless
  // references, and text a browser would strip first (refused rather than guessed at).
  { reason: /has no scheme|has no host/, shows: (i) => !/^https?:\/\/[^/?#\\]/i.test(i) },
  { reason: /the entry is empty/, shows: (i) => i === '' },
  { reason: /contains whitespace/, shows: (i) => WHITESPACE_OR_CONTROL.test(i) },
  // "other schemes"
  { reason: /uses the scheme/, shows: (i) => !/^https?:/i.test(i) },
  // "`*` is allowed only as the whole leftmost label", "a bare `*`"
  { reason: /"\*" is allowed only|would allow every site/, shows: (i) => i.includes('*') },
  // "an entry over 253 characters"
  { reason: /at most 253 characters/, shows: (i) => i.length > MAX_ORIGIN_LENGTH },
];

function refusal(input: string): string | null {
  const { origins, errors } = normalizeAllowedOrigins([input]);
  if (errors.length === 0) return null;
  expect(origins).toEqual([]);
  return errors[0].message;
}

const isHttp = (c: WptCase) => c.protocol === 'http:' || c.protocol === 'https:';
const parsedHttp = cases.filter((c) => !c.failure && isHttp(c));
const originShaped = parsedHttp.filter(
  (c) =>
    ORIGIN_SHAPED.test(c.input) &&
    !WHITESPACE_OR_CONTROL.test(c.input) &&
    c.input.length <= MAX_ORIGIN_LENGTH,
);
const otherHttp = parsedHttp.filter((c) => !originShaped.includes(c));
const failures = cases.filter((c) => c.failure);
// An http(s) origin is the tuple's serialization: scheme://host[:port].
const standardOrigin = (c: WptCase) => c.origin ?? `${c.protocol}//${c.host}`;

describe('allowed origins against the URL Standard test data (wpt urltestdata.json)', () => {
  it('has the entries this spec is about', () => {
    expect(cases.length).toBeGreaterThan(850);
    expect(originShaped.length).toBeGreaterThan(50);
    expect(otherHttp.length).toBeGreaterThan(150);
    expect(failures.length).toBeGreaterThan(200);
  });

  it.each(originShaped.map((c) => [c.input, standardOrigin(c)]))(
    'stores %j as the standard origin %j, and the guard matches that origin',
    (input, origin) => {
      expect(normalizeAllowedOrigins([input])).toEqual({ origins: [origin], errors: [] });
      expect(compileOriginPolicy([input]).matches(origin)).toBe(true);
    },
  );

  it.each(otherHttp.map((c) => [c.input, c.base, standardOrigin(c)]))(
    'refuses %j (base %j) for a reason API.md §3 gives, or stores the standard origin %j',
    (input, _base, origin) => {
      const message = refusal(input);
      if (message === null) {
        // Accepted only as what the standard makes of it.
        expect(normalizeAllowedOrigins([input]).origins).toEqual([origin]);
        return;
      }
      const reasons = REASONS.filter((r) => r.reason.test(message));
      expect({ input, message, known: reasons.length > 0 }).toEqual({
        input,
        message,
        known: true,
      });
      expect({ input, message, shown: reasons.some((r) => r.shows(input)) }).toEqual({
        input,
        message,
        shown: true,
      });
    },
  );

  it.each(failures.map((c) => [c.input, c.base]))(
    'refuses %j (base %j), which the standard fails to parse',
    (input) => {
      expect(refusal(input)).not.toBeNull();
      // Nor does the guard accept it as an Origin header.
      expect(compileOriginPolicy(['https://example.com']).matches(input)).toBe(false);
    },
  );
});
