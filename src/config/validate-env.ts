import { isIP } from 'node:net';
import { resolve } from 'node:path';
import proxyAddr from '@fastify/proxy-addr';
import { AppConfig } from './app-config';
import { decodeMasterKey, embeddedSecrets, MIN_JWT_SECRET_LENGTH } from './embedded-secrets';

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and checks every variable of API.md §7 at once, so that a bad
 * deployment fails with one message naming all of its problems.
 * In embedded mode the two secrets are generated once and kept in DATA_DIR.
 */
export function validateEnv(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = resolve(env.DATA_DIR?.trim() || './data');
  const embedded = databaseUrl === null;

  const values = {
    port: read.int('PORT', 3000, 0, 65535),
    databaseUrl,
    databaseSchema: read.identifier('DATABASE_SCHEMA'),
    dataDir,
    databaseStatementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    authJwtSecret: read.secret('AUTH_JWT_SECRET', embedded, MIN_JWT_SECRET_LENGTH),
    // At most a day (API.md §1): also how long a logged-out token's id must be remembered.
    authTokenTtlSeconds: read.int('AUTH_TOKEN_TTL_SECONDS', 3600, 60, 86400),
    secretsMasterKeyText: read.secret('SECRETS_MASTER_KEY', embedded, 0),
    dashboardOrigins: read.list('DASHBOARD_ORIGINS'),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    trustProxy: read.trustProxy('TRUST_PROXY'),
    signupEnabled: read.bool('SIGNUP_ENABLED', true),
    rateLimitAuthPerMinute: read.int('RATE_LIMIT_AUTH_PER_MINUTE', 60, 1, 1_000_000),
    rateLimitWidgetPerMinute: read.int('RATE_LIMIT_WIDGET_PER_MINUTE', 600, 1, 10_000_000),
    rateLimitMembersPerMinute: read.int('RATE_LIMIT_MEMBERS_PER_MINUTE', 30, 1, 1_000_000),
    maxProjectsPerUser: read.int('MAX_PROJECTS_PER_USER', 100, 1, 1_000_000),
    maxRotationsPerHour: read.int('MAX_ROTATIONS_PER_HOUR', 30, 1, 1_000_000),
    rateLimitWidgetAnyPerMinute: read.int('RATE_LIMIT_WIDGET_ANY_PER_MINUTE', 3000, 1, 100_000_000),
    rateLimitApiKeyPerMinute: read.int('RATE_LIMIT_API_KEY_PER_MINUTE', 600, 1, 1_000_000),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    migrateOnStart: read.bool('MIGRATE_ON_START', true),
    metricsToken: read.optionalSecret('METRICS_TOKEN', 16),
    internalPort: read.optionalInt('INTERNAL_PORT', 0, 65535),
    internalHost: read.host('INTERNAL_HOST', '127.0.0.1'),
    internalApiTokens: read.tokens('INTERNAL_API_TOKENS', 32),
  };
  if (values.internalPort !== null && values.internalApiTokens.length === 0) {
    problems.push('INTERNAL_API_TOKENS is required when INTERNAL_PORT is set');
  }
  if (
    values.internalPort !== null &&
    values.internalPort !== 0 &&
    values.internalPort === values.port
  ) {
    problems.push('INTERNAL_PORT must differ from PORT');
  }

  let secretsMasterKey: Buffer | null = null;
  if (values.secretsMasterKeyText !== null) {
    secretsMasterKey = decodeMasterKey(values.secretsMasterKeyText);
    if (!secretsMasterKey) {
      problems.push('SECRETS_MASTER_KEY must be 32 bytes, as 64 hex characters or base64');
    }
  }

  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }

  const { secretsMasterKeyText: _omit, ...rest } = values;
  const generated = embedded
    ? embeddedSecrets(dataDir, {
        authJwtSecret: rest.authJwtSecret === null,
        secretsMasterKey: secretsMasterKey === null,
      })
    : null;
  return AppConfig.of({
    ...rest,
    authJwtSecret: rest.authJwtSecret ?? generated!.authJwtSecret!,
    secretsMasterKey: secretsMasterKey ?? generated!.secretsMasterKey!,
  });
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  /** Absent → null (the feature is off). */
  optionalInt(name: string, min: number, max: number): number | null {
    if (this.raw(name) === undefined) return null;
    const before = this.problems.length;
    const n = this.int(name, min, min, max);
    return this.problems.length > before ? null : n;
  }

  /** An IP address or a DNS name to bind to. */
  host(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const hostname =
      /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
    if (isIP(value) !== 0 || hostname.test(value)) return value;
    this.problems.push(`${name} must be an IP address or a host name`);
    return fallback;
  }

  /** Comma-separated secrets, each at least `minLength` characters; never echoed. */
  tokens(name: string, minLength: number): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value.split(',').map((item) => item.trim());
    const short = items.filter((item) => item.length < minLength).length;
    if (short > 0) {
      this.problems.push(
        `${name}: ${short} of ${items.length} tokens are shorter than ${minLength} characters (or empty)`,
      );
      return [];
    }
    return [...new Set(items)];
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    try {
      if (protocols.includes(new URL(value).protocol)) return value;
    } catch {
      // reported below; the value itself may hold a password, so it is never echoed
    }
    this.problems.push(`${name} must be a ${protocols[0]}// URL`);
    return null;
  }

  identifier(name: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (/^[a-z_][a-z0-9_]{0,62}$/.test(value)) return value;
    this.problems.push(`${name} must be a lower-case SQL identifier`);
    return null;
  }

  /** Secrets have no defaults: required in server mode, generated in embedded mode. */
  secret(name: string, embedded: boolean, minLength: number): string | null {
    const value = this.raw(name);
    if (value === undefined) {
      if (!embedded) this.problems.push(`${name} is required when DATABASE_URL is set`);
      return null;
    }
    if (value.length < minLength) {
      this.problems.push(`${name} must be at least ${minLength} characters`);
      return null;
    }
    return value;
  }

  /** A secret nobody has to set (absent → null); when set, long enough to resist guessing. */
  optionalSecret(name: string, minLength: number): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (value.length >= minLength) return value;
    this.problems.push(`${name} must be at least ${minLength} characters`);
    return null;
  }

  /**
   * API.md §7: a hop count (`1`), or the proxies' addresses/CIDRs, checked by the parser
   * Fastify's `trustProxy` uses (proxy-addr; it also knows `loopback`, `linklocal`,
   * `uniquelocal`). Trusting every address would let any client pick its own address, so
   * `true`, `*` and `/0` ranges are refused.
   */
  trustProxy(name: string): number | string[] | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops >= 1 && hops <= 10) return hops;
      this.problems.push(`${name} as a hop count must be from 1 to 10`);
      return null;
    }
    if (['true', '*', 'all'].includes(value.toLowerCase())) {
      this.problems.push(
        `${name}=${value} would trust every address (any client could choose its own); set the number of proxies in front of the service (e.g. 1) or their addresses/CIDRs`,
      );
      return null;
    }
    const entries = value.split(',').map((entry) => entry.trim());
    for (const entry of entries) {
      try {
        proxyAddr.compile(entry);
      } catch {
        this.problems.push(
          `${name} entry "${entry}" is not a proxy address or CIDR (e.g. 10.0.0.0/8, fd00::/8, loopback), nor may it be a /0 range`,
        );
        return null;
      }
    }
    return entries;
  }

  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value
      .split(',')
      .map((item) => item.trim().replace(/\/$/, ''))
      .filter(Boolean);
    for (const item of items) {
      try {
        const url = new URL(item);
        if (url.origin !== item.toLowerCase() && url.origin !== item) throw new Error();
      } catch {
        this.problems.push(`${name} entry "${item}" is not an origin (scheme://host[:port])`);
      }
    }
    return items;
  }

  oneOf(name: string, allowed: string[], fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (allowed.includes(value)) return value;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return fallback;
  }
}
