import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import {
  forge,
  HS,
  nowS,
  revealSecretKey,
  rotateSecretKey,
  widgetUrl,
} from './helpers/widget-client';

/** Sends `text` as a JSON body exactly as written (supertest would re-serialize an object). */
const raw = (text: string) => ({ type: 'application/json', text });

/** Issue 12 items 12 and 13: inputs that are valid JSON or validly signed, yet hostile. */
describeEachDatabase('hostile but well-formed input', (ctx) => {
  let owner: Account;
  let projectId: string;
  let secretKey: string;
  const http = () => ctx().http();
  const url = (path = '') => widgetUrl(projectId, path);

  beforeAll(async () => {
    owner = await signUp(http());
    projectId = (await createProject(http(), owner.accessToken)).id;
    secretKey = await revealSecretKey(http(), owner.accessToken, projectId);
  });

  describe('a body with a __proto__ or constructor key (valid JSON)', () => {
    it.each([
      ['__proto__ at the top', '{"name":"p","__proto__":{"admin":true}}', '__proto__'],
      ['constructor at the top', '{"name":"p","constructor":{"prototype":{"x":1}}}', 'constructor'],
      ['toString at the top', '{"name":"p","toString":"x"}', 'toString'],
      ['__proto__ nested', '{"name":{"__proto__":{"x":1}}}', 'name.__proto__'],
    ])(
      'is 400 validation_failed naming it (%s), never invalid_json',
      async (_what, text, field) => {
        const { type, text: body } = raw(text);
        const res = await http()
          .post('/api/v1/projects')
          .set(bearer(owner.accessToken))
          .set('Content-Type', type)
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field })]),
        );
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      },
    );

    it('is refused on a widget body too', async () => {
      const res = await http()
        .post(url('/sessions'))
        .set('Content-Type', 'application/json')
        .send('{"userMetadata":{"__proto__":{"x":"1"}}}');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'userMetadata.__proto__' }),
      ]);
    });
  });

  describe('anonymous userMetadata', () => {
    it('keeps keys named like Object.prototype members', async () => {
      const userMetadata = { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' };
      const res = await http().post(url('/sessions')).send({ userId: 'proto-keys', userMetadata });
      expect(res.status).toBe(201);
      expect(res.body.identity.userMetadata).toEqual(userMetadata);
      const session = await http()
        .get(`/api/v1/projects/${projectId}/sessions/${res.body.sessionId}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(session.body.visitor.userMetadata).toEqual(userMetadata);
    });
  });

  describe('pageUrl', () => {
    it.each([
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'ftp://files.example.com/a',
      '/relative/path',
      'https//missing-colon.example.com',
      'not a url',
    ])('refuses %j with 400 validation_failed', async (pageUrl) => {
      const res = await http().post(url('/sessions')).send({ pageUrl });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'pageUrl' })]);
    });

    it.each(['https://shop.example.com/cart?x=1#top', 'HTTP://localhost:8080/'])(
      'accepts %j',
      async (pageUrl) => {
        await http().post(url('/sessions')).send({ pageUrl }).expect(201);
      },
    );
  });

  describe('a verified token whose claims PostgreSQL cannot store', () => {
    const token = (claims: object) =>
      forge(HS, { userId: 'u-1', exp: nowS() + 600, ...claims }, secretKey);
    it.each([
      ['a NUL in userId', { userId: 'a\u0000b' }],
      ['a lone surrogate in userId', { userId: 'a\ud800b' }],
      ['a NUL in a metadata value', { userMetadata: { name: 'a\u0000' } }],
      ['a lone surrogate in a metadata key', { userMetadata: { ['k\udc00']: 'v' } }],
    ])('is 401 token_claims_invalid (%s), on every widget route', async (_what, claims) => {
      const auth = { Authorization: `Bearer ${token(claims)}` };
      for (const res of [
        await http().get(url('/config')).set(auth),
        await http().post(url('/sessions')).set(auth).send({}),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('token_claims_invalid');
      }
    });
  });

  describe('diagnose', () => {
    const diagnose = (token: string) =>
      http()
        .post(`/api/v1/projects/${projectId}/widget/security/diagnose`)
        .set(bearer(owner.accessToken))
        .send({ token });

    it('names the key that verified the signature when the claims fail', async () => {
      const previous = secretKey; // epoch 1, in its grace period after the rotation
      const current = await rotateSecretKey(http(), owner.accessToken, projectId, 3600);
      const signed = (claims: object, key: string) => forge(HS, { userId: 'u', ...claims }, key);
      const cases: [string, string, number][] = [
        ['token_expired', signed({ exp: nowS() - 120 }, current), 2],
        ['token_not_yet_valid', signed({ exp: nowS() + 600, nbf: nowS() + 600 }, current), 2],
        ['token_claims_invalid', signed({}, current), 2],
        ['token_claims_invalid', signed({ exp: nowS() + 600, userId: '' }, current), 2],
        ['token_expired', signed({ exp: nowS() - 120 }, previous), 1],
      ];
      for (const [code, token, keyEpoch] of cases) {
        const res = await diagnose(token).expect(200);
        expect({ code: res.body.code, keyEpoch: res.body.token?.keyEpoch }).toEqual({
          code,
          keyEpoch,
        });
      }
      secretKey = current;
    });
  });
});
