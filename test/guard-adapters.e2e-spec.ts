import {
  createWidgetAccess,
  widgetCallerOf,
  WidgetSecurityStateSource,
  type WidgetAccessService,
} from '@hissuno/widget-guard';
import { widgetGuard, widgetPreflight } from '@hissuno/widget-guard/express';
import { widgetGuardPlugin } from '@hissuno/widget-guard/fastify';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createProject, signUp, type Account } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import { guardRows, guardView, type GuardRow } from './helpers/token-table';
import {
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

const SITE = 'https://shop.example.com';

/** A route of another service guarded by the package: it answers the caller the guard set. */
function expressApp(access: WidgetAccessService) {
  const app = express();
  app.use(express.json());
  app.options('/partner/:projectId/config', widgetPreflight({ access }));
  app.get('/partner/:projectId/config', widgetGuard({ access }), (req, res) => {
    res.json(widgetCallerOf(req));
  });
  return app;
}

async function fastifyApp(access: WidgetAccessService): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(async (widget) => {
    await widget.register(widgetGuardPlugin, { access });
    widget.get('/partner/:projectId/config', async (req) => widgetCallerOf(req));
    widget.options('/partner/:projectId/config', async () => undefined);
  });
  await app.ready();
  return app;
}

/**
 * The Express middleware and the Fastify plugin, in-process over the app's own state source,
 * against the widget API itself: every row of the §6 token table (and the project, origin and
 * preflight rows) gets the same status, code and guard headers, and the same identity.
 */
describeEachDatabase('guard package adapters answer as the widget API', (ctx) => {
  let owner: Account;
  const ids: Record<GuardRow['project'], string> = {
    locked: '',
    open: '',
    unknown: randomUUID(),
    malformed: 'not-a-project',
  };
  let rows: GuardRow[] = [];
  let access: WidgetAccessService;
  let fastify: FastifyInstance;
  let onExpress: () => ReturnType<typeof request>;

  beforeAll(async () => {
    const http = () => ctx().http();
    owner = await signUp(http());
    ids.locked = (await createProject(http(), owner.accessToken)).id;
    await updateWidgetSecurity(http(), owner.accessToken, ids.locked, {
      requireToken: true,
      allowedOrigins: [SITE],
    });
    const retiredKey = await revealSecretKey(http(), owner.accessToken, ids.locked);
    const key = await rotateSecretKey(http(), owner.accessToken, ids.locked, 0);
    ids.open = (await createProject(http(), owner.accessToken)).id;
    const openKey = await revealSecretKey(http(), owner.accessToken, ids.open);
    rows = guardRows({ site: SITE, key, retiredKey, openKey });
    // The app's binding of the port: the consumers share the state, not the code path.
    const stateSource = ctx().app.get(WidgetSecurityStateSource, { strict: false });
    access = createWidgetAccess({ stateSource });
    fastify = await fastifyApp(access);
    const app = expressApp(access);
    onExpress = () => request(app);
  });

  afterAll(() => fastify?.close());

  const send = (agent: ReturnType<typeof request>, row: GuardRow, path: string) =>
    (row.method === 'OPTIONS' ? agent.options(path) : agent.get(path)).set(row.headers);

  it('has the rows of the table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(35);
  });

  it.each(['express', 'fastify'] as const)('%s: every row as the widget API', async (kind) => {
    const mismatches: string[] = [];
    for (const row of rows) {
      const id = ids[row.project];
      const reference = await send(ctx().http(), row, widgetUrl(id, '/config'));
      const consumer =
        kind === 'express'
          ? await send(onExpress(), row, `/partner/${id}/config`)
          : await send(request(fastify.server), row, `/partner/${id}/config`);
      const want = guardView(reference);
      const got = guardView(consumer);
      expect({ row: row.name, status: want.status, code: want.code }).toEqual({
        row: row.name,
        status: row.status,
        code: row.code,
      });
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(`${row.name}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      }
      if (row.status === 200) {
        const { verified, userId, userMetadata } = consumer.body.identity;
        expect({ verified, userId, userMetadata }).toEqual(reference.body.identity);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
