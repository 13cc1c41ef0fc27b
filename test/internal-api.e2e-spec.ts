import { randomUUID } from 'node:crypto';
import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import {
  GUARD,
  INTERNAL_LISTENER,
  internalHttp,
  OTHER_SERVICE_TOKEN,
  SERVICE_TOKEN,
  withToken,
} from './helpers/internal-api';
import { describeEachDatabase } from './helpers/test-app';
import { revealSecretKey, rotateSecretKey, updateWidgetSecurity } from './helpers/widget-client';

const REQUEST_ID = expect.any(String);

describeEachDatabase(
  'Internal API: listener, service tokens, state and versions (API.md §10)',
  (ctx) => {
    let owner: Account;
    let projectId: string;

    beforeAll(async () => {
      owner = await signUp(ctx().http());
      projectId = (await createProject(ctx().http(), owner.accessToken)).id;
    });

    describe('two listeners, nothing shared', () => {
      it('the public listener serves nothing of the internal API, token or not', async () => {
        for (const path of [
          `${GUARD}/projects/${projectId}/state`,
          `${GUARD}/versions?ids=${projectId}`,
          `${GUARD}/changes`,
          `${GUARD}/authorize`,
        ]) {
          const res = await ctx().http().get(path).set(withToken);
          expect(res.status).toBe(404);
          expect(res.body.code).toBe('not_found');
        }
      });

      it('the internal listener serves nothing of the public API', async () => {
        for (const path of [
          '/api/v1/auth/me',
          `/api/v1/projects/${projectId}`,
          `/api/v1/widget/${projectId}/config`,
          '/health',
          '/docs',
          '/widget.js',
          '/dashboard',
        ]) {
          const res = await internalHttp(ctx()).get(path).set(withToken);
          expect(res.status).toBe(404);
          expect(res.body).toEqual({
            statusCode: 404,
            code: 'not_found',
            message: expect.any(String),
            requestId: REQUEST_ID,
          });
        }
        const signup = await internalHttp(ctx())
          .post('/api/v1/auth/signup')
          .set(withToken)
          .send({ email: 'x@example.com', password: 'long enough password' });
        expect(signup.status).toBe(404);
      });

      it('serves the same Prometheus text on GET /metrics (with a service token)', async () => {
        const res = await internalHttp(ctx()).get('/metrics').set(withToken);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.text).toContain('http_request_duration_seconds');
        expect((await internalHttp(ctx()).get('/metrics')).status).toBe(401);
      });
    });

    describe('service tokens', () => {
      const state = (): string => `${GUARD}/projects/${projectId}/state`;

      it.each([
        ['no token', {}],
        ['a wrong token', { 'X-Hissuno-Service-Token': 'w'.repeat(44) }],
        ['a prefix of the token', { 'X-Hissuno-Service-Token': SERVICE_TOKEN.slice(0, -1) }],
        ['a wrong bearer token', { Authorization: `Bearer ${'w'.repeat(44)}` }],
        ['the token in another scheme', { Authorization: `Basic ${SERVICE_TOKEN}` }],
      ])('%s → 401 unauthorized, revealing nothing else', async (_what, headers) => {
        for (const path of [state(), `${GUARD}/versions?ids=${projectId}`, '/no/such/route']) {
          const res = await internalHttp(ctx()).get(path).set(headers);
          expect(res.status).toBe(401);
          expect(res.body).toEqual({
            statusCode: 401,
            code: 'unauthorized',
            message: expect.any(String),
            requestId: REQUEST_ID,
          });
          expect(res.headers['cache-control']).toBeUndefined();
        }
      });

      it('accepts every configured token, in the header or as a bearer token', async () => {
        for (const headers of [
          withToken,
          { 'X-Hissuno-Service-Token': OTHER_SERVICE_TOKEN },
          { Authorization: `Bearer ${SERVICE_TOKEN}` },
        ]) {
          expect((await internalHttp(ctx()).get(state()).set(headers)).status).toBe(200);
        }
      });
    });

    describe('GET …/projects/:projectId/state', () => {
      it('answers the whole security state with the keys in clear, never cached', async () => {
        const secretKey = await revealSecretKey(ctx().http(), owner.accessToken, projectId);
        const res = await internalHttp(ctx())
          .get(`${GUARD}/projects/${projectId}/state`)
          .set(withToken);
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({
          projectId,
          version: expect.any(Number),
          keyEpoch: 1,
          requireToken: false,
          allowedOrigins: [],
          maxTokenLifetimeSeconds: null,
          keys: { current: { epoch: 1, secretKey }, previous: null, retired: [] },
        });
      });

      it('follows settings and rotations: version grows, previous key with its grace, retired keys', async () => {
        const http = ctx().http();
        const { id } = await createProject(http, owner.accessToken);
        const read = async () =>
          (await internalHttp(ctx()).get(`${GUARD}/projects/${id}/state`).set(withToken)).body;
        const first = await read();
        const key1 = await revealSecretKey(http, owner.accessToken, id);

        await updateWidgetSecurity(http, owner.accessToken, id, {
          requireToken: true,
          allowedOrigins: ['https://app.example.com', '*.example.org'],
        });
        const settled = await read();
        expect(settled.version).toBeGreaterThan(first.version);
        expect(settled).toMatchObject({
          requireToken: true,
          allowedOrigins: ['https://app.example.com', '*.example.org'],
        });

        const before = Date.now();
        const key2 = await rotateSecretKey(http, owner.accessToken, id, 3600);
        const graced = await read();
        expect(graced.version).toBeGreaterThan(settled.version);
        expect(graced.keyEpoch).toBe(2);
        expect(graced.keys.current).toEqual({ epoch: 2, secretKey: key2 });
        expect(graced.keys.previous).toEqual({
          epoch: 1,
          secretKey: key1,
          expiresAt: expect.any(String),
        });
        const expiresAt = Date.parse(graced.keys.previous.expiresAt);
        expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
        expect(graced.keys.retired).toEqual([]);

        const key3 = await rotateSecretKey(http, owner.accessToken, id, 0);
        const rotated = await read();
        expect(rotated.keys).toEqual({
          current: { epoch: 3, secretKey: key3 },
          previous: null,
          retired: [
            { epoch: 2, secretKey: key2 },
            { epoch: 1, secretKey: key1 },
          ],
        });
      });

      it('answers the canonical id for an upper-case spelling', async () => {
        const res = await internalHttp(ctx())
          .get(`${GUARD}/projects/${projectId.toUpperCase()}/state`)
          .set(withToken);
        expect(res.status).toBe(200);
        expect(res.body.projectId).toBe(projectId);
      });

      it('answers 404 project_not_found for unknown, malformed and deleted projects', async () => {
        const http = ctx().http();
        const { id: doomed } = await createProject(http, owner.accessToken);
        expect(
          (await http.delete(`/api/v1/projects/${doomed}`).set(bearer(owner.accessToken))).status,
        ).toBe(204);
        for (const id of [randomUUID(), 'not-a-uuid', doomed, `${projectId}x`, '%00']) {
          const res = await internalHttp(ctx()).get(`${GUARD}/projects/${id}/state`).set(withToken);
          expect(res.status).toBe(404);
          expect(res.body.code).toBe('project_not_found');
        }
      });

      it('never writes a secret key or a service token to the log', async () => {
        const key = await revealSecretKey(ctx().http(), owner.accessToken, projectId);
        await internalHttp(ctx()).get(`${GUARD}/projects/${projectId}/state`).set(withToken);
        await internalHttp(ctx())
          .get(`${GUARD}/projects/${projectId}/state`)
          .set({ Authorization: `Bearer ${OTHER_SERVICE_TOKEN}` });
        const lines = ctx().logs.filter((l) => l.includes('"listener":"internal"'));
        expect(lines.length).toBeGreaterThan(0);
        for (const line of ctx().logs) {
          expect(line).not.toContain(key);
          expect(line).not.toContain(SERVICE_TOKEN);
          expect(line).not.toContain(OTHER_SERVICE_TOKEN);
        }
      });
    });

    describe('GET …/versions', () => {
      it('answers the version of each live project; unknown, deleted and malformed ids are left out', async () => {
        const http = ctx().http();
        const { id: other } = await createProject(http, owner.accessToken);
        const { id: doomed } = await createProject(http, owner.accessToken);
        await http.delete(`/api/v1/projects/${doomed}`).set(bearer(owner.accessToken));
        const state = await internalHttp(ctx())
          .get(`${GUARD}/projects/${projectId}/state`)
          .set(withToken);
        const ids = [projectId, other.toUpperCase(), randomUUID(), doomed, 'garbage', ''].join(',');
        const res = await internalHttp(ctx()).get(`${GUARD}/versions?ids=${ids}`).set(withToken);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          versions: { [projectId]: state.body.version, [other]: expect.any(Number) },
        });
      });

      it('answers an empty map without ids', async () => {
        const res = await internalHttp(ctx()).get(`${GUARD}/versions`).set(withToken);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ versions: {} });
      });

      it('takes 1000 ids in one request, and refuses 1001 with 400 validation_failed', async () => {
        const many = Array.from({ length: 999 }, () => randomUUID());
        const ok = await internalHttp(ctx())
          .get(`${GUARD}/versions?ids=${[projectId, ...many].join(',')}`)
          .set(withToken);
        expect(ok.status).toBe(200);
        expect(Object.keys(ok.body.versions)).toEqual([projectId]);

        const res = await internalHttp(ctx())
          .get(`${GUARD}/versions?ids=${[projectId, ...many, randomUUID()].join(',')}`)
          .set(withToken);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 'validation_failed',
          errors: [{ field: 'ids', message: expect.any(String) }],
        });
      });
    });
  },
  INTERNAL_LISTENER,
);
