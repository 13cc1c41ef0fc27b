import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import {
  bearer,
  createProject,
  signUp,
  TEST_PASSWORD,
  uniqueEmail,
  type Account,
} from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import { mintToken, widgetUrl } from './helpers/widget-client';

const SITE = 'https://shop.example.com';

/**
 * Representative flows — signup and login, reveal, rotation, widget requests with tokens, and
 * their failures — with every secret involved remembered; then no log line, error body, audit
 * entry (API and table) or stored row may hold any of them.
 */
describeEachDatabase('secrets stay secret', (ctx) => {
  const secrets = new Map<string, string>(); // value → what it is
  const errorBodies: string[] = [];
  const remember = (what: string, value: string) => {
    if (value) secrets.set(value, what);
    return value;
  };
  let owner: Account;
  let projectId: string;

  /** A request whose answer is remembered when it is an error. */
  async function request(
    method: 'get' | 'post' | 'patch' | 'delete',
    url: string,
    options: {
      token?: string;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    let req = ctx().http()[method](url);
    if (options.token) req = req.set(bearer(options.token));
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    if (options.raw !== undefined)
      req = req.set('Content-Type', 'application/json').send(options.raw);
    else if (options.body !== undefined) req = req.send(options.body as object);
    const res = await req;
    if (res.status >= 400)
      errorBodies.push(`${method.toUpperCase()} ${url} → ${res.status} ${res.text}`);
    return res;
  }

  beforeAll(async () => {
    const password = remember('password', `${TEST_PASSWORD} of the owner`);
    owner = await signUp(ctx().http(), { password });
    remember('access token', owner.accessToken);
    projectId = (await createProject(ctx().http(), owner.accessToken)).id;
  });

  it('runs the flows (dashboard side)', async () => {
    // Login: success, wrong password, unknown email, a password in a malformed body.
    const login = await request('post', '/api/v1/auth/login', {
      body: { email: owner.email, password: owner.password },
    });
    remember('access token', login.body.accessToken);
    const wrong = remember('password', 'wrong password, close to the real one');
    expect(
      (
        await request('post', '/api/v1/auth/login', {
          body: { email: owner.email, password: wrong },
        })
      ).status,
    ).toBe(401);
    await request('post', '/api/v1/auth/login', {
      body: { email: uniqueEmail(), password: wrong },
    });
    const typed = remember('password', 'a password typed into a broken body');
    await request('post', '/api/v1/auth/login', {
      raw: `{"email":"${owner.email}","password":"${typed}"`,
    });
    await request('post', '/api/v1/auth/signup', {
      body: { email: owner.email, password: owner.password },
    });
    await request('post', '/api/v1/auth/signup', {
      body: { email: 'not an email', password: remember('password', 'short pw') },
    });
    await request('post', '/api/v1/auth/signup', {
      body: { email: uniqueEmail(), password: remember('password', 'p'.repeat(129)) },
    });
    // A tampered and a foreign access token.
    await request('get', '/api/v1/auth/me', { token: `${owner.accessToken}x` });
    const foreign = remember(
      'access token',
      jwt.sign({ sub: owner.user.id }, 'another-secret-of-32-characters!!'),
    );
    await request('get', '/api/v1/auth/me', { token: foreign });

    // Reveal, rotate (twice, with and without grace), reveal again.
    const project = `/api/v1/projects/${projectId}`;
    remember(
      'secret key',
      (await request('get', `${project}/widget/secret-key`, { token: owner.accessToken })).body
        .secretKey,
    );
    for (const gracePeriodSeconds of [3600, 0]) {
      const rotated = await request('post', `${project}/widget/secret-key/rotate`, {
        token: owner.accessToken,
        body: { gracePeriodSeconds },
      });
      expect(rotated.status).toBe(200);
      remember('secret key', rotated.body.secretKey);
    }
    const current = (
      await request('get', `${project}/widget/secret-key`, { token: owner.accessToken })
    ).body.secretKey;
    expect(secrets.get(current)).toBe('secret key');
    // Secrets pasted where they do not belong: refused, and never echoed back.
    await request('patch', `${project}/widget/security`, {
      token: owner.accessToken,
      body: { allowedOrigins: [current, `https://${current}`, owner.accessToken] },
    });
    await request('patch', `${project}/widget/security`, {
      token: owner.accessToken,
      body: { requireToken: current },
    });
    await request('post', `${project}/widget/secret-key/rotate`, {
      token: owner.accessToken,
      body: { gracePeriodSeconds: current },
    });
    await request('post', `${project}/members`, {
      token: owner.accessToken,
      body: { email: current, role: 'viewer' },
    });
    const settled = await request('patch', `${project}/widget/security`, {
      token: owner.accessToken,
      body: { requireToken: true, allowedOrigins: [SITE] },
    });
    expect(settled.status).toBe(200);
  });

  it('runs the flows (widget side)', async () => {
    const project = `/api/v1/projects/${projectId}`;
    const keys = [...secrets].filter(([, what]) => what === 'secret key').map(([value]) => value);
    const current = (
      await request('get', `${project}/widget/secret-key`, { token: owner.accessToken })
    ).body.secretKey;
    const widget = (token: string | null, path = '/config', extra: Record<string, string> = {}) =>
      request('get', widgetUrl(projectId, path), {
        headers: {
          Origin: SITE,
          ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
          ...extra,
        },
      });
    const valid = remember('widget token', mintToken(current, { userId: 'visitor-1' }));
    expect((await widget(valid)).status).toBe(200);
    const retired = remember('widget token', mintToken(keys[0], { userId: 'visitor-1' }));
    expect((await widget(retired)).body.code).toBe('token_key_rotated');
    const expired = remember('widget token', jwt.sign({ userId: 'v', exp: 1 }, current));
    expect((await widget(expired)).body.code).toBe('token_expired');
    const forged = remember(
      'widget token',
      jwt.sign({ userId: 'v' }, 'not the key', { expiresIn: 60 }),
    );
    expect((await widget(forged)).body.code).toBe('token_signature_invalid');
    const none = remember('widget token', jwt.sign({ userId: 'v' }, '', { algorithm: 'none' }));
    expect((await widget(none)).body.code).toBe('token_malformed');
    // The secret key itself where a token belongs, and in a body.
    expect((await widget(current)).body.code).toBe('secret_key_exposed');
    await request('post', widgetUrl(projectId, '/sessions'), {
      headers: { Origin: SITE, Authorization: `Bearer ${valid}` },
      body: { pageTitle: `my key is ${current}` },
    });
    await widget(valid, '/config', { 'X-Request-Id': valid });
    await widget(`${valid}garbage`);
    await widget(null);
    // The session a valid token opens is shown without the token.
    const session = await request('post', widgetUrl(projectId, '/sessions'), {
      headers: { Origin: SITE, Authorization: `Bearer ${valid}` },
      body: { pageUrl: 'https://shop.example.com/cart' },
    });
    expect(session.status).toBe(201);
  });

  it('runs the flows (logout and password change)', async () => {
    const password = remember('password', `${TEST_PASSWORD} of the mover`);
    const mover = await signUp(ctx().http(), { password });
    remember('access token', mover.accessToken);
    const newPassword = remember('password', 'the new passphrase of the mover');
    const wrong = await request('post', '/api/v1/auth/password', {
      token: mover.accessToken,
      body: { currentPassword: remember('password', 'a wrong current one'), newPassword },
    });
    expect(wrong.status).toBe(401);
    await request('post', '/api/v1/auth/password', {
      token: mover.accessToken,
      body: { currentPassword: password, newPassword: remember('password', 'too short') },
    });
    const changed = await request('post', '/api/v1/auth/password', {
      token: mover.accessToken,
      body: { currentPassword: password, newPassword },
    });
    expect(changed.status).toBe(200);
    remember('access token', changed.body.accessToken);
    await request('get', '/api/v1/auth/me', { token: mover.accessToken }); // ended: 401
    expect(
      (await request('post', '/api/v1/auth/logout', { token: changed.body.accessToken })).status,
    ).toBe(204);
    await request('post', '/api/v1/auth/logout', { token: changed.body.accessToken }); // 401
  });

  it('runs the flows (API keys)', async () => {
    const project = `/api/v1/projects/${projectId}`;
    const created = await request('post', `${project}/api-keys`, {
      token: owner.accessToken,
      body: { name: 'secrets CI', role: 'admin' },
    });
    expect(created.status).toBe(201);
    const key = remember('API key', created.body.key);
    // Used well, then in every wrong way: malformed, on the wrong routes, after revocation.
    expect((await request('get', `${project}/widget/security`, { token: key })).status).toBe(200);
    await request('get', `${project}/widget/secret-key`, { token: key });
    await request('get', `${project}/api-keys`, { token: key });
    await request('get', '/api/v1/auth/me', { token: key });
    await request('get', '/api/v1/projects', { token: key });
    await request('get', `${project}`, { token: remember('API key', `${key}x`) });
    await request('get', `${project}`, { token: remember('API key', key.replace(/.$/, '+')) });
    await request('patch', `${project}/widget/security`, {
      token: key,
      body: { allowedOrigins: [key] },
    });
    await request('post', `${project}/api-keys`, {
      token: owner.accessToken,
      body: { name: key.repeat(3), role: 'owner' },
    });
    expect(
      (
        await request('delete', `${project}/api-keys/${created.body.id}`, {
          token: owner.accessToken,
        })
      ).status,
    ).toBe(204);
    expect((await request('get', `${project}`, { token: key })).status).toBe(401);
  });

  it('writes no secret to any log line', () => {
    const logs = ctx().logs;
    expect(logs.length).toBeGreaterThan(10);
    expect(leaks(logs)).toEqual([]);
  });

  it('puts no secret in any error body', () => {
    expect(errorBodies.length).toBeGreaterThan(15);
    expect(leaks(errorBodies)).toEqual([]);
  });

  it('puts no secret in the audit log, through the API or in its table', async () => {
    const page = await ctx()
      .http()
      .get(`/api/v1/projects/${projectId}/audit-log?limit=100`)
      .set(bearer(owner.accessToken));
    expect(page.status).toBe(200);
    expect(page.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'widget.secret_key.revealed',
        'widget.secret_key.rotated',
        'api_key.created',
        'api_key.revoked',
      ]),
    );
    expect(leaks([page.text])).toEqual([]);
    const rows = await ctx()
      .app.get(DataSource)
      .query('SELECT row_to_json(a)::text AS row FROM audit_log a');
    expect(leaks(rows.map((r: { row: string }) => r.row))).toEqual([]);
  });

  it('stores no secret in clear anywhere in the database', async () => {
    const dataSource = ctx().app.get(DataSource);
    const tables: { name: string }[] = await dataSource.query(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['secret_keys', 'users', 'audit_log', 'api_keys']),
    );
    const rows: string[] = [];
    for (const { name } of tables) {
      const dump = await dataSource.query(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      rows.push(...dump.map((r: { row: string }) => r.row));
    }
    // The leaked-key body above may be kept as the visitor sent it only if it is not a key.
    expect(leaks(rows)).toEqual([]);
  });

  /** Every (secret kind, where) found: a secret, or any 20-character piece of one. */
  function leaks(texts: string[]): string[] {
    const found: string[] = [];
    for (const [secret, what] of secrets) {
      const probes = [
        secret,
        ...(secret.length > 40 ? [secret.slice(-24), secret.slice(8, 32)] : []),
      ];
      for (const text of texts) {
        if (probes.some((probe) => text.includes(probe)))
          found.push(`${what} in: ${text.slice(0, 300)}`);
      }
    }
    return found;
  }
});
