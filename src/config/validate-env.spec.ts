import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnv } from './validate-env';

const HEX_KEY = 'ab'.repeat(32);
const JWT_SECRET = 'x'.repeat(40);

describe(validateEnv.name, () => {
  const dataDir = (): string => mkdtempSync(join(tmpdir(), 'hissuno-config-'));

  it('applies the documented defaults in embedded mode', () => {
    const config = validateEnv({ DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: null,
      embedded: true,
      signupEnabled: true,
      rateLimitAuthPerMinute: 60,
      rateLimitWidgetPerMinute: 600,
      rateLimitWidgetAnyPerMinute: 3000,
      rateLimitApiKeyPerMinute: 600,
      rateLimitMembersPerMinute: 30,
      maxProjectsPerUser: 100,
      maxRotationsPerHour: 30,
      dashboardOrigins: [],
      redisUrl: null,
      metricsToken: null,
      trustProxy: null,
      databaseStatementTimeoutMs: 5000,
    });
  });

  it('generates the embedded secrets once, with mode 0600, and keeps them', () => {
    const dir = dataDir();
    const first = validateEnv({ DATA_DIR: dir });
    const second = validateEnv({ DATA_DIR: dir });
    expect(second.authJwtSecret).toBe(first.authJwtSecret);
    expect(second.secretsMasterKey.equals(first.secretsMasterKey)).toBe(true);
    expect(first.secretsMasterKey).toHaveLength(32);
    for (const file of ['auth-jwt-secret', 'secrets-master-key']) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dir, 'auth-jwt-secret'), 'utf8')).toBe(first.authJwtSecret);
  });

  it.each([
    ['auth-jwt-secret', '', /auth-jwt-secret is empty or truncated \(0 characters/],
    ['auth-jwt-secret', 'x'.repeat(31), /auth-jwt-secret is empty or truncated \(31 characters/],
    ['secrets-master-key', '', /secrets-master-key is empty or truncated/],
    ['secrets-master-key', 'ab'.repeat(31) + 'a', /secrets-master-key is empty or truncated/],
  ])('refuses a persisted %s holding %j, naming the file', (name, content, message) => {
    const dir = dataDir();
    writeFileSync(join(dir, name), content);
    expect(() => validateEnv({ DATA_DIR: dir })).toThrow(message);
    expect(() => validateEnv({ DATA_DIR: dir })).toThrow(join(dir, name));
  });

  it('neither reads nor writes a file for a secret the environment gives', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'auth-jwt-secret'), '');
    const config = validateEnv({ DATA_DIR: dir, AUTH_JWT_SECRET: JWT_SECRET });
    expect(config.authJwtSecret).toBe(JWT_SECRET);
    expect(readdirSync(dir).sort()).toEqual(['auth-jwt-secret', 'secrets-master-key']);
    expect(readFileSync(join(dir, 'auth-jwt-secret'), 'utf8')).toBe('');
  });

  it('refuses server mode without secrets, naming both', () => {
    expect(() => validateEnv({ DATABASE_URL: 'postgres://u@h/db' })).toThrow(
      /AUTH_JWT_SECRET is required[\s\S]*SECRETS_MASTER_KEY is required/,
    );
  });

  it('accepts server mode with valid secrets', () => {
    const config = validateEnv({
      DATABASE_URL: 'postgres://u@h/db',
      AUTH_JWT_SECRET: JWT_SECRET,
      SECRETS_MASTER_KEY: HEX_KEY,
    });
    expect(config.embedded).toBe(false);
    expect(config.secretsMasterKey.toString('hex')).toBe(HEX_KEY);
  });

  it('names every bad variable in one message', () => {
    let message = '';
    try {
      validateEnv({
        DATA_DIR: dataDir(),
        PORT: 'eighty',
        SIGNUP_ENABLED: 'maybe',
        RATE_LIMIT_AUTH_PER_MINUTE: '0',
        RATE_LIMIT_WIDGET_PER_MINUTE: '-5',
        RATE_LIMIT_WIDGET_ANY_PER_MINUTE: 'lots',
        RATE_LIMIT_MEMBERS_PER_MINUTE: '0',
        MAX_PROJECTS_PER_USER: 'many',
        MAX_ROTATIONS_PER_HOUR: '-1',
        REDIS_URL: 'http://nope',
        DASHBOARD_ORIGINS: 'https://ok.example, not an origin',
        SECRETS_MASTER_KEY: 'too-short',
        LOG_LEVEL: 'loud',
        METRICS_TOKEN: 'short',
        TRUST_PROXY: '10.0.0.0/8, 10.0.0.999',
        DATABASE_STATEMENT_TIMEOUT_MS: '0',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      'PORT',
      'SIGNUP_ENABLED',
      'RATE_LIMIT_AUTH_PER_MINUTE',
      'RATE_LIMIT_WIDGET_PER_MINUTE',
      'RATE_LIMIT_WIDGET_ANY_PER_MINUTE',
      'RATE_LIMIT_MEMBERS_PER_MINUTE',
      'MAX_PROJECTS_PER_USER',
      'MAX_ROTATIONS_PER_HOUR',
      'REDIS_URL',
      'DASHBOARD_ORIGINS',
      'SECRETS_MASTER_KEY',
      'LOG_LEVEL',
      'METRICS_TOKEN',
      'TRUST_PROXY',
      'DATABASE_STATEMENT_TIMEOUT_MS',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('never echoes a database URL, which may hold a password', () => {
    expect(() => validateEnv({ DATABASE_URL: 'mysql://user:hunter2@h/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('refuses AUTH_TOKEN_TTL_SECONDS over one day (API.md §1), accepting exactly 86400', () => {
    expect(() => validateEnv({ DATA_DIR: dataDir(), AUTH_TOKEN_TTL_SECONDS: '86401' })).toThrow(
      /AUTH_TOKEN_TTL_SECONDS must be an integer from 60 to 86400/,
    );
    const config = validateEnv({ DATA_DIR: dataDir(), AUTH_TOKEN_TTL_SECONDS: '86400' });
    expect(config.authTokenTtlSeconds).toBe(86400);
  });

  it.each([
    ['SIGNUP_ENABLED', 'false', 'signupEnabled', false],
    ['PORT', '8080', 'port', 8080],
    ['RATE_LIMIT_WIDGET_PER_MINUTE', '42', 'rateLimitWidgetPerMinute', 42],
    ['RATE_LIMIT_WIDGET_ANY_PER_MINUTE', '9000', 'rateLimitWidgetAnyPerMinute', 9000],
    ['RATE_LIMIT_API_KEY_PER_MINUTE', '7', 'rateLimitApiKeyPerMinute', 7],
    ['RATE_LIMIT_MEMBERS_PER_MINUTE', '5', 'rateLimitMembersPerMinute', 5],
    ['MAX_PROJECTS_PER_USER', '3', 'maxProjectsPerUser', 3],
    ['MAX_ROTATIONS_PER_HOUR', '4', 'maxRotationsPerHour', 4],
    ['METRICS_TOKEN', 'm'.repeat(32), 'metricsToken', 'm'.repeat(32)],
    ['TRUST_PROXY', '1', 'trustProxy', 1],
    ['TRUST_PROXY', '2', 'trustProxy', 2],
    [
      'TRUST_PROXY',
      '10.0.0.0/8, 192.168.1.7,fd00::/8 ,loopback',
      'trustProxy',
      ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback'],
    ],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '1500', 'databaseStatementTimeoutMs', 1500],
    [
      'DASHBOARD_ORIGINS',
      'https://a.example,http://localhost:5173/',
      'dashboardOrigins',
      ['https://a.example', 'http://localhost:5173'],
    ],
  ])('reads %s=%s', (name, value, key, expected) => {
    const config = validateEnv({ DATA_DIR: dataDir(), [name]: value });
    expect(config[key as keyof typeof config]).toEqual(expected);
  });

  it.each(['true', 'TRUE', '*', 'all', '0.0.0.0/0', '::/0', '10.0.0.1, ::/0'])(
    'refuses TRUST_PROXY=%s, which would trust every address',
    (value) => {
      expect(() => validateEnv({ DATA_DIR: dataDir(), TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  it.each(['0', '11', 'false', 'proxy.example.com', '10.0.0.0/33', '1.2.3.4.5'])(
    'refuses TRUST_PROXY=%s with a clear message',
    (value) => {
      expect(() => validateEnv({ DATA_DIR: dataDir(), TRUST_PROXY: value })).toThrow(
        /TRUST_PROXY (as a hop count must be|entry ".*" is not a proxy address)/,
      );
    },
  );

  describe('internal listener (API.md §10)', () => {
    const TOKEN = 's'.repeat(32);

    it('is off by default', () => {
      const config = validateEnv({ DATA_DIR: dataDir() });
      expect(config).toMatchObject({
        internalPort: null,
        internalHost: '127.0.0.1',
        internalApiTokens: [],
      });
    });

    it('reads port, host and the comma-separated tokens', () => {
      const other = `${'t'.repeat(40)}`;
      const config = validateEnv({
        DATA_DIR: dataDir(),
        INTERNAL_PORT: '3001',
        INTERNAL_HOST: '0.0.0.0',
        INTERNAL_API_TOKENS: ` ${TOKEN} , ${other}`,
      });
      expect(config).toMatchObject({
        internalPort: 3001,
        internalHost: '0.0.0.0',
        internalApiTokens: [TOKEN, other],
      });
    });

    it('requires tokens when INTERNAL_PORT is set', () => {
      expect(() => validateEnv({ DATA_DIR: dataDir(), INTERNAL_PORT: '3001' })).toThrow(
        /INTERNAL_API_TOKENS is required when INTERNAL_PORT is set/,
      );
    });

    it('refuses a short or empty token without echoing any token', () => {
      const short = 'short-but-secret';
      let message = '';
      try {
        validateEnv({
          DATA_DIR: dataDir(),
          INTERNAL_PORT: '3001',
          INTERNAL_API_TOKENS: `${TOKEN},${short},`,
        });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('INTERNAL_API_TOKENS');
      expect(message).not.toContain(short);
      expect(message).not.toContain(TOKEN);
    });

    it.each([
      ['INTERNAL_PORT', 'many'],
      ['INTERNAL_PORT', '70000'],
      ['INTERNAL_HOST', 'not a host!'],
    ])('refuses %s=%s', (name, value) => {
      expect(() =>
        validateEnv({ DATA_DIR: dataDir(), INTERNAL_API_TOKENS: TOKEN, [name]: value }),
      ).toThrow(new RegExp(name));
    });

    it('refuses the public port as the internal one', () => {
      expect(() =>
        validateEnv({
          DATA_DIR: dataDir(),
          PORT: '3000',
          INTERNAL_PORT: '3000',
          INTERNAL_API_TOKENS: TOKEN,
        }),
      ).toThrow(/INTERNAL_PORT must differ from PORT/);
    });
  });
});
