import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';

/**
 * What a per-address limit counts against: an IPv4 address as is (an IPv4-mapped IPv6
 * address, `::ffff:a.b.c.d`, is that IPv4 address), an IPv6 address by its /64 — the
 * smallest block a provider hands one subscriber, so one client cannot get a fresh budget
 * from each of its 2^64 addresses. Anything else (no address: a test's fake socket) is
 * kept as it is.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const prefix = (ip as ipaddr.IPv6).parts.slice(0, 4);
  return `${prefix.map((part) => part.toString(16)).join(':')}::/64`;
}

/**
 * The client's address key for rate limits (API.md §7). `request.ip` is the TCP peer, or,
 * with TRUST_PROXY, what Fastify's `trustProxy` (proxy-addr) reads from `X-Forwarded-For`
 * through the trusted proxies only.
 */
export function clientAddress(request: FastifyRequest): string {
  return addressKey(request.ip);
}
