import { DEFAULT_PORT, parseStandardUrl, Scheme, StandardUrl } from './host-normalization';
import { hasPublicSuffixBelow, isPublicSuffix } from './public-suffix';

// Saved entries and request Origin headers are both read by the URL Standard's own parser
// (host-normalization.ts), so whatever can be saved is exactly what can be matched.

export const MAX_ALLOWED_ORIGINS = 100;
export const MAX_ORIGIN_LENGTH = 253;

export interface OriginListError {
  index: number;
  message: string;
}

export interface OriginPolicy {
  readonly allowsAll: boolean;
  matches(requestOrigin: string | undefined): boolean;
}

const EXAMPLE = '"https://app.example.com"';
const SHAPE = `write it as scheme://host[:port], e.g. ${EXAMPLE}`;
// Wildcard suffixes must be DNS names (the Public Suffix List judges them): non-empty
// letter/digit/hyphen/underscore labels, no trailing dot. Exact hosts are the standard's.
const DNS_HOST = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
// A serialized origin as a browser sends it: printable ASCII, nothing after host[:port].
// Anchored, no nested quantifiers: linear-time on hostile headers.
const REQUEST_ORIGIN = /^https?:\/\/[^/?#@\\]+$/i;
const PRINTABLE_ASCII = /^[!-~]+$/;
// Longest valid origin: "https://" + 253-char host + ":65535"; anything longer cannot match.
const MAX_REQUEST_ORIGIN_LENGTH = 8 + MAX_ORIGIN_LENGTH + 6;

/**
 * Reads an Origin header with the same parser as saved entries. Tolerates only what does
 * not change the origin a browser means: letter case and an explicit default port. Any
 * other spelling (Unicode, a path, a numeric IPv4 form) is one no browser sends, and the
 * stored form would not match it either. Never throws.
 */
function readRequestOrigin(value: string): StandardUrl | null {
  if (!REQUEST_ORIGIN.test(value) || !PRINTABLE_ASCII.test(value)) return null;
  const lower = value.toLowerCase(); // safe: ASCII only
  const url = parseStandardUrl(lower);
  if (url === null) return null;
  if (lower !== url.origin && lower !== `${url.origin}:${DEFAULT_PORT[url.scheme]}`) return null;
  return url;
}

/** Canonical stored form of a wildcard: bare "*.suffix" only for https on port 443. */
function formatWildcard(scheme: Scheme, suffix: string, port: string): string {
  if (scheme === 'https' && !port) return `*.${suffix}`;
  return `${scheme}://*.${suffix}${port ? `:${port}` : ''}`;
}

const tooLong = (size: string) =>
  `the entry is ${size} long; an origin can be at most ${MAX_ORIGIN_LENGTH} characters`;

type Entry =
  | { kind: 'exact'; value: string }
  | { kind: 'wildcard'; value: string; scheme: Scheme; port: string; suffix: string };
type Normalized = ({ ok: true } & Entry) | { ok: false; message: string };
const fail = (message: string): Normalized => ({ ok: false, message });

/** An exact origin: the standard's own origin of the entry, which is what browsers send. */
function normalizeExact(raw: string, q: string): Normalized {
  const url = parseStandardUrl(raw);
  if (url === null || url.hasUserInfo || url.hasPath || url.hasQuery || url.hasFragment) {
    return fail(`${q} is not a valid origin; ${SHAPE}`);
  }
  // Safety net for "saveable == matchable": the request-side reader must read it back unchanged.
  if (readRequestOrigin(url.origin)?.origin !== url.origin) {
    return fail(`${q} cannot be matched against a browser Origin header; check the host and port`);
  }
  return { ok: true, kind: 'exact', value: url.origin };
}

function normalizeWildcard(scheme: Scheme, authority: string, q: string): Normalized {
  if (authority === '' || authority.startsWith(':')) {
    return fail(`${q} has no domain after "*."; write it as "*.example.com"`);
  }
  const url = parseStandardUrl(`${scheme}://${authority}`);
  if (url === null) return fail(`${q} is not a valid wildcard; write it as "*.example.com"`);
  const { host, port } = url;
  if (url.hostKind !== 'domain') {
    return fail(`${q} puts a wildcard over an IP address; list each IP origin exactly instead`);
  }
  // Browsers treat "a.com." and "a.com" as different origins; one spelling avoids surprises.
  if (host.endsWith('.')) return fail(`${q} ends its host with a dot; remove the trailing dot`);
  if (!DNS_HOST.test(host) || host.split('.').some((label) => label.length > 63)) {
    return fail(
      `${q} has an invalid domain "${host}"; use letters, digits, hyphens and dots, e.g. "*.example.com"`,
    );
  }
  // A suffix without a registrable domain of its own (com, co.uk, github.io) is shared by
  // unrelated sites, and so is everything below a domain under which the list names
  // suffixes (amazonaws.com: s3.amazonaws.com holds every S3 bucket's site).
  if (isPublicSuffix(host)) {
    return fail(
      `"*.${host}" is a public suffix: a wildcard over it would allow every site; list your own domain, e.g. "*.example.${host}"`,
    );
  }
  if (hasPublicSuffixBelow(host)) {
    return fail(
      `"*.${host}" would allow sites of others: the Public Suffix List names public suffixes below ${host}; list your exact origins, or a wildcard over a domain of your own`,
    );
  }
  // Safety net for "saveable == matchable", as for exact origins.
  const sample = `${scheme}://x.${host}${port ? `:${port}` : ''}`;
  if (readRequestOrigin(sample)?.host !== `x.${host}`) {
    return fail(`${q} cannot be matched against a browser Origin header; check the domain`);
  }
  return {
    ok: true,
    kind: 'wildcard',
    value: formatWildcard(scheme, host, port),
    scheme,
    port,
    suffix: host,
  };
}

function normalizeEntry(raw: unknown): Normalized {
  if (typeof raw !== 'string') {
    return fail(`each entry must be a string, not ${raw === null ? 'null' : typeof raw}; ${SHAPE}`);
  }
  if (raw === '') return fail(`the entry is empty; remove it or ${SHAPE}`);
  if (raw.length > MAX_ORIGIN_LENGTH) return fail(tooLong(`${raw.length} characters`));
  const q = JSON.stringify(raw);
  // The URL parser would silently strip these; refuse rather than guess.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return fail(`${q} contains whitespace; remove it`);
  if (raw.toLowerCase() === 'null') {
    return fail(`"null" (sandboxed frames, local files) can never be allowed; ${SHAPE}`);
  }
  let scheme: string;
  let rest: string;
  const sep = raw.indexOf('://');
  if (sep !== -1) {
    scheme = raw.slice(0, sep).toLowerCase();
    rest = raw.slice(sep + 3);
  } else if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(raw)) {
    // "javascript:…", "mailto:…"; a digit after the colon means "host:port" with no scheme.
    scheme = raw.slice(0, raw.indexOf(':')).toLowerCase();
    rest = '';
  } else if (raw.includes('*')) {
    scheme = 'https'; // "*.myapp.com" means https on the default port
    rest = raw;
  } else {
    return fail(`${q} has no scheme; write it as scheme://host[:port], e.g. "https://${raw}"`);
  }
  if (scheme !== 'http' && scheme !== 'https') {
    return fail(`${q} uses the scheme "${scheme}:"; only http:// and https:// can be allowed`);
  }
  // WHATWG treats "\" like "/" in http(s) URLs, so it also ends the authority.
  const end = rest.search(/[/?#\\]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  if (authority.includes('@')) return fail(`${q} has user info ("…@"); ${SHAPE}`);
  if (tail !== '' && tail !== '/') {
    const part = tail.includes('?') ? 'a query' : tail.includes('#') ? 'a fragment' : 'a path';
    return fail(`${q} has ${part}; an origin ends at host[:port], remove all from "${tail[0]}"`);
  }
  if (authority === '') return fail(`${q} has no host; ${SHAPE}`);
  if (authority === '*' || authority.startsWith('*:')) {
    return fail(
      `${q} would allow every site; leave the list empty to allow all origins in development, or list your domains`,
    );
  }
  if (!authority.includes('*')) return normalizeExact(raw, q);
  if (!authority.startsWith('*.') || authority.indexOf('*', 1) !== -1) {
    return fail(`${q}: "*" is allowed only as the whole leftmost label, e.g. "*.example.com"`);
  }
  return normalizeWildcard(scheme, authority.slice(2), q);
}

/** Every entry normalized, or the errors; see normalizeAllowedOrigins. */
function normalizeList(input: readonly unknown[]): { entries: Entry[]; errors: OriginListError[] } {
  const seen = new Map<string, Entry>(); // Map keeps first-insertion order
  const errors: OriginListError[] = [];
  const limit = Math.min(input.length, MAX_ALLOWED_ORIGINS);
  for (let index = 0; index < limit; index++) {
    const result = normalizeEntry(input[index]);
    if (!result.ok) errors.push({ index, message: result.message });
    else if (result.value.length > MAX_ORIGIN_LENGTH) {
      errors.push({ index, message: tooLong(`${result.value.length} characters in punycode`) });
    } else if (!seen.has(result.value)) {
      const { ok: _, ...entry } = result;
      seen.set(result.value, entry);
    }
  }
  if (input.length > MAX_ALLOWED_ORIGINS) {
    errors.push({
      index: MAX_ALLOWED_ORIGINS,
      message: `the list has ${input.length} entries but at most ${MAX_ALLOWED_ORIGINS} are allowed; remove some or cover subdomains with one wildcard such as "*.example.com"`,
    });
  }
  return { entries: [...seen.values()], errors };
}

/**
 * Validate + normalize a list the user wants to save. Only the first MAX_ALLOWED_ORIGINS
 * entries are examined; an overlong list gets one extra error at index MAX_ALLOWED_ORIGINS.
 * Callers must refuse to save when `errors` is non-empty.
 */
export function normalizeAllowedOrigins(input: readonly unknown[]): {
  origins: string[];
  errors: OriginListError[];
} {
  const { entries, errors } = normalizeList(input);
  return { origins: entries.map((entry) => entry.value), errors };
}

const ALLOW_ALL: OriginPolicy = Object.freeze({ allowsAll: true, matches: () => true });

/** True when `host` is a subdomain of `suffix` at any depth, made of DNS labels. */
function isBelow(host: string, suffix: string): boolean {
  if (host.length <= suffix.length + 1 || !host.endsWith(suffix)) return false;
  const dot = host.length - suffix.length - 1;
  // The standard allows empty labels ("a..b") and odd characters ("*", "$"); a subdomain
  // covered by a wildcard is a DNS name, as the suffix is.
  return host[dot] === '.' && DNS_HOST.test(host.slice(0, dot));
}

/**
 * Compile a normalized list into a matcher, once per settings change. Entries are re-validated;
 * an invalid stored entry throws instead of being dropped, since dropping every entry would turn
 * the list into "allow all".
 */
export function compileOriginPolicy(normalized: readonly string[]): OriginPolicy {
  if (normalized.length === 0) return ALLOW_ALL;
  const { entries, errors } = normalizeList(normalized);
  if (errors.length > 0) {
    throw new Error(`invalid allowed origin at index ${errors[0].index}: ${errors[0].message}`);
  }
  const exact = new Set<string>();
  // scheme -> port -> ["suffix"]; endsWith over a few rules beats hashing every parent domain.
  const wildcards: Record<Scheme, Map<string, string[]>> = { http: new Map(), https: new Map() };
  for (const entry of entries) {
    if (entry.kind === 'exact') exact.add(entry.value);
    else {
      const byPort = wildcards[entry.scheme];
      byPort.set(entry.port, [...(byPort.get(entry.port) ?? []), entry.suffix]);
    }
  }
  return Object.freeze({
    allowsAll: false,
    matches(requestOrigin: string | undefined): boolean {
      if (typeof requestOrigin !== 'string' || requestOrigin.length > MAX_REQUEST_ORIGIN_LENGTH) {
        return false;
      }
      if (exact.has(requestOrigin)) return true; // browsers already send the canonical form
      const p = readRequestOrigin(requestOrigin);
      if (p === null) return false;
      if (exact.has(p.origin)) return true;
      const suffixes = wildcards[p.scheme].get(p.port);
      if (suffixes === undefined || p.hostKind !== 'domain') return false;
      // The apex never matches: isBelow wants at least one label before the suffix.
      for (const suffix of suffixes) if (isBelow(p.host, suffix)) return true;
      return false;
    },
  });
}
