import type { AddressInfo } from 'node:net';
import { createProject, signUp } from './helpers/accounts';
import { ForwardingProxy, sendFrom, type RawAnswer } from './helpers/http-proxy';
import { describeEachDatabase, type TestApp } from './helpers/test-app';
import { widgetUrl } from './helpers/widget-client';

const AUTH_LIMIT = 3;
const WIDGET_LIMIT = 3;
// Loopback peers of this machine: the proxy reaches the app from 127.0.0.1.
const ALICE = '127.0.0.2';
const BOB = '127.0.0.3';
const UPSTREAM = '127.0.0.8'; // a first proxy hop (a CDN) in front of the load balancer
const DIRECT = '127.0.0.9'; // a client that reaches the app without the proxy

/** A request to an auth route that the per-address limit counts (the body is invalid: 400). */
const login = (from: string, port: number, forwardedFor?: string): Promise<RawAnswer> =>
  sendFrom(from, port, {
    method: 'POST',
    path: '/api/v1/auth/login',
    body: {},
    headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {},
  });

/** The app on a real port, behind a real forwarding hop. */
function behindProxy(ctx: () => TestApp): { app: () => number; proxy: () => number } {
  let proxy: ForwardingProxy | undefined;
  let appPort = 0;
  beforeAll(async () => {
    await ctx().app.listen(0, '127.0.0.1');
    appPort = (ctx().app.getHttpServer().address() as AddressInfo).port;
    proxy = await ForwardingProxy.start(appPort);
  });
  afterAll(async () => proxy?.close());
  return { app: () => appPort, proxy: () => proxy!.port };
}

async function exhaust(send: () => Promise<RawAnswer>, limit: number): Promise<void> {
  for (let i = 0; i < limit; i++) expect((await send()).status).not.toBe(429);
  const over = await send();
  expect(over.status).toBe(429);
  expect(over.body.code).toBe('rate_limited');
}

describeEachDatabase(
  'TRUST_PROXY as proxy addresses: the client address behind two hops',
  (ctx) => {
    const ports = behindProxy(ctx);

    it('counts two clients behind the proxy as two clients for the auth limit', async () => {
      await exhaust(() => login(ALICE, ports.proxy()), AUTH_LIMIT);
      expect((await login(BOB, ports.proxy())).status).toBe(400);
    });

    it('ignores X-Forwarded-For that a client sends through the proxy', async () => {
      // Alice is limited; whatever she claims to be, the proxy appended her real address.
      const forged = await login(ALICE, ports.proxy(), '198.51.100.77');
      expect(forged.status).toBe(429);
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      let previous = 0;
      for (let i = 0; i < AUTH_LIMIT + 1; i++) {
        previous = (await login(DIRECT, ports.app(), `198.51.100.${i + 1}`)).status;
      }
      expect(previous).toBe(429);
    });

    it('reads the client through a second trusted hop, and counts IPv6 clients per /64', async () => {
      const via = (client: string) => login(UPSTREAM, ports.proxy(), client);
      // The same /64 is the same client, whichever of its addresses it uses.
      for (let i = 1; i <= AUTH_LIMIT; i++)
        expect((await via(`2001:db8:1:2::${i}`)).status).toBe(400);
      expect((await via('2001:db8:1:2:ffff:ffff:ffff:fffe')).status).toBe(429);
      expect((await via('2001:db8:1:3::1')).status).toBe(400);
      // An IPv4-mapped IPv6 address is that IPv4 client.
      await exhaust(() => via('203.0.113.5'), AUTH_LIMIT);
      expect((await via('::ffff:203.0.113.5')).status).toBe(429);
    });

    it('keys the widget limit per project on the forwarded client address too', async () => {
      const owner = await signUp(ctx().http());
      const projectId = (await createProject(ctx().http(), owner.accessToken, 'Proxied')).id;
      const config = (from: string) =>
        sendFrom(from, ports.proxy(), { path: widgetUrl(projectId, '/config') });
      await exhaust(() => config(ALICE), WIDGET_LIMIT);
      expect((await config(BOB)).status).toBe(200);
    });
  },
  {
    trustProxy: ['127.0.0.1', UPSTREAM],
    rateLimitAuthPerMinute: AUTH_LIMIT,
    rateLimitWidgetPerMinute: WIDGET_LIMIT,
  },
);

describeEachDatabase(
  'TRUST_PROXY as a hop count (1)',
  (ctx) => {
    const ports = behindProxy(ctx);

    it('counts two clients behind the proxy apart, and a forged X-Forwarded-For changes nothing', async () => {
      await exhaust(() => login(ALICE, ports.proxy(), '192.0.2.1'), AUTH_LIMIT);
      expect((await login(ALICE, ports.proxy(), '192.0.2.2')).status).toBe(429);
      expect((await login(BOB, ports.proxy())).status).toBe(400);
    });
  },
  { trustProxy: 1, rateLimitAuthPerMinute: AUTH_LIMIT },
);

describeEachDatabase(
  'without TRUST_PROXY',
  (ctx) => {
    const ports = behindProxy(ctx);

    it('takes the TCP peer, so X-Forwarded-For is never believed', async () => {
      for (let i = 0; i < AUTH_LIMIT; i++) {
        expect((await login(DIRECT, ports.app(), `198.51.100.${i}`)).status).toBe(400);
      }
      expect((await login(DIRECT, ports.app(), '198.51.100.200')).status).toBe(429);
    });
  },
  { rateLimitAuthPerMinute: AUTH_LIMIT },
);
