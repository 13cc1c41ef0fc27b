import fc from 'fast-check';
import { isUuid } from './database-widget-security-state.source';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe(isUuid.name, () => {
  it.each([
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2f', true],
    ['5B0C4E57-3D2A-4C1B-9E8F-7A6B5C4D3E2F', true],
    ['00000000-0000-0000-0000-000000000000', true],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2ff', false],
    ['5b0c4e57x3d2a-4c1b-9e8f-7a6b5c4d3e2f', false],
    ['5b0c4e573-d2a-4c1b-9e8f-7a6b5c4d3e2f', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2g', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2G', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2`', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2@', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2/', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2:', false],
    ['5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2\u0130', false],
    ['', false],
  ])('%s → %s', (id, expected) => {
    expect(isUuid(id)).toBe(expected);
    expect(UUID.test(id)).toBe(expected);
  });

  it('agrees with the regex it replaces', () => {
    const chars = [...'0123456789abcdefABCDEFgG-`@/:. \u0130\u212a'];
    const nearUuid = fc
      .array(fc.constantFrom(...chars), { minLength: 34, maxLength: 38 })
      .map((a) => a.join(''));
    const dashed = fc
      .uuid()
      .chain((id) =>
        fc
          .nat(35)
          .chain((at) =>
            fc.constantFrom(...chars).map((c) => id.slice(0, at) + c + id.slice(at + 1)),
          ),
      );
    fc.assert(
      fc.property(fc.oneof(nearUuid, dashed, fc.uuid(), fc.string()), (id) => {
        expect(isUuid(id)).toBe(UUID.test(id));
      }),
      { numRuns: 20_000 },
    );
  });
});
