import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { bearer, createProject, signUp } from './helpers/accounts';
import { launchChromium } from './helpers/browser';
import { startTestApp, TestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

/** A blank page on its own origin: the dashboard, hosted apart from the API. */
async function blankSite(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>dashboard elsewhere</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface FetchResult {
  status?: number;
  error?: string;
}

/** Runs fetch() in the page, as the dashboard's own script would. */
function fetchFrom(
  page: Page,
  url: string,
  method: string,
  token: string,
  body?: unknown,
): Promise<FetchResult> {
  return page.evaluate(
    async ([target, verb, bearerToken, json]) => {
      try {
        const res = await fetch(target, {
          method: verb,
          headers: {
            Authorization: `Bearer ${bearerToken}`,
            ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: json,
        });
        return { status: res.status };
      } catch (error) {
        return { error: String(error) };
      }
    },
    [url, method, token, body === undefined ? undefined : JSON.stringify(body)] as const,
  );
}

/** API.md §7 DASHBOARD_ORIGINS in Chromium: a dashboard on another origin may PATCH and DELETE. */
describe('admin CORS in Chromium', () => {
  let app: TestApp;
  let apiBase: string;
  let browser: Browser;
  let dashboard: { server: Server; origin: string };
  let stranger: { server: Server; origin: string };

  beforeAll(async () => {
    dashboard = await blankSite();
    stranger = await blankSite();
    app = await startTestApp(await createTestDatabase('pglite'), {
      dashboardOrigins: [dashboard.origin],
    });
    await app.app.listen(0, '127.0.0.1');
    apiBase = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const site of [dashboard, stranger]) {
      site?.server.closeAllConnections();
      await new Promise((resolve) => site?.server.close(resolve));
    }
    await app?.close();
    await app?.db.drop();
  });

  it('lets a listed origin rename (PATCH) and delete (DELETE) a project, and no other origin', async () => {
    const owner = await signUp(app.http());
    const projectId = (await createProject(app.http(), owner.accessToken, 'Before')).id;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const project = `${apiBase}/api/v1/projects/${projectId}`;

      await page.goto(`${stranger.origin}/`);
      const refused = await fetchFrom(page, project, 'PATCH', owner.accessToken, { name: 'X' });
      expect(refused.error).toMatch(/Failed to fetch/);

      await page.goto(`${dashboard.origin}/`);
      const renamed = await fetchFrom(page, project, 'PATCH', owner.accessToken, {
        name: 'Renamed from the dashboard',
      });
      expect(renamed).toEqual({ status: 200 });
      const after = await app
        .http()
        .get(`/api/v1/projects/${projectId}`)
        .set(bearer(owner.accessToken));
      expect(after.body.name).toBe('Renamed from the dashboard');

      expect(await fetchFrom(page, project, 'DELETE', owner.accessToken)).toEqual({ status: 204 });
      const gone = await app
        .http()
        .get(`/api/v1/projects/${projectId}`)
        .set(bearer(owner.accessToken));
      expect(gone.status).toBe(404);
    } finally {
      await context.close();
    }
  });
});
