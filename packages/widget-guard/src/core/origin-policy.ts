import { parse as parseDomain } from 'tldts';

// Saved entries are normalized by the WHATWG URL parser (the browser's own rules), then read back
// by the request-side parser, so whatever can be saved is exactly what can be matched.

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

type Scheme = 'http' | 'https';

// port is '' for the scheme's default port; origin is the canonical, lower-case serialization.
type ParsedOrigin = { scheme: Scheme; host: string; port: string; origin: string };

const DEFAULT_PORT: Record<Scheme, number> = { http: 80, https: 443 };
const EXAMPLE = '"https://app.example.com"';
const SHAPE = `write it as scheme://host[:port], e.g. ${EXAMPLE}`;
// DNS hosts we accept: non-empty labels, no trailing dot. Narrower than WHATWG on purpose.
const DNS_HOST = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
const PSL_OPTIONS = {
  allowPrivateDomains: true,
  extractHostname: false,
  validHosts: ['localhost'],
};
// Anchored, no nested quantifiers: linear-time on hostile headers. Empty labels checked apart.
const REQUEST_ORIGIN = /^(https?):\/\/([a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;
// Longest valid origin: "https://" + 253-char host + ":65535"; anything longer cannot match.
const MAX_REQUEST_ORIGIN_LENGTH = 8 + MAX_ORIGIN_LENGTH + 6;

/** Strict split of `scheme://host[:port]`; lower-cases and drops default ports. Never throws. */
function parseRequestOrigin(value: string): ParsedOrigin | null {
  const m = REQUEST_ORIGIN.exec(value);
  if (m === null) return null;
  const lower = value.toLowerCase(); // safe: the regex admitted ASCII only
  const scheme: Scheme = m[1].length === 5 ? 'https' : 'http';
  const host = lower.slice(scheme.length + 3, scheme.length + 3 + m[2].length);
  if (host[0] === '.' || host.endsWith('.') || host.includes('..')) return null;
  if (m[3] === undefined) return { scheme, host, port: '', origin: lower };
  const n = Number(m[3]);
  if (n > 65535) return null;
  const port = n === DEFAULT_PORT[scheme] ? '' : String(n);
  return { scheme, host, port, origin: port === m[3] ? lower : formatOrigin(scheme, host, port) };
}

function formatOrigin(scheme: Scheme, host: string, port: string): string {
  return `${scheme}://${host}${port ? `:${port}` : ''}`;
}

/** Canonical stored form of a wildcard: bare "*.suffix" only for https on port 443. */
function formatWildcard(scheme: Scheme, suffix: string, port: string): string {
  if (scheme === 'https' && !port) return `*.${suffix}`;
  return `${scheme}://*.${suffix}${port ? `:${port}` : ''}`;
}

const tooLong = (size: string) =>
  `the entry is ${size} long; an origin can be at most ${MAX_ORIGIN_LENGTH} characters`;

type Normalized = { ok: true; value: string } | { ok: false; message: string };
const fail = (message: string): Normalized => ({ ok: false, message });

function parseUrl(scheme: Scheme, authority: string): URL | null {
  try {
    return new URL(`${scheme}://${authority}`);
  } catch {
    return null;
  }
}

/** Host rules shared by exact and wildcard entries; returns an error sentence or null. */
function checkHost(host: string, q: string): string | null {
  // Browsers treat "a.com." and "a.com" as different origins; one spelling avoids surprises.
  if (host.endsWith('.')) return `${q} ends its host with a dot; remove the trailing dot`;
  if (host.startsWith('[')) return null;
  if (!DNS_HOST.test(host) || host.split('.').some((label) => label.length > 63)) {
    return `${q} has an invalid host "${host}"; use letters, digits, hyphens and dots, e.g. ${EXAMPLE}`;
  }
  return null;
}

function normalizeExact(scheme: Scheme, authority: string, q: string): Normalized {
  const url = parseUrl(scheme, authority);
  if (url === null) return fail(`${q} is not a valid origin; ${SHAPE}`);
  const hostError = checkHost(url.hostname, q);
  if (hostError !== null) return fail(hostError);
  const value = formatOrigin(scheme, url.hostname, url.port);
  // Safety net for "saveable == matchable": the request-side parser must read it back unchanged.
  if (parseRequestOrigin(value)?.origin !== value) {
    return fail(`${q} cannot be matched against a browser Origin header; check the host and port`);
  }
  return { ok: true, value };
}

function normalizeWildcard(scheme: Scheme, authority: string, q: string): Normalized {
  if (authority === '' || authority.startsWith(':')) {
    return fail(`${q} has no domain after "*."; write it as "*.example.com"`);
  }
  const url = parseUrl(scheme, authority);
  if (url === null) return fail(`${q} is not a valid wildcard; write it as "*.example.com"`);
  const host = url.hostname;
  if (host.startsWith('[') || IPV4.test(host)) {
    return fail(`${q} puts a wildcard over an IP address; list each IP origin exactly instead`);
  }
  const hostError = checkHost(host, q);
  if (hostError !== null) return fail(hostError);
  // A suffix without a registrable domain of its own (com, co.uk, github.io) is shared by
  // unrelated sites. localhost is loopback-only (RFC 6761), so "*.localhost" is allowed.
  if (parseDomain(host, PSL_OPTIONS).domain === null) {
    return fail(
      `"*.${host}" is a public suffix: a wildcard over it would allow every site; list your own domain, e.g. "*.example.${host}"`,
    );
  }
  return { ok: true, value: formatWildcard(scheme, host, url.port) };
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
  if (!authority.includes('*')) return normalizeExact(scheme, authority, q);
  if (!authority.startsWith('*.') || authority.indexOf('*', 1) !== -1) {
    return fail(`${q}: "*" is allowed only as the whole leftmost label, e.g. "*.example.com"`);
  }
  return normalizeWildcard(scheme, authority.slice(2), q);
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
  const seen = new Set<string>();
  const errors: OriginListError[] = [];
  const limit = Math.min(input.length, MAX_ALLOWED_ORIGINS);
  for (let index = 0; index < limit; index++) {
    const result = normalizeEntry(input[index]);
    if (!result.ok) errors.push({ index, message: result.message });
    else if (result.value.length > MAX_ORIGIN_LENGTH) {
      errors.push({ index, message: tooLong(`${result.value.length} characters in punycode`) });
    } else seen.add(result.value); // Set keeps first-insertion order
  }
  if (input.length > MAX_ALLOWED_ORIGINS) {
    errors.push({
      index: MAX_ALLOWED_ORIGINS,
      message: `the list has ${input.length} entries but at most ${MAX_ALLOWED_ORIGINS} are allowed; remove some or cover subdomains with one wildcard such as "*.example.com"`,
    });
  }
  return { origins: [...seen], errors };
}

const ALLOW_ALL: OriginPolicy = Object.freeze({ allowsAll: true, matches: () => true });

/**
 * Compile a normalized list into a matcher, once per settings change. Entries are re-validated;
 * an invalid stored entry throws instead of being dropped, since dropping every entry would turn
 * the list into "allow all".
 */
export function compileOriginPolicy(normalized: readonly string[]): OriginPolicy {
  if (normalized.length === 0) return ALLOW_ALL;
  const { origins, errors } = normalizeAllowedOrigins(normalized);
  if (errors.length > 0) {
    throw new Error(`invalid allowed origin at index ${errors[0].index}: ${errors[0].message}`);
  }
  const exact = new Set<string>();
  // scheme -> port -> [".suffix"]; endsWith over a few rules beats hashing every parent domain.
  const wildcards: Record<Scheme, Map<string, string[]>> = { http: new Map(), https: new Map() };
  for (const origin of origins) {
    if (!origin.includes('*')) exact.add(origin);
    else {
      // Read the rule back with the request parser itself: "*.a.com" is read as "https://x.a.com".
      const w = parseRequestOrigin(
        origin.startsWith('*') ? `https://x${origin.slice(1)}` : origin.replace('*', 'x'),
      );
      if (w === null) throw new Error(`invalid allowed origin "${origin}"`); // unreachable
      const byPort = wildcards[w.scheme];
      byPort.set(w.port, [...(byPort.get(w.port) ?? []), w.host.slice(1)]);
    }
  }
  return Object.freeze({
    allowsAll: false,
    matches(requestOrigin: string | undefined): boolean {
      if (typeof requestOrigin !== 'string' || requestOrigin.length > MAX_REQUEST_ORIGIN_LENGTH) {
        return false;
      }
      if (exact.has(requestOrigin)) return true; // browsers already send the canonical form
      const p = parseRequestOrigin(requestOrigin);
      if (p === null) return false;
      if (exact.has(p.origin)) return true;
      const suffixes = wildcards[p.scheme].get(p.port);
      if (suffixes === undefined) return false;
      // parseRequestOrigin refuses empty labels, so a match has a real label before ".suffix";
      // the apex never matches. IPs cannot match: no stored suffix ends numeric or is bracketed.
      for (const suffix of suffixes) if (p.host.endsWith(suffix)) return true;
      return false;
    },
  });
}
