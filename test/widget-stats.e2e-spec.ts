import { bearer, createProjectTeam, type ProjectTeam } from './helpers/accounts';
import { pollUntil } from './helpers/poll';
import { describeEachDatabase, startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import {
  mintToken,
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';
import { WidgetStatsRecorder } from '../src/widget-stats/widget-stats.recorder';

const SITE = 'https://shop.example.com';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ERROR_CODES = [
  'origin_not_allowed',
  'token_required',
  'token_malformed',
  'token_signature_invalid',
  'token_key_rotated',
  'token_claims_invalid',
  'token_expired',
  'token_not_yet_valid',
  'secret_key_exposed',
];
/** API.md §8: the statistics are at most 15 s behind. */
const STATS_LAG_MS = 15_000;

interface Stats {
  window: string;
  from: string;
  to: string;
  total: number;
  byOutcome: Record<string, number>;
  byKeyEpoch: Record<string, { verified: number; lastSeenAt: string }>;
}

async function widgetCall(app: TestApp, projectId: string, headers: Record<string, string>) {
  return app.http().get(widgetUrl(projectId, '/config')).set(headers);
}

async function statsOf(app: TestApp, team: ProjectTeam, query = '', token?: string) {
  return app
    .http()
    .get(`/api/v1/projects/${team.project.id}/widget/security/stats${query}`)
    .set(bearer(token ?? team.viewer.accessToken));
}

describeEachDatabase('widget guard statistics', (ctx) => {
  let team: ProjectTeam;
  let key: string;
  const app = () => ctx();
  const flush = () => app().app.get(WidgetStatsRecorder).flush();
  const stats = async (query = '?window=1h'): Promise<Stats> => {
    const res = await statsOf(app(), team, query);
    expect(res.status).toBe(200);
    return res.body;
  };
  const call = (headers: Record<string, string>) => widgetCall(app(), team.project.id, headers);
  const withToken = (token: string, origin = SITE) => ({
    Origin: origin,
    Authorization: `Bearer ${token}`,
  });

  beforeAll(async () => {
    team = await createProjectTeam(app().http(), 'Rolled out');
    await updateWidgetSecurity(app().http(), team.owner.accessToken, team.project.id, {
      allowedOrigins: [SITE],
    });
    key = await revealSecretKey(app().http(), team.owner.accessToken, team.project.id);
  });

  it('starts at zero, with every outcome listed', async () => {
    const body = await stats('');
    expect(body).toEqual({
      window: '24h',
      from: expect.stringMatching(ISO),
      to: expect.stringMatching(ISO),
      total: 0,
      byOutcome: Object.fromEntries(
        ['verified', 'anonymous', ...ERROR_CODES].map((outcome) => [outcome, 0]),
      ),
      byKeyEpoch: {},
    });
    const span = Date.parse(body.to) - Date.parse(body.from);
    expect(span).toBeGreaterThanOrEqual(86_400_000);
    expect(span).toBeLessThan(86_400_000 + 60_000);
    expect(new Date(body.from).getUTCSeconds()).toBe(0);
  });

  it('counts every outcome of the guard, and verified requests per key epoch', async () => {
    const token = mintToken(key, { userId: 'u-1' });
    for (let i = 0; i < 3; i++) expect((await call(withToken(token))).status).toBe(200);
    expect((await call({ Origin: SITE })).status).toBe(200); // anonymous
    expect((await call({ Origin: 'https://evil.example' })).status).toBe(403);
    expect((await call(withToken('abc'))).status).toBe(401);
    expect(
      (await call(withToken(mintToken(`sk_live_${'F'.repeat(43)}`, { userId: 'u' })))).status,
    ).toBe(401);
    // Not this project's statistics: an unknown id.
    await widgetCall(app(), '00000000-0000-4000-8000-000000000000', { Origin: SITE });
    await flush();

    const body = await stats();
    expect(body.window).toBe('1h');
    expect(body.total).toBe(7);
    expect(body.byOutcome).toMatchObject({
      verified: 3,
      anonymous: 1,
      origin_not_allowed: 1,
      token_malformed: 1,
      token_signature_invalid: 1,
      token_required: 0,
    });
    expect(body.byKeyEpoch).toEqual({
      '1': { verified: 3, lastSeenAt: expect.stringMatching(ISO) },
    });
    expect(Date.parse(body.byKeyEpoch['1'].lastSeenAt)).toBeLessThanOrEqual(Date.now());
  });

  it('tells when a previous key is still used during its grace, and after it', async () => {
    const before = await stats();
    const newKey = await rotateSecretKey(
      app().http(),
      team.owner.accessToken,
      team.project.id,
      600,
    );
    const old = mintToken(key, { userId: 'u-old' });
    expect((await call(withToken(old))).status).toBe(200);
    expect((await call(withToken(mintToken(newKey, { userId: 'u-new' })))).status).toBe(200);
    expect((await call(withToken(mintToken(newKey, { userId: 'u-new2' })))).status).toBe(200);
    await rotateSecretKey(app().http(), team.owner.accessToken, team.project.id, 0);
    expect((await call(withToken(old))).body.code).toBe('token_key_rotated');
    await flush();

    const body = await stats();
    expect(body.byKeyEpoch['1'].verified).toBe(before.byKeyEpoch['1'].verified + 1);
    expect(body.byKeyEpoch['2']).toEqual({ verified: 2, lastSeenAt: expect.stringMatching(ISO) });
    expect(body.byOutcome.token_key_rotated).toBe(before.byOutcome.token_key_rotated + 1);
    expect(body.total).toBe(before.total + 4);
    key = await revealSecretKey(app().http(), team.owner.accessToken, team.project.id);
  });

  it('writes in the background: a request shows within 15 s without an explicit flush', async () => {
    const before = (await stats()).byOutcome.anonymous;
    expect((await call({ Origin: SITE })).status).toBe(200);
    const seen = await pollUntil(
      'the anonymous request in the statistics',
      STATS_LAG_MS,
      async () => {
        const now = (await stats()).byOutcome.anonymous;
        return now > before && now;
      },
      250,
    );
    expect(seen).toBe(before + 1);
  });

  it('is readable by every member, and only by members', async () => {
    for (const account of [team.owner, team.admin, team.viewer]) {
      expect((await statsOf(app(), team, '', account.accessToken)).status).toBe(200);
    }
    const stranger = await statsOf(app(), team, '', team.stranger.accessToken);
    expect({ status: stranger.status, code: stranger.body.code }).toEqual({
      status: 404,
      code: 'project_not_found',
    });
    const anonymous = await app()
      .http()
      .get(`/api/v1/projects/${team.project.id}/widget/security/stats`);
    expect(anonymous.status).toBe(401);
  });

  it.each(['1h', '24h', '7d'])('answers the window %s', async (window) => {
    const body = await stats(`?window=${window}`);
    expect(body.window).toBe(window);
    expect(body.total).toBeGreaterThan(0);
  });

  it.each(['?window=30d', '?window=', '?window=1H', '?window=1h&window=7d', '?from=1'])(
    'refuses %s with validation_failed',
    async (query) => {
      const res = await statsOf(app(), team, query);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    },
  );
});

const url = process.env.TEST_DATABASE_URL;
if (!url) {
  console.log(
    'widget-stats: the two-instance case is skipped — it needs a shared PostgreSQL server; set ' +
      'TEST_DATABASE_URL.',
  );
}

(url ? describe : describe.skip)('widget guard statistics across two instances [postgres]', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let bOpen = false;
  let team: ProjectTeam;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = await startTestApp(db);
    // Same schema, same secrets: a second instance of the same deployment.
    b = await startTestApp(db, {
      secretsMasterKey: a.config.secretsMasterKey,
      authJwtSecret: a.config.authJwtSecret,
    });
    bOpen = true;
    team = await createProjectTeam(a.http(), 'Two instances');
  });

  afterAll(async () => {
    if (bOpen) await b.close();
    await a?.close();
    await db?.drop();
  });

  it('adds up what every instance counted, in the database', async () => {
    const key = await revealSecretKey(a.http(), team.owner.accessToken, team.project.id);
    const token = mintToken(key, { userId: 'u-1' });
    for (let i = 0; i < 4; i++)
      await widgetCall(a, team.project.id, { Authorization: `Bearer ${token}` });
    for (let i = 0; i < 6; i++)
      await widgetCall(b, team.project.id, { Authorization: `Bearer ${token}` });
    for (let i = 0; i < 2; i++) await widgetCall(b, team.project.id, {});
    await Promise.all([
      a.app.get(WidgetStatsRecorder).flush(),
      b.app.get(WidgetStatsRecorder).flush(),
    ]);

    for (const app of [a, b]) {
      const res = await statsOf(app, team, '?window=1h');
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(12);
      expect(res.body.byOutcome).toMatchObject({ verified: 10, anonymous: 2 });
      expect(res.body.byKeyEpoch).toEqual({
        '1': { verified: 10, lastSeenAt: expect.stringMatching(ISO) },
      });
    }
  });

  it('flushes what an instance counted when it shuts down', async () => {
    const before = (await statsOf(a, team, '?window=1h')).body.total as number;
    for (let i = 0; i < 3; i++) await widgetCall(b, team.project.id, {});
    bOpen = false;
    await b.close();
    const res = await statsOf(a, team, '?window=1h');
    expect(res.body.total).toBe(before + 3);
  });
});
