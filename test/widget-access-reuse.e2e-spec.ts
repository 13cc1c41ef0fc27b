import { Controller, Get, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { createHash } from 'node:crypto';
import request from 'supertest';
import {
  WidgetAccessObserver,
  WidgetSecurityState,
  WidgetSecurityStateSource,
  type WidgetAccessEvent,
} from '@hissuno/widget-guard';
import { WidgetAccessModule, WidgetCaller, WidgetEndpoint } from '@hissuno/widget-guard/nest';

// Another Nest app reusing the guard: its own routes, its own store, no AppModule at all.
const sk = (seed: string) => `sk_live_${createHash('sha256').update(seed).digest('base64url')}`;
const KEY = sk('partner');
const OPEN = 'aaaaaaaa-0000-4000-8000-000000000001';
const LOCKED = 'aaaaaaaa-0000-4000-8000-000000000002';
const SITE = 'https://shop.example.com';

function state(projectId: string, requireToken: boolean, origins: string[]): WidgetSecurityState {
  return {
    projectId,
    version: 1,
    keyEpoch: 1,
    requireToken,
    originPolicy: { allowsAll: origins.length === 0, matches: (o) => !!o && origins.includes(o) },
    keys: { current: { epoch: 1, secret: KEY }, previous: null, retired: [] },
    maxTokenLifetimeSeconds: null,
  };
}

class MemorySource extends WidgetSecurityStateSource {
  static readonly store = new Map<string, WidgetSecurityState>();
  static notify: (id: string) => void = () => undefined;
  async load(id: string) {
    return MemorySource.store.get(id) ?? null;
  }
  async versions(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (MemorySource.store.has(id) ? [[id, 1] as const] : [])));
  }
  override subscribe(onChange: (id: string) => void) {
    MemorySource.notify = onChange;
    return () => undefined;
  }
}

class RecordingObserver extends WidgetAccessObserver {
  static readonly events: WidgetAccessEvent[] = [];
  decided(event: WidgetAccessEvent) {
    RecordingObserver.events.push(event);
  }
}

@Controller('partners/:projectId')
class PartnerController {
  @Get('whoami')
  @WidgetEndpoint()
  whoami(@WidgetCaller() caller: WidgetCaller) {
    return caller;
  }

  @Get('unguarded')
  unguarded(@WidgetCaller() caller: WidgetCaller) {
    return caller;
  }
}

@Module({
  imports: [WidgetAccessModule.forRoot({ stateSource: MemorySource, observer: RecordingObserver })],
  controllers: [PartnerController],
})
class PartnerModule {}

describe('widget guard reused by another Nest app', () => {
  let app: NestFastifyApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    MemorySource.store.set(OPEN, state(OPEN, false, []));
    MemorySource.store.set(LOCKED, state(LOCKED, true, [SITE]));
    const moduleRef = await Test.createTestingModule({ imports: [PartnerModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app?.close());

  it('lets a verified caller in with the identity of its token (jsonwebtoken)', async () => {
    const token = jwt.sign({ userId: 'u-7', userMetadata: { name: 'Ada' } }, KEY, {
      algorithm: 'HS256',
      expiresIn: '24h',
    });
    const res = await http()
      .get(`/partners/${LOCKED}/whoami`)
      .set('Origin', SITE)
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      projectId: LOCKED,
      origin: SITE,
      requireToken: true,
      identity: { verified: true, userId: 'u-7', userMetadata: { name: 'Ada' }, keyEpoch: 1 },
    });
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(res.headers.vary).toBe('Origin');
  });

  it('accepts a token minted by jose', async () => {
    const token = await new SignJWT({ userId: 'u-8' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(KEY));
    const res = await http()
      .get(`/partners/${LOCKED}/whoami`)
      .set('Origin', SITE)
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.identity).toMatchObject({ verified: true, userId: 'u-8' });
  });

  it('answers the contract codes through Nest’s own exception filter', async () => {
    const required = await http().get(`/partners/${LOCKED}/whoami`).set('Origin', SITE);
    expect(required.status).toBe(401);
    expect(required.body).toMatchObject({ statusCode: 401, code: 'token_required' });
    expect(required.headers['www-authenticate']).toBe('Bearer realm="hissuno-widget"');

    const origin = await http().get(`/partners/${LOCKED}/whoami`).set('Origin', 'https://x.test');
    expect(origin.status).toBe(403);
    expect(origin.body.code).toBe('origin_not_allowed');
    expect(origin.headers['access-control-allow-origin']).toBe('https://x.test');

    const missing = await http().get(`/partners/${OPEN.replace('1', '9')}/whoami`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('project_not_found');
  });

  it('lets an anonymous caller into a project that does not require tokens', async () => {
    const res = await http().get(`/partners/${OPEN}/whoami`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ origin: null, identity: { verified: false, userId: null } });
  });

  it('follows the change feed of the bound source', async () => {
    expect((await http().get(`/partners/${OPEN}/whoami`)).status).toBe(200);
    MemorySource.store.delete(OPEN);
    MemorySource.notify(OPEN);
    expect((await http().get(`/partners/${OPEN}/whoami`)).status).toBe(404);
    MemorySource.store.set(OPEN, state(OPEN, false, []));
    MemorySource.notify(OPEN);
  });

  it('tells the observer every outcome', async () => {
    RecordingObserver.events.length = 0;
    await http().get(`/partners/${LOCKED}/whoami`).set('Origin', SITE);
    expect(RecordingObserver.events).toEqual([
      { projectId: LOCKED, outcome: 'token_required', keyEpoch: null },
    ]);
  });

  it('fails loudly when @WidgetCaller() is read on a route the guard did not run on', async () => {
    const res = await http().get(`/partners/${OPEN}/unguarded`);
    expect(res.status).toBe(500);
  });
});
