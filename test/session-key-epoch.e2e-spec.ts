import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import {
  mintToken,
  mintTokenWithJose,
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

const SITE = 'https://shop.example.com';

describeEachDatabase('session.keyEpoch', (ctx) => {
  let owner: Account;
  let projectId: string;
  const http = () => ctx().http();

  /** Starts a widget session (with a token, or anonymous) and returns its id. */
  async function start(token?: string): Promise<string> {
    const req = http().post(widgetUrl(projectId, '/sessions')).set('Origin', SITE);
    if (token) req.set('Authorization', `Bearer ${token}`);
    const res = await req.send(token ? {} : { userId: 'claimed' });
    expect(res.status).toBe(201);
    return res.body.sessionId;
  }
  const epochOf = async (sessionId: string) => {
    const res = await http()
      .get(`/api/v1/projects/${projectId}/sessions/${sessionId}`)
      .set(bearer(owner.accessToken));
    expect(res.status).toBe(200);
    return res.body.keyEpoch as number | null;
  };

  beforeAll(async () => {
    owner = await signUp(http());
    projectId = (await createProject(http(), owner.accessToken)).id;
    await updateWidgetSecurity(http(), owner.accessToken, projectId, { allowedOrigins: [SITE] });
  });

  it('records the epoch of the key that verified the token, null for anonymous', async () => {
    const first = await revealSecretKey(http(), owner.accessToken, projectId);
    const byFirst = await start(mintToken(first, { userId: 'u-1' }));
    const anonymous = await start();
    const second = await rotateSecretKey(http(), owner.accessToken, projectId, 600);
    // During the grace period the previous key still verifies: its own epoch is recorded.
    const byPrevious = await start(await mintTokenWithJose(first, { userId: 'u-1' }));
    const bySecond = await start(mintToken(second, { userId: 'u-1' }));

    expect(await epochOf(byFirst)).toBe(1);
    expect(await epochOf(anonymous)).toBeNull();
    expect(await epochOf(byPrevious)).toBe(1);
    expect(await epochOf(bySecond)).toBe(2);

    const list = await http()
      .get(`/api/v1/projects/${projectId}/sessions`)
      .set(bearer(owner.accessToken));
    const epochs = Object.fromEntries(
      list.body.items.map((s: { id: string; keyEpoch: number | null }) => [s.id, s.keyEpoch]),
    );
    expect(epochs).toEqual({
      [byFirst]: 1,
      [anonymous]: null,
      [byPrevious]: 1,
      [bySecond]: 2,
    });
  });
});
