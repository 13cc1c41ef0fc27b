import fc from 'fast-check';
import { parseStandardUrl, parseWithWhatwgUrl } from './host-normalization';

describe('parseStandardUrl', () => {
  it.each([
    // UTS #46 non-transitional, as the URL Standard and browsers: never IDNA2003's "ss".
    ['https://ẞ.com', 'https://xn--zca.com'],
    ['https://faß.de', 'https://xn--fa-hia.de'],
    ['HTTPS://Bücher.EXAMPLE:443/', 'https://xn--bcher-kva.example'],
    ['http://0x7f.1:8080', 'http://127.0.0.1:8080'],
    ['http://[0:0::1]', 'http://[::1]'],
    ['https://a.b.myapp.com', 'https://a.b.myapp.com'],
    ['https://a.com:00443', 'https://a.com'],
  ])('reads %j as the origin %j', (input, origin) => {
    expect(parseStandardUrl(input)?.origin).toBe(origin);
  });

  it.each([
    'https://a\u200db.com',
    'https://a<b',
    'https://a.com:65536',
    'ftp://a.com',
    'https://',
  ])('refuses %j as the standard does', (input) => {
    expect(parseStandardUrl(input)).toBeNull();
  });

  it('gives exactly what whatwg-url gives, shortcut or not, on generated input', () => {
    const label = fc.stringMatching(/^[a-z0-9_xX-]{0,6}$/);
    const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    const port = fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 70000 }).map((n) => `:${n}`),
      fc.stringMatching(/^:0{0,2}[0-9]{1,5}$/),
    );
    const input = fc
      .tuple(fc.constantFrom('http://', 'https://'), host, port, fc.constantFrom('', '/'))
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(input, (value) => {
        expect(parseStandardUrl(value)).toEqual(parseWithWhatwgUrl(value));
      }),
      { numRuns: 3000 },
    );
  });
});
