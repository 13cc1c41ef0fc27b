import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** No Docker engine runs on our machines, so the compose file is checked by reading it. */
describe('docker-compose.yml', () => {
  const root = join(__dirname, '..');
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
  const services = compose.services as Record<string, Record<string, unknown>>;
  const apis = ['api-1', 'api-2'];

  it('wires PostgreSQL, Redis and two API instances', () => {
    expect(Object.keys(services).sort()).toEqual(['api-1', 'api-2', 'postgres', 'redis']);
  });

  it.each(apis)('%s is built from the Dockerfile and shares the database and Redis', (name) => {
    const api = services[name];
    expect(api.build).toBe('.');
    const env = api.environment as Record<string, string>;
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.PORT).toBe('3000');
    // Secrets are required from the operator, never defaulted in the file.
    expect(env.AUTH_JWT_SECRET).toMatch(/^\$\{AUTH_JWT_SECRET:\?/);
    expect(env.SECRETS_MASTER_KEY).toMatch(/^\$\{SECRETS_MASTER_KEY:\?/);
    expect(api.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect((api.healthcheck as { test: string[] }).test.join(' ')).toContain('/health');
  });

  it('publishes the two instances on distinct host ports', () => {
    const ports = apis.map((name) => (services[name].ports as string[])[0]);
    expect(ports.map((p) => p.split(':')[1])).toEqual(['3000', '3000']);
    expect(new Set(ports.map((p) => p.split(':')[0])).size).toBe(2);
  });

  it('gives the database credentials that match the API URL', () => {
    const pg = services.postgres.environment as Record<string, string>;
    const url = new URL((services['api-1'].environment as Record<string, string>).DATABASE_URL);
    expect(url.username).toBe(pg.POSTGRES_USER);
    expect(url.password).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname.slice(1)).toBe(pg.POSTGRES_DB);
    expect(services.postgres.healthcheck).toBeDefined();
    expect(services.redis.healthcheck).toBeDefined();
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');

  it('is multi-stage and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main.js"\]$/m);
  });
});
