import { AppError } from '../common/app-error';
import {
  anonymousIdentity,
  isStorable,
  userIdErrors,
  userMetadataErrors,
} from './conversation-identity';

const manyKeys = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe(anonymousIdentity.name, () => {
  it('marks a client-provided identity unverified, without a key epoch', () => {
    expect(anonymousIdentity('u-1', { name: 'Ada' })).toEqual({
      verified: false,
      userId: 'u-1',
      userMetadata: { name: 'Ada' },
      keyEpoch: null,
    });
  });

  it('treats absent and null alike: nobody named', () => {
    expect(anonymousIdentity(undefined, null)).toEqual({
      verified: false,
      userId: null,
      userMetadata: null,
      keyEpoch: null,
    });
  });

  it('rejects with 400 validation_failed and every bad field', () => {
    let error: unknown;
    try {
      anonymousIdentity('', { ok: 'yes', bad: 3 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((error as AppError).errors?.map((e) => e.field)).toEqual(['userId', 'userMetadata.bad']);
  });
});

describe('userIdErrors', () => {
  it.each([
    ['one character', true, 'a'],
    ['255 characters', true, 'x'.repeat(255)],
    ['empty', false, ''],
    ['256 characters', false, 'x'.repeat(256)],
    ['a number', false, 42],
    ['an array', false, ['a']],
    ['a NUL character', false, 'a\u0000b'],
  ])('%s: valid %s', (_label, valid, value) => {
    expect(userIdErrors(value)).toHaveLength(valid ? 0 : 1);
  });
});

describe('userMetadataErrors', () => {
  it.each([
    ['strings', [], { name: 'Ada', email: 'ada@example.com' }],
    ['an empty object', [], {}],
    ['50 keys', [], manyKeys(50)],
    ['a 64-character key', [], { ['k'.repeat(64)]: 'v' }],
    ['a 1024-character value', [], { name: 'v'.repeat(1024) }],
    ['a string', ['userMetadata'], 'Ada'],
    ['an array', ['userMetadata'], ['Ada']],
    ['51 keys', ['userMetadata'], manyKeys(51)],
    ['a 65-character key', ['userMetadata'], { ['k'.repeat(65)]: 'v' }],
    ['a 1025-character value', ['userMetadata.name'], { name: 'v'.repeat(1025) }],
    ['a number value', ['userMetadata.age'], { age: 42 }],
    ['an object value', ['userMetadata.nested'], { nested: { a: 'b' } }],
    ['a null value under an odd key', ['userMetadata["e-mail"]'], { 'e-mail': null }],
    ['a NUL character', ['userMetadata.name'], { name: 'a\u0000' }],
  ])('%s → errors at %j', (_label, fields, value) => {
    expect(userMetadataErrors(value).map((e) => e.field)).toEqual(fields);
  });
});

describe('isStorable', () => {
  const base = { verified: true, userId: 'u', userMetadata: null, keyEpoch: 1 };
  it.each([
    ['a plain identity', true, base],
    ['NUL in userId', false, { ...base, userId: 'u\u0000' }],
    ['NUL in a metadata value', false, { ...base, userMetadata: { a: 'b\u0000' } }],
    ['NUL in a metadata key', false, { ...base, userMetadata: { 'a\u0000': 'b' } }],
  ])('%s: storable %s', (_label, storable, identity) => {
    expect(isStorable(identity)).toBe(storable);
  });
});
