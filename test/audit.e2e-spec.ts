import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { bearer, createProjectTeam, ProjectTeam } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeEachDatabase('audit log', (ctx) => {
  const http = () => ctx().http();
  const log = (team: ProjectTeam) => `/api/v1/projects/${team.project.id}/audit-log`;

  /** A team, then a rename, a role change and a removal by the owner. */
  async function busyTeam(): Promise<ProjectTeam> {
    const team = await createProjectTeam(http(), 'Before');
    const owner = bearer(team.owner.accessToken);
    const p = `/api/v1/projects/${team.project.id}`;
    await http().patch(p).set(owner).send({ name: 'After' }).expect(200);
    await http()
      .patch(`${p}/members/${team.viewer.user.id}`)
      .set(owner)
      .send({ role: 'admin' })
      .expect(200);
    await http().delete(`${p}/members/${team.viewer.user.id}`).set(owner).expect(204);
    return team;
  }

  it('lists what happened, newest first, with actor and details', async () => {
    const team = await busyTeam();
    const res = await http().get(log(team)).set(bearer(team.owner.accessToken)).expect(200);
    expect(res.body.nextCursor).toBeNull();
    const actor = {
      userId: team.owner.user.id,
      email: team.owner.user.email,
      apiKeyId: null,
      apiKeyName: null,
    };
    const entry = (action: string, details: object) => ({
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO),
      actor,
      action,
      details,
    });
    const viewer = { userId: team.viewer.user.id, email: team.viewer.user.email };
    const admin = { userId: team.admin.user.id, email: team.admin.user.email };
    expect(res.body.items).toEqual([
      entry('member.removed', { ...viewer, role: 'admin' }),
      entry('member.updated', {
        ...viewer,
        role: 'admin',
        before: { role: 'viewer' },
        after: { role: 'admin' },
      }),
      entry('project.updated', { before: { name: 'Before' }, after: { name: 'After' } }),
      entry('member.added', { ...viewer, role: 'viewer' }),
      entry('member.added', { ...admin, role: 'admin' }),
      entry('project.created', { name: 'Before' }),
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/sk_live_|password|argon2/i);
  });

  it('is open to the owner and admins, 403 for a viewer, 404 for a stranger', async () => {
    const team = await createProjectTeam(http());
    await http().get(log(team)).set(bearer(team.admin.accessToken)).expect(200);
    const viewer = await http().get(log(team)).set(bearer(team.viewer.accessToken));
    expect(viewer.status).toBe(403);
    expect(viewer.body.code).toBe('forbidden');
    const stranger = await http().get(log(team)).set(bearer(team.stranger.accessToken));
    expect(stranger.status).toBe(404);
    expect(stranger.body.code).toBe('project_not_found');
  });

  it('pages newest first with ?limit and ?cursor, without gaps or repeats', async () => {
    const team = await busyTeam();
    const all = await http().get(log(team)).set(bearer(team.owner.accessToken)).expect(200);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await http()
        .get(log(team))
        .query(cursor ? { limit: 4, cursor } : { limit: 4 })
        .set(bearer(team.owner.accessToken))
        .expect(200);
      ids.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual(all.body.items.map((e: { id: string }) => e.id));
  });

  it('refuses a forged cursor with 400 validation_failed', async () => {
    const team = await createProjectTeam(http());
    for (const seq of ['1; DROP TABLE users', '99999999999999999999', -1]) {
      const cursor = Buffer.from(JSON.stringify({ seq })).toString('base64url');
      const res = await http().get(log(team)).query({ cursor }).set(bearer(team.owner.accessToken));
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ field: 'cursor', message: expect.any(String) });
    }
  });

  it('records nothing for a rename to the same name', async () => {
    const team = await createProjectTeam(http(), 'Same');
    await http()
      .patch(`/api/v1/projects/${team.project.id}`)
      .set(bearer(team.owner.accessToken))
      .send({ name: 'Same' })
      .expect(200);
    const res = await http().get(log(team)).set(bearer(team.owner.accessToken));
    expect(res.body.items.map((e: { action: string }) => e.action)).not.toContain(
      'project.updated',
    );
  });

  it('records project.deleted (kept, though the log is no longer reachable)', async () => {
    const team = await createProjectTeam(http(), 'Doomed');
    await http()
      .delete(`/api/v1/projects/${team.project.id}`)
      .set(bearer(team.owner.accessToken))
      .expect(204);
    const rows = await ctx()
      .app.get(DataSource)
      .query(
        `SELECT actor_user_id, action, details FROM audit_log
          WHERE project_id = $1 ORDER BY seq DESC LIMIT 1`,
        [team.project.id],
      );
    expect(rows).toEqual([
      { actor_user_id: team.owner.user.id, action: 'project.deleted', details: { name: 'Doomed' } },
    ]);
  });
});
