import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { ProjectChanges } from '../src/database/project-changes';
import {
  addMember,
  bearer,
  createProject,
  createProjectTeam,
  ProjectTeam,
} from './helpers/accounts';
import { describeEachDatabase, TestApp } from './helpers/test-app';
import { widgetUrl } from './helpers/widget-client';

const SECRET_SHAPE = /sk_live_[A-Za-z0-9_-]{43}/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachDatabase('widget security settings', (ctx) => {
  /** Every response body of this file: none may hold a secret key. */
  const bodies: string[] = [];
  let team: ProjectTeam;

  const url = (projectId = team.project.id) => `/api/v1/projects/${projectId}/widget/security`;
  const record = (res: Response): Response => {
    bodies.push(res.text);
    return res;
  };
  const get = async (token = team.owner.accessToken, projectId?: string) =>
    record(await ctx().http().get(url(projectId)).set(bearer(token)));
  const patch = async (body: unknown, token = team.owner.accessToken, projectId?: string) =>
    record(
      await ctx()
        .http()
        .patch(url(projectId))
        .set(bearer(token))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body)),
    );
  const dataSource = (app: TestApp = ctx()) => app.app.get(DataSource);
  const securityVersion = async (projectId = team.project.id): Promise<number> =>
    (
      await dataSource().query(`SELECT security_version AS v FROM projects WHERE id = $1`, [
        projectId,
      ])
    )[0].v;
  /** The project's audit entries of one action, oldest first, read through the API. */
  const auditOf = async (projectId: string, action: string) => {
    const res = record(
      await ctx()
        .http()
        .get(`/api/v1/projects/${projectId}/audit-log?limit=100`)
        .set(bearer(team.owner.accessToken))
        .expect(200),
    );
    return (res.body.items as { action: string; actor: unknown; details: unknown }[])
      .filter((entry) => entry.action === action)
      .map(({ actor, details }) => ({ actor, details }))
      .reverse();
  };

  // The accounts are made once (password hashing is slow); each test gets a fresh project.
  beforeAll(async () => {
    team = await createProjectTeam(ctx().http());
  });
  beforeEach(async () => {
    const http = ctx().http();
    const project = await createProject(http, team.owner.accessToken);
    await addMember(http, team.owner.accessToken, project.id, team.admin.email, 'admin');
    await addMember(http, team.owner.accessToken, project.id, team.viewer.email, 'viewer');
    team = { ...team, project };
  });

  it('starts a new project open: no token required, every origin, key epoch 1', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      requireToken: false,
      allowedOrigins: [],
      keyEpoch: 1,
      secretKeyHint: expect.stringMatching(/^sk_live_…[A-Za-z0-9_-]{4}$/),
      keyRotatedAt: expect.stringMatching(ISO),
      previousKeyExpiresAt: null,
      maxTokenLifetimeSeconds: null,
      keyExposedAt: null,
      updatedAt: expect.stringMatching(ISO),
    });
  });

  it('shows the last 4 characters of the current key as the hint', async () => {
    const reveal = await ctx()
      .http()
      .get(`/api/v1/projects/${team.project.id}/widget/secret-key`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    expect((await get()).body.secretKeyHint).toBe(`sk_live_…${reveal.body.secretKey.slice(-4)}`);
  });

  it('stores and returns origins normalized, duplicates removed in order', async () => {
    const res = await patch({
      allowedOrigins: [
        'HTTPS://MyApp.COM/',
        'https://bücher.example',
        'https://a.com:443',
        'http://b.com:80',
        'https://*.x.com',
        '*.x.com',
        'https://myapp.com',
        'http://localhost:3000/',
        'http://*.y.com',
        'https://*.z.com:8443',
        'http://127.0.0.1:8080',
      ],
    });
    const expected = [
      'https://myapp.com',
      'https://xn--bcher-kva.example',
      'https://a.com',
      'http://b.com',
      '*.x.com',
      'http://localhost:3000',
      'http://*.y.com',
      'https://*.z.com:8443',
      'http://127.0.0.1:8080',
    ];
    expect(res.status).toBe(200);
    expect(res.body.allowedOrigins).toEqual(expected);
    expect((await get()).body.allowedOrigins).toEqual(expected);
    const [row] = await dataSource().query(
      `SELECT allowed_origins AS origins FROM projects WHERE id = $1`,
      [team.project.id],
    );
    expect(row.origins).toEqual(expected);
  });

  it('changes only the fields sent', async () => {
    await patch({ allowedOrigins: ['https://myapp.com'] }).then((r) => expect(r.status).toBe(200));
    const res = await patch({ requireToken: true });
    expect(res.body).toMatchObject({ requireToken: true, allowedOrigins: ['https://myapp.com'] });
    const cleared = await patch({ allowedOrigins: [] });
    expect(cleared.body).toMatchObject({ requireToken: true, allowedOrigins: [] });
    expect((await get()).body).toMatchObject({ requireToken: true, allowedOrigins: [] });
  });

  it('answers the same shape to PATCH as to GET, with a new updatedAt', async () => {
    const before = (await get()).body;
    const res = await patch({ requireToken: true });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(before).sort());
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    expect(res.body.updatedAt).not.toBe(before.updatedAt);
    expect((await get()).body).toEqual(res.body);
  });

  it('bumps the security version once per change, and audits before and after', async () => {
    const start = await securityVersion();
    await patch({ requireToken: true, allowedOrigins: ['https://a.com'] });
    expect(await securityVersion()).toBe(start + 1);
    await patch({ allowedOrigins: ['*.a.com', 'https://a.com'] });
    expect(await securityVersion()).toBe(start + 2);

    expect(await auditOf(team.project.id, 'widget.security.updated')).toEqual([
      {
        actor: {
          userId: team.owner.user.id,
          email: team.owner.user.email,
          apiKeyId: null,
          apiKeyName: null,
        },
        details: {
          before: { requireToken: false, allowedOrigins: [], maxTokenLifetimeSeconds: null },
          after: {
            requireToken: true,
            allowedOrigins: ['https://a.com'],
            maxTokenLifetimeSeconds: null,
          },
        },
      },
      {
        actor: {
          userId: team.owner.user.id,
          email: team.owner.user.email,
          apiKeyId: null,
          apiKeyName: null,
        },
        details: {
          before: {
            requireToken: true,
            allowedOrigins: ['https://a.com'],
            maxTokenLifetimeSeconds: null,
          },
          after: {
            requireToken: true,
            allowedOrigins: ['*.a.com', 'https://a.com'],
            maxTokenLifetimeSeconds: null,
          },
        },
      },
    ]);
  });

  it('answers 200 to a PATCH that changes nothing, and writes nothing', async () => {
    await patch({ requireToken: true, allowedOrigins: ['https://a.com'] });
    const before = (await get()).body;
    const version = await securityVersion();
    for (const body of [
      {},
      { requireToken: true },
      { allowedOrigins: ['https://A.com/', 'https://a.com:443'] },
    ]) {
      const res = await patch(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(before);
    }
    expect(await securityVersion()).toBe(version);
    expect(await auditOf(team.project.id, 'widget.security.updated')).toHaveLength(1);
  });

  it('announces each change to the widget guard caches, and only changes', async () => {
    const heard: string[] = [];
    const stop = ctx()
      .app.get(ProjectChanges)
      .onChange((projectId) => heard.push(projectId));
    try {
      // The notice is published before the response is sent.
      await patch({ requireToken: true });
      expect(heard).toEqual([team.project.id]);
      await patch({ requireToken: true });
      await patch({ requireToken: 'yes' });
      await patch({ requireToken: false }, team.viewer.accessToken);
      expect(heard).toEqual([team.project.id]);
      await patch({ allowedOrigins: ['https://a.com'] });
      expect(heard).toEqual([team.project.id, team.project.id]);
    } finally {
      stop();
    }
  });

  it('refuses bad origins with one error per bad entry, by index, and saves nothing', async () => {
    await patch({ allowedOrigins: ['https://kept.com'] });
    const version = await securityVersion();
    const res = await patch({
      allowedOrigins: [
        'https://ok.com',
        '*.com',
        'https://myapp.com/path',
        '*',
        'null',
        '*.co.uk',
        '*.github.io',
        'ftp://myapp.com',
        'myapp.com',
        'https://myapp.com?x=1',
        'https://user@myapp.com',
        '*.myapp.com',
        null,
        42,
        'a.*.myapp.com',
        '',
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      code: 'validation_failed',
      message: expect.any(String),
      requestId: res.headers['x-request-id'],
      errors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15].map((i) => ({
        field: `allowedOrigins[${i}]`,
        message: expect.any(String),
      })),
    });
    expect(res.body.errors[0].message).toMatch(/public suffix/);
    expect((await get()).body.allowedOrigins).toEqual(['https://kept.com']);
    expect(await securityVersion()).toBe(version);
  });

  it('normalizes hosts as the URL Standard does, and the guard matches what a browser sends', async () => {
    const res = await patch({ allowedOrigins: ['https://ẞ.com', '*.Faß.de'] });
    // UTS #46 non-transitional (API.md §3): never IDNA2003's "ss.com" / "fass.de".
    expect([res.status, res.body.allowedOrigins]).toEqual([
      200,
      ['https://xn--zca.com', '*.xn--fa-hia.de'],
    ]);
    const config = (origin: string) =>
      ctx().http().get(widgetUrl(team.project.id, '/config')).set('Origin', origin);
    for (const [origin, status] of [
      ['https://xn--zca.com', 200],
      ['https://shop.xn--fa-hia.de', 200],
      ['https://ss.com', 403],
      ['https://shop.fass.de', 403],
      // No browser sends a Unicode Origin (here its UTF-8 bytes); only the punycode matches.
      [Buffer.from('https://ẞ.com').toString('latin1'), 403],
    ] as const) {
      const answer = await config(origin);
      expect({ origin, status: answer.status }).toEqual({ origin, status });
    }
  });

  it('refuses a wildcard over a public suffix or a domain with public suffixes below it', async () => {
    const res = await patch({
      allowedOrigins: [
        '*.amazonaws.com',
        '*.github.io',
        '*.myapp.com',
        '*.blogspot.com',
        '*.co.uk',
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'allowedOrigins[0]',
      'allowedOrigins[1]',
      'allowedOrigins[3]',
      'allowedOrigins[4]',
    ]);
    expect(res.body.errors[0].message).toMatch(/Public Suffix List names public suffixes below/);
    const ok = await patch({ allowedOrigins: ['*.myapp.com', '*.mybucket.s3.amazonaws.com'] });
    expect([ok.status, ok.body.allowedOrigins]).toEqual([
      200,
      ['*.myapp.com', '*.mybucket.s3.amazonaws.com'],
    ]);
  });

  it('fails closed on a list saved before a wildcard was refused, until it is saved again', async () => {
    // As a list saved by the code before the Public Suffix List check would be stored.
    await dataSource().query(`UPDATE projects SET allowed_origins = $1 WHERE id = $2`, [
      ['*.amazonaws.com'],
      team.project.id,
    ]);
    const config = () =>
      ctx()
        .http()
        .get(widgetUrl(team.project.id, '/config'))
        .set('Origin', 'https://bucket.s3.amazonaws.com');
    const refused = await config();
    expect([refused.status, refused.body.code]).toEqual([503, 'service_unavailable']);
    expect((await patch({ allowedOrigins: ['*.myapp.com'] })).status).toBe(200);
    const after = await config();
    expect([after.status, after.body.code]).toEqual([403, 'origin_not_allowed']);
  });

  it('accepts 100 origins and refuses 101', async () => {
    const origins = (n: number) =>
      Array.from({ length: n }, (_, i) => `https://site${i}.example.com`);
    const ok = await patch({ allowedOrigins: origins(100) });
    expect(ok.status).toBe(200);
    expect(ok.body.allowedOrigins).toHaveLength(100);
    const tooMany = await patch({ allowedOrigins: origins(101) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe('validation_failed');
    expect(tooMany.body.errors).toEqual([
      { field: 'allowedOrigins[100]', message: expect.stringMatching(/at most 100/) },
    ]);
  });

  it('accepts an origin of 253 characters and refuses one of 254', async () => {
    const host = (last: number) =>
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(last)}.com`;
    const ok = `https://${host(49)}`;
    const long = `https://${host(50)}`;
    expect([ok.length, long.length]).toEqual([253, 254]);
    expect((await patch({ allowedOrigins: [ok] })).body.allowedOrigins).toEqual([ok]);
    const res = await patch({ allowedOrigins: ['https://fine.com', long] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'allowedOrigins[1]', message: expect.any(String) }]);
  });

  it.each([
    [{ requireToken: null }, 'requireToken'],
    [{ requireToken: 'true' }, 'requireToken'],
    [{ requireToken: 1 }, 'requireToken'],
    [{ allowedOrigins: null }, 'allowedOrigins'],
    [{ allowedOrigins: 'https://a.com' }, 'allowedOrigins'],
    [{ allowedOrigins: { 0: 'https://a.com' } }, 'allowedOrigins'],
    [{ requireToken: true, keyEpoch: 9 }, 'keyEpoch'],
    [{ maxTokenLifetimeSeconds: 59 }, 'maxTokenLifetimeSeconds'],
    [{ maxTokenLifetimeSeconds: 2592001 }, 'maxTokenLifetimeSeconds'],
    [{ maxTokenLifetimeSeconds: '3600' }, 'maxTokenLifetimeSeconds'],
    [{ keyExposedAt: null }, 'keyExposedAt'],
  ])('refuses %j with a validation error on %s', async (body, field) => {
    const res = await patch(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    expect((await get()).body.requireToken).toBe(false);
  });

  it.each([['null'], ['[]'], ['"requireToken"'], ['true']])(
    'refuses the JSON body %s, which is not an object',
    async (raw) => {
      const res = record(
        await ctx()
          .http()
          .patch(url())
          .set(bearer(team.owner.accessToken))
          .set('Content-Type', 'application/json')
          .send(raw),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    },
  );

  it('refuses malformed JSON with invalid_json', async () => {
    const res = record(
      await ctx()
        .http()
        .patch(url())
        .set(bearer(team.owner.accessToken))
        .set('Content-Type', 'application/json')
        .send('{"requireToken": tru'),
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_json');
  });

  it('lets every member read, and only owners and admins change', async () => {
    expect((await get(team.viewer.accessToken)).status).toBe(200);
    expect((await get(team.admin.accessToken)).status).toBe(200);

    const denied = await patch({ requireToken: true }, team.viewer.accessToken);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');

    const allowed = await patch({ requireToken: true }, team.admin.accessToken);
    expect(allowed.status).toBe(200);
    const [entry] = await auditOf(team.project.id, 'widget.security.updated');
    expect(entry.actor).toEqual({
      userId: team.admin.user.id,
      email: team.admin.user.email,
      apiKeyId: null,
      apiKeyName: null,
    });
  });

  it('answers 404 project_not_found to a stranger, an unknown or a malformed id', async () => {
    const cases: [string, string][] = [
      [team.stranger.accessToken, team.project.id],
      [team.owner.accessToken, '00000000-0000-4000-8000-000000000000'],
      [team.owner.accessToken, 'not-a-uuid'],
    ];
    for (const [token, projectId] of cases) {
      for (const res of [
        await get(token, projectId),
        await patch({ requireToken: true }, token, projectId),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('project_not_found');
      }
    }
    expect((await get()).body.requireToken).toBe(false);
  });

  it('answers 401 without an access token', async () => {
    const res = record(await ctx().http().get(url()));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it('documents both operations in the OpenAPI document', async () => {
    const doc = await ctx().http().get('/docs/openapi.json').expect(200);
    const path = doc.body.paths['/api/v1/projects/{projectId}/widget/security'];
    expect(Object.keys(path).sort()).toEqual(['get', 'patch']);
    expect(path.patch.responses['200']).toBeDefined();
    expect(path.patch.responses['400']).toBeDefined();
  });

  // Runs last (tests run in order): every body above, success or error, is checked.
  it('never put a secret key in a response body or a log line', () => {
    expect(bodies.length).toBeGreaterThan(40);
    for (const body of bodies) expect(body).not.toMatch(SECRET_SHAPE);
    for (const line of ctx().logs) expect(line).not.toMatch(SECRET_SHAPE);
  });
});
