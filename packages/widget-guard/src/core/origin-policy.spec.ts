import { MAX_ALLOWED_ORIGINS, compileOriginPolicy, normalizeAllowedOrigins } from './origin-policy';

function normalizeOne(entry: unknown) {
  return normalizeAllowedOrigins([entry]);
}

describe('originPolicy', () => {
  describe('normalization of a single valid entry', () => {
    it.each([
      ['https://myapp.com', 'https://myapp.com'],
      ['https://myapp.com/', 'https://myapp.com'],
      ['HTTPS://MyApp.COM', 'https://myapp.com'],
      ['https://a.com:443', 'https://a.com'],
      ['http://a.com:80', 'http://a.com'],
      ['http://a.com:443', 'http://a.com:443'],
      ['https://a.com:80', 'https://a.com:80'],
      ['https://a.com:0443', 'https://a.com'],
      ['http://localhost:3000', 'http://localhost:3000'],
      ['http://localhost:3000/', 'http://localhost:3000'],
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
      ['http://[::1]:3000', 'http://[::1]:3000'],
      ['http://[0:0:0:0:0:0:0:1]:3000', 'http://[::1]:3000'],
      ['https://bücher.example', 'https://xn--bcher-kva.example'],
      ['https://BÜCHER.example:443/', 'https://xn--bcher-kva.example'],
      ['https://xn--bcher-kva.example', 'https://xn--bcher-kva.example'],
      ['*.myapp.com', '*.myapp.com'],
      ['https://*.myapp.com', '*.myapp.com'],
      ['HTTPS://*.MyApp.com/', '*.myapp.com'],
      ['https://*.myapp.com:443', '*.myapp.com'],
      ['http://*.myapp.com', 'http://*.myapp.com'],
      ['http://*.myapp.com:80', 'http://*.myapp.com'],
      ['https://*.myapp.com:8443', 'https://*.myapp.com:8443'],
      ['*.myapp.com:8443', 'https://*.myapp.com:8443'],
      ['*.bücher.example', '*.xn--bcher-kva.example'],
      ['*.myproject.github.io', '*.myproject.github.io'],
      ['*.myapp.co.uk', '*.myapp.co.uk'],
      ['http://*.localhost:3000', 'http://*.localhost:3000'],
      // Hosts as the URL Standard has them (UTS #46 non-transitional), never IDNA2003's.
      ['https://ẞ.com', 'https://xn--zca.com'],
      ['https://faß.de', 'https://xn--fa-hia.de'],
      ['https://ς.gr', 'https://xn--3xa.gr'],
      ['https://ẞ', 'https://xn--zca'],
      ['*.ẞ.com', '*.xn--zca.com'],
      ['http://0x7f.1', 'http://127.0.0.1'],
      ['http://%30%78%63%30%2e%30%32%35%30.01', 'http://192.168.0.1'],
      ['https://EXAMPLE.COM:0443', 'https://example.com'],
      // Exact hosts are the standard's, odd ones included: that is what a browser sends.
      ['https://myapp.com.', 'https://myapp.com.'],
      ['https://a..com', 'https://a..com'],
      ['https://my!app.com', 'https://my!app.com'],
      [`https://${'a'.repeat(64)}.com`, `https://${'a'.repeat(64)}.com`],
      // A wildcard over one's own name below a public suffix is fine.
      ['*.mybucket.s3.amazonaws.com', '*.mybucket.s3.amazonaws.com'],
      ['*.myapp.herokuapp.com', '*.myapp.herokuapp.com'],
    ])('%j is stored as %j', (input, expected) => {
      expect(normalizeOne(input)).toEqual({ origins: [expected], errors: [] });
    });
  });

  describe('rejection of a single entry', () => {
    it.each([
      ['', /empty/],
      [' https://myapp.com', /whitespace/],
      ['https://myapp.com ', /whitespace/],
      ['https://my app.com', /whitespace/],
      ['https://myapp.com\n', /whitespace/],
      ['null', /"null" \(sandboxed frames, local files\) can never be allowed/],
      ['NULL', /"null" .*can never be allowed/],
      ['*', /would allow every site/],
      ['https://*', /would allow every site/],
      ['*.com', /"\*\.com" is a public suffix.*"\*\.example\.com"/],
      ['https://*.co.uk', /"\*\.co\.uk" is a public suffix/],
      ['*.github.io', /"\*\.github\.io" is a public suffix/],
      ['*.internal', /"\*\.internal" is a public suffix/],
      ['*.blogspot.com', /"\*\.blogspot\.com" is a public suffix/],
      ['*.s3.amazonaws.com', /is a public suffix/],
      // The Public Suffix List names suffixes below these (s3.amazonaws.com, …).
      ['*.amazonaws.com', /the Public Suffix List names public suffixes below amazonaws\.com/],
      ['https://*.AmazonAWS.com', /names public suffixes below amazonaws\.com/],
      ['*.compute.amazonaws.com', /public suffix/],
      ['*.herokuapp.com', /public suffix/],
      ['*.uk', /public suffix/],
      // UTS #46 CheckJoiners and forbidden host code points, as the standard refuses them.
      ['https://a\u200db.com', /not a valid origin/],
      ['https://a<b.com', /not a valid origin/],
      ['https://a^b.com', /not a valid origin/],
      ['https://a\u0000b.com', /whitespace/],
      ['*.myapp..com', /invalid domain/],
      ['*.my!app.com', /invalid domain/],
      ['*foo.myapp.com', /only as the whole leftmost label/],
      ['a.*.myapp.com', /only as the whole leftmost label/],
      ['*.*.myapp.com', /only as the whole leftmost label/],
      ['https://a.*.myapp.com', /only as the whole leftmost label/],
      ['*.', /no domain after/],
      ['*.127.0.0.1', /wildcard over an IP address/],
      ['*.0.1', /wildcard over an IP address/],
      ['http://*.[::1]:3000', /wildcard over an IP address/],
      ['ftp://myapp.com', /scheme "ftp:"/],
      ['file:///etc/passwd', /scheme "file:"/],
      ['ws://myapp.com', /scheme "ws:"/],
      ['wss://*.myapp.com', /scheme "wss:"/],
      ['javascript:alert(1)', /scheme "javascript:"/],
      ['myapp.com', /no scheme.*"https:\/\/myapp\.com"/],
      ['localhost:3000', /no scheme/],
      ['https://myapp.com/path', /has a path/],
      ['https://myapp.com//', /has a path/],
      ['https://myapp.com\\', /has a path/],
      ['*.myapp.com/app', /has a path/],
      ['https://myapp.com?x=1', /has a query/],
      ['https://myapp.com/?x=1', /has a query/],
      ['https://myapp.com#top', /has a fragment/],
      ['https://myapp.com@evil.com', /has user info/],
      ['https://user:pw@myapp.com', /has user info/],
      ['https://', /no host/],
      ['https://myapp.com:99999', /not a valid origin/],
      ['https://myapp.com:abc', /not a valid origin/],
      ['https://[::1', /not a valid origin/],
      ['*.myapp.com.', /trailing dot/],
    ])('%j is rejected (%s)', (input, message) => {
      const { origins, errors } = normalizeOne(input);
      expect(origins).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0].index).toBe(0);
      expect(errors[0].message).toMatch(message);
    });

    it.each([
      [null],
      [undefined],
      [42],
      [true],
      [{ origin: 'https://a.com' }],
      [['https://a.com']],
    ])('non-string %j is rejected', (input) => {
      expect(normalizeOne(input)).toEqual({
        origins: [],
        errors: [{ index: 0, message: expect.stringMatching(/must be a string/) }],
      });
    });

    it('rejects an entry of 254 characters and accepts one of 253', () => {
      const host = (last: number) =>
        `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(last)}.com`;
      const ok = `https://${host(49)}`;
      expect(ok).toHaveLength(253);
      expect(normalizeOne(ok)).toEqual({ origins: [ok], errors: [] });
      const tooLong = `https://${host(50)}`;
      expect(tooLong).toHaveLength(254);
      expect(normalizeOne(tooLong)).toEqual({
        origins: [],
        errors: [{ index: 0, message: expect.stringMatching(/254 characters.*at most 253/) }],
      });
    });
  });

  it('rejects an IDN that exceeds 253 characters once converted to punycode', () => {
    const raw = `https://${Array(8).fill('ü'.repeat(25)).join('.')}.com`;
    expect(raw.length).toBeLessThanOrEqual(253);
    expect(normalizeOne(raw)).toEqual({
      origins: [],
      errors: [{ index: 0, message: expect.stringMatching(/267 characters in punycode/) }],
    });
  });

  describe('list handling', () => {
    it('removes duplicates after normalization and keeps first-seen order', () => {
      expect(
        normalizeAllowedOrigins([
          'https://b.com',
          'https://a.com',
          'HTTPS://B.com:443/',
          '*.myapp.com',
          'https://*.myapp.com',
          'https://bücher.example',
          'https://xn--bcher-kva.example',
          'https://a.com',
        ]),
      ).toEqual({
        origins: ['https://b.com', 'https://a.com', '*.myapp.com', 'https://xn--bcher-kva.example'],
        errors: [],
      });
    });

    it('reports one error per bad item with its index and keeps the good ones', () => {
      const { origins, errors } = normalizeAllowedOrigins([
        'https://ok.com',
        '*.com',
        42,
        'https://ok2.com',
        'https://x.com/path',
      ]);
      expect(origins).toEqual(['https://ok.com', 'https://ok2.com']);
      expect(errors.map((e) => e.index)).toEqual([1, 2, 4]);
    });

    it('accepts exactly 100 entries', () => {
      const list = Array.from({ length: MAX_ALLOWED_ORIGINS }, (_, i) => `https://s${i}.com`);
      const { origins, errors } = normalizeAllowedOrigins(list);
      expect(errors).toEqual([]);
      expect(origins).toHaveLength(100);
    });

    it('reports 101 entries once, at index 100', () => {
      const list = Array.from({ length: 101 }, (_, i) => `https://s${i}.com`);
      const { errors } = normalizeAllowedOrigins(list);
      expect(errors).toEqual([
        { index: 100, message: expect.stringMatching(/101 entries.*at most 100/) },
      ]);
    });

    it('counts raw entries, so 101 duplicates are still too many', () => {
      const { origins, errors } = normalizeAllowedOrigins(Array(101).fill('https://a.com'));
      expect(origins).toEqual(['https://a.com']);
      expect(errors.map((e) => e.index)).toEqual([100]);
    });

    it('returns an empty list with no errors for empty input', () => {
      expect(normalizeAllowedOrigins([])).toEqual({ origins: [], errors: [] });
    });
  });

  describe('matching', () => {
    it.each([
      // exact origins
      [['https://myapp.com'], 'https://myapp.com', true],
      [['https://myapp.com'], 'HTTPS://MYAPP.COM', true],
      [['HTTPS://MyApp.com'], 'https://myapp.com', true],
      [['https://myapp.com'], 'https://myapp.com:443', true],
      [['https://myapp.com'], 'http://myapp.com', false],
      [['https://myapp.com'], 'https://myapp.com:8443', false],
      [['https://myapp.com'], 'https://a.myapp.com', false],
      [['https://myapp.com'], 'https://evilmyapp.com', false],
      [['https://myapp.com'], 'https://myapp.com.evil.com', false],
      [['https://myapp.com'], 'https://myapp.com.', false],
      [['https://myapp.com'], 'https://myapp.com/', false],
      [['https://myapp.com'], 'https://myapp.com@evil.com', false],
      [['https://myapp.com'], 'https://user:pw@myapp.com', false],
      [['https://myapp.com'], ' https://myapp.com', false],
      [['http://localhost:3000'], 'http://localhost:3000', true],
      [['http://localhost:3000'], 'http://localhost:3001', false],
      [['http://localhost:3000'], 'http://localhost', false],
      [['http://localhost:3000'], 'https://localhost:3000', false],
      [['http://127.0.0.1:8080'], 'http://127.0.0.1:8080', true],
      [['http://127.0.0.1:8080'], 'http://127.0.0.2:8080', false],
      [['http://[::1]:3000'], 'http://[::1]:3000', true],
      [['http://[::1]:3000'], 'http://[::1]:3001', false],
      [['https://bücher.example'], 'https://xn--bcher-kva.example', true],
      [['https://xn--bcher-kva.example'], 'https://xn--bcher-kva.example', true],
      [['https://xn--bcher-kva.example'], 'https://XN--BCHER-KVA.example', true],
      [['https://bücher.example'], 'https://bücher.example', false],
      // wildcards
      [['*.myapp.com'], 'https://a.myapp.com', true],
      [['*.myapp.com'], 'https://a.b.myapp.com', true],
      [['*.myapp.com'], 'https://x.y.z.w.myapp.com', true],
      [['*.myapp.com'], 'HTTPS://A.MyApp.COM', true],
      [['*.myapp.com'], 'https://a.myapp.com:443', true],
      [['*.myapp.com'], 'https://myapp.com', false],
      [['*.myapp.com'], 'https://evilmyapp.com', false],
      [['*.myapp.com'], 'https://a.evilmyapp.com', false],
      [['*.myapp.com'], 'https://myapp.com.evil.com', false],
      [['*.myapp.com'], 'https://a.myapp.com.evil.com', false],
      [['*.myapp.com'], 'http://a.myapp.com', false],
      [['*.myapp.com'], 'https://a.myapp.com:8443', false],
      [['*.myapp.com'], 'https://.myapp.com', false],
      [['*.myapp.com'], 'https://a..myapp.com', false],
      [['*.myapp.com'], 'https://a.myapp.com.', false],
      [['*.myapp.com'], 'https://a.myapp.com/', false],
      [['https://*.myapp.com'], 'https://a.myapp.com', true],
      [['http://*.myapp.com'], 'http://a.myapp.com', true],
      [['http://*.myapp.com'], 'https://a.myapp.com', false],
      [['https://*.myapp.com:8443'], 'https://a.myapp.com:8443', true],
      [['https://*.myapp.com:8443'], 'https://a.myapp.com', false],
      [['https://*.myapp.com:8443'], 'https://myapp.com:8443', false],
      [['*.bücher.example'], 'https://shop.xn--bcher-kva.example', true],
      [['http://*.localhost:3000'], 'http://app.localhost:3000', true],
      [['http://*.localhost:3000'], 'http://localhost:3000', false],
      [['*.myapp.com', 'https://other.com'], 'https://other.com', true],
      [['*.myapp.com', 'https://other.com'], 'https://b.other.com', false],
      // hostile or missing headers never match a non-empty list
      [['https://myapp.com'], undefined, false],
      [['https://myapp.com'], '', false],
      [['https://myapp.com'], 'null', false],
      [['*.myapp.com'], 'null', false],
      [['https://myapp.com'], 'myapp.com', false],
      [['https://myapp.com'], 'https://myapp.com:99999', false],
      [['https://myapp.com'], 'https://myapp.com:', false],
      [['*.myapp.com'], 'https://\u212Aa.myapp.com', false],
      // Hosts as the URL Standard has them; headers are read in their serialized form only.
      [['https://ẞ.com'], 'https://xn--zca.com', true],
      [['https://ẞ.com'], 'https://ss.com', false],
      [['https://ss.com'], 'https://xn--zca.com', false],
      [['https://ẞ.com'], 'https://ẞ.com', false],
      [['*.ẞ.com'], 'https://a.xn--zca.com', true],
      [['*.ẞ.com'], 'https://a.ss.com', false],
      [['http://127.0.0.1:8080'], 'http://0x7f.1:8080', false],
      [['http://127.0.0.1:8080'], 'http://127.0.0.1:08080', false],
      [['https://myapp.com'], 'https://myapp.com:0443', false],
      [['https://myapp.com.'], 'https://myapp.com.', true],
      [['https://myapp.com.'], 'https://myapp.com', false],
      [['https://my!app.com'], 'https://my!app.com', true],
      [['*.myapp.com'], 'https://*.myapp.com', false],
      [['*.myapp.com'], 'https://a$b.myapp.com', false],
      [['*.myapp.com'], 'https://a%2eb.myapp.com', false],
    ])('%j matches %j: %s', (list, origin, expected) => {
      expect(compileOriginPolicy(list).matches(origin)).toBe(expected);
    });

    it.each([[undefined], [''], ['null'], ['https://anything.example'], ['garbage']])(
      'an empty list allows %j',
      (origin) => {
        const policy = compileOriginPolicy([]);
        expect(policy.allowsAll).toBe(true);
        expect(policy.matches(origin)).toBe(true);
      },
    );

    it('matches a deep subdomain near the length limit but refuses an oversized header', () => {
      const policy = compileOriginPolicy(['*.myapp.com']);
      expect(policy.matches(`https://${'a.'.repeat(100)}myapp.com`)).toBe(true);
      expect(policy.matches(`https://${'a.'.repeat(5000)}myapp.com`)).toBe(false);
    });

    it('a non-empty list does not allow all', () => {
      expect(compileOriginPolicy(['https://a.com']).allowsAll).toBe(false);
    });

    it('never throws on non-string header values', () => {
      const policy = compileOriginPolicy(['*.myapp.com']);
      for (const value of [null, 42, {}, ['https://a.myapp.com'], Symbol('x')]) {
        expect(policy.matches(value as unknown as string)).toBe(false);
      }
    });

    it('never throws on arbitrary header strings and only matches real subdomains', () => {
      const policy = compileOriginPolicy(['*.myapp.com', 'http://[::1]:3000']);
      const alphabet = 'hHtTps:/[]@.*%#?\\ :0123456789ab\u212a\u0000myapp.com';
      let seed = 42;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % alphabet.length;
      for (let i = 0; i < 5000; i++) {
        const header = Array.from({ length: 1 + (i % 40) }, () => alphabet[next()]).join('');
        const matched = policy.matches(header);
        expect(typeof matched).toBe('boolean');
        if (matched)
          expect(header.toLowerCase()).toMatch(
            /^(https:\/\/[a-z0-9_-][a-z0-9_.-]*\.myapp\.com(:443)?|http:\/\/\[::1\]:3000)$/,
          );
      }
    });

    it('refuses to compile an invalid stored list instead of dropping entries', () => {
      expect(() => compileOriginPolicy(['*.com'])).toThrow(/index 0.*public suffix/);
      expect(() => compileOriginPolicy(['https://ok.com', 'ftp://x.com'])).toThrow(/index 1/);
    });

    it('matches every saved exact origin in its own stored form (saveable == matchable)', () => {
      const inputs = [
        'https://myapp.com',
        'HTTP://LOCALHOST:3000/',
        'http://[::FFFF:1.2.3.4]:3000',
        'https://bücher.example:443',
        'http://0x7f.1:8080',
      ];
      const { origins, errors } = normalizeAllowedOrigins(inputs);
      expect(errors).toEqual([]);
      const policy = compileOriginPolicy(origins);
      for (const origin of origins) expect(policy.matches(origin)).toBe(true);
      expect(origins).toContain('http://127.0.0.1:8080');
      expect(origins).toContain('http://[::ffff:102:304]:3000');
    });
  });
});
