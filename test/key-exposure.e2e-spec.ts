import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import { pollUntil } from './helpers/poll';
import { describeEachDatabase, startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import {
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';
import { KeyExposureService } from '../src/secret-keys/key-exposure.service';

const SITE = 'https://shop.example.com';
const INVALID = 'Bearer realm="hissuno-widget", error="invalid_token"';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FOREIGN = `sk_live_${'Zq9'.repeat(14)}x`;

interface Exposure {
  actor: { userId: string | null; email: string | null; apiKeyId: null; apiKeyName: null };
  details: Record<string, unknown>;
}

async function exposuresOf(app: TestApp, owner: Account, projectId: string) {
  const res = await app
    .http()
    .get(`/api/v1/projects/${projectId}/audit-log?limit=100`)
    .set(bearer(owner.accessToken));
  return (res.body.items as (Exposure & { action: string })[])
    .filter((entry) => entry.action === 'widget.secret_key.exposed')
    .map(({ actor, details }) => ({ actor, details }));
}

describeEachDatabase('leaked secret keys', (ctx) => {
  let owner: Account;
  const http = () => ctx().http();
  const settled = () => ctx().app.get(KeyExposureService).settled();
  const settings = async (projectId: string) =>
    (
      await http()
        .get(`/api/v1/projects/${projectId}/widget/security`)
        .set(bearer(owner.accessToken))
    ).body;
  const version = async (projectId: string): Promise<number> =>
    (
      await ctx()
        .app.get(DataSource)
        .query(`SELECT security_version AS v FROM projects WHERE id = $1`, [projectId])
    )[0].v;

  /** A fresh project (origins [SITE]) and its current key. */
  async function project(requireToken = false) {
    const id = (await createProject(http(), owner.accessToken)).id;
    await updateWidgetSecurity(http(), owner.accessToken, id, {
      requireToken,
      allowedOrigins: [SITE],
    });
    return { id, key: await revealSecretKey(http(), owner.accessToken, id) };
  }

  function expectExposed(
    res: { status: number; body: { code?: string }; headers: object; text: string },
    key: string,
  ) {
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 401,
      code: 'secret_key_exposed',
    });
    const headers = res.headers as Record<string, string>;
    expect(headers['www-authenticate']).toBe(INVALID);
    expect(headers['access-control-allow-origin']).toBe(SITE);
    expect(res.text).not.toContain(key);
  }

  beforeAll(async () => {
    owner = await signUp(http());
  });

  it('refuses the current key in the Authorization header, and records it once', async () => {
    const { id, key } = await project();
    const versionBefore = await version(id);
    const started = Date.now();
    const flood = await Promise.all(
      Array.from({ length: 20 }, () =>
        http()
          .get(widgetUrl(id, '/config'))
          .set({ Origin: SITE, Authorization: `Bearer ${key}` }),
      ),
    );
    for (const res of flood) expectExposed(res, key);
    const bare = await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: SITE, Authorization: key });
    expectExposed(bare, key);
    await settled();

    const after = await settings(id);
    expect(after.keyExposedAt).toMatch(ISO);
    expect(Date.parse(after.keyExposedAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(await version(id)).toBe(versionBefore + 1);
    expect(await exposuresOf(ctx(), owner, id)).toEqual([
      {
        actor: { userId: null, email: null, apiKeyId: null, apiKeyName: null },
        details: { keyEpoch: 1 },
      },
    ]);

    // Later exposures keep the first time and write nothing more.
    await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${key}` });
    await settled();
    expect((await settings(id)).keyExposedAt).toBe(after.keyExposedAt);
    expect(await exposuresOf(ctx(), owner, id)).toHaveLength(1);
  });

  it('refuses a key anywhere in a JSON body, on every widget route, and records it', async () => {
    const { id, key } = await project(true);
    const bodies: [string, string, object][] = [
      ['POST', '/sessions', { userMetadata: { apiKey: key } }],
      ['POST', '/sessions', { pageTitle: `debug ${key}` }],
      ['POST', `/sessions/${randomUUID()}/messages`, { content: `my key is ${key}` }],
      ['POST', `/sessions/${randomUUID()}/messages`, { content: 'hi', extra: [[{ k: key }]] }],
    ];
    for (const [, path, body] of bodies) {
      const res = await http().post(widgetUrl(id, path)).set('Origin', SITE).send(body);
      // Before token_required: the leaked key is the more urgent news.
      expectExposed(res, key);
    }
    await settled();
    expect((await settings(id)).keyExposedAt).toMatch(ISO);
    expect(await exposuresOf(ctx(), owner, id)).toEqual([
      {
        actor: { userId: null, email: null, apiKeyId: null, apiKeyName: null },
        details: { keyEpoch: 1 },
      },
    ]);
  });

  it('refuses any key-shaped string, but records only the project’s current key', async () => {
    const { id, key } = await project();
    const other = await project();
    const sent = [
      http()
        .get(widgetUrl(id, '/config'))
        .set({ Origin: SITE, Authorization: `Bearer ${FOREIGN}` }),
      http().post(widgetUrl(id, '/sessions')).set('Origin', SITE).send({ pageTitle: FOREIGN }),
      // Another project's key is not this project's exposure (nor, sent here, the other's).
      http().post(widgetUrl(id, '/sessions')).set('Origin', SITE).send({ pageTitle: other.key }),
    ];
    for (const res of await Promise.all(sent)) {
      expect({ status: res.status, code: res.body.code }).toEqual({
        status: 401,
        code: 'secret_key_exposed',
      });
    }
    await settled();
    for (const p of [id, other.id]) {
      expect((await settings(p)).keyExposedAt).toBeNull();
      expect(await exposuresOf(ctx(), owner, p)).toEqual([]);
    }
    expect(key).not.toBe(other.key);
  });

  it('lets bodies without keys through', async () => {
    const { id } = await project();
    const res = await http()
      .post(widgetUrl(id, '/sessions'))
      .set('Origin', SITE)
      .send({ userId: 'sk_live_short', pageTitle: 'sk_live_ is our prefix' });
    expect(res.status).toBe(201);
  });

  it('answers a blocked origin first, and records nothing for it', async () => {
    const { id, key } = await project();
    const res = await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: 'https://evil.example', Authorization: `Bearer ${key}` });
    expect(res.body.code).toBe('origin_not_allowed');
    expect(res.text).not.toContain(key);
    await settled();
    expect((await settings(id)).keyExposedAt).toBeNull();
  });

  it('shows keyExposedAt until the next rotation, which clears it', async () => {
    const { id, key } = await project();
    await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${key}` });
    await settled();
    const exposedAt = (await settings(id)).keyExposedAt;
    expect(exposedAt).toMatch(ISO);
    const patched = await http()
      .patch(`/api/v1/projects/${id}/widget/security`)
      .set(bearer(owner.accessToken))
      .send({ requireToken: true });
    expect(patched.body.keyExposedAt).toBe(exposedAt);

    const newKey = await rotateSecretKey(http(), owner.accessToken, id, 600);
    expect((await settings(id)).keyExposedAt).toBeNull();
    // The old key is no longer the current one: refused, not recorded again.
    const old = await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${key}` });
    expectExposed(old, key);
    await settled();
    expect((await settings(id)).keyExposedAt).toBeNull();

    // The new key, once leaked, is recorded anew under its own epoch.
    await http().post(widgetUrl(id, '/sessions')).set('Origin', SITE).send({ pageTitle: newKey });
    await settled();
    expect((await settings(id)).keyExposedAt).toMatch(ISO);
    expect(await exposuresOf(ctx(), owner, id)).toEqual([
      {
        actor: { userId: null, email: null, apiKeyId: null, apiKeyName: null },
        details: { keyEpoch: 2 },
      },
      {
        actor: { userId: null, email: null, apiKeyId: null, apiKeyName: null },
        details: { keyEpoch: 1 },
      },
    ]);
  });

  it('never writes a key to the audit log or the logs', async () => {
    const { id, key } = await project();
    await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${key}` });
    await http().post(widgetUrl(id, '/sessions')).set('Origin', SITE).send({ k: key });
    await settled();
    const log = await http().get(`/api/v1/projects/${id}/audit-log`).set(bearer(owner.accessToken));
    expect(log.text).not.toContain(key);
    expect(ctx().logs.join('\n')).not.toContain(key);
    expect(ctx().logs.join('\n')).not.toContain(key.slice(8));
  });

  it('is counted in the metrics as secret_key_exposed', async () => {
    const { id, key } = await project();
    await http()
      .get(widgetUrl(id, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${key}` });
    const metrics = (await http().get('/metrics')).text;
    expect(metrics).toMatch(/widget_guard_decisions_total\{outcome="secret_key_exposed"\} \d+/);
    await settled();
  });
});

const url = process.env.TEST_DATABASE_URL;
(url ? describe : describe.skip)('leaked secret keys across two instances [postgres]', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = await startTestApp(db);
    b = await startTestApp(db, {
      secretsMasterKey: a.config.secretsMasterKey,
      authJwtSecret: a.config.authJwtSecret,
    });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('records one exposure however many instances see the key', async () => {
    const owner = await signUp(a.http());
    const id = (await createProject(a.http(), owner.accessToken)).id;
    const key = await revealSecretKey(a.http(), owner.accessToken, id);
    await Promise.all(
      [a, b, a, b, a, b].map((app) =>
        app
          .http()
          .get(widgetUrl(id, '/config'))
          .set({ Authorization: `Bearer ${key}` }),
      ),
    );
    await Promise.all([a, b].map((app) => app.app.get(KeyExposureService).settled()));
    expect(await exposuresOf(a, owner, id)).toHaveLength(1);
    // B shows it too (read from the database).
    await pollUntil('keyExposedAt on B', 5_000, async () => {
      const res = await b
        .http()
        .get(`/api/v1/projects/${id}/widget/security`)
        .set(bearer(owner.accessToken));
      return res.body.keyExposedAt !== null;
    });
  });
});
