import { SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { bearer, createProjectTeam, type ProjectTeam } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import { mintToken, mintTokenWithJose, revealSecretKey, widgetUrl } from './helpers/widget-client';

const SITE = 'https://shop.example.com';
const INVALID = 'Bearer realm="hissuno-widget", error="invalid_token"';
const HOUR = 3600;
const nowS = () => Math.floor(Date.now() / 1000);

describeEachDatabase('maxTokenLifetimeSeconds', (ctx) => {
  let team: ProjectTeam;
  let key: string;
  const http = () => ctx().http();
  const url = () => `/api/v1/projects/${team.project.id}/widget/security`;
  const patch = (body: object, token = team.owner.accessToken) =>
    http().patch(url()).set(bearer(token)).send(body);
  const get = () => http().get(url()).set(bearer(team.viewer.accessToken));
  const call = (token: string) =>
    http()
      .get(widgetUrl(team.project.id, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${token}` });
  /** A token with the given iat (or none) and exp, as jsonwebtoken signs it. */
  const token = (exp: number, iat?: number) =>
    iat === undefined
      ? jwt.sign({ userId: 'u-1', exp }, key, { algorithm: 'HS256', noTimestamp: true })
      : jwt.sign({ userId: 'u-1', exp, iat }, key, { algorithm: 'HS256' });
  const codeOf = async (t: string) => {
    const res = await call(t);
    return res.status === 200 ? 'ok' : (res.body.code as string);
  };

  beforeAll(async () => {
    team = await createProjectTeam(http(), 'Capped');
    key = await revealSecretKey(http(), team.owner.accessToken, team.project.id);
  });

  it('starts without a cap: the seed’s 24 h tokens pass', async () => {
    expect((await get()).body.maxTokenLifetimeSeconds).toBeNull();
    expect(await codeOf(mintToken(key, { userId: 'u-1' }))).toBe('ok');
  });

  it('is set by PATCH, shown by GET, and audited before and after', async () => {
    const res = await patch({ maxTokenLifetimeSeconds: HOUR });
    expect(res.status).toBe(200);
    expect(res.body.maxTokenLifetimeSeconds).toBe(HOUR);
    expect((await get()).body).toEqual(res.body);
    const log = await http()
      .get(`/api/v1/projects/${team.project.id}/audit-log`)
      .set(bearer(team.owner.accessToken));
    expect(log.body.items[0]).toMatchObject({
      action: 'widget.security.updated',
      details: {
        before: { requireToken: false, allowedOrigins: [], maxTokenLifetimeSeconds: null },
        after: { requireToken: false, allowedOrigins: [], maxTokenLifetimeSeconds: HOUR },
      },
    });
  });

  it('refuses a token that was valid a moment ago, at once (cached verifications too)', async () => {
    await patch({ maxTokenLifetimeSeconds: null });
    const day = mintToken(key, { userId: 'u-1' });
    expect(await codeOf(day)).toBe('ok');
    expect(await codeOf(day)).toBe('ok');
    await patch({ maxTokenLifetimeSeconds: HOUR });
    const res = await call(day);
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 401,
      code: 'token_claims_invalid',
    });
    expect(res.body.message).toContain(`${HOUR}`);
    expect(res.headers['www-authenticate']).toBe(INVALID);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(await codeOf(await mintTokenWithJose(key, { userId: 'u-1' }))).toBe(
      'token_claims_invalid',
    );
  });

  // [case, exp, iat (absent: none), expected], times relative to now, under a 1 h cap.
  const times: [string, number, number | undefined, string][] = [
    ['exp exactly the cap after iat', HOUR, 0, 'ok'],
    ['exp one second over the cap after iat', HOUR + 1, 0, 'token_claims_invalid'],
    ['an old iat (the lifetime counts from iat)', 600, -HOUR, 'token_claims_invalid'],
    ['no iat, exp within the cap from now', HOUR - 60, undefined, 'ok'],
    ['no iat, exp beyond the cap from now', HOUR + 120, undefined, 'token_claims_invalid'],
  ];
  it.each(times)('%s → %s', async (_case, exp, iat, expected) => {
    const now = nowS();
    const t = token(now + exp, iat === undefined ? undefined : now + iat);
    expect((jwt.decode(t) as { iat?: number }).iat).toBe(iat === undefined ? undefined : now + iat);
    expect(await codeOf(t)).toBe(expected);
  });

  it('judges jose tokens alike', async () => {
    const short = await new SignJWT({ userId: 'u-j' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('30m')
      .sign(new TextEncoder().encode(key));
    expect(await codeOf(short)).toBe('ok');
  });

  it('still answers the other token rules first (an expired long token is token_expired)', async () => {
    expect(await codeOf(token(nowS() - 120, nowS() - 10 * HOUR))).toBe('token_expired');
  });

  it('is lifted by null', async () => {
    expect(
      (await patch({ maxTokenLifetimeSeconds: null })).body.maxTokenLifetimeSeconds,
    ).toBeNull();
    expect(await codeOf(mintToken(key, { userId: 'u-1' }))).toBe('ok');
  });

  it('writes nothing when the value does not change', async () => {
    await patch({ maxTokenLifetimeSeconds: 600 });
    const dataSource = ctx().app.get(DataSource);
    const version = async () =>
      (
        await dataSource.query(`SELECT security_version AS v FROM projects WHERE id = $1`, [
          team.project.id,
        ])
      )[0].v as number;
    const before = await version();
    expect((await patch({ maxTokenLifetimeSeconds: 600 })).status).toBe(200);
    expect(await version()).toBe(before);
    expect((await patch({ requireToken: false })).status).toBe(200);
    expect(await version()).toBe(before);
    expect((await get()).body.maxTokenLifetimeSeconds).toBe(600);
  });

  it.each([[60], [2_592_000]])('accepts the bound %d', async (value) => {
    const res = await patch({ maxTokenLifetimeSeconds: value });
    expect(res.status).toBe(200);
    expect(res.body.maxTokenLifetimeSeconds).toBe(value);
  });

  it.each([[59], [2_592_001], [90.5], ['3600'], [true], [{}], [-1]])(
    'refuses %j with validation_failed',
    async (value) => {
      const before = (await get()).body.maxTokenLifetimeSeconds;
      const res = await patch({ maxTokenLifetimeSeconds: value });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'maxTokenLifetimeSeconds', message: expect.stringContaining('60') }],
      });
      expect((await get()).body.maxTokenLifetimeSeconds).toBe(before);
    },
  );

  it('can be changed by admins but not by viewers', async () => {
    expect((await patch({ maxTokenLifetimeSeconds: 900 }, team.admin.accessToken)).status).toBe(
      200,
    );
    const viewer = await patch({ maxTokenLifetimeSeconds: 60 }, team.viewer.accessToken);
    expect({ status: viewer.status, code: viewer.body.code }).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect((await get()).body.maxTokenLifetimeSeconds).toBe(900);
  });

  it('is explained by the diagnostics endpoint like the widget API answers it', async () => {
    await patch({ maxTokenLifetimeSeconds: HOUR });
    const day = mintToken(key, { userId: 'u-1' });
    const res = await http()
      .post(`/api/v1/projects/${team.project.id}/widget/security/diagnose`)
      .set(bearer(team.owner.accessToken))
      .send({ origin: SITE, token: day });
    expect(res.body.code).toBe((await call(day)).body.code);
    expect(res.body.checks[2]).toMatchObject({
      outcome: 'fail',
      code: 'token_claims_invalid',
      detail: expect.stringContaining(`maximum of ${HOUR} s`),
    });
  });
});
