import { basicURLParse, serializeHost, serializeURLOrigin } from 'whatwg-url';

// Hosts are normalized by whatwg-url (the URL Standard's reference implementation; UTS #46
// non-transitional processing through tr46), never by the runtime's own URL: Node 20's maps
// "ẞ" to "ss" (IDNA2003), which a browser does not, so a saved entry could allow a site the
// customer never listed and never match what the browser sends ("https://xn--zca.com").

export type Scheme = 'http' | 'https';

export const DEFAULT_PORT: Record<Scheme, number> = { http: 80, https: 443 };

/** An absolute http(s) URL as the URL Standard reads it. */
export interface StandardUrl {
  scheme: Scheme;
  /** Serialized host: lower-case punycode domain, dotted IPv4 or bracketed IPv6. */
  host: string;
  hostKind: 'domain' | 'ipv4' | 'ipv6';
  /** '' for the scheme's default port. */
  port: string;
  /** The URL's origin, serialized as a browser sends it in `Origin`. */
  origin: string;
  hasUserInfo: boolean;
  /** True unless the path is the lone "/" that every http(s) URL has. */
  hasPath: boolean;
  hasQuery: boolean;
  hasFragment: boolean;
}

// The common case, already in the form the standard gives: lower-case ASCII host of
// letters, digits, "_" and "-", its last label not starting with a digit, no port or a
// plain one. For such a host the standard's domain-to-ASCII is ASCII lower-casing (URL
// Standard, "domain to ASCII": an ASCII domain is lower-cased whatever ToASCII says), no
// character is forbidden, and it cannot "end in a number" (so it is no IPv4 address).
// whatwg-url's state machine costs tens of microseconds; the guard reads every wildcard
// match and every refused Origin header, so this shortcut keeps that path cheap.
// host-normalization.spec.ts checks it against whatwg-url on generated hosts.
const CANONICAL = /^(https?):\/\/((?:[a-z0-9_-]+\.)*[a-z_-][a-z0-9_-]*)(?::([1-9][0-9]{0,4}))?\/?$/;

function parseCanonical(input: string): StandardUrl | null {
  const m = CANONICAL.exec(input);
  if (m === null) return null;
  const scheme = m[1] as Scheme;
  const port = m[3] === undefined || Number(m[3]) === DEFAULT_PORT[scheme] ? '' : m[3];
  if (Number(port) > 65535) return null; // let the standard refuse it
  return {
    scheme,
    host: m[2],
    hostKind: 'domain',
    port,
    origin: `${scheme}://${m[2]}${port ? `:${port}` : ''}`,
    hasUserInfo: false,
    hasPath: false,
    hasQuery: false,
    hasFragment: false,
  };
}

/**
 * Parses `input` exactly as the WHATWG URL Standard's basic URL parser does (no base URL).
 * Null when the standard refuses it, or when it is not an http(s) URL. Never throws.
 */
export function parseStandardUrl(input: string): StandardUrl | null {
  return parseCanonical(input) ?? parseWithWhatwgUrl(input);
}

/** parseStandardUrl without the shortcut (exported for its spec). */
export function parseWithWhatwgUrl(input: string): StandardUrl | null {
  const url = basicURLParse(input);
  if (url === null || (url.scheme !== 'http' && url.scheme !== 'https')) return null;
  const { host } = url;
  if (host === null || host === '') return null; // special URLs always have one; be safe
  const path = Array.isArray(url.path) ? url.path : [url.path];
  return {
    scheme: url.scheme,
    host: serializeHost(host),
    hostKind: typeof host === 'number' ? 'ipv4' : Array.isArray(host) ? 'ipv6' : 'domain',
    port: url.port === null ? '' : String(url.port),
    origin: serializeURLOrigin(url),
    hasUserInfo: url.username !== '' || url.password !== '',
    hasPath: path.length !== 1 || path[0] !== '',
    hasQuery: url.query !== null,
    hasFragment: url.fragment !== null,
  };
}
