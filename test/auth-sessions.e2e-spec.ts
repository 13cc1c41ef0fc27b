import { DataSource } from 'typeorm';
import { bearer, signUp, TEST_PASSWORD } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const LOGIN = '/api/v1/auth/login';
const LOGOUT = '/api/v1/auth/logout';
const PASSWORD = '/api/v1/auth/password';
const ME = '/api/v1/auth/me';
const NEW_PASSWORD = 'a brand new passphrase 42';

describeEachDatabase('auth: sessions that can end (API.md §1)', (ctx) => {
  const http = () => ctx().http();
  const login = (email: string, password = TEST_PASSWORD) =>
    http().post(LOGIN).send({ email, password });
  const expectRefused = (res: { status: number; body: { code?: string } }) =>
    expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);

  describe('POST /auth/logout', () => {
    it('answers 204 and refuses that token from then on, other sessions untouched', async () => {
      const account = await signUp(http());
      const second = (await login(account.email).expect(200)).body.accessToken as string;

      const res = await http().post(LOGOUT).set(bearer(account.accessToken));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');

      expectRefused(await http().get(ME).set(bearer(account.accessToken)));
      expectRefused(await http().post(LOGOUT).set(bearer(account.accessToken)));
      expectRefused(await http().get('/api/v1/projects').set(bearer(account.accessToken)));
      await http().get(ME).set(bearer(second)).expect(200);
    });

    it('needs a token: 401 unauthorized without one', async () => {
      expectRefused(await http().post(LOGOUT));
    });

    it('forgets the ids of tokens that have expired anyway (the list stays small)', async () => {
      const db = ctx().app.get(DataSource);
      await db.query(
        `INSERT INTO revoked_access_tokens (jti, expires_at)
         VALUES (gen_random_uuid(), now() - interval '1 minute')`,
      );
      const account = await signUp(http());
      await http().post(LOGOUT).set(bearer(account.accessToken)).expect(204);
      const [{ stale }] = await db.query(
        `SELECT count(*)::int AS stale FROM revoked_access_tokens WHERE expires_at < now()`,
      );
      expect(stale).toBe(0);
    });
  });

  describe('POST /auth/password', () => {
    it('answers 200 { user, accessToken, expiresIn } and ends every earlier token', async () => {
      const account = await signUp(http());
      const other = (await login(account.email).expect(200)).body.accessToken as string;

      const res = await http()
        .post(PASSWORD)
        .set(bearer(account.accessToken))
        .send({ currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        user: account.user,
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        expiresIn: ctx().config.authTokenTtlSeconds,
      });

      expectRefused(await http().get(ME).set(bearer(account.accessToken)));
      expectRefused(await http().get(ME).set(bearer(other)));
      await http().get(ME).set(bearer(res.body.accessToken)).expect(200);

      expect((await login(account.email)).body.code).toBe('invalid_credentials');
      const fresh = await login(account.email, NEW_PASSWORD).expect(200);
      await http().get(ME).set(bearer(fresh.body.accessToken)).expect(200);
    });

    it('answers a wrong currentPassword with 401 invalid_credentials, changing nothing', async () => {
      const account = await signUp(http());
      const res = await http()
        .post(PASSWORD)
        .set(bearer(account.accessToken))
        .send({ currentPassword: 'not the password at all', newPassword: NEW_PASSWORD });
      expect([res.status, res.body.code]).toEqual([401, 'invalid_credentials']);
      expect(JSON.stringify(res.body)).not.toContain(NEW_PASSWORD);
      await http().get(ME).set(bearer(account.accessToken)).expect(200);
      await login(account.email).expect(200);
    });

    it('counts a wrong currentPassword as a failed login: 20 lock the email', async () => {
      const account = await signUp(http());
      for (let i = 0; i < 20; i++) {
        await http()
          .post(PASSWORD)
          .set(bearer(account.accessToken))
          .send({ currentPassword: `wrong guess number ${i}`, newPassword: NEW_PASSWORD })
          .expect(401);
      }
      const locked = await login(account.email);
      expect([locked.status, locked.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    });

    it.each([
      [{ currentPassword: TEST_PASSWORD, newPassword: 'short' }, 'newPassword'],
      [{ currentPassword: TEST_PASSWORD, newPassword: 'x'.repeat(129) }, 'newPassword'],
      [{ newPassword: NEW_PASSWORD }, 'currentPassword'],
      [{ currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, extra: 1 }, 'extra'],
    ])('refuses %j with 400 validation_failed naming %s', async (body, field) => {
      const account = await signUp(http());
      const res = await http().post(PASSWORD).set(bearer(account.accessToken)).send(body);
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      await http().get(ME).set(bearer(account.accessToken)).expect(200);
    });

    it('needs a token: 401 unauthorized without one', async () => {
      const res = await http()
        .post(PASSWORD)
        .send({ currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
      expectRefused(res);
    });
  });

  it('answers every response that carries an access token with Cache-Control: no-store', async () => {
    const account = await signUp(http());
    const signup = await http()
      .post('/api/v1/auth/signup')
      .send({ email: `x${account.email}`, password: TEST_PASSWORD });
    expect([signup.status, signup.headers['cache-control']]).toEqual([201, 'no-store']);
    const res = await login(account.email);
    expect([res.status, res.headers['cache-control']]).toEqual([200, 'no-store']);
  });
});
