import { hasPublicSuffixBelow, isPublicSuffix } from './public-suffix';

// Verdicts of the Public Suffix List (ICANN and private sections) as tldts ships it; a tldts
// bump that changes how its list is stored fails here, not silently in production.
describe('public suffixes', () => {
  it.each([
    // domain, is a public suffix, the list names suffixes below it
    ['com', true, true],
    ['co.uk', true, true],
    ['uk', true, true],
    ['github.io', true, false],
    ['blogspot.com', true, false],
    ['s3.amazonaws.com', true, false],
    ['compute.amazonaws.com', true, true], // *.compute.amazonaws.com
    ['kawasaki.jp', true, true], // *.kawasaki.jp, with !city.kawasaki.jp
    ['amazonaws.com', false, true], // s3.amazonaws.com, execute-api.…, …
    ['herokuapp.com', true, true], // *.herokuapp.com too
    ['myapp.com', false, false],
    ['myapp.co.uk', false, false],
    ['mybucket.s3.amazonaws.com', false, false],
    ['xn--55qx5d.cn', true, false], // 公司.cn, as punycode
    ['localhost', false, false],
  ])('%s: public suffix %s, suffixes below %s', (domain, suffix, below) => {
    expect({ suffix: isPublicSuffix(domain), below: hasPublicSuffixBelow(domain) }).toEqual({
      suffix,
      below,
    });
  });
});
