import { randomUUID } from 'node:crypto';
import { bearer, createProject, createProjectTeam, ProjectTeam } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import { mintToken, revealSecretKey, rotateSecretKey, widgetUrl } from './helpers/widget-client';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ORIGIN = 'https://shop.example.com';

/** API.md §5: the dashboard side of widget sessions. */
describeEachDatabase('dashboard sessions', (ctx) => {
  let team: ProjectTeam;
  let secretKey: string;
  /** Sessions made in beforeAll, oldest first. */
  let identified: string;
  let claimed: string;
  let nameless: string;
  let rotatedIn: string;

  const http = () => ctx().http();
  const url = (path = '', projectId = team.project.id) =>
    `/api/v1/projects/${projectId}/sessions${path}`;
  const get = (path: string, token = team.viewer.accessToken) =>
    http().get(url(path)).set(bearer(token));
  const reply = (sessionId: string, token: string, content: unknown = 'How can I help?') =>
    http()
      .post(url(`/${sessionId}/messages`))
      .set(bearer(token))
      .send({ content });

  async function start(body: object, token?: string): Promise<string> {
    const req = http().post(widgetUrl(team.project.id, '/sessions')).set('Origin', ORIGIN);
    const res = await (token ? req.set({ Authorization: `Bearer ${token}` }) : req).send(body);
    expect(res.status).toBe(201);
    return res.body.sessionId;
  }

  beforeAll(async () => {
    team = await createProjectTeam(http());
    secretKey = await revealSecretKey(http(), team.owner.accessToken, team.project.id);
    const token = mintToken(secretKey, { userId: 'alice', userMetadata: { name: 'Alice' } });
    identified = await start({ pageUrl: 'https://shop.example.com/a', pageTitle: 'A' }, token);
    claimed = await start({ userId: 'bob', userMetadata: { name: 'Bob' } });
    nameless = await start({});
    const newKey = await rotateSecretKey(http(), team.owner.accessToken, team.project.id);
    rotatedIn = await start({}, mintToken(newKey, { userId: 'alice' }));
  });

  describe('GET /projects/:projectId/sessions', () => {
    it('lists every session newest first, with its visitor', async () => {
      const res = await get('');
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeNull();
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([
        rotatedIn,
        nameless,
        claimed,
        identified,
      ]);
      const [rotated, , bob, alice] = res.body.items;
      expect(alice).toEqual({
        id: identified,
        createdAt: expect.stringMatching(ISO),
        lastActivityAt: expect.stringMatching(ISO),
        origin: ORIGIN,
        pageUrl: 'https://shop.example.com/a',
        pageTitle: 'A',
        messageCount: 0,
        visitor: {
          kind: 'identified',
          verified: true,
          userId: 'alice',
          userMetadata: { name: 'Alice' },
        },
        keyEpoch: 1,
      });
      // A client-provided userId stays anonymous, shown as unverified.
      expect(bob.visitor).toEqual({
        kind: 'anonymous',
        verified: false,
        userId: 'bob',
        userMetadata: { name: 'Bob' },
      });
      expect(bob.keyEpoch).toBeNull();
      expect(rotated.keyEpoch).toBe(2);
    });

    it.each([
      ['identified', () => [rotatedIn, identified]],
      ['anonymous', () => [nameless, claimed]],
    ])('keeps only %s visitors with ?visitor=', async (visitor, expected) => {
      const res = await get(`?visitor=${visitor}`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual(expected());
    });

    it.each(['robot', 'IDENTIFIED', ''])('refuses ?visitor=%s with 400', async (visitor) => {
      const res = await get(`?visitor=${visitor}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'visitor' })]);
    });

    it('pages with ?limit= and an opaque cursor', async () => {
      const first = await get('?limit=3');
      expect(first.body.items).toHaveLength(3);
      const second = await get(`?limit=3&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((s: { id: string }) => s.id)).toEqual([identified]);
      expect(second.body.nextCursor).toBeNull();
      expect((await get('?limit=0')).status).toBe(400);
      expect((await get('?cursor=bogus')).status).toBe(400);
    });

    it('shows nothing of another project', async () => {
      const other = await createProject(http(), team.owner.accessToken);
      const res = await http().get(url('', other.id)).set(bearer(team.owner.accessToken));
      expect(res.body).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('detail and agent replies', () => {
    it('shows a session with its messages, oldest first, and counts the replies', async () => {
      const sessionId = await start({ userId: 'carol' });
      const visitor = (content: string) =>
        http()
          .post(widgetUrl(team.project.id, `/sessions/${sessionId}/messages`))
          .query({ userId: 'carol' })
          .send({ content });
      await visitor('Hi, my order is late');
      const answer = await reply(sessionId, team.admin.accessToken);
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        id: expect.any(String),
        sessionId,
        role: 'agent',
        content: 'How can I help?',
        createdAt: expect.stringMatching(ISO),
      });
      await visitor('Order 42');
      expect((await reply(sessionId, team.owner.accessToken, 'On its way')).status).toBe(201);

      const res = await get(`/${sessionId}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: sessionId,
        messageCount: 4,
        lastActivityAt: res.body.messages[3].createdAt,
        visitor: { kind: 'anonymous', verified: false, userId: 'carol' },
      });
      expect(res.body.messages.map((m: { role: string; content: string }) => m.role)).toEqual([
        'user',
        'agent',
        'user',
        'agent',
      ]);
      expect(res.body.messages[3].content).toBe('On its way');

      // The widget sees the agent's replies in the same order.
      const widget = await http()
        .get(widgetUrl(team.project.id, `/sessions/${sessionId}/messages`))
        .query({ userId: 'carol' });
      expect(widget.body.items.map((m: { content: string }) => m.content)).toEqual(
        res.body.messages.map((m: { content: string }) => m.content),
      );
    });

    it('refuses a reply from a viewer with 403 forbidden', async () => {
      const res = await reply(identified, team.viewer.accessToken);
      expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
      expect((await get(`/${identified}`)).body.messages).toEqual([]);
    });

    it('answers a stranger with 404 project_not_found, and no token with 401', async () => {
      for (const res of [
        await get('', team.stranger.accessToken),
        await get(`/${identified}`, team.stranger.accessToken),
        await reply(identified, team.stranger.accessToken),
      ]) {
        expect([res.status, res.body.code]).toEqual([404, 'project_not_found']);
      }
      const anonymous = await http().get(url(`/${identified}`));
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthorized']);
    });

    it('answers a malformed, unknown or foreign session id with 404 session_not_found', async () => {
      const other = await createProject(http(), team.owner.accessToken);
      const otherKey = await revealSecretKey(http(), team.owner.accessToken, other.id);
      const foreign = await http()
        .post(widgetUrl(other.id, '/sessions'))
        .set({ Authorization: `Bearer ${mintToken(otherKey, { userId: 'alice' })}` })
        .send({});
      for (const sessionId of ['nope', randomUUID(), foreign.body.sessionId]) {
        for (const res of [
          await get(`/${sessionId}`),
          await reply(sessionId, team.admin.accessToken),
        ]) {
          expect([res.status, res.body.code]).toEqual([404, 'session_not_found']);
        }
      }
    });

    it.each([
      ['empty', ''],
      ['over 4000 characters', 'x'.repeat(4001)],
      ['not a string', { text: 'hi' }],
    ])('refuses an agent reply that is %s with 400', async (_label, content) => {
      const res = await reply(nameless, team.admin.accessToken, content);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'content' })]),
      );
    });
  });
});
