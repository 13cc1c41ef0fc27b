import { randomUUID } from 'node:crypto';
import { createProject, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import {
  mintToken,
  mintTokenWithJose,
  revealSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ORIGIN = 'https://shop.example.com';

describeEachDatabase('widget API: sessions and messages', (ctx) => {
  let projectId: string;
  let secretKey: string;
  const http = () => ctx().http();
  const url = (path = '') => widgetUrl(projectId, path);
  const auth = (token: string) => ({ Authorization: `Bearer ${token}`, Origin: ORIGIN });

  const startSession = async (body: object = {}, token?: string): Promise<string> => {
    const req = http().post(url('/sessions')).set('Origin', ORIGIN);
    const res = await (token ? req.set(auth(token)) : req).send(body);
    expect(res.status).toBe(201);
    return res.body.sessionId;
  };
  const post = (sessionId: string, content: unknown, userId?: string) =>
    http()
      .post(url(`/sessions/${sessionId}/messages`))
      .query(userId === undefined ? {} : { userId })
      .set('Origin', ORIGIN)
      .send({ content });

  beforeAll(async () => {
    const owner = await signUp(http());
    projectId = (await createProject(http(), owner.accessToken)).id;
    secretKey = await revealSecretKey(http(), owner.accessToken, projectId);
  });

  describe('POST /sessions', () => {
    it('starts an anonymous session with the client-provided identity, unverified', async () => {
      const res = await http()
        .post(url('/sessions'))
        .set('Origin', ORIGIN)
        .send({
          userId: 'visitor-1',
          userMetadata: { name: 'Ada' },
          pageUrl: 'https://shop.example.com/pricing',
          pageTitle: 'Pricing',
        });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        sessionId: expect.stringMatching(UUID),
        identity: { verified: false, userId: 'visitor-1', userMetadata: { name: 'Ada' } },
      });
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    });

    it('starts a session with no body at all, naming nobody', async () => {
      const res = await http().post(url('/sessions'));
      expect(res.status).toBe(201);
      expect(res.body.identity).toEqual({ verified: false, userId: null, userMetadata: null });
    });

    it('takes the identity from a token minted as the seed does, ignoring the body', async () => {
      const token = mintToken(secretKey, { userId: 'u-42', userMetadata: { email: 'a@b.c' } });
      const res = await http()
        .post(url('/sessions'))
        .set(auth(token))
        // Even a client identity that would be refused without a token is ignored, not judged.
        .send({ userId: 'x'.repeat(300), userMetadata: { spoofed: 1 }, pageTitle: 'Home' });
      expect(res.status).toBe(201);
      expect(res.body.identity).toEqual({
        verified: true,
        userId: 'u-42',
        userMetadata: { email: 'a@b.c' },
      });
    });

    it('accepts a token minted with jose', async () => {
      const token = await mintTokenWithJose(secretKey, { userId: 'jose-user' });
      const res = await http().post(url('/sessions')).set(auth(token)).send({});
      expect(res.status).toBe(201);
      expect(res.body.identity).toEqual({
        verified: true,
        userId: 'jose-user',
        userMetadata: null,
      });
    });

    it.each([
      ['an empty userId', { userId: '' }, 'userId'],
      ['a 256-character userId', { userId: 'u'.repeat(256) }, 'userId'],
      ['a numeric userId', { userId: 42 }, 'userId'],
      ['metadata that is not an object', { userMetadata: ['a'] }, 'userMetadata'],
      ['51 metadata keys', { userMetadata: manyKeys(51) }, 'userMetadata'],
      ['a 65-character metadata key', { userMetadata: { ['k'.repeat(65)]: 'v' } }, 'userMetadata'],
      [
        'a 1025-character metadata value',
        { userMetadata: { bio: 'v'.repeat(1025) } },
        'userMetadata.bio',
      ],
      ['a non-string metadata value', { userMetadata: { age: 42 } }, 'userMetadata.age'],
      ['a 2049-character pageUrl', { pageUrl: `https://a.b/${'p'.repeat(2037)}` }, 'pageUrl'],
      ['a 513-character pageTitle', { pageTitle: 't'.repeat(513) }, 'pageTitle'],
      ['a NUL character in pageTitle', { pageTitle: 'a\u0000b' }, 'pageTitle'],
      ['an unknown property', { color: 'red' }, 'color'],
    ])('refuses %s without a token: 400 validation_failed', async (_label, body, field) => {
      const res = await http().post(url('/sessions')).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('accepts identity and page fields at their limits', async () => {
      const res = await http()
        .post(url('/sessions'))
        .send({
          userId: 'u'.repeat(255),
          userMetadata: { ...manyKeys(49), ['k'.repeat(64)]: 'v'.repeat(1024) },
          pageUrl: `https://a.b/${'p'.repeat(2036)}`,
          pageTitle: 't'.repeat(512),
        });
      expect(res.status).toBe(201);
    });
  });

  describe('messages', () => {
    it('adds a visitor message and lists the session oldest first', async () => {
      const sessionId = await startSession({ userId: 'talker' });
      const first = await post(sessionId, 'Hello', 'talker');
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.stringMatching(UUID),
        sessionId,
        role: 'user',
        content: 'Hello',
        createdAt: expect.stringMatching(ISO),
      });
      await post(sessionId, 'Anyone there?', 'talker');
      await post(sessionId, 'Third', 'talker');
      const list = await http()
        .get(url(`/sessions/${sessionId}/messages`))
        .query({ userId: 'talker' });
      expect(list.status).toBe(200);
      expect(list.body.items.map((m: { content: string }) => m.content)).toEqual([
        'Hello',
        'Anyone there?',
        'Third',
      ]);
      expect(list.body.nextCursor).toBeNull();
    });

    it('counts messages and moves lastActivityAt on the session', async () => {
      const sessionId = await startSession({ userId: 'counter' });
      const before = await history('counter');
      const item = before.find((s) => s.id === sessionId)!;
      expect(item).toEqual({
        id: sessionId,
        createdAt: expect.stringMatching(ISO),
        lastActivityAt: expect.stringMatching(ISO),
        pageUrl: null,
        messageCount: 0,
      });
      const message = await post(sessionId, 'ping', 'counter');
      const after = (await history('counter')).find((s) => s.id === sessionId)!;
      expect(after.messageCount).toBe(1);
      expect(after.lastActivityAt).toBe(message.body.createdAt);
      expect(Date.parse(after.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(item.createdAt));
    });

    it('keeps every concurrent message and its count', async () => {
      const sessionId = await startSession({ userId: 'crowd' });
      const sent = await Promise.all(
        Array.from({ length: 8 }, (_, i) => post(sessionId, `m${i}`, 'crowd')),
      );
      expect(sent.map((r) => r.status)).toEqual(Array(8).fill(201));
      const list = await http()
        .get(url(`/sessions/${sessionId}/messages`))
        .query({ userId: 'crowd' });
      expect(list.body.items.map((m: { id: string }) => m.id).sort()).toEqual(
        sent.map((r) => r.body.id).sort(),
      );
      expect((await history('crowd'))[0].messageCount).toBe(8);
    });

    it('pages messages oldest first with an opaque cursor', async () => {
      const sessionId = await startSession();
      for (const content of ['1', '2', '3', '4', '5']) await post(sessionId, content);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await http()
          .get(url(`/sessions/${sessionId}/messages`))
          .query(cursor ? { limit: 2, cursor } : { limit: 2 });
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((m: { content: string }) => m.content));
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['1', '2', '3', '4', '5']);
      const bad = await http()
        .get(url(`/sessions/${sessionId}/messages`))
        .query({ cursor: 'not-ours' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    });

    it.each([
      ['empty', ''],
      ['4001 characters', 'c'.repeat(4001)],
      ['not a string', 42],
      ['missing', undefined],
      ['with a NUL character', 'a\u0000b'],
    ])('refuses content that is %s: 400 validation_failed', async (_label, content) => {
      const sessionId = await startSession();
      const res = await post(sessionId, content);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'content' })]),
      );
    });

    it('accepts content of 1 and of 4000 characters', async () => {
      const sessionId = await startSession();
      expect((await post(sessionId, 'c')).status).toBe(201);
      const long = await post(sessionId, 'c'.repeat(4000));
      expect(long.status).toBe(201);
      expect(long.body.content).toHaveLength(4000);
    });

    it.each([
      ['malformed', 'not-a-uuid'],
      ['unknown', randomUUID()],
    ])('answers a %s session id with 404 session_not_found', async (_label, sessionId) => {
      const list = await http().get(url(`/sessions/${sessionId}/messages`));
      expect(list.status).toBe(404);
      expect(list.body.code).toBe('session_not_found');
      const write = await post(sessionId, 'hi');
      expect(write.status).toBe(404);
      expect(write.body.code).toBe('session_not_found');
    });
  });

  describe('behind the widget guard', () => {
    it('answers an unknown project with 404 project_not_found on every route', async () => {
      const other = widgetUrl(randomUUID());
      const answers = await Promise.all([
        http().post(`${other}/sessions`).send({}),
        http().get(`${other}/sessions`),
        http().get(`${other}/sessions/${randomUUID()}/messages`),
        http().post(`${other}/sessions/${randomUUID()}/messages`).send({ content: 'x' }),
      ]);
      for (const res of answers) expect(res.body.code).toBe('project_not_found');
    });

    it('enforces requireToken and origins before any session logic', async () => {
      const owner = await signUp(http());
      const locked = (await createProject(http(), owner.accessToken)).id;
      await updateWidgetSecurity(http(), owner.accessToken, locked, {
        requireToken: true,
        allowedOrigins: [ORIGIN],
      });
      const noToken = await http().post(widgetUrl(locked, '/sessions')).set('Origin', ORIGIN);
      expect([noToken.status, noToken.body.code]).toEqual([401, 'token_required']);
      const key = await revealSecretKey(http(), owner.accessToken, locked);
      const token = mintToken(key, { userId: 'ok' });
      const elsewhere = await http()
        .get(widgetUrl(locked, '/sessions'))
        .set({ Authorization: `Bearer ${token}`, Origin: 'https://evil.example' });
      expect([elsewhere.status, elsewhere.body.code]).toEqual([403, 'origin_not_allowed']);
      const allowed = await http().get(widgetUrl(locked, '/sessions')).set(auth(token));
      expect(allowed.status).toBe(200);
    });
  });

  async function history(userId: string) {
    const res = await http().get(url('/sessions')).query({ userId });
    expect(res.status).toBe(200);
    return res.body.items as {
      id: string;
      createdAt: string;
      lastActivityAt: string;
      pageUrl: string | null;
      messageCount: number;
    }[];
  }
});

function manyKeys(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
}
