import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import jwt from 'jsonwebtoken';
import { call, createProjectOver, signUpOver } from './helpers/http-client';
import { ServiceProcess, serviceEnv } from './helpers/service-process';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

/** The part of autocannon (which ships no types) this soak uses. */
interface SoakRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: SoakRequest, context: Record<string, unknown>) => SoakRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface SoakResult {
  requests: { average: number; total: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(__filename)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  requests: SoakRequest[];
}) => Promise<SoakResult>;

const SITE = 'https://shop.example.com';
const CONNECTIONS = 64;
const WARM_UP_S = 10;
const SOAK_S = Number(process.env.SOAK_SECONDS ?? 60);
const ROTATE_EVERY_MS = 2_000;
/**
 * Resident memory is a sawtooth under load (V8 grows the heap, then collects it), so flat
 * means: the highest RSS of the soak's second half is at most this much above the highest of
 * its first half. A leak of one object per request (over 40 000 requests per half) shows.
 */
const RSS_GROWTH_BOUND_MB = 48;
/** And never above this, all along. */
const RSS_CEILING_MB = 512;

type Kind =
  | 'config'
  | 'history'
  | 'startSession'
  | 'readMessages'
  | 'postMessage'
  | 'expired'
  | 'wrongOrigin'
  | 'noToken'
  | 'garbage'
  | 'algNone'
  | 'wrongKey'
  | 'retiredKey'
  | 'secretKey'
  | 'unknownProject'
  | 'malformedProject';

/** Each kind of request and the one answer (status, code) the contract gives it. */
const EXPECTED: Record<Kind, [number, string | undefined]> = {
  config: [200, undefined],
  history: [200, undefined],
  startSession: [201, undefined],
  readMessages: [200, undefined],
  postMessage: [201, undefined],
  expired: [401, 'token_expired'],
  wrongOrigin: [403, 'origin_not_allowed'],
  noToken: [401, 'token_required'],
  garbage: [401, 'token_malformed'],
  algNone: [401, 'token_malformed'],
  wrongKey: [401, 'token_signature_invalid'],
  retiredKey: [401, 'token_key_rotated'],
  secretKey: [401, 'secret_key_exposed'],
  unknownProject: [404, 'project_not_found'],
  malformedProject: [404, 'project_not_found'],
};

/** Weighted mix: mostly the widget's own traffic, a fair share of hostile requests. */
const MIX: [Kind, number][] = [
  ['config', 24],
  ['history', 8],
  ['startSession', 4],
  ['readMessages', 6],
  ['postMessage', 4],
  ['expired', 10],
  ['wrongOrigin', 10],
  ['noToken', 5],
  ['garbage', 6],
  ['algNone', 3],
  ['wrongKey', 6],
  ['retiredKey', 5],
  ['secretKey', 3],
  ['unknownProject', 3],
  ['malformedProject', 3],
];
const WHEEL: Kind[] = MIX.flatMap(([kind, weight]) => Array<Kind>(weight).fill(kind));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const nowS = () => Math.floor(Date.now() / 1000);

interface Keys {
  current: string;
  /** In its grace period: its tokens are still valid. */
  previous: string;
  retired: string;
  tokens: string[];
  expired: string[];
  retiredTokens: string[];
}

function keysFrom(current: string, previous: string, retired: string): Keys {
  const sign = (key: string, userId: string, exp: number) =>
    jwt.sign({ userId, exp }, key, { algorithm: 'HS256' });
  const users = Array.from({ length: 50 }, (_, i) => `load-user-${i}`);
  return {
    current,
    previous,
    retired,
    tokens: users.map((u) => sign(current, u, nowS() + 3600)),
    expired: users.map((u) => sign(current, u, nowS() - 300)),
    retiredTokens: users.slice(0, 5).map((u) => sign(retired, u, nowS() + 3600)),
  };
}

/**
 * A bounded soak of the guarded widget routes of the built service (child process, real
 * PostgreSQL, loopback only): valid, expired, wrong-origin and garbage requests mixed, while
 * the key is rotated every 2 s. Zero 5xx, every answer the contract's, memory flat.
 */
describe('load soak of the widget routes [postgres, service process]', () => {
  let db: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    service = await ServiceProcess.start(serviceEnv(db));
  });

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await db?.drop();
  });

  it('answers every request as the contract says, with zero 5xx and flat memory', async () => {
    const { accessToken } = await signUpOver(service.url);
    const projectId = await createProjectOver(service.url, accessToken);
    const admin = (method: string, path: string, body?: unknown) =>
      call(service.url, method, `/api/v1/projects/${projectId}${path}`, {
        token: accessToken,
        body,
      });
    expect(
      (await admin('PATCH', '/widget/security', { requireToken: true, allowedOrigins: [SITE] }))
        .status,
    ).toBe(200);
    const first = (await admin('GET', '/widget/secret-key')).body.secretKey as string;
    const rotate = async () =>
      (await admin('POST', '/widget/secret-key/rotate', { gracePeriodSeconds: 30 })).body;
    const second = (await rotate()).secretKey as string;
    // One more rotation: `first` is now retired (its grace ended when the next rotation came).
    let keys = keysFrom((await rotate()).secretKey, second, first);

    const widget = `/api/v1/widget/${projectId}`;
    const session = await call(service.url, 'POST', `${widget}/sessions`, {
      headers: { Origin: SITE, Authorization: `Bearer ${keys.tokens[0]}` },
      body: {},
    });
    expect(session.status).toBe(201);
    const sessionPath = `${widget}/sessions/${session.body.sessionId}/messages`;

    const request = (
      kind: Kind,
    ): { method: string; path: string; headers: Record<string, string>; body?: string } => {
      const headers: Record<string, string> = { Origin: SITE };
      const bearer = (token: string) => (headers.authorization = `Bearer ${token}`);
      let method = 'GET';
      let path = `${widget}/config`;
      let body: string | undefined;
      switch (kind) {
        case 'history':
          path = `${widget}/sessions`;
          bearer(pick(keys.tokens));
          break;
        case 'startSession':
          method = 'POST';
          path = `${widget}/sessions`;
          body = JSON.stringify({ pageUrl: 'https://shop.example.com/cart' });
          bearer(pick(keys.tokens));
          break;
        case 'readMessages':
          path = sessionPath;
          bearer(keys.tokens[0]);
          break;
        case 'postMessage':
          method = 'POST';
          path = sessionPath;
          body = JSON.stringify({ content: 'hello under load' });
          bearer(keys.tokens[0]);
          break;
        case 'config':
          bearer(pick(keys.tokens));
          break;
        case 'expired':
          bearer(pick(keys.expired));
          break;
        case 'wrongOrigin':
          headers.Origin = pick([
            'https://evil.example',
            'https://shop.example.com.evil.io',
            'null',
          ]);
          bearer(pick(keys.tokens));
          break;
        case 'noToken':
          break;
        case 'garbage':
          bearer(
            pick(['abc.def.ghi', 'x'.repeat(9000), 'eyJ.eyJ.', '....', `a.${randomUUID()}.b`]),
          );
          break;
        case 'algNone':
          bearer(jwt.sign({ userId: 'mallory', exp: nowS() + 60 }, '', { algorithm: 'none' }));
          break;
        case 'wrongKey':
          bearer(jwt.sign({ userId: 'mallory' }, `sk_live_${'A'.repeat(43)}x`, { expiresIn: 60 }));
          break;
        case 'retiredKey':
          bearer(pick(keys.retiredTokens));
          break;
        case 'secretKey':
          bearer(keys.current);
          break;
        case 'unknownProject':
          path = `/api/v1/widget/${randomUUID()}/config`;
          bearer(pick(keys.tokens));
          break;
        case 'malformedProject':
          path = `/api/v1/widget/${pick(['not-a-uuid', 'x'.repeat(300), '%00', '..%2f..'])}/config`;
          break;
      }
      if (body) headers['content-type'] = 'application/json';
      return { method, path, headers, body };
    };

    const tally = new Map<string, number>();
    const mismatches = new Map<string, number>();
    let fiveXx = 0;
    const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

    const soak = (seconds: number) =>
      autocannon({
        url: service.url,
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            setupRequest: (req, context) => {
              const kind = pick(WHEEL);
              context.kind = kind;
              return { ...req, ...request(kind) };
            },
            onResponse: (status, body, context) => {
              const kind = context.kind as Kind;
              let code: string | undefined;
              try {
                code = JSON.parse(body)?.code;
              } catch {
                code = 'not JSON';
              }
              if (status >= 500) fiveXx++;
              const [wantStatus, wantCode] = EXPECTED[kind];
              const seen = `${kind} → ${status} ${code ?? ''}`.trim();
              count(tally, seen);
              if (status !== wantStatus || code !== wantCode) count(mismatches, seen);
            },
          },
        ],
      });

    // Rotations keep coming all along; the valid tokens follow the current key.
    let rotations = 0;
    let rotating = true;
    const rotator = (async () => {
      while (rotating) {
        await new Promise((resolve) => setTimeout(resolve, ROTATE_EVERY_MS));
        if (!rotating) break;
        const rotated = await rotate();
        // The current key enters its grace; the one in grace until now is retired.
        keys = keysFrom(rotated.secretKey, keys.current, keys.previous);
        rotations++;
      }
    })();

    const rss: { t: number; mb: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(
      () => rss.push({ t: (Date.now() - started) / 1000, mb: service.rssBytes() / 2 ** 20 }),
      500,
    );
    let warm: SoakResult;
    let main: SoakResult;
    try {
      warm = await soak(WARM_UP_S);
      main = await soak(SOAK_S);
    } finally {
      clearInterval(sampler);
      rotating = false;
      await rotator;
    }

    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const window = (from: number, to: number) =>
      rss.filter((s) => s.t >= from && s.t < to).map((s) => s.mb);
    const end = WARM_UP_S + SOAK_S;
    const half = WARM_UP_S + SOAK_S / 2;
    const firstPeak = Math.max(...window(WARM_UP_S, half));
    const secondPeak = Math.max(...window(half, end + 1));
    const peak = Math.max(...rss.map((s) => s.mb));
    const requests = warm.requests.total + main.requests.total;
    const series = Array.from({ length: Math.ceil(end / 5) }, (_, i) =>
      median(window(i * 5, i * 5 + 5)),
    )
      .filter((mb) => mb !== undefined)
      .map((mb) => mb.toFixed(0));
    console.log(
      `load soak: ${CONNECTIONS} connections, ${WARM_UP_S} s warm-up + ${SOAK_S} s, ${requests} requests ` +
        `(${Math.round(main.requests.average)} req/s, p99 ${main.latency.p99} ms), ${rotations} rotations; ` +
        `RSS peak ${firstPeak.toFixed(1)} MB in the soak's first half, ${secondPeak.toFixed(1)} MB in its second ` +
        `(overall ${peak.toFixed(1)} MB); ` +
        `every 5 s: ${series.join(' ')} MB\n` +
        [...tally.entries()]
          .sort()
          .map(([k, n]) => `  ${k}: ${n}`)
          .join('\n'),
    );
    expect(fiveXx).toBe(0);
    expect(Object.fromEntries(mismatches)).toEqual({});
    expect({ errors: main.errors + warm.errors, timeouts: main.timeouts + warm.timeouts }).toEqual({
      errors: 0,
      timeouts: 0,
    });
    // A rotation every 2 s plus its own time under load.
    expect(rotations).toBeGreaterThanOrEqual(
      Math.floor(((WARM_UP_S + SOAK_S) * 1000) / (ROTATE_EVERY_MS + 1_000)),
    );
    expect(secondPeak - firstPeak).toBeLessThanOrEqual(RSS_GROWTH_BOUND_MB);
    expect(peak).toBeLessThanOrEqual(RSS_CEILING_MB);
    // Nothing went wrong inside either: no error line in the service's log.
    expect(
      service
        .output()
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line)),
    ).toEqual([]);
  });
});
