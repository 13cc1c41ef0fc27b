import {
  createWidgetAccess,
  DEFAULT_SECURITY_CACHE_OPTIONS,
  RemoteWidgetStateSource,
  widgetCallerOf,
  type WidgetAccessService,
} from '@hissuno/widget-guard';
import { widgetGuard } from '@hissuno/widget-guard/express';
import express from 'express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createProject, signUp, type Account } from './helpers/accounts';
import { INTERNAL_LISTENER, internalUrl, SERVICE_TOKEN } from './helpers/internal-api';
import { pollUntil } from './helpers/poll';
import { TcpProxy } from './helpers/tcp-proxy';
import { describeEachDatabase } from './helpers/test-app';
import { guardRows, guardView, type GuardRow } from './helpers/token-table';
import {
  forge,
  HS,
  nowS,
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

const SITE = 'https://shop.example.com';
const quiet = { log: () => undefined, warn: () => undefined };

/**
 * Another service that does not share the settings API's database: an Express app whose guard
 * reads state through the internal API (RemoteWidgetStateSource), reached through a TCP proxy
 * so that the settings API can vanish and come back.
 */
describeEachDatabase(
  'remote state source over the internal API',
  (ctx) => {
    let owner: Account;
    let proxy: TcpProxy;
    let access: WidgetAccessService;
    let service: () => ReturnType<typeof request>;
    const ids: Record<GuardRow['project'], string> = {
      locked: '',
      open: '',
      unknown: randomUUID(),
      malformed: 'not-a-project',
    };
    let rows: GuardRow[] = [];
    let key = '';
    const http = () => ctx().http();
    const token = (secret: string, userId = 'u-remote') =>
      forge(HS, { userId, exp: nowS() + 3600 }, secret);
    const callService = (id: string, secret: string) =>
      service()
        .get(`/svc/${id}/whoami`)
        .set({ Origin: SITE, Authorization: `Bearer ${token(secret)}` });

    beforeAll(async () => {
      owner = await signUp(http());
      ids.locked = (await createProject(http(), owner.accessToken)).id;
      await updateWidgetSecurity(http(), owner.accessToken, ids.locked, {
        requireToken: true,
        allowedOrigins: [SITE],
      });
      const retiredKey = await revealSecretKey(http(), owner.accessToken, ids.locked);
      key = await rotateSecretKey(http(), owner.accessToken, ids.locked, 0);
      ids.open = (await createProject(http(), owner.accessToken)).id;
      const openKey = await revealSecretKey(http(), owner.accessToken, ids.open);
      rows = guardRows({ site: SITE, key, retiredKey, openKey });

      proxy = await TcpProxy.start(Number(new URL(internalUrl(ctx())).port));
      const stateSource = new RemoteWidgetStateSource({
        baseUrl: `http://127.0.0.1:${proxy.port}`,
        serviceToken: SERVICE_TOKEN,
        logger: quiet,
      });
      access = createWidgetAccess({ stateSource, logger: quiet });
      access.start();
      const app = express();
      app.get('/svc/:projectId/whoami', widgetGuard({ access, logger: quiet }), (req, res) => {
        res.json(widgetCallerOf(req));
      });
      service = () => request(app);
    });

    afterAll(async () => {
      access?.stop();
      await proxy?.close();
    });

    it('answers every row of the token table as the widget API', async () => {
      const mismatches: string[] = [];
      for (const row of rows.filter((r) => r.method === 'GET')) {
        const id = ids[row.project];
        const want = guardView(await http().get(widgetUrl(id, '/config')).set(row.headers));
        const got = guardView(await service().get(`/svc/${id}/whoami`).set(row.headers));
        expect([row.name, want.status, want.code]).toEqual([row.name, row.status, row.code]);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches.push(`${row.name}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('enforces a rotation made on the settings API within 1 s (20 rotations)', async () => {
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        expect((await callService(ids.locked, key)).status).toBe(200); // cached, warm
        const old = key;
        key = await rotateSecretKey(http(), owner.accessToken, ids.locked, 0);
        const rotatedAt = Date.now();
        await pollUntil(
          'the old key refused',
          2000,
          async () => {
            const res = await callService(ids.locked, old);
            return res.status === 401 && res.body.code === 'token_key_rotated';
          },
          5,
        );
        latencies.push(Date.now() - rotatedAt);
        expect((await callService(ids.locked, key)).status).toBe(200);
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      const median = (sorted[9] + sorted[10]) / 2;
      console.log(
        `[${ctx().db.kind}] remote source: rotation enforced in median ${median} ms, ` +
          `max ${sorted[19]} ms over 20 rotations`,
      );
      expect(sorted[19]).toBeLessThan(1000);
    });

    it('serves cached decisions for at most the staleness bound while the settings API is away, then 503; recovers', async () => {
      const { stalenessMs } = DEFAULT_SECURITY_CACHE_OPTIONS;
      expect((await callService(ids.locked, key)).status).toBe(200);
      proxy.cut();
      const cutAt = Date.now();
      const closedAt = await pollUntil(
        '503 once unconfirmed',
        stalenessMs + 2000,
        async () => {
          const res = await callService(ids.locked, key);
          if (res.status === 200) return false;
          expect([res.status, res.body.code]).toEqual([503, 'service_unavailable']);
          return Date.now();
        },
        50,
      );
      // Cached (200) until the bound, less one re-check period; closed within it plus a margin.
      expect(closedAt - cutAt).toBeGreaterThanOrEqual(stalenessMs - 1000);
      expect(closedAt - cutAt).toBeLessThanOrEqual(stalenessMs + 1500);
      proxy.heal();
      await pollUntil(
        '200 again without a restart',
        5000,
        async () => {
          return (await callService(ids.locked, key)).status === 200;
        },
        50,
      );
    }, 60_000);
  },
  INTERNAL_LISTENER,
);
