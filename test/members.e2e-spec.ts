import type { Response } from 'supertest';
import {
  addMember,
  bearer,
  createProjectTeam,
  Http,
  ProjectTeam,
  signUp,
} from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

type Method = 'get' | 'post' | 'patch' | 'delete';

/** Every project-scoped route, with a valid body, aimed at the team's viewer where it names a member. */
function projectRoutes(team: ProjectTeam): [Method, string, object?][] {
  const p = `/api/v1/projects/${team.project.id}`;
  return [
    ['get', p],
    ['patch', p, { name: 'Renamed' }],
    ['delete', p],
    ['get', `${p}/members`],
    ['post', `${p}/members`, { email: team.stranger.email, role: 'viewer' }],
    ['patch', `${p}/members/${team.viewer.user.id}`, { role: 'admin' }],
    ['delete', `${p}/members/${team.viewer.user.id}`],
    ['get', `${p}/audit-log`],
  ];
}

function send(http: Http, token: string, [method, path, body]: [Method, string, object?]) {
  const req = http[method](path).set(bearer(token));
  return body ? req.send(body) : req;
}

describeEachDatabase('members and roles', (ctx) => {
  const http = () => ctx().http();
  const members = (team: ProjectTeam) => `/api/v1/projects/${team.project.id}/members`;

  describe('GET /projects/:projectId/members', () => {
    it('lists every member, owner first, for any member', async () => {
      const team = await createProjectTeam(http());
      const res = await http().get(members(team)).set(bearer(team.viewer.accessToken)).expect(200);
      expect(res.body.nextCursor).toBeNull();
      expect(res.body.items).toEqual([
        member(team.owner, 'owner'),
        member(team.admin, 'admin'),
        member(team.viewer, 'viewer'),
      ]);
    });

    it('pages with ?limit and ?cursor', async () => {
      const team = await createProjectTeam(http());
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await http()
          .get(members(team))
          .query(cursor ? { limit: 1, cursor } : { limit: 1 })
          .set(bearer(team.owner.accessToken))
          .expect(200);
        expect(res.body.items).toHaveLength(1);
        ids.push(res.body.items[0].userId);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(ids).toEqual([team.owner.user.id, team.admin.user.id, team.viewer.user.id]);
    });
  });

  describe('POST /projects/:projectId/members', () => {
    it('adds an account by email (any case) with 201 member', async () => {
      const team = await createProjectTeam(http());
      const res = await http()
        .post(members(team))
        .set(bearer(team.admin.accessToken))
        .send({ email: team.stranger.email.toUpperCase(), role: 'viewer' })
        .expect(201);
      expect(res.body).toEqual(member(team.stranger, 'viewer'));
      await http()
        .get(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.stranger.accessToken))
        .expect(200);
    });

    it('answers an email with no account with 404 user_not_found', async () => {
      const team = await createProjectTeam(http());
      const res = await http()
        .post(members(team))
        .set(bearer(team.owner.accessToken))
        .send({ email: 'nobody-at-all@example.com', role: 'viewer' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'user_not_found' });
    });

    it('answers an existing member, the owner included, with 409 already_member', async () => {
      const team = await createProjectTeam(http());
      for (const account of [team.owner, team.admin, team.viewer]) {
        const res = await http()
          .post(members(team))
          .set(bearer(team.owner.accessToken))
          .send({ email: account.email, role: 'admin' });
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ statusCode: 409, code: 'already_member' });
      }
      const list = await http().get(members(team)).set(bearer(team.owner.accessToken));
      expect(list.body.items.map((m: { role: string }) => m.role)).toEqual([
        'owner',
        'admin',
        'viewer',
      ]);
    });

    it.each([
      ['the owner role', { role: 'owner' }, 'role'],
      ['an unknown role', { role: 'superuser' }, 'role'],
      ['a missing role', { role: undefined }, 'role'],
      ['a malformed email', { email: 'nope' }, 'email'],
      ['an unknown property', { userId: UNKNOWN_ID }, 'userId'],
    ])('refuses %s with 400 validation_failed', async (_, patch, field) => {
      const team = await createProjectTeam(http());
      const res = await http()
        .post(members(team))
        .set(bearer(team.owner.accessToken))
        .send({ email: team.stranger.email, role: 'viewer', ...patch });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toContainEqual({ field, message: expect.any(String) });
    });
  });

  describe('PATCH /projects/:projectId/members/:userId', () => {
    it('lets the owner and an admin change roles: 200 member', async () => {
      const team = await createProjectTeam(http());
      const demoted = await http()
        .patch(`${members(team)}/${team.admin.user.id}`)
        .set(bearer(team.owner.accessToken))
        .send({ role: 'viewer' })
        .expect(200);
      expect(demoted.body).toEqual(member(team.admin, 'viewer'));

      const other = await signUp(http());
      await addMember(http(), team.owner.accessToken, team.project.id, other.email, 'admin');
      const promoted = await http()
        .patch(`${members(team)}/${team.viewer.user.id}`)
        .set(bearer(other.accessToken))
        .send({ role: 'admin' })
        .expect(200);
      expect(promoted.body).toEqual(member(team.viewer, 'admin'));

      // The new role takes effect at once.
      await http()
        .patch(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.admin.accessToken))
        .send({ name: 'Nope' })
        .expect(403);
    });

    it('never demotes the owner: 409 owner_immutable', async () => {
      const team = await createProjectTeam(http());
      for (const account of [team.owner, team.admin]) {
        for (const role of ['admin', 'viewer']) {
          const res = await http()
            .patch(`${members(team)}/${team.owner.user.id}`)
            .set(bearer(account.accessToken))
            .send({ role });
          expect(res.status).toBe(409);
          expect(res.body).toMatchObject({ statusCode: 409, code: 'owner_immutable' });
        }
      }
    });

    it('refuses to grant the owner role with 400 validation_failed', async () => {
      const team = await createProjectTeam(http());
      const res = await http()
        .patch(`${members(team)}/${team.admin.user.id}`)
        .set(bearer(team.owner.accessToken))
        .send({ role: 'owner' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ field: 'role', message: expect.any(String) });
    });

    it('answers a user who is not a member, or a malformed id, with 404 member_not_found', async () => {
      const team = await createProjectTeam(http());
      for (const userId of [team.stranger.user.id, UNKNOWN_ID, 'not-a-uuid']) {
        const res = await http()
          .patch(`${members(team)}/${userId}`)
          .set(bearer(team.owner.accessToken))
          .send({ role: 'viewer' });
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('member_not_found');
      }
    });
  });

  describe('DELETE /projects/:projectId/members/:userId', () => {
    it('removes a member: 204, and their access ends', async () => {
      const team = await createProjectTeam(http());
      await http()
        .delete(`${members(team)}/${team.viewer.user.id}`)
        .set(bearer(team.admin.accessToken))
        .expect(204);
      const list = await http().get(members(team)).set(bearer(team.owner.accessToken));
      expect(list.body.items.map((m: { userId: string }) => m.userId)).toEqual([
        team.owner.user.id,
        team.admin.user.id,
      ]);
      const res = await http()
        .get(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.viewer.accessToken));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('project_not_found');
    });

    it('never removes the owner: 409 owner_immutable', async () => {
      const team = await createProjectTeam(http());
      for (const account of [team.admin, team.owner]) {
        const res = await http()
          .delete(`${members(team)}/${team.owner.user.id}`)
          .set(bearer(account.accessToken));
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('owner_immutable');
      }
    });

    it('answers a user who is not a member with 404 member_not_found', async () => {
      const team = await createProjectTeam(http());
      const res = await http()
        .delete(`${members(team)}/${team.stranger.user.id}`)
        .set(bearer(team.owner.accessToken));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('member_not_found');
    });
  });

  describe('role matrix', () => {
    it('refuses a viewer every write (and the audit log) with 403 forbidden', async () => {
      const team = await createProjectTeam(http());
      const refused = projectRoutes(team).filter(
        ([method, path]) => method !== 'get' || path.endsWith('/audit-log'),
      );
      expect(refused).toHaveLength(6);
      for (const route of refused) {
        const res = await send(http(), team.viewer.accessToken, route);
        expect({ route, status: res.status, code: res.body.code }).toEqual({
          route,
          status: 403,
          code: 'forbidden',
        });
      }
    });

    it('answers a stranger 404 project_not_found on every project route', async () => {
      const team = await createProjectTeam(http());
      for (const route of projectRoutes(team)) {
        const res = await send(http(), team.stranger.accessToken, route);
        expect({ route, status: res.status, code: res.body.code }).toEqual({
          route,
          status: 404,
          code: 'project_not_found',
        });
      }
      const owner = await http()
        .get(`/api/v1/projects/${team.project.id}`)
        .set(bearer(team.owner.accessToken))
        .expect(200);
      expect(owner.body.name).toBe(team.project.name);
    });

    it('answers a malformed or unknown project id 404 on every project route', async () => {
      const team = await createProjectTeam(http());
      for (const id of ['not-a-uuid', UNKNOWN_ID]) {
        for (const [method, path, body] of projectRoutes(team)) {
          const route: [Method, string, object?] = [
            method,
            path.replace(team.project.id, id),
            body,
          ];
          const res = await send(http(), team.owner.accessToken, route);
          expect({ route, status: res.status, code: res.body.code }).toEqual({
            route,
            status: 404,
            code: 'project_not_found',
          });
        }
      }
    });

    it('answers every project route without a token with 401 unauthorized', async () => {
      const team = await createProjectTeam(http());
      for (const [method, path, body] of projectRoutes(team)) {
        const req = http()[method](path);
        const res = await (body ? req.send(body) : req);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 401,
          code: 'unauthorized',
        });
      }
    });
  });
});

function member(account: ProjectTeam['owner'], role: string): object {
  return {
    userId: account.user.id,
    email: account.user.email,
    name: account.user.name,
    role,
    addedAt: expect.stringMatching(ISO),
  };
}
