import fc from 'fast-check';
import { connect } from 'node:net';
import { bearer, createProjectTeam, signUp, type ProjectTeam } from './helpers/accounts';
import {
  contractViolation,
  expectContract,
  headerValue,
  hostileJson,
  nastyString,
  send,
  type Reply,
} from './helpers/hostile';
import { describeEachDatabase, type TestApp } from './helpers/test-app';
import { widgetUrl } from './helpers/widget-client';

const RUNS = 150;
const JSON_TYPE = { 'content-type': 'application/json' };

/** Sends a raw request over a real socket; resolves with the status line, or null if closed. */
async function rawRequest(app: TestApp, bytes: Buffer | string): Promise<string | null> {
  const server = app.app.getHttpServer();
  if (!server.listening) await app.app.listen(0, '127.0.0.1');
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server neither answered nor closed the connection within 5 s'));
    }, 5_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).includes('\r\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      resolve(text ? text.slice(0, text.indexOf('\r\n')) : null);
    });
    socket.write(bytes);
  });
}

describeEachDatabase('hostile input on the admin API', (ctx) => {
  let team: ProjectTeam;
  let sessionId: string;
  let P: string;
  const auth = () => ({ ...bearer(team.owner.accessToken) });

  beforeAll(async () => {
    team = await createProjectTeam(ctx().http(), 'Fuzz project');
    P = team.project.id;
    const session = await ctx().http().post(widgetUrl(P, '/sessions')).send({ userId: 'fuzz' });
    sessionId = session.body.sessionId;
  });

  afterAll(() => {
    // Nothing any body did may reach the prototype of every object in this process.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('isAdmin');
  });

  /** Every route that reads a JSON body, with the caller that reaches its validation. */
  const bodyRoutes = (): [string, string, Record<string, string>][] => [
    ['POST', '/api/v1/auth/signup', {}],
    ['POST', '/api/v1/auth/login', {}],
    ['POST', '/api/v1/projects', auth()],
    ['PATCH', `/api/v1/projects/${P}`, auth()],
    ['POST', `/api/v1/projects/${P}/members`, auth()],
    ['PATCH', `/api/v1/projects/${P}/members/${team.viewer.user.id}`, auth()],
    ['PATCH', `/api/v1/projects/${P}/widget/security`, auth()],
    ['POST', `/api/v1/projects/${P}/widget/secret-key/rotate`, auth()],
    ['POST', `/api/v1/projects/${P}/sessions/${sessionId}/messages`, auth()],
    ['POST', widgetUrl(P, '/sessions'), {}],
    ['POST', widgetUrl(P, `/sessions/${sessionId}/messages?userId=fuzz`), {}],
  ];

  /** Every route with a query, for the same caller. */
  const queryRoutes = (): [string, Record<string, string>][] => [
    ['/api/v1/projects', auth()],
    [`/api/v1/projects/${P}/members`, auth()],
    [`/api/v1/projects/${P}/audit-log`, auth()],
    [`/api/v1/projects/${P}/sessions`, auth()],
    [`/api/v1/projects/${P}/sessions/${sessionId}`, auth()],
    [widgetUrl(P, '/sessions'), {}],
    [widgetUrl(P, `/sessions/${sessionId}/messages`), {}],
  ];

  /** Route templates with their path parameters, each fuzzed in turn. */
  const paramRoutes = (): [string, string][] => [
    ['GET', '/api/v1/projects/:p'],
    ['PATCH', '/api/v1/projects/:p'],
    ['DELETE', '/api/v1/projects/:p'],
    ['GET', '/api/v1/projects/:p/members'],
    ['DELETE', `/api/v1/projects/${P}/members/:p`],
    ['PATCH', `/api/v1/projects/${P}/members/:p`],
    ['GET', '/api/v1/projects/:p/widget/security'],
    ['GET', '/api/v1/projects/:p/widget/secret-key'],
    ['GET', '/api/v1/projects/:p/audit-log'],
    ['GET', `/api/v1/projects/${P}/sessions/:p`],
    ['POST', `/api/v1/projects/${P}/sessions/:p/messages`],
    ['GET', '/api/v1/widget/:p/config'],
    ['GET', `/api/v1/widget/${P}/sessions/:p/messages`],
    ['OPTIONS', '/api/v1/widget/:p/config'],
  ];

  it('never answers a 5xx to any JSON body on any route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bodyRoutes().length - 1 }),
        fc.oneof(
          hostileJson,
          fc.dictionary(
            fc.constantFrom(
              'name',
              'email',
              'password',
              'role',
              'requireToken',
              'allowedOrigins',
              'gracePeriodSeconds',
              'content',
              'userId',
              'userMetadata',
              'pageUrl',
              'pageTitle',
              '__proto__',
              'constructor',
            ),
            hostileJson,
            { maxKeys: 4 },
          ),
        ),
        async (index, value) => {
          const [method, url, headers] = bodyRoutes()[index];
          const payload = JSON.stringify(value) ?? 'null';
          const reply = await send(ctx(), {
            method,
            url,
            headers: { ...headers, ...JSON_TYPE },
            payload,
          });
          expectContract(reply, `${method} ${url} ${payload.slice(0, 200)}`);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('never answers a 5xx to any query string', async () => {
    const param = fc.constantFrom('limit', 'cursor', 'userId', 'visitor', '__proto__', 'x');
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: queryRoutes().length - 1 }),
        fc.array(fc.tuple(param, nastyString), { maxLength: 4 }),
        async (index, pairs) => {
          const [path, headers] = queryRoutes()[index];
          const query = pairs
            .map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}`)
            .join('&');
          const url = `${path}?${query}`;
          expectContract(
            await send(ctx(), { method: 'GET', url, headers }),
            `GET ${url.slice(0, 200)}`,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never answers a 5xx to any path parameter, however long or strange', async () => {
    const segment = fc.oneof(
      nastyString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
      fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '%00',
        '%2e%2e',
        '..',
        '.',
        'x'.repeat(1024),
        'x'.repeat(1025),
        'A'.repeat(4000),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: paramRoutes().length - 1 }), segment, async (index, value) => {
        const [method, template] = paramRoutes()[index];
        const url = template.replace(':p', value);
        const reply = await send(ctx(), {
          method,
          url,
          headers: { ...auth(), ...JSON_TYPE },
          payload: '{}',
        });
        expectContract(reply, `${method} ${url.slice(0, 200)}`);
        if (reply.status >= 200 && reply.status < 300) {
          throw new Error(`${method} ${url.slice(0, 200)} succeeded with a fuzzed id`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never answers a 5xx to any Authorization, X-Request-Id or Content-Type header', async () => {
    await fc.assert(
      fc.asyncProperty(
        headerValue(),
        headerValue(),
        headerValue(80),
        async (authorization, requestId, type) => {
          const me = await send(ctx(), {
            method: 'GET',
            url: '/api/v1/auth/me',
            headers: { authorization, 'x-request-id': requestId },
          });
          expectContract(me, `GET /auth/me with Authorization ${JSON.stringify(authorization)}`);
          expect(me.status).toBe(401);
          // The caller's id is echoed only when it is sane; else one is made.
          const sane = /^[A-Za-z0-9._:-]{1,128}$/.test(requestId);
          expect(me.headers['x-request-id']).toEqual(
            sane ? requestId : expect.stringMatching(/^[0-9a-f-]{36}$/),
          );

          const created = await send(ctx(), {
            method: 'POST',
            url: '/api/v1/projects',
            headers: { ...auth(), 'content-type': type },
            payload: '{"name":"typed"}',
          });
          expectContract(created, `POST /projects with Content-Type ${JSON.stringify(type)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  describe('hostile bodies', () => {
    const post = (url: string, payload: string, headers = auth()): Promise<Reply> =>
      send(ctx(), { method: 'POST', url, headers: { ...headers, ...JSON_TYPE }, payload });

    it('refuses a body over 64 KiB with 413 payload_too_large', async () => {
      const reply = await post('/api/v1/projects', JSON.stringify({ name: 'x'.repeat(70 * 1024) }));
      expect(reply.status).toBe(413);
      expect(reply.body.code).toBe('payload_too_large');
    });

    it.each([
      ['arrays at the top', (d: number) => '['.repeat(d) + ']'.repeat(d)],
      ['objects in a field', (d: number) => `{"name":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`],
      [
        'arrays in allowedOrigins',
        (d: number) => `{"allowedOrigins":[${'['.repeat(d)}${']'.repeat(d)}]}`,
      ],
      [
        'objects in userMetadata',
        (d: number) => `{"userMetadata":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`,
      ],
    ])('answers deeply nested JSON (%s) with a 4xx, at once', async (_, nest) => {
      for (const depth of [100, 1000, 10_000]) {
        const payload = nest(depth);
        if (payload.length > 64 * 1024) continue;
        for (const [method, url, headers] of bodyRoutes()) {
          const reply = await send(ctx(), {
            method,
            url,
            headers: { ...headers, ...JSON_TYPE },
            payload,
          });
          expectContract(reply, `${method} ${url} nested ${depth}`);
          expect(reply.status).toBeGreaterThanOrEqual(400);
        }
      }
    });

    it.each([
      ['__proto__', '{"__proto__":{"polluted":true,"isAdmin":true},"name":"proto"}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}},"name":"ctor"}'],
      ['nested __proto__', '{"userMetadata":{"__proto__":{"polluted":true}},"allowedOrigins":[]}'],
    ])('neither accepts nor is polluted by a %s key', async (_, payload) => {
      for (const [method, url, headers] of bodyRoutes()) {
        const reply = await send(ctx(), {
          method,
          url,
          headers: { ...headers, ...JSON_TYPE },
          payload,
        });
        expectContract(reply, `${method} ${url} ${payload}`);
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
    });

    // Passwords are hashed, never stored as text: they may hold any character, NUL included.
    it('refuses the NUL character in every stored text field with 400, never a 500', async () => {
      const nul = 'a\u0000b';
      const bodies: [string, string, Record<string, unknown>, Record<string, string>][] = [
        [
          'POST',
          '/api/v1/auth/signup',
          { email: `a${nul}@example.com`, password: 'x'.repeat(12) },
          {},
        ],
        [
          'POST',
          '/api/v1/auth/signup',
          { email: 'nul2@example.com', password: 'x'.repeat(12), name: nul },
          {},
        ],
        ['POST', '/api/v1/projects', { name: nul }, auth()],
        ['PATCH', `/api/v1/projects/${P}`, { name: nul }, auth()],
        [
          'POST',
          `/api/v1/projects/${P}/members`,
          { email: `x${nul}@example.com`, role: 'viewer' },
          auth(),
        ],
        [
          'PATCH',
          `/api/v1/projects/${P}/widget/security`,
          { allowedOrigins: [`https://a${nul}.com`] },
          auth(),
        ],
        ['POST', `/api/v1/projects/${P}/sessions/${sessionId}/messages`, { content: nul }, auth()],
        ['POST', widgetUrl(P, '/sessions'), { userId: nul }, {}],
        ['POST', widgetUrl(P, '/sessions'), { userId: 'u', userMetadata: { k: nul } }, {}],
        ['POST', widgetUrl(P, '/sessions'), { userId: 'u', userMetadata: { [nul]: 'v' } }, {}],
        [
          'POST',
          widgetUrl(P, '/sessions'),
          { pageUrl: `https://a.com/${nul}`, pageTitle: nul },
          {},
        ],
        ['POST', widgetUrl(P, `/sessions/${sessionId}/messages?userId=fuzz`), { content: nul }, {}],
      ];
      for (const [method, url, body, headers] of bodies) {
        const reply = await send(ctx(), {
          method,
          url,
          headers: { ...headers, ...JSON_TYPE },
          payload: JSON.stringify(body),
        });
        expectContract(reply, `${method} ${url} ${JSON.stringify(body)}`);
        expect({ url, body, status: reply.status }).toEqual({ url, body, status: 400 });
      }
      const query = await send(ctx(), {
        method: 'GET',
        url: widgetUrl(P, `/sessions?userId=a%00b`),
      });
      expect(query.status).toBe(400);
    });

    it('answers malformed JSON, wrong media types and empty bodies with a 4xx', async () => {
      const cases: [string, Record<string, string>][] = [
        ['{"name":', JSON_TYPE],
        ['{"name":"x"}garbage', JSON_TYPE],
        ['\u0000', JSON_TYPE],
        ['', JSON_TYPE],
        ['name=x', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['{"name":"x"}', { 'content-type': 'text/plain' }],
        ['--b\r\n\r\nx\r\n--b--', { 'content-type': 'multipart/form-data; boundary=b' }],
      ];
      for (const [payload, type] of cases) {
        for (const [method, url, headers] of bodyRoutes()) {
          const reply = await send(ctx(), {
            method,
            url,
            headers: { ...headers, ...type },
            payload,
          });
          expectContract(
            reply,
            `${method} ${url} ${JSON.stringify(payload)} as ${type['content-type']}`,
          );
          expect(reply.status).toBeGreaterThanOrEqual(400);
        }
      }
    });
  });

  describe('hostile bytes on the socket', () => {
    it.each([
      [
        'a NUL byte in a header',
        'GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\u0000b\r\n\r\n',
      ],
      ['a bare LF in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\nb: c\r\n\r\n'],
      ['a 64 KiB header', `GET /health HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(65536)}\r\n\r\n`],
      [
        'a 32 KiB path',
        `GET /api/v1/widget/${'a'.repeat(32768)}/config HTTP/1.1\r\nHost: x\r\n\r\n`,
      ],
      ['a control character in the path', 'GET /api/v1/\u0001 HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['a non-HTTP line', 'HELLO\r\n\r\n'],
      [
        'a lying Content-Length',
        'POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"name":"abcdef"}',
      ],
    ])('answers %s with a 4xx or closes, never a 5xx or a hang', async (_, raw) => {
      const line = await rawRequest(ctx(), Buffer.from(raw, 'latin1'));
      if (line !== null) expect(line).toMatch(/^HTTP\/1\.1 4\d\d /);
    });

    it('still answers normally afterwards', async () => {
      await ctx().http().get('/health').expect(200);
    });
  });

  it('keeps answering the owner after all that', async () => {
    const me = await ctx().http().get('/api/v1/auth/me').set(auth());
    expect(me.status).toBe(200);
    const other = await signUp(ctx().http());
    expect(contractViolation({ status: 201, headers: {}, body: other, text: '' })).toBeNull();
  });
});
