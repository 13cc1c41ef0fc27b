import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import { createWidgetAccess } from '../core/create-widget-access';
import { widgetCallerOf } from '../core/widget-caller';
import { WidgetSecurityStateSource, type WidgetSecurityState } from '../core/widget-security-state';
import { widgetGuardPlugin } from './widget-guard.plugin';

const KEY = `sk_live_${'f'.repeat(43)}`; // the shape of a real key (API.md §4)
const ID = 'p-1';
const SITE = 'https://shop.example';

class OneProject extends WidgetSecurityStateSource {
  async load(id: string): Promise<WidgetSecurityState | null> {
    if (id !== ID) return null;
    return {
      projectId: ID,
      version: 1,
      keyEpoch: 1,
      requireToken: false,
      originPolicy: { allowsAll: false, matches: (o) => o === SITE },
      keys: { current: { epoch: 1, secret: KEY }, previous: null, retired: [] },
      maxTokenLifetimeSeconds: null,
    };
  }
  async versions(ids: readonly string[]) {
    return new Map(ids.filter((id) => id === ID).map((id) => [id, 1] as const));
  }
}

async function app() {
  const access = createWidgetAccess({ stateSource: new OneProject() });
  const server = Fastify();
  await server.register(async (widget) => {
    await widget.register(widgetGuardPlugin, { access });
    widget.get('/w/:projectId', async (req) => widgetCallerOf(req) ?? { guarded: false });
    widget.options('/w/:projectId', async () => 'never runs');
  });
  // Outside the scope the plugin was registered in: not guarded.
  server.get('/open/:projectId', async (req) => ({ caller: widgetCallerOf(req) ?? null }));
  await server.ready();
  return server;
}

describe('widgetGuardPlugin (Fastify)', () => {
  it('guards the routes of its scope and attaches the caller', async () => {
    const server = await app();
    const token = jwt.sign({ userId: 'u-9' }, KEY, { algorithm: 'HS256', expiresIn: '1h' });
    const res = await server.inject({
      url: `/w/${ID}`,
      headers: { origin: SITE, authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      projectId: ID,
      identity: { verified: true, userId: 'u-9' },
    });
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    await server.close();
  });

  it('answers refusals with the widget API body and headers', async () => {
    const server = await app();
    const res = await server.inject({
      url: `/w/${ID}`,
      headers: { origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      statusCode: 403,
      code: 'origin_not_allowed',
      message: expect.any(String),
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://evil.example');
    const missing = await server.inject({ url: '/w/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('project_not_found');
    await server.close();
  });

  it('answers the CORS preflight on an OPTIONS route of its scope', async () => {
    const server = await app();
    const ok = await server.inject({
      method: 'OPTIONS',
      url: `/w/${ID}`,
      headers: { origin: SITE },
    });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-max-age']).toBe('600');
    const blocked = await server.inject({
      method: 'OPTIONS',
      url: `/w/${ID}`,
      headers: { origin: 'https://evil.example' },
    });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.headers['access-control-allow-origin']).toBeUndefined();
    await server.close();
  });

  it('leaves routes outside its scope alone', async () => {
    const server = await app();
    const res = await server.inject({ url: '/open/nope' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ caller: null });
    await server.close();
  });
});
