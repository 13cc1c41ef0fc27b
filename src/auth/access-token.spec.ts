import type { AppConfig } from '../config';
import { accessTokenKey, jwtModuleOptions } from './access-token';

describe(accessTokenKey.name, () => {
  it.each(['', 'x'.repeat(31)])(
    'refuses a dashboard token key of %j, wherever the config came from',
    (authJwtSecret) => {
      const config = { authJwtSecret, authTokenTtlSeconds: 60 } as AppConfig;
      expect(() => accessTokenKey(config)).toThrow(/at least 32 bytes/);
      expect(() => jwtModuleOptions(config)).toThrow(/at least 32 bytes/);
    },
  );

  it('builds the key from a long enough secret', () => {
    const key = accessTokenKey({ authJwtSecret: 'x'.repeat(32) } as AppConfig);
    expect(key.symmetricKeySize).toBe(32);
  });
});
