import { addMember, bearer, createProject, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const MAX_PROJECTS = 3;
const MAX_ROTATIONS = 2;

/** API.md §7 quotas: 429 `quota_exceeded` with a message naming the limit. */
describeEachDatabase(
  `quotas (MAX_PROJECTS_PER_USER=${MAX_PROJECTS}, MAX_ROTATIONS_PER_HOUR=${MAX_ROTATIONS})`,
  (ctx) => {
    const http = () => ctx().http();
    const create = (token: string) =>
      http().post('/api/v1/projects').set(bearer(token)).send({ name: 'Quota' });
    const rotate = (token: string, projectId: string) =>
      http()
        .post(`/api/v1/projects/${projectId}/widget/secret-key/rotate`)
        .set(bearer(token))
        .send({ gracePeriodSeconds: 0 });

    it('refuses a project over MAX_PROJECTS_PER_USER owned, counting live projects only', async () => {
      const owner = await signUp(http());
      const ids: string[] = [];
      for (let i = 0; i < MAX_PROJECTS; i++) ids.push((await create(owner.accessToken)).body.id);
      const refused = await create(owner.accessToken);
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('quota_exceeded');
      expect(refused.body.message).toContain('MAX_PROJECTS_PER_USER');

      // Projects where the user is only a member do not count; a deleted one frees a place.
      const other = await signUp(http());
      const shared = await createProject(http(), other.accessToken, 'Shared');
      await addMember(http(), other.accessToken, shared.id, owner.email, 'admin');
      expect((await create(owner.accessToken)).status).toBe(429);
      await http().delete(`/api/v1/projects/${ids[0]}`).set(bearer(owner.accessToken)).expect(204);
      expect((await create(owner.accessToken)).status).toBe(201);
    });

    it('holds under concurrent creations by one user', async () => {
      const owner = await signUp(http());
      const answers = await Promise.all(
        Array.from({ length: MAX_PROJECTS + 4 }, () => create(owner.accessToken)),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(MAX_PROJECTS);
      expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    });

    it('refuses a rotation over MAX_ROTATIONS_PER_HOUR per project, even when concurrent', async () => {
      const owner = await signUp(http());
      const project = await createProject(http(), owner.accessToken, 'Rotations');
      const answers = await Promise.all(
        Array.from({ length: MAX_ROTATIONS + 3 }, () => rotate(owner.accessToken, project.id)),
      );
      expect(answers.filter((res) => res.status === 200)).toHaveLength(MAX_ROTATIONS);
      const refused = answers.filter((res) => res.status !== 200);
      expect(refused).toHaveLength(3);
      for (const res of refused) {
        expect(res.status).toBe(429);
        expect(res.body.code).toBe('quota_exceeded');
        expect(res.body.message).toContain('MAX_ROTATIONS_PER_HOUR');
        expect(res.text).not.toMatch(/sk_live_/);
      }
      // The refused ones changed nothing: the epoch moved by the allowed rotations only.
      const key = await http()
        .get(`/api/v1/projects/${project.id}/widget/secret-key`)
        .set(bearer(owner.accessToken));
      expect(key.body.keyEpoch).toBe(1 + MAX_ROTATIONS);
      // Another project has its own count.
      const next = await createProject(http(), owner.accessToken, 'Next');
      expect((await rotate(owner.accessToken, next.id)).status).toBe(200);
    });
  },
  { maxProjectsPerUser: MAX_PROJECTS, maxRotationsPerHour: MAX_ROTATIONS },
);
