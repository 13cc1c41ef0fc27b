import { ServiceTokens } from './service-tokens';

describe(ServiceTokens.name, () => {
  const a = 'a'.repeat(32);
  const b = `${'b'.repeat(40)}-second`;
  const tokens = new ServiceTokens([a, b]);

  it.each([
    ['the first token', { 'x-hissuno-service-token': a }, false, true],
    ['the second token', { 'x-hissuno-service-token': b }, false, true],
    ['a bearer token', { authorization: `Bearer ${b}` }, false, true],
    ['a bearer token, lower-case scheme', { authorization: `bearer ${a}` }, false, true],
    ['no token', {}, false, false],
    ['an empty header', { 'x-hissuno-service-token': '' }, false, false],
    ['a prefix of a token', { 'x-hissuno-service-token': a.slice(0, 31) }, false, false],
    ['a token with more after it', { 'x-hissuno-service-token': `${a}x` }, false, false],
    [
      'a wrong own header beside a right bearer',
      { 'x-hissuno-service-token': 'nope', authorization: `Bearer ${a}` },
      false,
      false,
    ],
    ['a bearer token where only the header counts', { authorization: `Bearer ${a}` }, true, false],
    ['the header where only the header counts', { 'x-hissuno-service-token': a }, true, true],
    ['a Basic scheme', { authorization: `Basic ${a}` }, false, false],
  ])('%s → %s', (_what, headers, headerOnly, expected) => {
    expect(tokens.acceptsRequest(headers, headerOnly)).toBe(expected);
  });

  it('accepts nothing when no token is configured', () => {
    expect(new ServiceTokens([]).accepts(a)).toBe(false);
  });
});
