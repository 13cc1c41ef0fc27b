import { SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { bearer, createProjectTeam, type ProjectTeam } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import {
  b64,
  forge,
  HS,
  mintToken,
  mintTokenWithJose,
  revealSecretKey,
  rotateSecretKey,
  seedToken,
  updateWidgetSecurity,
  nowS,
  widgetUrl,
} from './helpers/widget-client';
import { KeyExposureService } from '../src/secret-keys/key-exposure.service';
import { WidgetStatsRecorder } from '../src/widget-stats/widget-stats.recorder';

const SITE = 'https://shop.example.com';
const claims = (extra: object = {}) => ({ userId: 'u-1', exp: nowS() + 3600, ...extra });

/** Keys of the project: epoch 1 retired, 2 previous (in grace), 3 current. */
interface Keys {
  retired: string;
  previous: string;
  current: string;
}

describeEachDatabase('widget security diagnostics', (ctx) => {
  let team: ProjectTeam;
  let open: string;
  let keys: Keys;
  const http = () => ctx().http();
  const projectId = () => team.project.id;

  const diagnose = (body: object, token = team.owner.accessToken, id = projectId()) =>
    http().post(`/api/v1/projects/${id}/widget/security/diagnose`).set(bearer(token)).send(body);

  /** What the widget API answers to the same Origin and token: null when it allows. */
  async function widgetAnswer(id: string, origin: string | null, token: string | null) {
    const headers: Record<string, string> = {};
    if (origin !== null) headers.Origin = origin;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const res = await http().get(widgetUrl(id, '/config')).set(headers);
    return { status: res.status, code: res.status === 200 ? null : (res.body.code as string) };
  }

  beforeAll(async () => {
    team = await createProjectTeam(http(), 'Diagnosed');
    const owner = team.owner.accessToken;
    await updateWidgetSecurity(http(), owner, projectId(), {
      requireToken: true,
      allowedOrigins: [SITE, '*.example.org'],
    });
    const retired = await revealSecretKey(http(), owner, projectId());
    const previous = await rotateSecretKey(http(), owner, projectId(), 0);
    const current = await rotateSecretKey(http(), owner, projectId(), 3600);
    keys = { retired, previous, current };
    open = (await http().post('/api/v1/projects').set(bearer(owner)).send({ name: 'Open' })).body
      .id;
  });

  // Every row of API.md §6's token table, valid tokens, origins and the project itself.
  const rows: [string, string | null, (k: Keys) => Promise<string | null> | string | null][] = [
    ['the seed’s Node token', SITE, (k) => mintToken(k.current, { userId: 'u-1' })],
    ['a jose token', SITE, (k) => mintTokenWithJose(k.current, { userId: 'u-1' })],
    [
      'a PyJWT-shaped token (no iat)',
      SITE,
      (k) => jwt.sign(claims(), k.current, { algorithm: 'HS256', noTimestamp: true }),
    ],
    ['the previous key within its grace', SITE, (k) => seedToken(k.previous)],
    ['a wildcard origin', 'https://a.b.example.org', (k) => seedToken(k.current)],
    ['no token (required)', SITE, () => null],
    ['not three parts', SITE, () => 'abc.def'],
    ['bad JSON', SITE, () => `${b64('{"alg"')}.${b64('{}')}.${b64('sig')}`],
    ['alg none', SITE, () => `${b64({ alg: 'none' })}.${b64(claims())}.`],
    ['alg RS256', SITE, (k) => forge({ alg: 'RS256' }, claims(), k.current)],
    ['alg HS512', SITE, (k) => jwt.sign(claims(), k.current, { algorithm: 'HS512' })],
    ['a crit header', SITE, (k) => forge({ ...HS, crit: ['exp'] }, claims(), k.current)],
    ['a token over 8 KiB', SITE, (k) => seedToken(k.current, { pad: 'x'.repeat(9000) })],
    ['a non-Bearer-safe token', SITE, () => 'a b c'],
    ['an empty token', SITE, () => ''],
    ['a foreign key', SITE, () => seedToken(`sk_live_${'F'.repeat(43)}`)],
    ['a retired key', SITE, (k) => seedToken(k.retired)],
    ['no exp', SITE, (k) => forge(HS, { userId: 'u-1' }, k.current)],
    ['exp not a number', SITE, (k) => forge(HS, claims({ exp: 'soon' }), k.current)],
    ['expired 61 s ago', SITE, (k) => forge(HS, claims({ exp: nowS() - 61 }), k.current)],
    ['nbf in 120 s', SITE, (k) => forge(HS, claims({ nbf: nowS() + 120 }), k.current)],
    ['iat in 120 s', SITE, (k) => forge(HS, claims({ iat: nowS() + 120 }), k.current)],
    ['no userId', SITE, (k) => forge(HS, { exp: nowS() + 60 }, k.current)],
    ['a numeric userId', SITE, (k) => forge(HS, claims({ userId: 7 }), k.current)],
    ['an empty userId', SITE, (k) => seedToken(k.current, { userId: '' })],
    ['a userId of 256 chars', SITE, (k) => seedToken(k.current, { userId: 'u'.repeat(256) })],
    ['userMetadata a string', SITE, (k) => seedToken(k.current, { userMetadata: 'x' })],
    ['userMetadata with a number', SITE, (k) => seedToken(k.current, { userMetadata: { age: 3 } })],
    [
      'userMetadata with 51 keys',
      SITE,
      (k) =>
        seedToken(k.current, {
          userMetadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
        }),
    ],
    [
      'a userMetadata key of 65 chars',
      SITE,
      (k) => seedToken(k.current, { userMetadata: { ['k'.repeat(65)]: 'v' } }),
    ],
    [
      'a userMetadata value of 1025 chars',
      SITE,
      (k) => seedToken(k.current, { userMetadata: { bio: 'v'.repeat(1025) } }),
    ],
    ['the current secret key', SITE, (k) => k.current],
    ['a retired secret key', SITE, (k) => k.retired],
    ['a blocked origin', 'https://evil.example', (k) => seedToken(k.current)],
    ['a wildcard apex', 'https://example.org', (k) => seedToken(k.current)],
    ['http on a wildcard', 'http://a.example.org', (k) => seedToken(k.current)],
    ['no Origin', null, (k) => seedToken(k.current)],
    ['the opaque origin', 'null', (k) => seedToken(k.current)],
  ];

  it.each(rows)('answers %s with the widget API’s code', async (_case, origin, make) => {
    const token = await make(keys);
    const widget = await widgetAnswer(projectId(), origin, token);
    const res = await diagnose({ origin: origin ?? undefined, token: token ?? undefined });
    expect(res.status).toBe(200);
    expect({ decision: res.body.decision, code: res.body.code }).toEqual({
      decision: widget.status === 200 ? 'allow' : 'deny',
      code: widget.code,
    });
    expect(res.body.checks.map((c: { check: string }) => c.check)).toEqual([
      'project',
      'origin',
      'token',
    ]);
    if (widget.code !== null) {
      const failed = res.body.checks.filter((c: { outcome: string }) => c.outcome === 'fail');
      expect(failed).toEqual([expect.objectContaining({ code: widget.code })]);
    }
    for (const key of Object.values(keys)) expect(res.text).not.toContain(key);
  });

  it('answers like the widget API for an open project: anonymous, any origin', async () => {
    const widget = await widgetAnswer(open, 'https://anywhere.example', null);
    expect(widget).toEqual({ status: 200, code: null });
    const res = await diagnose({ origin: 'https://anywhere.example' }, undefined, open);
    expect(res.body).toEqual({
      decision: 'allow',
      code: null,
      checks: [
        { check: 'project', outcome: 'pass', detail: expect.any(String) },
        { check: 'origin', outcome: 'pass', detail: expect.stringContaining('empty') },
        { check: 'token', outcome: 'pass', detail: expect.stringContaining('anonymous') },
      ],
      identity: { verified: false, userId: null, userMetadata: null },
      token: null,
    });
  });

  it('shows the verified identity and token, with the epoch of the key that verified it', async () => {
    const token = await new SignJWT({ userId: 'ada', userMetadata: { plan: 'pro' } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(keys.previous));
    const res = await diagnose({ origin: SITE, token });
    const { exp } = jwt.decode(token) as { exp: number };
    expect(res.body).toMatchObject({
      decision: 'allow',
      code: null,
      identity: { verified: true, userId: 'ada', userMetadata: { plan: 'pro' } },
      token: {
        header: { alg: 'HS256', typ: 'JWT' },
        claims: { userId: 'ada', userMetadata: { plan: 'pro' }, exp },
        expiresAt: new Date(exp * 1000).toISOString(),
        keyEpoch: 2,
      },
    });
    expect(res.body.checks[2].detail).toContain('epoch 2');
  });

  it('names the retired key a rotated token matched, and explains refusals', async () => {
    const rotated = await diagnose({ origin: SITE, token: seedToken(keys.retired) });
    expect(rotated.body).toMatchObject({
      decision: 'deny',
      code: 'token_key_rotated',
      identity: null,
      token: { claims: { userId: 'u-1' }, keyEpoch: 1 },
    });
    const expired = await diagnose({
      origin: SITE,
      token: forge(HS, claims({ exp: nowS() - 600 }), keys.current),
    });
    expect(expired.body.checks[2]).toEqual({
      check: 'token',
      outcome: 'fail',
      code: 'token_expired',
      detail: expect.stringMatching(/expired .* ago/),
    });
    // API.md §8: the key that verified the signature is named for claim failures too.
    expect(expired.body.token).toMatchObject({ keyEpoch: 3, expiresAt: expect.any(String) });
    const blocked = await diagnose({ origin: 'https://evil.example', token: 'abc' });
    expect(blocked.body.checks.map((c: { outcome: string }) => c.outcome)).toEqual([
      'pass',
      'fail',
      'skipped',
    ]);
  });

  it('never echoes a secret key, and records no exposure for it', async () => {
    const key = await revealSecretKey(http(), team.owner.accessToken, open);
    const res = await diagnose({ token: key }, undefined, open);
    expect(res.body).toMatchObject({ decision: 'deny', code: 'secret_key_exposed', token: null });
    expect(res.text).not.toContain(key);
    await ctx().app.get(KeyExposureService).settled();
    const settings = await http()
      .get(`/api/v1/projects/${open}/widget/security`)
      .set(bearer(team.owner.accessToken));
    expect(settings.body.keyExposedAt).toBeNull();
  });

  it('is not subject to the origin rules itself', async () => {
    const res = await diagnose({ token: 'abc' }).set('Origin', 'https://evil.example');
    expect(res.status).toBe(200);
    expect(res.body.code).toBe('origin_not_allowed');
  });

  it('counts in neither the widget statistics nor the metrics', async () => {
    const metric = async () => {
      const text = (await http().get('/metrics')).text;
      return text
        .split('\n')
        .filter((line) => line.startsWith('widget_guard_decisions_total'))
        .join('\n');
    };
    const stats = async () => {
      await ctx().app.get(WidgetStatsRecorder).flush();
      const res = await http()
        .get(`/api/v1/projects/${open}/widget/security/stats?window=1h`)
        .set(bearer(team.owner.accessToken));
      return res.body.total as number;
    };
    const [metricsBefore, statsBefore] = [await metric(), await stats()];
    for (const token of [undefined, 'abc', seedToken(keys.current)]) {
      expect((await diagnose({ origin: SITE, token }, undefined, open)).status).toBe(200);
    }
    expect(await metric()).toBe(metricsBefore);
    expect(await stats()).toBe(statsBefore);
  });

  it('is for owners and admins: viewers 403, strangers 404, anonymous 401', async () => {
    expect((await diagnose({}, team.admin.accessToken)).status).toBe(200);
    const viewer = await diagnose({}, team.viewer.accessToken);
    expect({ status: viewer.status, code: viewer.body.code }).toEqual({
      status: 403,
      code: 'forbidden',
    });
    const stranger = await diagnose({}, team.stranger.accessToken);
    expect({ status: stranger.status, code: stranger.body.code }).toEqual({
      status: 404,
      code: 'project_not_found',
    });
    const anonymous = await http()
      .post(`/api/v1/projects/${projectId()}/widget/security/diagnose`)
      .send({});
    expect(anonymous.status).toBe(401);
  });

  it('answers a malformed project id like the widget API: project_not_found', async () => {
    expect((await widgetAnswer('not-a-uuid', SITE, null)).code).toBe('project_not_found');
    const res = await diagnose({}, undefined, 'not-a-uuid');
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 404,
      code: 'project_not_found',
    });
  });

  it.each([
    [{ token: 42 }, 'token'],
    [{ origin: ['https://a.com'] }, 'origin'],
    [{ token: 'x', userId: 'u' }, 'userId'],
  ])('refuses %j with validation_failed on %s', async (body, field) => {
    const res = await diagnose(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
  });

  it('takes a null origin and token as absent', async () => {
    const res = await diagnose({ origin: null, token: null });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe((await widgetAnswer(projectId(), null, null)).code);
  });
});
