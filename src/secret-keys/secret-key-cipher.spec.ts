import { randomBytes } from 'node:crypto';
import { generateSecretKey, SECRET_KEY_PATTERN, SecretKeyCipher } from './secret-key-cipher';

describe(SecretKeyCipher.name, () => {
  const cipher = new SecretKeyCipher(randomBytes(32));
  const projectId = '5f4dcc3b-5aa7-4a6b-9c1e-0a1b2c3d4e5f';

  it('generates distinct keys of the documented shape', () => {
    const keys = new Set(Array.from({ length: 50 }, generateSecretKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(SECRET_KEY_PATTERN);
  });

  it('round-trips a key and never stores it in clear', () => {
    const key = generateSecretKey();
    const sealed = cipher.seal(key, projectId, 3);
    expect(sealed.toString('latin1')).not.toContain(key.slice(8, 20));
    expect(cipher.open(sealed, projectId, 3)).toBe(key);
  });

  it('refuses a ciphertext moved to another project or epoch', () => {
    const sealed = cipher.seal(generateSecretKey(), projectId, 1);
    expect(() => cipher.open(sealed, projectId, 2)).toThrow();
    expect(() => cipher.open(sealed, '00000000-0000-4000-8000-000000000000', 1)).toThrow();
  });

  it('refuses a ciphertext under another master key', () => {
    const sealed = cipher.seal(generateSecretKey(), projectId, 1);
    expect(() => new SecretKeyCipher(randomBytes(32)).open(sealed, projectId, 1)).toThrow();
  });

  it.each([0, 16, 31, 33])('refuses a master key of %i bytes', (length) => {
    expect(() => new SecretKeyCipher(Buffer.alloc(length, 1))).toThrow(/32 bytes/);
  });
});
