import { createProject, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import {
  mintToken,
  mintTokenWithJose,
  revealSecretKey,
  rotateSecretKey,
  widgetUrl,
} from './helpers/widget-client';

type Caller = { token?: string; userId?: string };

/**
 * API.md §6 "Sessions and history": who sees and writes which session. Each test uses its
 * own project, so every history it reads holds only the sessions it made.
 */
describeEachDatabase('widget API: session identity and history', (ctx) => {
  let ownerToken: string;
  const http = () => ctx().http();

  async function newProject(): Promise<{ projectId: string; secretKey: string }> {
    const projectId = (await createProject(http(), ownerToken)).id;
    return { projectId, secretKey: await revealSecretKey(http(), ownerToken, projectId) };
  }

  const withToken = <T extends { set(h: Record<string, string>): T }>(req: T, caller: Caller) =>
    caller.token ? req.set({ Authorization: `Bearer ${caller.token}` }) : req;

  async function start(projectId: string, caller: Caller, body: object = {}): Promise<string> {
    const res = await withToken(http().post(widgetUrl(projectId, '/sessions')), caller).send({
      ...(caller.userId ? { userId: caller.userId } : {}),
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.sessionId;
  }

  async function historyIds(projectId: string, caller: Caller): Promise<string[]> {
    const req = http()
      .get(widgetUrl(projectId, '/sessions'))
      .query(caller.userId ? { userId: caller.userId } : {});
    const res = await withToken(req, caller);
    expect(res.status).toBe(200);
    return res.body.items.map((s: { id: string }) => s.id);
  }

  const readMessages = (projectId: string, sessionId: string, caller: Caller) =>
    withToken(
      http()
        .get(widgetUrl(projectId, `/sessions/${sessionId}/messages`))
        .query(caller.userId ? { userId: caller.userId } : {}),
      caller,
    );

  const writeMessage = (projectId: string, sessionId: string, caller: Caller) =>
    withToken(
      http()
        .post(widgetUrl(projectId, `/sessions/${sessionId}/messages`))
        .query(caller.userId ? { userId: caller.userId } : {}),
      caller,
    ).send({ content: 'hello' });

  async function expectUnreachable(projectId: string, sessionId: string, caller: Caller) {
    for (const res of [
      await readMessages(projectId, sessionId, caller),
      await writeMessage(projectId, sessionId, caller),
    ]) {
      expect({ status: res.status, code: res.body.code }).toEqual({
        status: 404,
        code: 'session_not_found',
      });
    }
  }

  beforeAll(async () => {
    ownerToken = (await signUp(http())).accessToken;
  });

  it('shows a verified identity only its own sessions, newest first', async () => {
    const { projectId, secretKey } = await newProject();
    const alice = { token: mintToken(secretKey, { userId: 'alice' }) };
    const bob = { token: mintToken(secretKey, { userId: 'bob' }) };
    const a1 = await start(projectId, alice);
    const b1 = await start(projectId, bob);
    const a2 = await start(projectId, alice);
    await start(projectId, { userId: 'alice' }); // anonymous, claiming to be alice
    expect(await historyIds(projectId, alice)).toEqual([a2, a1]);
    expect(await historyIds(projectId, bob)).toEqual([b1]);
  });

  it('shows an anonymous caller only unverified sessions of the userId it names', async () => {
    const { projectId, secretKey } = await newProject();
    const verifiedAlice = await start(projectId, {
      token: mintToken(secretKey, { userId: 'alice' }),
    });
    const anon1 = await start(projectId, { userId: 'alice' });
    await start(projectId, { userId: 'carol' });
    await start(projectId, {});
    const anon2 = await start(projectId, { userId: 'alice' });
    const seen = await historyIds(projectId, { userId: 'alice' });
    expect(seen).toEqual([anon2, anon1]);
    expect(seen).not.toContain(verifiedAlice);
    // Naming nobody shows nothing: 200 with an empty list.
    const res = await http().get(widgetUrl(projectId, '/sessions'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('ignores a client-sent userId when a token is present', async () => {
    const { projectId, secretKey } = await newProject();
    const token = mintToken(secretKey, { userId: 'alice', userMetadata: { plan: 'pro' } });
    const created = await http()
      .post(widgetUrl(projectId, '/sessions'))
      .set({ Authorization: `Bearer ${token}` })
      .send({ userId: 'mallory', userMetadata: { plan: 'free' } });
    expect(created.body.identity).toEqual({
      verified: true,
      userId: 'alice',
      userMetadata: { plan: 'pro' },
    });
    const mallorySession = await start(projectId, { userId: 'mallory' });
    // The token's userId decides, whatever ?userId= says.
    expect(await historyIds(projectId, { token, userId: 'mallory' })).toEqual([
      created.body.sessionId,
    ]);
    await expectUnreachable(projectId, mallorySession, { token, userId: 'mallory' });
    const own = await writeMessage(projectId, created.body.sessionId, { token, userId: 'mallory' });
    expect(own.status).toBe(201);
  });

  it("answers another identity's session with 404 session_not_found", async () => {
    const { projectId, secretKey } = await newProject();
    const alice = { token: mintToken(secretKey, { userId: 'alice' }) };
    const verified = await start(projectId, alice);
    const anonymous = await start(projectId, { userId: 'alice' });

    await expectUnreachable(projectId, verified, {
      token: mintToken(secretKey, { userId: 'bob' }),
    });
    await expectUnreachable(projectId, verified, { userId: 'alice' });
    await expectUnreachable(projectId, verified, {});
    await expectUnreachable(projectId, anonymous, alice);
    await expectUnreachable(projectId, anonymous, { userId: 'bob' });

    // The owners themselves do reach them.
    expect((await writeMessage(projectId, verified, alice)).status).toBe(201);
    expect((await writeMessage(projectId, anonymous, { userId: 'alice' })).status).toBe(201);
    const read = await readMessages(projectId, verified, alice);
    expect(read.body.items.map((m: { role: string }) => m.role)).toEqual(['user']);
  });

  it("answers a session of another project with 404, even for the same user's token", async () => {
    const first = await newProject();
    const second = await newProject();
    const sessionId = await start(first.projectId, {
      token: mintToken(first.secretKey, { userId: 'alice' }),
    });
    await expectUnreachable(second.projectId, sessionId, {
      token: mintToken(second.secretKey, { userId: 'alice' }),
    });
    expect(
      await historyIds(second.projectId, {
        token: mintToken(second.secretKey, { userId: 'alice' }),
      }),
    ).toEqual([]);
  });

  it('lets an anonymous caller that named nobody use the session it started, by its id', async () => {
    const { projectId } = await newProject();
    const sessionId = await start(projectId, {});
    expect((await writeMessage(projectId, sessionId, {})).status).toBe(201);
    const read = await readMessages(projectId, sessionId, {});
    expect(read.status).toBe(200);
    expect(read.body.items).toHaveLength(1);
  });

  it('keeps an anonymous caller that names nobody out of sessions started under a userId', async () => {
    const { projectId, secretKey } = await newProject();
    const claimed = await start(projectId, { userId: 'alice' });
    const verified = await start(projectId, { token: mintToken(secretKey, { userId: 'alice' }) });
    const nameless = await start(projectId, {});
    // "No userId" is an identity of its own (API.md §6): it reaches only nameless sessions.
    await expectUnreachable(projectId, claimed, {});
    await expectUnreachable(projectId, verified, {});
    // ... and a caller naming a userId, or holding a token, does not reach a nameless one.
    await expectUnreachable(projectId, nameless, { userId: 'alice' });
    await expectUnreachable(projectId, nameless, {
      token: mintToken(secretKey, { userId: 'alice' }),
    });
    // Nothing was written through the refused calls.
    for (const sessionId of [claimed, verified]) {
      const detail = await http()
        .get(`/api/v1/projects/${projectId}/sessions/${sessionId}`)
        .set({ Authorization: `Bearer ${ownerToken}` });
      expect([detail.status, detail.body.messageCount]).toEqual([200, 0]);
    }
  });

  it('refuses a bad ?userId= from an anonymous caller with 400 validation_failed', async () => {
    const { projectId } = await newProject();
    for (const userId of ['', 'u'.repeat(256)]) {
      const res = await http().get(widgetUrl(projectId, '/sessions')).query({ userId });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'userId' })]);
    }
  });

  it('keeps history across a key rotation: a new-key token with the same userId sees it', async () => {
    const { projectId, secretKey } = await newProject();
    const oldToken = mintToken(secretKey, { userId: 'alice' });
    const first = await start(projectId, { token: oldToken });
    await writeMessage(projectId, first, { token: oldToken });

    const newKey = await rotateSecretKey(http(), ownerToken, projectId);
    const stale = await http()
      .get(widgetUrl(projectId, '/sessions'))
      .set({ Authorization: `Bearer ${oldToken}` });
    expect([stale.status, stale.body.code]).toEqual([401, 'token_key_rotated']);

    const fresh = { token: await mintTokenWithJose(newKey, { userId: 'alice' }) };
    expect(await historyIds(projectId, fresh)).toEqual([first]);
    expect((await writeMessage(projectId, first, fresh)).status).toBe(201);
    const second = await start(projectId, fresh);
    expect(await historyIds(projectId, fresh)).toEqual([second, first]);
    const messages = await readMessages(projectId, first, fresh);
    expect(messages.body.items).toHaveLength(2);
  });

  it('pages a long history newest first without gaps or repeats', async () => {
    const { projectId, secretKey } = await newProject();
    const alice = { token: mintToken(secretKey, { userId: 'alice' }) };
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.unshift(await start(projectId, alice));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await http()
        .get(widgetUrl(projectId, '/sessions'))
        .set({ Authorization: `Bearer ${alice.token}` })
        .query(cursor ? { limit: 2, cursor } : { limit: 2 });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((s: { id: string }) => s.id));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(made);
  });
});
