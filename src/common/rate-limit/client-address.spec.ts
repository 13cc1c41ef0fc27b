import type { FastifyRequest } from 'fastify';
import { addressKey, clientAddress } from './client-address';

describe(addressKey.name, () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['not-an-address', 'not-an-address'],
  ])('counts %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('gives two /64s two keys, and one /64 one key', () => {
    expect(addressKey('2001:db8:0:1::1')).not.toBe(addressKey('2001:db8:0:2::1'));
    expect(addressKey('2001:db8:0:1::1')).toBe(addressKey('2001:db8:0:1:ffff::9'));
    expect(addressKey('198.51.100.1')).not.toBe(addressKey('198.51.100.2'));
  });

  it('keys a request by the address Fastify resolved (request.ip)', () => {
    const request = { ip: '2001:db8:aa:bb:1::1' } as FastifyRequest;
    expect(clientAddress(request)).toBe('2001:db8:aa:bb::/64');
  });
});
