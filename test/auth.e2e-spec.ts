import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bearer, signUp, TEST_PASSWORD, uniqueEmail } from './helpers/accounts';
import { describeEachDatabase, startTestApp, TestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

const SIGNUP = '/api/v1/auth/signup';
const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/auth/me';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A dashboard token minted independently of the app's own code. */
function mint(app: TestApp, claims: object, options: jwt.SignOptions = {}): string {
  return jwt.sign(claims, app.config.authJwtSecret, {
    algorithm: 'HS256',
    issuer: 'hissuno',
    audience: 'hissuno-dashboard',
    expiresIn: 600,
    ...options,
  });
}

describeEachDatabase('auth', (ctx) => {
  describe('POST /auth/signup', () => {
    it('creates an account and answers 201 { user, accessToken, expiresIn }', async () => {
      const email = uniqueEmail('signup');
      const res = await ctx()
        .http()
        .post(SIGNUP)
        .send({ email, password: TEST_PASSWORD, name: 'Ada Lovelace' })
        .expect(201);
      expect(res.body).toEqual({
        user: {
          id: expect.stringMatching(UUID),
          email,
          name: 'Ada Lovelace',
          createdAt: expect.stringMatching(ISO),
        },
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        expiresIn: 3600,
      });
      const me = await ctx().http().get(ME).set(bearer(res.body.accessToken)).expect(200);
      expect(me.body).toEqual(res.body.user);
    });

    it('stores an argon2id hash and never returns it', async () => {
      const account = await signUp(ctx().http());
      const [row] = await ctx()
        .app.get(DataSource)
        .query('SELECT password_hash FROM users WHERE id = $1', [account.user.id]);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      const me = await ctx().http().get(ME).set(bearer(account.accessToken));
      expect(JSON.stringify(me.body)).not.toMatch(/password|argon2/i);
    });

    it('leaves name optional (null)', async () => {
      const account = await signUp(ctx().http());
      expect(account.user.name).toBeNull();
    });

    it('lower-cases the email and matches it case-insensitively', async () => {
      const email = uniqueEmail('Mixed.Case').replace('example.com', 'Example.COM');
      const account = await signUp(ctx().http(), { email });
      expect(account.user.email).toBe(email.toLowerCase());

      const login = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: email.toUpperCase(), password: TEST_PASSWORD })
        .expect(200);
      expect(login.body.user.id).toBe(account.user.id);

      const again = await ctx()
        .http()
        .post(SIGNUP)
        .send({ email: email.toUpperCase(), password: TEST_PASSWORD });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ statusCode: 409, code: 'email_taken' });
    });

    it('answers a duplicate email with 409 email_taken', async () => {
      const account = await signUp(ctx().http());
      const res = await ctx()
        .http()
        .post(SIGNUP)
        .send({ email: account.email, password: 'another long password' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        statusCode: 409,
        code: 'email_taken',
        message: expect.any(String),
        requestId: res.headers['x-request-id'],
      });
    });

    it.each([
      ['a password of 11 characters', { password: 'x'.repeat(11) }, 'password'],
      ['a password of 129 characters', { password: 'x'.repeat(129) }, 'password'],
      ['a password that is not a string', { password: 123456789012 }, 'password'],
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['an email that is not a string', { email: 42 }, 'email'],
      ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
      ['a name with a NUL character', { name: 'a\u0000b' }, 'name'],
      ['an unknown property', { role: 'owner' }, 'role'],
    ])('refuses %s with 400 validation_failed naming the field', async (_, patch, field) => {
      const body = { email: uniqueEmail(), password: TEST_PASSWORD, ...patch };
      const res = await ctx().http().post(SIGNUP).send(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
      expect(res.body.errors).toContainEqual({ field, message: expect.any(String) });
    });

    it('accepts passwords of exactly 12 and 128 characters', async () => {
      await signUp(ctx().http(), { password: 'p'.repeat(12) });
      await signUp(ctx().http(), { password: 'p'.repeat(128) });
    });

    it('lists every missing field, and refuses a body that is not an object', async () => {
      const empty = await ctx().http().post(SIGNUP).send({}).expect(400);
      const fields = empty.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
      const array = await ctx().http().post(SIGNUP).send([1, 2]).expect(400);
      expect(array.body.code).toBe('validation_failed');
    });
  });

  describe('POST /auth/login', () => {
    it('answers 200 { user, accessToken, expiresIn } for the right password', async () => {
      const account = await signUp(ctx().http(), { name: 'Grace' });
      const res = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: account.email, password: account.password })
        .expect(200);
      expect(res.body).toEqual({
        user: account.user,
        accessToken: expect.any(String),
        expiresIn: 3600,
      });
      await ctx().http().get(ME).set(bearer(res.body.accessToken)).expect(200);
    });

    it('gives a wrong password and an unknown email the same 401 invalid_credentials', async () => {
      const account = await signUp(ctx().http());
      const wrong = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: account.email, password: 'wrong password!!' });
      const unknown = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: uniqueEmail('nobody'), password: 'wrong password!!' });
      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          statusCode: 401,
          code: 'invalid_credentials',
          message: wrong.body.message,
          requestId: res.headers['x-request-id'],
        });
      }
    });

    it('takes about as long for an unknown email as for a wrong password', async () => {
      const account = await signUp(ctx().http());
      const time = async (email: string): Promise<number> => {
        const started = process.hrtime.bigint();
        await ctx().http().post(LOGIN).send({ email, password: 'wrong password!!' }).expect(401);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        known.push(await time(account.email));
        unknown.push(await time(uniqueEmail('ghost')));
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[2];
      const ratio = median(unknown) / median(known);
      expect(ratio).toBeGreaterThan(0.33);
      expect(ratio).toBeLessThan(3);
    });

    it('throttles an email after 20 failures with 429 rate_limited, for at most 60 s', async () => {
      const account = await signUp(ctx().http());
      for (let i = 0; i < 20; i++) {
        await ctx()
          .http()
          .post(LOGIN)
          .send({ email: account.email, password: `wrong password ${i}` })
          .expect(401);
      }
      const limited = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: account.email.toUpperCase(), password: account.password });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      // API.md §1: locked for at most 60 s at a time, not for the whole 15-minute window.
      expect(retryAfter).toBeLessThanOrEqual(60);

      // Only that email is throttled.
      const other = await signUp(ctx().http());
      await ctx()
        .http()
        .post(LOGIN)
        .send({ email: other.email, password: other.password })
        .expect(200);
    });

    it('throttles unknown emails too', async () => {
      const email = uniqueEmail('ghost');
      for (let i = 0; i < 20; i++) {
        await ctx().http().post(LOGIN).send({ email, password: 'wrong password!!' }).expect(401);
      }
      await ctx().http().post(LOGIN).send({ email, password: 'wrong password!!' }).expect(429);
    });

    it('clears the failure count on a successful login', async () => {
      const account = await signUp(ctx().http());
      const fail = (): Promise<unknown> =>
        ctx()
          .http()
          .post(LOGIN)
          .send({ email: account.email, password: 'wrong password!!' })
          .expect(401);
      for (let i = 0; i < 19; i++) await fail();
      await ctx()
        .http()
        .post(LOGIN)
        .send({ email: account.email, password: account.password })
        .expect(200);
      for (let i = 0; i < 20; i++) await fail();
    });

    it('refuses a malformed email with 400 validation_failed', async () => {
      const res = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: 'nope', password: TEST_PASSWORD })
        .expect(400);
      expect(res.body.errors).toContainEqual({ field: 'email', message: expect.any(String) });
    });
  });

  it('documents the account and project routes in the OpenAPI document', async () => {
    const doc = await ctx().http().get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/signup',
        '/api/v1/auth/login',
        '/api/v1/auth/me',
        '/api/v1/projects',
        '/api/v1/projects/{projectId}',
        '/api/v1/projects/{projectId}/members',
        '/api/v1/projects/{projectId}/members/{userId}',
        '/api/v1/projects/{projectId}/audit-log',
      ]),
    );
    const signup = doc.body.paths['/api/v1/auth/signup'].post;
    expect(signup.responses['201'].content['application/json'].schema.$ref).toMatch(
      /AuthResponse$/,
    );
    expect(doc.body.components.schemas.SignupBody.required).toEqual(['email', 'password']);
  });

  describe('GET /auth/me', () => {
    const expectUnauthorized = (res: {
      status: number;
      body: Record<string, unknown>;
      headers: Record<string, string>;
    }): void => {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        statusCode: 401,
        code: 'unauthorized',
        message: expect.any(String),
        requestId: res.headers['x-request-id'],
      });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    };

    it('answers 401 unauthorized without a token', async () => {
      expectUnauthorized(await ctx().http().get(ME));
    });

    it('answers 401 unauthorized with a bad token', async () => {
      const account = await signUp(ctx().http());
      const app = ctx();
      const tampered =
        account.accessToken.slice(0, -2) + (account.accessToken.endsWith('AA') ? 'BB' : 'AA');
      const badTokens = [
        'garbage',
        tampered,
        jwt.sign({ sub: account.user.id }, 'some other secret of enough length', {
          algorithm: 'HS256',
          issuer: 'hissuno',
          audience: 'hissuno-dashboard',
        }),
        mint(app, { sub: account.user.id }, { expiresIn: -10 }),
        mint(app, { sub: account.user.id }, { audience: 'someone-else' }),
        mint(app, { sub: account.user.id }, { algorithm: 'HS512' }),
        mint(app, { sub: 'not-a-uuid' }),
        mint(app, {}),
        // Without a jti and a ver it could be neither logged out nor ended by a password change.
        mint(app, { sub: account.user.id }),
        mint(app, { sub: account.user.id, ver: 0 }),
        mint(app, { sub: account.user.id, jti: randomUUID() }),
        mint(app, { sub: account.user.id, jti: 'not-a-uuid', ver: 0 }),
        mint(app, { sub: account.user.id, jti: randomUUID(), ver: -1 }),
        mint(app, { sub: account.user.id, jti: randomUUID(), ver: '0' }),
        mint(app, { sub: account.user.id, jti: randomUUID(), ver: 1 }),
        jwt.sign({ sub: account.user.id, iss: 'hissuno', aud: 'hissuno-dashboard' }, '', {
          algorithm: 'none',
        }),
      ];
      for (const token of badTokens) {
        expectUnauthorized(await app.http().get(ME).set(bearer(token)));
      }
      expectUnauthorized(
        await app.http().get(ME).set('Authorization', `Basic ${account.accessToken}`),
      );
    });

    it('accepts a token minted independently with HS256 and the configured secret', async () => {
      const account = await signUp(ctx().http());
      const token = mint(ctx(), { sub: account.user.id, jti: randomUUID(), ver: 0 });
      const res = await ctx().http().get(ME).set(bearer(token)).expect(200);
      expect(res.body.id).toBe(account.user.id);
    });

    it('answers 401 once the token’s user no longer exists', async () => {
      const account = await signUp(ctx().http());
      await ctx().app.get(DataSource).query('DELETE FROM users WHERE id = $1', [account.user.id]);
      expectUnauthorized(await ctx().http().get(ME).set(bearer(account.accessToken)));
    });
  });
});

describeEachDatabase(
  'auth with SIGNUP_ENABLED=false',
  (ctx) => {
    it('answers signup with 403 signup_disabled, whatever the body', async () => {
      for (const body of [{ email: uniqueEmail(), password: TEST_PASSWORD }, { nonsense: true }]) {
        const res = await ctx().http().post(SIGNUP).send(body);
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ statusCode: 403, code: 'signup_disabled' });
      }
    });

    it('still answers login', async () => {
      const res = await ctx()
        .http()
        .post(LOGIN)
        .send({ email: uniqueEmail(), password: TEST_PASSWORD });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    });
  },
  { signupEnabled: false },
);

describeEachDatabase(
  'auth with RATE_LIMIT_AUTH_PER_MINUTE=5',
  (ctx) => {
    it('limits signup and login per client address, not /auth/me', async () => {
      const account = await signUp(ctx().http());
      for (let i = 0; i < 4; i++) {
        await ctx()
          .http()
          .post(LOGIN)
          .send({ email: account.email, password: account.password })
          .expect(200);
      }
      for (const [path, body] of [
        [LOGIN, { email: account.email, password: account.password }],
        [SIGNUP, { email: uniqueEmail(), password: TEST_PASSWORD }],
      ] as const) {
        const res = await ctx().http().post(path).send(body);
        expect(res.status).toBe(429);
        expect(res.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      await ctx().http().get(ME).set(bearer(account.accessToken)).expect(200);
    });
  },
  { rateLimitAuthPerMinute: 5 },
);

const redisUrl = process.env.TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('auth throttling shared through Redis', () => {
  const apps: TestApp[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      apps.push(await startTestApp(await createTestDatabase('pglite'), { redisUrl: redisUrl! }));
    }
  });
  afterAll(async () => {
    for (const app of apps) {
      await app.close();
      await app.db.drop();
    }
  });

  it('counts an email’s failures across instances', async () => {
    const email = uniqueEmail('shared');
    for (let i = 0; i < 20; i++) {
      await apps[i % 2]
        .http()
        .post(LOGIN)
        .send({ email, password: 'wrong password!!' })
        .expect(401);
    }
    for (const app of apps) {
      await app.http().post(LOGIN).send({ email, password: 'wrong password!!' }).expect(429);
    }
  });
});
