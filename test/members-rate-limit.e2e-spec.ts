import { bearer, createProject, signUp, uniqueEmail } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const LIMIT = 4;

/** Issue 12 item 6: `user_not_found` tells whether an email has an account; asking is bounded. */
describeEachDatabase(
  `adding members (RATE_LIMIT_MEMBERS_PER_MINUTE=${LIMIT})`,
  (ctx) => {
    const http = () => ctx().http();
    const add = (token: string, projectId: string, email: string) =>
      http()
        .post(`/api/v1/projects/${projectId}/members`)
        .set(bearer(token))
        .send({ email, role: 'viewer' });

    it('answers 429 rate_limited with Retry-After once a user has probed too many emails', async () => {
      const owner = await signUp(http());
      const projectId = (await createProject(http(), owner.accessToken, 'Probe')).id;
      for (let i = 0; i < LIMIT; i++) {
        const res = await add(owner.accessToken, projectId, uniqueEmail('nobody'));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('user_not_found');
      }
      const limited = await add(owner.accessToken, projectId, uniqueEmail('nobody'));
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('rate_limited');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);

      // Per user, across projects: another project of the same user is limited too...
      const other = (await createProject(http(), owner.accessToken, 'Other')).id;
      expect((await add(owner.accessToken, other, uniqueEmail('nobody'))).status).toBe(429);
      // ...while another user (same address) still gets an answer.
      const someone = await signUp(http());
      const theirs = (await createProject(http(), someone.accessToken, 'Theirs')).id;
      const existing = await signUp(http());
      const added = await add(someone.accessToken, theirs, existing.email);
      expect(added.status).toBe(201);
    });
  },
  { rateLimitMembersPerMinute: LIMIT },
);
