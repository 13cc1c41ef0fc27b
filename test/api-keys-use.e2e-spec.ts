import { DataSource } from 'typeorm';
import { bearer, createProject, createProjectTeam, type ProjectTeam } from './helpers/accounts';
import { createApiKey, type CreatedApiKey } from './helpers/api-keys';
import { describeEachDatabase } from './helpers/test-app';

const ZERO_ID = '00000000-0000-4000-8000-000000000000';
const B64 = 'A'.repeat(43);

/** API.md §9: what a request made with an API key may do, and every bad key's answer. */
describeEachDatabase('API keys: using them', (ctx) => {
  const http = () => ctx().http();
  let team: ProjectTeam;
  let projectId: string;
  let admin: CreatedApiKey;
  let viewer: CreatedApiKey;
  const project = (path = '') => `/api/v1/projects/${projectId}${path}`;

  beforeAll(async () => {
    team = await createProjectTeam(http());
    projectId = team.project.id;
    admin = await createApiKey(http(), team.owner.accessToken, projectId, { name: 'ci admin' });
    viewer = await createApiKey(http(), team.owner.accessToken, projectId, {
      name: 'ci viewer',
      role: 'viewer',
    });
  });

  it('acts with the rights of an admin: reads, settings, reveal and rotation', async () => {
    const got = await http().get(project()).set(bearer(admin.key)).expect(200);
    expect(got.body).toMatchObject({ id: projectId, role: 'admin' });
    await http()
      .patch(project('/widget/security'))
      .set(bearer(admin.key))
      .send({ allowedOrigins: ['https://preview-1.example.com'] })
      .expect(200);
    await http().get(project('/widget/secret-key')).set(bearer(admin.key)).expect(200);
    const rotated = await http()
      .post(project('/widget/secret-key/rotate'))
      .set(bearer(admin.key))
      .send({ gracePeriodSeconds: 60 })
      .expect(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    await http().get(project('/members')).set(bearer(admin.key)).expect(200);
    await http().get(project('/audit-log')).set(bearer(admin.key)).expect(200);
    await http()
      .patch(project())
      .set(bearer(admin.key))
      .send({ name: 'renamed by CI' })
      .expect(200);
  });

  it('acts with the rights of a viewer: reads yes, writes 403 forbidden', async () => {
    await http().get(project()).set(bearer(viewer.key)).expect(200);
    await http().get(project('/widget/security')).set(bearer(viewer.key)).expect(200);
    for (const res of [
      await http()
        .patch(project('/widget/security'))
        .set(bearer(viewer.key))
        .send({ requireToken: true }),
      await http().get(project('/widget/secret-key')).set(bearer(viewer.key)),
      await http().post(project('/widget/secret-key/rotate')).set(bearer(viewer.key)).send({}),
      await http().get(project('/audit-log')).set(bearer(viewer.key)),
    ]) {
      expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
    }
  });

  it('never manages members or deletes the project (403 forbidden), even as admin', async () => {
    for (const res of [
      await http()
        .post(project('/members'))
        .set(bearer(admin.key))
        .send({ email: team.stranger.email, role: 'viewer' }),
      await http()
        .patch(project(`/members/${team.viewer.user.id}`))
        .set(bearer(admin.key))
        .send({ role: 'admin' }),
      await http()
        .delete(project(`/members/${team.viewer.user.id}`))
        .set(bearer(admin.key)),
      await http().delete(project()).set(bearer(admin.key)),
    ]) {
      expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
    }
    await http().get(project()).set(bearer(team.owner.accessToken)).expect(200);
  });

  it('is no credential for another project: 404 project_not_found', async () => {
    const other = await createProject(http(), team.owner.accessToken, 'other project');
    for (const url of [
      `/api/v1/projects/${other.id}`,
      `/api/v1/projects/${other.id}/widget/security`,
      `/api/v1/projects/${ZERO_ID}`,
      '/api/v1/projects/not-a-uuid',
    ]) {
      const res = await http().get(url).set(bearer(admin.key));
      expect([url, res.status, res.body.code]).toEqual([url, 404, 'project_not_found']);
    }
  });

  it('is no credential outside the project routes: /auth/*, GET and POST /projects → 401', async () => {
    for (const res of [
      await http().get('/api/v1/auth/me').set(bearer(admin.key)),
      await http().post('/api/v1/auth/logout').set(bearer(admin.key)),
      await http()
        .post('/api/v1/auth/password')
        .set(bearer(admin.key))
        .send({ currentPassword: 'x', newPassword: 'y'.repeat(12) }),
      await http().get('/api/v1/projects').set(bearer(admin.key)),
      await http().post('/api/v1/projects').set(bearer(admin.key)).send({ name: 'by a key' }),
    ]) {
      expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);
    }
  });

  it('answers every malformed or unknown key 401 unauthorized, with one message and no hint', async () => {
    const jwt = team.owner.accessToken;
    const bad = [
      `hsk_${B64.slice(1)}`, // 42 characters
      `hsk_${B64}A`, // 44
      `hsk_${B64.slice(2)}+/`, // not base64url
      `hsk_${B64.slice(1)}=`,
      `hsk_${B64.slice(1)}é`,
      'hsk_',
      `hsk_${jwt}`, // a dashboard JWT where a key is expected
      `HSK_${B64}`, // wrong prefix
      `hsk-${B64}`,
      `sk_live_${B64}`,
      admin.key.slice(4), // the key without its prefix
      `hsk_${B64}`, // well-formed, unknown
      `${admin.key.slice(0, -1)}${admin.key.endsWith('A') ? 'B' : 'A'}`, // one character off
    ];
    const messages = new Set<string>();
    for (const key of bad) {
      const res = await http().get(project()).set(bearer(key));
      expect([key, res.status, res.body.code]).toEqual([key, 401, 'unauthorized']);
      expect(res.text).not.toContain(key);
      messages.add(res.body.message);
    }
    expect(messages.size).toBeLessThanOrEqual(2); // a key-shaped value or a JWT-shaped one
    // And the reverse: a key where a dashboard JWT is expected.
    const me = await http().get('/api/v1/auth/me').set(bearer(admin.key));
    expect([me.status, me.body.code]).toEqual([401, 'unauthorized']);
  });

  it('refuses an expired key (401 unauthorized) and one of a deleted project', async () => {
    const expiring = await createApiKey(http(), team.owner.accessToken, projectId, {
      expiresInDays: 1,
    });
    await ctx()
      .app.get(DataSource)
      .query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        expiring.id,
      ]);
    const res = await http().get(project()).set(bearer(expiring.key));
    expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);

    const doomed = await createProject(http(), team.owner.accessToken, 'doomed');
    const key = await createApiKey(http(), team.owner.accessToken, doomed.id);
    await http().get(`/api/v1/projects/${doomed.id}`).set(bearer(key.key)).expect(200); // cached
    await http()
      .delete(`/api/v1/projects/${doomed.id}`)
      .set(bearer(team.owner.accessToken))
      .expect(204);
    const gone = await http().get(`/api/v1/projects/${doomed.id}`).set(bearer(key.key));
    expect([gone.status, gone.body.code]).toEqual([401, 'unauthorized']);
  });

  it('records actions done with a key as { userId: null, email: null, apiKeyId, apiKeyName }', async () => {
    await http()
      .patch(project('/widget/security'))
      .set(bearer(admin.key))
      .send({ allowedOrigins: ['https://preview-2.example.com'] })
      .expect(200);
    const log = await http()
      .get(project('/audit-log'))
      .query({ limit: 100 })
      .set(bearer(team.owner.accessToken))
      .expect(200);
    const [latest] = log.body.items;
    expect(latest).toMatchObject({
      action: 'widget.security.updated',
      actor: { userId: null, email: null, apiKeyId: admin.id, apiKeyName: 'ci admin' },
    });
    const created = log.body.items.find(
      (e: { action: string; details: { apiKeyId: string } }) =>
        e.action === 'api_key.created' && e.details.apiKeyId === viewer.id,
    );
    expect(created).toMatchObject({
      actor: {
        userId: team.owner.user.id,
        email: team.owner.user.email,
        apiKeyId: null,
        apiKeyName: null,
      },
      details: { apiKeyId: viewer.id, name: 'ci viewer', role: 'viewer' },
    });
    const rotated = log.body.items.find(
      (e: { action: string }) => e.action === 'widget.secret_key.rotated',
    );
    expect(rotated.actor).toEqual({
      userId: null,
      email: null,
      apiKeyId: admin.id,
      apiKeyName: 'ci admin',
    });
    expect(log.text).not.toContain(admin.key);
  });

  it('audits a revocation as api_key.revoked with the key id, name and role', async () => {
    const key = await createApiKey(http(), team.owner.accessToken, projectId, {
      name: 'to revoke',
      role: 'viewer',
    });
    await http()
      .delete(`/api/v1/projects/${projectId}/api-keys/${key.id}`)
      .set(bearer(team.admin.accessToken))
      .expect(204);
    const log = await http()
      .get(project('/audit-log'))
      .set(bearer(team.owner.accessToken))
      .expect(200);
    expect(log.body.items[0]).toMatchObject({
      action: 'api_key.revoked',
      actor: {
        userId: team.admin.user.id,
        email: team.admin.user.email,
        apiKeyId: null,
        apiKeyName: null,
      },
      details: { apiKeyId: key.id, name: 'to revoke', role: 'viewer' },
    });
  });

  it('answers a known key from the cache: no api_keys query per request', async () => {
    const dataSource = ctx().app.get(DataSource);
    await http().get(project()).set(bearer(viewer.key)).expect(200); // loaded once
    const spy = jest.spyOn(dataSource, 'query');
    try {
      for (let i = 0; i < 10; i++) await http().get(project()).set(bearer(viewer.key)).expect(200);
      const keyQueries = spy.mock.calls.filter(([sql]) =>
        /api_keys|project_members/.test(String(sql)),
      );
      expect(keyQueries).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describeEachDatabase(
  'API keys: the per-key rate limit (RATE_LIMIT_API_KEY_PER_MINUTE)',
  (ctx) => {
    it('answers the request over the limit 429 rate_limited with Retry-After, per key', async () => {
      const team = await createProjectTeam(ctx().http());
      const one = await createApiKey(ctx().http(), team.owner.accessToken, team.project.id);
      const two = await createApiKey(ctx().http(), team.owner.accessToken, team.project.id);
      const get = (key: string) =>
        ctx().http().get(`/api/v1/projects/${team.project.id}`).set(bearer(key));
      for (let i = 0; i < 3; i++) expect((await get(one.key)).status).toBe(200);
      const over = await get(one.key);
      expect([over.status, over.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await get(two.key)).status).toBe(200);
      // Users are not counted against a key's limit.
      await ctx()
        .http()
        .get(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.owner.accessToken))
        .expect(200);
    });

    it('bounds lookups of unknown keys per address (RATE_LIMIT_AUTH_PER_MINUTE): 429, cached keys unaffected', async () => {
      const team = await createProjectTeam(ctx().http());
      const known = await createApiKey(ctx().http(), team.owner.accessToken, team.project.id);
      const get = (key: string) =>
        ctx().http().get(`/api/v1/projects/${team.project.id}`).set(bearer(key));
      expect((await get(known.key)).status).toBe(200); // cached from now on
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        statuses.push((await get(`hsk_${String(i).padStart(43, 'x')}`)).status);
      }
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
      expect(statuses.slice(-3)).toEqual([429, 429, 429]);
      expect((await get(known.key)).status).toBe(200);
    });
  },
  { rateLimitApiKeyPerMinute: 3, rateLimitAuthPerMinute: 20 },
);
