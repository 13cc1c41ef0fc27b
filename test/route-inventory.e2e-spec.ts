import { Controller, Get, RequestMethod, SetMetadata } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC, Public, WIDGET_ROUTE } from '../src/auth/public.decorator';
import {
  ProjectAccess,
  projectAccessApiKeysOf,
  projectAccessRoleOf,
} from '../src/projects/project-access';
import { WIDGET_ROUTE as WIDGET_ACCESS_ROUTE } from '@hissuno/widget-guard/nest';
import { bearer, createProject, signUp } from './helpers/accounts';
import { startTestApp, TestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

/**
 * Every route of the app and who may call it. A change here is a permission
 * change: add a row with each new route, and let review see it.
 *
 *   public            no dashboard token needed (`@Public()`)
 *   widget            carries the widget guard (`'widget:route'` metadata)
 *   dashboard:any     any logged-in dashboard user (the global guard)
 *   dashboard:<role>  `@ProjectAccess(role)`: members with at least <role>
 *   … + api-key       the project's API keys too (`Bearer hsk_…`, their own project only,
 *                     with the rights of their role); every other route refuses keys
 */
const EXPECTED: Record<string, string> = {
  // §7 operations, §7b browser artefacts
  'GET /health': 'public',
  'GET /metrics': 'public',
  'GET /': 'public',
  'GET /widget.js': 'public',
  'GET /dashboard': 'public',
  'GET /dashboard/:file': 'public',
  // §1 accounts
  'POST /api/v1/auth/signup': 'public',
  'POST /api/v1/auth/login': 'public',
  'GET /api/v1/auth/me': 'dashboard:any',
  'POST /api/v1/auth/logout': 'dashboard:any',
  'POST /api/v1/auth/password': 'dashboard:any',
  // §2 projects and members
  'POST /api/v1/projects': 'dashboard:any',
  'GET /api/v1/projects': 'dashboard:any',
  'GET /api/v1/projects/:projectId': 'dashboard:viewer + api-key',
  'PATCH /api/v1/projects/:projectId': 'dashboard:admin + api-key',
  'DELETE /api/v1/projects/:projectId': 'dashboard:owner',
  'GET /api/v1/projects/:projectId/members': 'dashboard:viewer + api-key',
  'POST /api/v1/projects/:projectId/members': 'dashboard:admin',
  'PATCH /api/v1/projects/:projectId/members/:userId': 'dashboard:admin',
  'DELETE /api/v1/projects/:projectId/members/:userId': 'dashboard:admin',
  // §3 widget security settings
  'GET /api/v1/projects/:projectId/widget/security': 'dashboard:viewer + api-key',
  'PATCH /api/v1/projects/:projectId/widget/security': 'dashboard:admin + api-key',
  // §8 diagnostics and safe roll-out
  'POST /api/v1/projects/:projectId/widget/security/diagnose': 'dashboard:admin + api-key',
  'GET /api/v1/projects/:projectId/widget/security/stats': 'dashboard:viewer + api-key',
  // §4 secret key
  'GET /api/v1/projects/:projectId/widget/secret-key': 'dashboard:admin + api-key',
  'POST /api/v1/projects/:projectId/widget/secret-key/rotate': 'dashboard:admin + api-key',
  // §9 API keys: managed by users only
  'POST /api/v1/projects/:projectId/api-keys': 'dashboard:admin',
  'GET /api/v1/projects/:projectId/api-keys': 'dashboard:admin',
  'DELETE /api/v1/projects/:projectId/api-keys/:apiKeyId': 'dashboard:admin',
  // §5 audit log and sessions
  'GET /api/v1/projects/:projectId/audit-log': 'dashboard:admin + api-key',
  'GET /api/v1/projects/:projectId/sessions': 'dashboard:viewer + api-key',
  'GET /api/v1/projects/:projectId/sessions/:sessionId': 'dashboard:viewer + api-key',
  'POST /api/v1/projects/:projectId/sessions/:sessionId/messages': 'dashboard:admin + api-key',
  // §6 widget API (the widget guard) and its CORS preflight
  'OPTIONS /api/v1/widget/:projectId/*': 'widget',
  'GET /api/v1/widget/:projectId/config': 'widget',
  'POST /api/v1/widget/:projectId/sessions': 'widget',
  'GET /api/v1/widget/:projectId/sessions': 'widget',
  'GET /api/v1/widget/:projectId/sessions/:sessionId/messages': 'widget',
  'POST /api/v1/widget/:projectId/sessions/:sessionId/messages': 'widget',
};

interface Route {
  /** `METHOD /path` as the router serves it. */
  route: string;
  access: string;
}

/** Reads every controller handler's route and access metadata, like the guards do. */
function inventory(app: TestApp): Route[] {
  const discovery = new DiscoveryService(app.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const fastify = app.app.getHttpAdapter().getInstance();
  const routes: Route[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!controller) continue;
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, object>)[name];
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      for (const path of pathsOf(controller, handler)) {
        // The global prefix does not apply to the excluded paths (operations, artefacts).
        const url = [`/api/v1${path}`, path].find((u) => fastify.hasRoute({ method, url: u }));
        routes.push({
          route: `${method} ${url ?? `${path} (not served!)`}`,
          access: accessOf(controller, handler),
        });
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

function pathsOf(controller: object, handler: object): string[] {
  const list = (value: unknown): string[] =>
    Array.isArray(value) ? value.map(String) : [String(value ?? '/')];
  const join = (...parts: string[]): string =>
    `/${parts
      .map((p) => p.replace(/^\/+|\/+$/g, ''))
      .filter(Boolean)
      .join('/')}`;
  return list(Reflect.getMetadata(PATH_METADATA, controller)).flatMap((base) =>
    list(Reflect.getMetadata(PATH_METADATA, handler)).map((path) => join(base, path)),
  );
}

function accessOf(controller: object, handler: object): string {
  const meta = (key: string): unknown =>
    Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
  const role = projectAccessRoleOf(handler) ?? projectAccessRoleOf(controller);
  const kinds = [meta(IS_PUBLIC) === true && 'public', meta(WIDGET_ROUTE) === true && 'widget'];
  const marked = kinds.filter(Boolean) as string[];
  // A route is exactly one thing; project roles mean nothing without a dashboard user.
  if (marked.length > 1 || (marked.length === 1 && role)) {
    return `conflict: ${[...marked, role && `project role ${role}`].filter(Boolean).join(' + ')}`;
  }
  if (marked.length === 1) return marked[0];
  if (!role) return 'dashboard:any';
  const apiKeys = projectAccessApiKeysOf(handler) ?? projectAccessApiKeysOf(controller);
  return `dashboard:${role}${apiKeys ? ' + api-key' : ''}`;
}

describe('route access classification', () => {
  const WidgetRoute = (): MethodDecorator & ClassDecorator => SetMetadata(WIDGET_ROUTE, true);

  @Controller('samples')
  class Samples {
    @Get('b') @WidgetRoute() widget(): void {}
    @Get('c') any(): void {}
    @Get('d') @ProjectAccess('admin') admins(): void {}
    @Get('g') @ProjectAccess('admin', { apiKeys: false }) usersOnly(): void {}
    @Get('e') @Public() @WidgetRoute() both(): void {}
    @Get('f') @WidgetRoute() @ProjectAccess() confused(): void {}
  }
  @WidgetRoute()
  @Controller('widgets')
  class WidgetSamples {
    @Get() list(): void {}
  }
  const proto = Samples.prototype as unknown as Record<string, object>;

  it.each([
    ['widget', 'widget'],
    ['any', 'dashboard:any'],
    ['admins', 'dashboard:admin + api-key'],
    ['usersOnly', 'dashboard:admin'],
    ['both', 'conflict: public + widget'],
    ['confused', 'conflict: widget + project role viewer'],
  ])('classifies %s as %s', (name, access) => {
    expect(accessOf(Samples, proto[name])).toBe(access);
  });

  it('skips exactly the routes widget-access marks (one key, spelled in two places)', () => {
    expect(WIDGET_ACCESS_ROUTE).toBe(WIDGET_ROUTE);
  });

  it('reads class-level markers', () => {
    expect(accessOf(WidgetSamples, WidgetSamples.prototype.list)).toBe('widget');
    @Public()
    class PublicSamples {
      get(): void {}
    }
    expect(accessOf(PublicSamples, PublicSamples.prototype.get)).toBe('public');
  });
});

describe('route inventory', () => {
  let app: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    app = await startTestApp(await createTestDatabase('pglite'));
    routes = inventory(app);
  });
  afterAll(async () => {
    await app?.close();
    await app?.db.drop();
  });

  it('classifies every handler as exactly one of public, widget or dashboard, as reviewed', () => {
    const actual = Object.fromEntries(routes.map((r) => [r.route, r.access]));
    expect(actual).toEqual(EXPECTED);
    expect(routes).toHaveLength(Object.keys(EXPECTED).length);
  });

  it('answers every dashboard route without a token with 401 unauthorized', async () => {
    const dashboard = routes.filter((r) => r.access.startsWith('dashboard:'));
    expect(dashboard.length).toBeGreaterThan(0);
    for (const { route } of dashboard) {
      const [method, path] = route.split(' ');
      const url = path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
      const res = await app.http()[method.toLowerCase() as 'get'](url).send({});
      expect({ route, status: res.status, code: res.body.code }).toEqual({
        route,
        status: 401,
        code: 'unauthorized',
      });
    }
  });
  it('lets an admin API key call exactly the routes marked api-key, on its own project', async () => {
    const http = app.http();
    const owner = await signUp(http);
    const project = await createProject(http, owner.accessToken);
    const created = await http
      .post(`/api/v1/projects/${project.id}/api-keys`)
      .set(bearer(owner.accessToken))
      .send({ name: 'inventory', role: 'admin' })
      .expect(201);
    const dashboard = routes.filter((r) => r.access.startsWith('dashboard:'));
    for (const { route, access } of dashboard) {
      const [method, path] = route.split(' ');
      const url = path
        .replace(':projectId', project.id)
        .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
      const res = await http[method.toLowerCase() as 'get'](url)
        .set(bearer(created.body.key))
        .send({});
      const refused = res.status === 401 || res.status === 403;
      const expected = access.endsWith('+ api-key')
        ? 'accepted'
        : path.includes(':projectId')
          ? 'refused 403'
          : 'refused 401';
      const seen = !refused ? 'accepted' : `refused ${res.status}`;
      expect({ route, seen }).toEqual({ route, seen: expected });
    }
  });
});
