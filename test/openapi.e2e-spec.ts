import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import type { components, paths } from '../openapi/schema';
import { openApiContract, OPENAPI_PATH } from './helpers/openapi-contract';
import { describeEachDatabase } from './helpers/test-app';

const ROOT = join(__dirname, '..');

type ErrorBody = components['schemas']['ErrorBody'];
type SecurityPatch = NonNullable<
  paths['/api/v1/projects/{projectId}/widget/security']['patch']['requestBody']
>['content']['application/json'];

// A wrong type fails `tsc` (part of lint and of this run): the client is typed from the document.
// @ts-expect-error requireToken is a boolean
const wrongPatch: SecurityPatch = { requireToken: 'yes' };
void wrongPatch;

describe('the committed OpenAPI document', () => {
  it('passes `redocly lint` (recommended rules) with no error', () => {
    const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    // Throws (with Redocly's report) on a non-zero exit.
    const out = execFileSync(process.execPath, [cli, 'lint', OPENAPI_PATH], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      stdio: 'pipe',
      encoding: 'utf8',
    });
    expect(out).not.toMatch(/Error was generated/);
  });

  it('has types in openapi/schema.d.ts that openapi-typescript makes of it now', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hissuno-openapi-types-'));
    try {
      const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      execFileSync(process.execPath, [cli, OPENAPI_PATH, '-o', join(dir, 'schema.d.ts')], {
        stdio: 'pipe',
      });
      const fresh = readFileSync(join(dir, 'schema.d.ts'), 'utf8');
      expect(fresh === readFileSync(join(ROOT, 'openapi', 'schema.d.ts'), 'utf8')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachDatabase('OpenAPI', (ctx) => {
  it('serves exactly the committed document (npm run openapi regenerates it)', async () => {
    const res = await ctx().http().get('/docs/openapi.json').expect(200);
    expect(res.body).toEqual(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')));
  });

  it('works as a generated typed client (openapi-fetch), every answer checked too', async () => {
    const server = ctx().app.getHttpServer();
    if (!server.listening) await ctx().app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const contract = openApiContract();
    const client = createClient<paths>({
      baseUrl,
      fetch: async (request: Request) => {
        const res = await fetch(request);
        const text = await res.clone().text();
        contract.assert(request.method, request.url, {
          status: res.status,
          headers: Object.fromEntries(res.headers),
          body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {},
          text,
        });
        return res;
      },
    });

    const email = `typed-${Date.now()}@example.com`;
    const signup = await client.POST('/api/v1/auth/signup', {
      body: { email, password: 'a long enough password', name: 'Typed Client' },
    });
    expect(signup.response.status).toBe(201);
    const token = signup.data!.accessToken;
    expect(signup.data!.user.name).toBe('Typed Client');
    const headers = { Authorization: `Bearer ${token}` };

    const created = await client.POST('/api/v1/projects', { headers, body: { name: 'Typed' } });
    const projectId = created.data!.id;
    const params = { path: { projectId } };
    const patched = await client.PATCH('/api/v1/projects/{projectId}/widget/security', {
      headers,
      params,
      body: { requireToken: true, allowedOrigins: ['https://typed.example'] },
    });
    expect(patched.data!.allowedOrigins).toEqual(['https://typed.example']);

    const page = await client.GET('/api/v1/projects', {
      headers,
      params: { query: { limit: 1 } },
    });
    expect(page.data!.items).toHaveLength(1);
    expect(page.data!.nextCursor).toBeNull();

    // The error body is typed: its code can be read and switched on.
    const refused = await client.GET('/api/v1/widget/{projectId}/config', {
      params,
      headers: { Origin: 'https://other.example' },
    });
    const error: ErrorBody | undefined = refused.error;
    expect(refused.response.status).toBe(403);
    expect(error?.code).toBe('origin_not_allowed');

    const duplicate = await client.POST('/api/v1/auth/signup', {
      body: { email, password: 'a long enough password', name: null },
    });
    expect(duplicate.error?.code).toBe('email_taken');
  });
});
