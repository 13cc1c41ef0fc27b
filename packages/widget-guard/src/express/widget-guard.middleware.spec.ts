import express, { type ErrorRequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createWidgetAccess } from '../core/create-widget-access';
import { widgetCallerOf } from '../core/widget-caller';
import { WidgetRateLimiter } from '../core/widget-rate-limiter';
import {
  WidgetAccessObserver,
  WidgetSecurityStateSource,
  type WidgetAccessEvent,
  type WidgetSecurityState,
} from '../core/widget-security-state';
import { widgetGuard, widgetPreflight, type WidgetGuardRequest } from './widget-guard.middleware';

const KEY = `sk_live_${'e'.repeat(43)}`; // the shape of a real key (API.md §4)
const ID = 'p-1';
const SITE = 'https://shop.example';

class OneProject extends WidgetSecurityStateSource {
  async load(id: string): Promise<WidgetSecurityState | null> {
    if (id !== ID) return null;
    return {
      projectId: ID,
      version: 1,
      keyEpoch: 1,
      requireToken: true,
      originPolicy: { allowsAll: false, matches: (o) => o === SITE },
      keys: { current: { epoch: 1, secret: KEY }, previous: null, retired: [] },
      maxTokenLifetimeSeconds: null,
    };
  }
  async versions(ids: readonly string[]) {
    return new Map(ids.filter((id) => id === ID).map((id) => [id, 1] as const));
  }
}

class Recorder extends WidgetAccessObserver {
  readonly events: WidgetAccessEvent[] = [];
  decided(event: WidgetAccessEvent) {
    this.events.push(event);
  }
}

class Refusing extends WidgetRateLimiter<WidgetGuardRequest> {
  async hit(): Promise<void> {
    throw Object.assign(new Error('slow down'), { status: 429 });
  }
}

const token = jwt.sign({ userId: 'u-1' }, KEY, { algorithm: 'HS256', expiresIn: '1h' });
const onError: ErrorRequestHandler = (error, _req, res, _next) => {
  res.status((error as { status?: number }).status ?? 500).json({ error: String(error.message) });
};

function app(
  options: { limiter?: WidgetRateLimiter<WidgetGuardRequest>; observer?: Recorder } = {},
) {
  const access = createWidgetAccess({ stateSource: new OneProject() });
  const guard = widgetGuard({ access, observer: options.observer, rateLimiter: options.limiter });
  const server = express();
  server.use(express.json());
  server.use((_req, res, next) => {
    res.setHeader('Vary', 'Accept-Encoding'); // what a compression middleware leaves
    next();
  });
  server.options('/w/:projectId', widgetPreflight({ access }));
  server.post('/w/:projectId', guard, (req, res) => {
    res.json(widgetCallerOf(req));
  });
  server.get('/no-param', guard, (_req, res) => {
    res.json({});
  });
  server.use(onError);
  return server;
}

describe('widgetGuard (Express/Connect middleware)', () => {
  it('lets a verified caller through with the caller attached and Vary merged', async () => {
    const res = await request(app())
      .post(`/w/${ID}`)
      .set({ Origin: SITE, Authorization: `Bearer ${token}` })
      .send({ hello: 'world' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ projectId: ID, origin: SITE, requireToken: true });
    expect(res.body.identity).toMatchObject({ verified: true, userId: 'u-1', keyEpoch: 1 });
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(res.headers.vary).toBe('Accept-Encoding, Origin');
  });

  it('answers a refusal itself, with the JSON body of the widget API', async () => {
    const res = await request(app()).post(`/w/${ID}`).set({ Origin: SITE });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      statusCode: 401,
      code: 'token_required',
      message: expect.any(String),
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="hissuno-widget"');
  });

  it('refuses a body that holds the project secret key (it reads the parsed body)', async () => {
    const res = await request(app())
      .post(`/w/${ID}`)
      .set({ Origin: SITE, Authorization: `Bearer ${token}` })
      .send({ note: KEY });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('secret_key_exposed');
  });

  it('tells the observer every decision', async () => {
    const observer = new Recorder();
    await request(app({ observer })).post(`/w/${ID}`).set({ Origin: SITE });
    expect(observer.events).toEqual([{ projectId: ID, outcome: 'token_required', keyEpoch: null }]);
  });

  it('hands a rate-limit refusal to the error handler, readable cross-origin', async () => {
    const res = await request(app({ limiter: new Refusing() }))
      .post(`/w/${ID}`)
      .set({ Origin: SITE, Authorization: `Bearer ${token}` });
    expect(res.status).toBe(429);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
  });

  it('answers the CORS preflight of an allowed origin with 204 and the allowing headers', async () => {
    const res = await request(app()).options(`/w/${ID}`).set({ Origin: SITE });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization, Content-Type/);
  });

  it('counts preflights with the rate limiter too', async () => {
    const limited = express();
    const access = createWidgetAccess({ stateSource: new OneProject() });
    limited.options('/w/:projectId', widgetPreflight({ access, rateLimiter: new Refusing() }));
    limited.use(onError);
    const res = await request(limited).options(`/w/${ID}`).set({ Origin: SITE });
    expect(res.status).toBe(429);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toBe('Origin');
  });

  it('fails loudly on a route without :projectId', async () => {
    const res = await request(app()).get('/no-param');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatch(/:projectId/);
  });
});
