import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { ProjectChanges } from '../src/database/project-changes';
import { addMember, bearer, createProject, createProjectTeam, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describeEachDatabase('projects', (ctx) => {
  const http = () => ctx().http();
  const db = () => ctx().app.get(DataSource);

  it.each([
    ['POST', '/api/v1/projects'],
    ['GET', '/api/v1/projects'],
    ['GET', `/api/v1/projects/${UNKNOWN_ID}`],
    ['PATCH', `/api/v1/projects/${UNKNOWN_ID}`],
    ['DELETE', `/api/v1/projects/${UNKNOWN_ID}`],
  ])('answers %s %s without a token with 401 unauthorized', async (method, path) => {
    const res = await http()[method.toLowerCase() as 'get'](path).send({ name: 'x' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  describe('POST /projects', () => {
    it('creates a project owned by the caller: 201 project', async () => {
      const owner = await signUp(http());
      const res = await http()
        .post('/api/v1/projects')
        .set(bearer(owner.accessToken))
        .send({ name: '  My app  ' })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'My app',
        role: 'owner',
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
    });

    it('starts without token enforcement, without origins, with a secret key at epoch 1', async () => {
      const owner = await signUp(http());
      const project = await createProject(http(), owner.accessToken);
      const [row] = await db().query(
        'SELECT require_token, allowed_origins, key_epoch FROM projects WHERE id = $1',
        [project.id],
      );
      expect(row).toEqual({ require_token: false, allowed_origins: [], key_epoch: 1 });
      const keys = await db().query(
        'SELECT epoch, ciphertext FROM secret_keys WHERE project_id = $1',
        [project.id],
      );
      expect(keys).toHaveLength(1);
      expect(keys[0].epoch).toBe(1);
      expect(keys[0].ciphertext.toString('latin1')).not.toContain('sk_live_');
      const members = await db().query(
        'SELECT user_id, role FROM project_members WHERE project_id = $1',
        [project.id],
      );
      expect(members).toEqual([{ user_id: owner.user.id, role: 'owner' }]);
    });

    it('accepts a name of 100 characters', async () => {
      const owner = await signUp(http());
      const project = await createProject(http(), owner.accessToken, 'n'.repeat(100));
      expect(project.name).toHaveLength(100);
    });

    it.each([
      ['a missing name', {}, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a name of 101 characters', { name: 'n'.repeat(101) }, 'name'],
      ['a name that is not a string', { name: 42 }, 'name'],
      ['a name with a NUL character', { name: 'a\u0000b' }, 'name'],
      ['an unknown property', { name: 'ok', requireToken: true }, 'requireToken'],
    ])('refuses %s with 400 validation_failed', async (_, body, field) => {
      const owner = await signUp(http());
      const res = await http().post('/api/v1/projects').set(bearer(owner.accessToken)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toContainEqual({ field, message: expect.any(String) });
    });
  });

  describe('GET /projects', () => {
    it("lists the caller's projects only, newest first, with the caller's role", async () => {
      const team = await createProjectTeam(http());
      const own = await createProject(http(), team.viewer.accessToken, 'Viewer’s own');
      await createProject(http(), team.stranger.accessToken, 'Not yours');

      const res = await http()
        .get('/api/v1/projects')
        .set(bearer(team.viewer.accessToken))
        .expect(200);
      expect(res.body).toEqual({
        items: [own, { ...team.project, role: 'viewer' }],
        nextCursor: null,
      });
    });

    it('pages with ?limit and an opaque ?cursor', async () => {
      const owner = await signUp(http());
      const created = [];
      for (let i = 0; i < 5; i++) {
        created.push(await createProject(http(), owner.accessToken, `Project ${i}`));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Response = await http()
          .get('/api/v1/projects')
          .query(cursor ? { limit: 2, cursor } : { limit: 2 })
          .set(bearer(owner.accessToken))
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((p: { name: string }) => p.name));
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(created.map((p) => p.name).reverse());
    });

    it.each([
      ['limit=0', { limit: 0 }, 'limit'],
      ['limit=101', { limit: 101 }, 'limit'],
      ['limit=abc', { limit: 'abc' }, 'limit'],
      ['a forged cursor', { cursor: 'bm90IGEgY3Vyc29y' }, 'cursor'],
      [
        'a cursor with an impossible date',
        { cursor: forgedCursor('2024-02-30T00:00:00.000000Z') },
        'cursor',
      ],
      ['an unknown query parameter', { sort: 'name' }, 'sort'],
    ])('refuses %s with 400 validation_failed', async (_, query, field) => {
      const owner = await signUp(http());
      const res = await http().get('/api/v1/projects').query(query).set(bearer(owner.accessToken));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toContainEqual({ field, message: expect.any(String) });
    });
  });

  describe('GET /projects/:projectId', () => {
    it('answers every member with the project and their own role', async () => {
      const team = await createProjectTeam(http());
      for (const [account, role] of [
        [team.owner, 'owner'],
        [team.admin, 'admin'],
        [team.viewer, 'viewer'],
      ] as const) {
        const res = await http()
          .get(`/api/v1/projects/${team.project.id}`)
          .set(bearer(account.accessToken))
          .expect(200);
        expect(res.body).toEqual({ ...team.project, role });
      }
    });

    it('answers a stranger, an unknown id and a malformed id with 404 project_not_found', async () => {
      const team = await createProjectTeam(http());
      for (const [token, id] of [
        [team.stranger.accessToken, team.project.id],
        [team.owner.accessToken, UNKNOWN_ID],
        [team.owner.accessToken, 'not-a-uuid'],
        [team.owner.accessToken, `${team.project.id}x`],
      ]) {
        const res = await http().get(`/api/v1/projects/${id}`).set(bearer(token));
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ statusCode: 404, code: 'project_not_found' });
      }
    });
  });

  describe('PATCH /projects/:projectId', () => {
    it('lets the owner and an admin rename the project', async () => {
      const team = await createProjectTeam(http());
      const byOwner = await http()
        .patch(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.owner.accessToken))
        .send({ name: 'Renamed' })
        .expect(200);
      expect(byOwner.body).toEqual({
        ...team.project,
        name: 'Renamed',
        updatedAt: expect.stringMatching(ISO),
      });
      expect(Date.parse(byOwner.body.updatedAt)).toBeGreaterThanOrEqual(
        Date.parse(team.project.updatedAt),
      );
      const byAdmin = await http()
        .patch(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.admin.accessToken))
        .send({ name: 'Renamed again' })
        .expect(200);
      expect(byAdmin.body).toMatchObject({ name: 'Renamed again', role: 'admin' });
    });

    it('refuses a viewer with 403 forbidden and a stranger with 404', async () => {
      const team = await createProjectTeam(http());
      const viewer = await http()
        .patch(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.viewer.accessToken))
        .send({ name: 'Nope' });
      expect(viewer.status).toBe(403);
      expect(viewer.body).toMatchObject({ statusCode: 403, code: 'forbidden' });
      const stranger = await http()
        .patch(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.stranger.accessToken))
        .send({ name: 'Nope' });
      expect(stranger.status).toBe(404);
      expect(stranger.body.code).toBe('project_not_found');
    });

    it('validates the name', async () => {
      const team = await createProjectTeam(http());
      const res = await http()
        .patch(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.owner.accessToken))
        .send({ name: '' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ field: 'name', message: expect.any(String) });
    });
  });

  describe('DELETE /projects/:projectId', () => {
    it('is for the owner only: 403 for an admin or a viewer, 404 for a stranger', async () => {
      const team = await createProjectTeam(http());
      for (const account of [team.admin, team.viewer]) {
        const res = await http()
          .delete(`/api/v1/projects/${team.project.id}`)
          .set(bearer(account.accessToken));
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('forbidden');
      }
      const stranger = await http()
        .delete(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.stranger.accessToken));
      expect(stranger.status).toBe(404);
      expect(stranger.body.code).toBe('project_not_found');
    });

    it('deletes: 204, keys destroyed, change published, then 404 everywhere', async () => {
      const team = await createProjectTeam(http());
      const { id } = team.project;
      const published: string[] = [];
      const unsubscribe = ctx()
        .app.get(ProjectChanges)
        .onChange((p) => published.push(p));
      try {
        const res = await http()
          .delete(`/api/v1/projects/${id}`)
          .set(bearer(team.owner.accessToken))
          .expect(204);
        expect(res.text).toBe('');
      } finally {
        unsubscribe();
      }
      expect(published).toContain(id);

      const [row] = await db().query(
        'SELECT deleted_at, security_version FROM projects WHERE id = $1',
        [id],
      );
      expect(row.deleted_at).toBeInstanceOf(Date);
      expect(row.security_version).toBeGreaterThan(1);
      expect(await db().query('SELECT 1 FROM secret_keys WHERE project_id = $1', [id])).toEqual([]);

      const owner = bearer(team.owner.accessToken);
      const calls = [
        http().get(`/api/v1/projects/${id}`).set(owner),
        http().patch(`/api/v1/projects/${id}`).set(owner).send({ name: 'Back' }),
        http().delete(`/api/v1/projects/${id}`).set(owner),
        http().get(`/api/v1/projects/${id}/members`).set(owner),
        http()
          .post(`/api/v1/projects/${id}/members`)
          .set(owner)
          .send({ email: team.stranger.email, role: 'viewer' }),
        http().get(`/api/v1/projects/${id}/audit-log`).set(owner),
        http().get(`/api/v1/projects/${id}`).set(bearer(team.admin.accessToken)),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('project_not_found');
      }
      const list = await http().get('/api/v1/projects').set(owner).expect(200);
      expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(id);
    });

    it('leaves the owner’s other projects alone', async () => {
      const owner = await signUp(http());
      const keep = await createProject(http(), owner.accessToken, 'Keep');
      const drop = await createProject(http(), owner.accessToken, 'Drop');
      await addMember(http(), owner.accessToken, drop.id, (await signUp(http())).email, 'viewer');
      await http().delete(`/api/v1/projects/${drop.id}`).set(bearer(owner.accessToken)).expect(204);
      await http().get(`/api/v1/projects/${keep.id}`).set(bearer(owner.accessToken)).expect(200);
      const keys = await db().query('SELECT epoch FROM secret_keys WHERE project_id = $1', [
        keep.id,
      ]);
      expect(keys).toEqual([{ epoch: 1 }]);
    });
  });
});

function forgedCursor(at: string): string {
  return Buffer.from(JSON.stringify({ at, id: UNKNOWN_ID })).toString('base64url');
}
