import { readFileSync } from 'node:fs';
import { dockerStages } from './helpers/dockerfile';
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

  it('builds the image once (api-1) and runs that same image twice', () => {
    expect(services['api-1'].build).toBe('.');
    expect(services['api-2'].build).toBeUndefined();
    expect(services['api-2'].pull_policy).toBe('never');
    expect(services['api-1'].image).toEqual(expect.any(String));
    expect(services['api-2'].image).toBe(services['api-1'].image);
  });

  it.each(apis)('%s runs the image of the Dockerfile and shares the database and Redis', (name) => {
    const api = services[name];
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
  const stages = dockerStages(dockerfile);
  const runtime = stages.get('runtime')!;

  it('builds in stages and runs as a non-root user under an init process', () => {
    expect([...stages.keys()]).toEqual(['build', 'deps', 'runtime']);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/main.js"\]$/m);
  });

  it('starts every stage from Node.js 24 pinned by digest', () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile);
    expect(arg?.[1]).toMatch(/^node:24[\w.-]*@sha256:[0-9a-f]{64}$/);
    expect(dockerfile.match(/^FROM .*/gm)).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS deps',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
  });

  it('ships production dependencies only: installed apart, without dev or optional ones', () => {
    expect(stages.get('deps')).toMatch(/^RUN npm ci --omit=dev --omit=optional /m);
    expect(runtime).toMatch(/^COPY --from=deps \/app\/node_modules \.\/node_modules$/m);
    expect(runtime).not.toMatch(/--from=build \S*node_modules/);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  });

  it('keeps the data folder in a volume and checks its own health', () => {
    expect(runtime).toMatch(/DATA_DIR=\/data/);
    expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
  });
});

describe('.dockerignore', () => {
  const entries = readFileSync(join(__dirname, '..', '.dockerignore'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));

  it('keeps data, local installs, builds, git history and test output out of the context', () => {
    for (const entry of ['data', 'node_modules', 'dist', '.git', 'test/artifacts', '.env']) {
      expect(entries).toContain(entry);
    }
  });
});
