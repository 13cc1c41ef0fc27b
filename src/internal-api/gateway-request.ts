import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** What a gateway asks about: the client's request, as its forwarded headers describe it. */
export interface GatewayRequest {
  /** The project id as found (judged by the guard: malformed → 404), or '' when none. */
  projectId: string;
  /** The client's method, upper-case. */
  method: string;
  origin: string | undefined;
  authorization: string | undefined;
  /** For rate limits: the last X-Forwarded-For hop (the gateway's own peer), else the TCP peer. */
  clientAddress: string;
}

const one = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * The project id in a request URI: the path segment right after `/widget/` (percent-decoded;
 * query and fragment ignored), or '' when there is none or it cannot be decoded.
 */
export function projectIdInUri(uri: string | undefined): string {
  if (typeof uri !== 'string') return '';
  const path = uri.split(/[?#]/, 1)[0];
  const at = path.indexOf('/widget/');
  if (at < 0) return '';
  const segment = path.slice(at + '/widget/'.length).split('/', 1)[0];
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** The last hop of X-Forwarded-For when it is an IP address. */
export function lastForwardedHop(header: string | string[] | undefined): string | null {
  const joined = Array.isArray(header) ? header.join(',') : header;
  if (typeof joined !== 'string') return null;
  const hop = joined.split(',').pop()?.trim() ?? '';
  return isIP(hop) !== 0 ? hop : null;
}

/**
 * Reads a gateway's authorize request (API.md §10): the project from X-Hissuno-Project-Id,
 * else the UUID after `/widget/` in X-Original-URI (nginx) or X-Forwarded-Uri (Traefik), else
 * in the path after `/authorize` (Envoy's ext_authz appends the client's path there); the
 * method from X-Original-Method or X-Forwarded-Method, else the one used.
 */
export function readGatewayRequest(
  headers: IncomingHttpHeaders,
  method: string,
  pathSuffix: string | undefined,
  peerAddress: string,
): GatewayRequest {
  const named = one(headers['x-hissuno-project-id']);
  const uri = one(headers['x-original-uri']) ?? one(headers['x-forwarded-uri']) ?? pathSuffix;
  const forwardedMethod = one(headers['x-original-method']) ?? one(headers['x-forwarded-method']);
  return {
    projectId: named !== undefined ? named.trim() : projectIdInUri(uri),
    method: (forwardedMethod?.trim() || method).toUpperCase(),
    origin: one(headers.origin),
    authorization: one(headers.authorization),
    clientAddress: lastForwardedHop(headers['x-forwarded-for']) ?? peerAddress,
  };
}
