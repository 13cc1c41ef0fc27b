import { DEFAULT_SECURITY_CACHE_OPTIONS } from '@hissuno/widget-guard';
import { ProjectSecurityListener } from '../src/widget-security/project-security-listener';
import { TEST_PASSWORD, uniqueEmail } from './helpers/accounts';
import { emptyWriteLog, findInconsistencies } from './helpers/consistency';
import { call, createProjectOver, signUpOver, until, type Answer } from './helpers/http-client';
import { PrivatePostgres } from './helpers/private-postgres';
import { TcpProxy } from './helpers/tcp-proxy';
import { startTestApp, type TestApp } from './helpers/test-app';
import type { TestDatabase } from './helpers/test-database';
import { mintToken } from './helpers/widget-client';
import { WriteStorm } from './helpers/write-storm';

const SITE = 'https://shop.example.com';
const STALENESS_MS = DEFAULT_SECURITY_CACHE_OPTIONS.stalenessMs; // 10 s
const PROPAGATION_MS = 1_000; // API.md §4

interface Sample {
  instance: string;
  startedAt: number;
  status: number | 'lost';
  code?: string;
  retryAfter: string | null;
}

/** Steady widget traffic (a few workers per instance), every answer kept with its start time. */
class WidgetTraffic {
  readonly samples: Sample[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly instances: Record<string, string>,
    private readonly path: string,
    private readonly headers: () => Record<string, string>,
  ) {
    for (const [name, url] of Object.entries(instances)) {
      for (let w = 0; w < 2; w++) this.workers.push(this.work(name, url));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  since(t: number, instance?: string): Sample[] {
    return this.samples.filter((s) => s.startedAt >= t && (!instance || s.instance === instance));
  }

  private async work(instance: string, url: string): Promise<void> {
    while (!this.stopping) {
      const startedAt = Date.now();
      let sample: Sample;
      try {
        const res = await call(url, 'GET', this.path, { headers: this.headers() });
        sample = {
          instance,
          startedAt,
          status: res.status,
          code: res.body?.code,
          retryAfter: res.headers.get('retry-after'),
        };
      } catch {
        sample = { instance, startedAt, status: 'lost', retryAfter: null };
      }
      this.samples.push(sample);
      await new Promise((resolve) => setTimeout(resolve, 5)); // pacing: steady, not flooding
    }
  }
}

const summary = (answers: Answer) => ({
  status: answers.status,
  code: answers.body?.code,
  retryAfter: answers.headers.get('retry-after'),
});
const UNAVAILABLE = {
  status: 503,
  code: 'service_unavailable',
  retryAfter: expect.stringMatching(/^\d+$/),
};

/**
 * A private PostgreSQL server, two app instances on it (b through a TCP proxy, so that it
 * alone can lose the database), steady widget traffic and a storm of writes; then the server
 * stops (immediate: connections cut as in a crash) and starts again.
 */
describe('database outage [private postgres, two instances]', () => {
  let pg: PrivatePostgres;
  let proxy: TcpProxy;
  let db: TestDatabase;
  const apps: Record<string, TestApp> = {};
  const urls: Record<string, string> = {};
  let owner: { accessToken: string; email: string };
  let projectId: string;
  let key: string;
  const stormProjects: string[] = [];
  const log = emptyWriteLog();

  const widgetCall = (instance: string, token: string) =>
    call(urls[instance], 'GET', `/api/v1/widget/${projectId}/config`, {
      headers: { Origin: SITE, Authorization: `Bearer ${token}` },
    }).then((res) => res.body?.code ?? res.status);

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    db = await pg.createTestDatabase('outage_test');
    proxy = await TcpProxy.start(pg.port);
    apps.a = await startTestApp(db);
    // Same schema, same secrets: a second instance of the same deployment.
    apps.b = await startTestApp(db, {
      databaseUrl: db.databaseUrl!.replace(`:${pg.port}/`, `:${proxy.port}/`),
      secretsMasterKey: apps.a.config.secretsMasterKey,
      authJwtSecret: apps.a.config.authJwtSecret,
    });
    for (const name of ['a', 'b']) {
      await apps[name].app.listen(0, '127.0.0.1');
      urls[name] = await apps[name].app.getUrl();
    }
    owner = await signUpOver(urls.a);
    projectId = await createProjectOver(urls.a, owner.accessToken);
    const patched = await call(urls.a, 'PATCH', `/api/v1/projects/${projectId}/widget/security`, {
      token: owner.accessToken,
      body: { requireToken: true, allowedOrigins: [SITE] },
    });
    expect(patched.status).toBe(200);
    const reveal = await call(urls.a, 'GET', `/api/v1/projects/${projectId}/widget/secret-key`, {
      token: owner.accessToken,
    });
    key = reveal.body.secretKey;
    for (let i = 0; i < 3; i++)
      stormProjects.push(await createProjectOver(urls.a, owner.accessToken));
  });

  afterAll(async () => {
    for (const app of Object.values(apps)) await app.close().catch(() => undefined);
    await proxy?.close();
    await pg?.destroy();
    await db?.drop();
  });

  it('serves cached guard decisions up to the staleness bound, then fails closed with 503', async () => {
    const token = mintToken(key, { userId: 'steady' });
    const traffic = new WidgetTraffic(urls, `/api/v1/widget/${projectId}/config`, () => ({
      Origin: SITE,
      Authorization: `Bearer ${token}`,
    }));
    const storm = new WriteStorm(
      Object.values(urls),
      owner.accessToken,
      stormProjects,
      log,
      'outage',
    );
    storm.start(6, false);
    try {
      await until(
        'writes and widget traffic under way',
        () => storm.ok >= 10 && traffic.samples.length >= 20,
      );
      expect(new Set(traffic.samples.map((s) => s.status))).toEqual(new Set([200]));

      await pg.stop('immediate');
      const stoppedAt = Date.now();

      // Every instance ends up refusing, within the staleness bound (plus one failed load).
      const firstRefusal: Record<string, number> = {};
      for (const name of Object.keys(urls)) {
        firstRefusal[name] = await until(
          `instance ${name} to fail closed`,
          () => traffic.since(stoppedAt, name).find((s) => s.status !== 200)?.startedAt,
          STALENESS_MS + 5_000,
        );
      }
      const refusingSince = Math.max(...Object.values(firstRefusal));
      await until('a second of refusals', () => Date.now() > refusingSince + 1_000);

      // Admin writes, uncached reads and health: 503 service_unavailable with Retry-After.
      const admin = (method: string, path: string, body?: unknown, token = owner.accessToken) =>
        call(urls.b, method, `/api/v1${path}`, { token, body }).then(summary);
      const project = `/projects/${projectId}`;
      const outageAnswers = {
        patch: await admin('PATCH', `${project}/widget/security`, { requireToken: false }),
        rotate: await admin('POST', `${project}/widget/secret-key/rotate`, {}),
        reveal: await admin('GET', `${project}/widget/secret-key`),
        settings: await admin('GET', `${project}/widget/security`),
        createProject: await admin('POST', '/projects', { name: 'during outage' }),
        signup: await admin('POST', '/auth/signup', {
          email: uniqueEmail(),
          password: TEST_PASSWORD,
        }),
        widgetSession: await call(urls.a, 'POST', `/api/v1/widget/${projectId}/sessions`, {
          headers: { Origin: SITE, Authorization: `Bearer ${token}` },
          body: {},
        }).then(summary),
        healthA: await call(urls.a, 'GET', '/health').then(summary),
        healthB: await call(urls.b, 'GET', '/health').then(summary),
      };
      for (const [what, answer] of Object.entries(outageAnswers)) {
        expect({ what, ...answer }).toEqual({ what, ...UNAVAILABLE });
      }
      await storm.stop();
      await traffic.stop();

      const afterStop = traffic.since(stoppedAt);
      const served = afterStop.filter((s) => s.status === 200);
      const lastServed = Math.max(stoppedAt, ...served.map((s) => s.startedAt));
      console.log(
        `database stopped: cached decisions served for ${lastServed - stoppedAt} ms ` +
          `(${served.length} answers), then 503 from +${firstRefusal.a - stoppedAt} ms (a) and ` +
          `+${firstRefusal.b - stoppedAt} ms (b); bound ${STALENESS_MS} ms. ` +
          `Writes during the storm: ${JSON.stringify(Object.fromEntries(storm.answers))}`,
      );
      // Never a cached "allow" past the bound: an entry is at best confirmed when the server stops.
      expect(lastServed - stoppedAt).toBeLessThanOrEqual(STALENESS_MS);
      // But a short outage is invisible to widgets of cached projects (entries re-checked each second).
      expect(lastServed - stoppedAt).toBeGreaterThanOrEqual(STALENESS_MS - 3_000);
      // Entries are confirmed by re-checks started one interval (250 ms) apart, so at the bound
      // itself answers may still mix for that long; from then on every one is refused.
      for (const name of Object.keys(urls)) {
        const after = traffic.since(firstRefusal[name] + 250, name);
        expect(new Set(after.map((s) => `${s.status} ${s.code} ${s.retryAfter}`))).toEqual(
          new Set(['503 service_unavailable 5']),
        );
      }
      expect(new Set(afterStop.map((s) => s.status))).toEqual(new Set([200, 503]));
      expect([...storm.answers.keys()].sort()).toEqual(['200', '503']);
    } finally {
      await storm.stop();
      await traffic.stop();
    }
  });

  it('recovers without a restart, re-subscribes, and propagates a rotation within 1 s', async () => {
    const listeners = Object.fromEntries(
      Object.entries(apps).map(([name, app]) => [
        name,
        app.app.get(ProjectSecurityListener, { strict: false }),
      ]),
    );
    const startedAt = Date.now();
    await pg.resume();
    const backAt = Date.now();
    for (const name of Object.keys(urls)) {
      await until(
        `health of ${name}`,
        async () => (await call(urls[name], 'GET', '/health')).status === 200,
      );
    }
    const healthyAt = Date.now();
    for (const name of Object.keys(listeners)) {
      await until(`the listener of ${name} to reconnect`, () => listeners[name].listening, 15_000);
    }
    const listeningAt = Date.now();
    console.log(
      `database restarted in ${backAt - startedAt} ms; both instances healthy ${healthyAt - backAt} ms ` +
        `and listening again ${listeningAt - backAt} ms after`,
    );

    // Nothing half-written: every write of the storm either committed whole or not at all.
    expect(
      await findInconsistencies(
        db.databaseUrl!,
        db.schema!,
        apps.a.config.secretsMasterKey,
        stormProjects,
        log,
      ),
    ).toEqual([]);

    const token = mintToken(key, { userId: 'steady' });
    for (const name of Object.keys(urls)) {
      await until(`widget answers on ${name}`, async () => (await widgetCall(name, token)) === 200);
    }

    // A rotation on one instance is refused on both within 1 s (the notice, not the re-check).
    let current = key;
    const times: number[] = [];
    for (const rotator of ['a', 'b', 'a']) {
      const oldToken = mintToken(current, { userId: 'steady' });
      for (const name of Object.keys(urls)) expect(await widgetCall(name, oldToken)).toBe(200);
      const rotated = await call(
        urls[rotator],
        'POST',
        `/api/v1/projects/${projectId}/widget/secret-key/rotate`,
        {
          token: owner.accessToken,
          body: { gracePeriodSeconds: 0 },
        },
      );
      expect(rotated.status).toBe(200);
      const rotatedAt = Date.now();
      for (const name of Object.keys(urls)) {
        await until(
          `instance ${name} to refuse the old key`,
          async () => (await widgetCall(name, oldToken)) === 'token_key_rotated',
          PROPAGATION_MS,
          5,
        );
        times.push(Date.now() - rotatedAt);
      }
      current = rotated.body.secretKey;
      for (const name of Object.keys(urls)) {
        expect(await widgetCall(name, mintToken(current, { userId: 'steady' }))).toBe(200);
      }
    }
    console.log(
      `after recovery: rotations refused everywhere within ${Math.max(...times)} ms (${times.join(', ')})`,
    );
  });
  it('never lets an instance cut off from the database accept a key rotated meanwhile', async () => {
    const reveal = await call(urls.a, 'GET', `/api/v1/projects/${projectId}/widget/secret-key`, {
      token: owner.accessToken,
    });
    const oldToken = mintToken(reveal.body.secretKey, { userId: 'partition' });
    expect(await widgetCall('b', oldToken)).toBe(200); // b has the state cached

    proxy.cut(); // b alone loses the database; a keeps it
    const cutAt = Date.now();
    const rotated = await call(
      urls.a,
      'POST',
      `/api/v1/projects/${projectId}/widget/secret-key/rotate`,
      {
        token: owner.accessToken,
        body: { gracePeriodSeconds: 0 },
      },
    );
    expect(rotated.status).toBe(200);
    expect(await widgetCall('a', oldToken)).toBe('token_key_rotated');

    // b cannot hear of the rotation: it may go on with what it knew, up to the bound, not beyond.
    const answers: { at: number; answer: string | number }[] = [];
    await until(
      'b to fail closed',
      async () => {
        const at = Date.now();
        const answer = await widgetCall('b', oldToken);
        answers.push({ at, answer });
        return answer === 'service_unavailable';
      },
      STALENESS_MS + 5_000,
      50,
    );
    const lastAccepted = Math.max(
      cutAt,
      ...answers.filter((a) => a.answer === 200).map((a) => a.at),
    );
    console.log(
      `partition: b accepted the rotated key for ${lastAccepted - cutAt} ms, then 503 ` +
        `(${answers.length} probes; bound ${STALENESS_MS} ms)`,
    );
    expect(lastAccepted - cutAt).toBeLessThanOrEqual(STALENESS_MS);
    expect(new Set(answers.map((a) => a.answer))).toEqual(new Set([200, 'service_unavailable']));

    proxy.heal();
    const newToken = mintToken(rotated.body.secretKey, { userId: 'partition' });
    await until('b to know the new key', async () => (await widgetCall('b', newToken)) === 200);
    expect(await widgetCall('b', oldToken)).toBe('token_key_rotated');
  });
  it('answers 503 within the source timeout, never hangs, when the database stops answering', async () => {
    // A project b has never seen, and b's pool warm with idle connections.
    const fresh = await createProjectOver(urls.a, owner.accessToken);
    await Promise.all(Array.from({ length: 8 }, () => call(urls.b, 'GET', '/health')));

    proxy.stall(); // a network black hole: b's connections stay open, nothing answers
    const started = Date.now();
    const reply = await call(urls.b, 'GET', `/api/v1/widget/${fresh}/config`);
    const waited = Date.now() - started;
    console.log(
      `black hole: an uncached project answered ${reply.status} ${reply.body?.code} after ${waited} ms`,
    );
    expect({ status: reply.status, code: reply.body?.code }).toEqual({
      status: 503,
      code: 'service_unavailable',
    });
    expect(waited).toBeLessThan(DEFAULT_SECURITY_CACHE_OPTIONS.sourceTimeoutMs + 1_000);

    proxy.heal();
    await until('b to answer again', async () => {
      const res = await call(urls.b, 'GET', `/api/v1/widget/${fresh}/config`);
      return res.status === 200;
    });
  });
});
