import jwt from 'jsonwebtoken';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import {
  Account,
  bearer,
  createProject,
  signUp,
  TEST_PASSWORD,
  uniqueEmail,
} from './helpers/accounts';
import {
  buildWebAssets,
  ConsoleLog,
  DemoHosts,
  eventually,
  launchChromium,
  problems,
  recordConsole,
  screenshot,
} from './helpers/browser';
import { DashboardPage, WidgetOnPage } from './helpers/browser-pages';
import { startTestApp, TestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';
import {
  mintToken,
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

/**
 * API.md §7b in a real browser: the widget loader on customer pages of two
 * origins, and the dashboard page, against the whole service on PGlite.
 */
describe('browser artefacts', () => {
  let app: TestApp;
  let apiBase: string;

  beforeAll(async () => {
    buildWebAssets();
    app = await startTestApp(await createTestDatabase('pglite'));
    await app.app.listen(0, '127.0.0.1');
    apiBase = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await app?.db.drop();
  });

  describe('over HTTP', () => {
    it('serves the widget loader as cacheable JavaScript that any site may load', async () => {
      const res = await app.http().get('/widget.js');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
      expect(res.text).toContain('HissunoWidget');
      expect(res.text).not.toMatch(/sk_live_[A-Za-z0-9_-]{10}/);
    });

    it('serves the dashboard page and its scripts as files under a CSP without inline script', async () => {
      const page = await app.http().get('/dashboard');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.text).toContain('<script type="module" src="/dashboard/app.js"></script>');
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      for (const file of ['app.js', 'api.js', 'dashboard.css']) {
        const res = await app.http().get(`/dashboard/${file}`);
        expect({ file, status: res.status }).toEqual({ file, status: 200 });
        expect(res.headers['cache-control']).toBe('no-cache');
      }
    });

    it('answers 304 to a matching ETag, and 404 to any other file name', async () => {
      const first = await app.http().get('/dashboard/app.js');
      const again = await app
        .http()
        .get('/dashboard/app.js')
        .set('If-None-Match', first.headers.etag);
      expect(again.status).toBe(304);
      for (const path of [
        '/dashboard/nope.js',
        '/dashboard/..%2Fpackage.json',
        '/dashboard/index.html',
      ]) {
        const res = await app.http().get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    });
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let context: BrowserContext;
    let hosts: DemoHosts;

    /** A project set up through the API, with the key its customer's backend signs with. */
    interface Setup {
      owner: Account;
      projectId: string;
      secretKey: string;
    }
    const setUp = async (settings: { allowedOrigins?: string[]; requireToken?: boolean }) => {
      const owner = await signUp(app.http());
      const projectId = (await createProject(app.http(), owner.accessToken, 'Acme')).id;
      await updateWidgetSecurity(app.http(), owner.accessToken, projectId, settings);
      const secretKey = await revealSecretKey(app.http(), owner.accessToken, projectId);
      return { owner, projectId, secretKey } satisfies Setup;
    };
    const grace = {
      userId: 'grace-1',
      userMetadata: { name: 'Grace Hopper', email: 'grace@example.com' },
    };

    const open = async (
      url: string,
    ): Promise<{ page: Page; log: ConsoleLog; widget: WidgetOnPage }> => {
      const page = await context.newPage();
      const log = recordConsole(page);
      await page.goto(url);
      return { page, log, widget: new WidgetOnPage(page) };
    };
    /** The one warning a refused widget logs; and that it left nothing on the page. */
    const refusal = async (opened: { log: ConsoleLog; widget: WidgetOnPage }): Promise<string> => {
      const warning = await eventually('the widget warning', () => opened.log.warnings[0]);
      expect(opened.log.warnings).toHaveLength(1);
      expect(await opened.widget.host.count()).toBe(0);
      return warning;
    };

    beforeAll(async () => {
      browser = await launchChromium();
      hosts = await DemoHosts.start(apiBase);
    });
    afterAll(async () => {
      await browser?.close();
      await hosts?.close();
    });
    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(10_000);
    });
    afterEach(async () => {
      await context?.close();
    });

    it('dashboard: sign up, create a project, fix origins the server refused, require tokens, reveal and copy the key', async () => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: apiBase });
      const page = await context.newPage();
      const log = recordConsole(page);
      const dashboard = new DashboardPage(page, apiBase);
      await page.goto(`${apiBase}/dashboard`);
      await screenshot(page, 'dashboard-sign-in');
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Name (optional)').fill('Ada Admin');
      await page.getByLabel('Email').fill(uniqueEmail('dashboard'));
      await page.getByLabel('Password (12 characters or more)').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByLabel('New project name').fill('Acme web');
      await page.getByRole('button', { name: 'Create project' }).click();
      await dashboard.card('Allowed origins').waitFor();
      const projectId = new URLSearchParams(new URL(page.url()).hash.slice(1)).get('project')!;
      const token = await page.evaluate<string | null>(
        "sessionStorage.getItem('hissuno.dashboard.accessToken')",
      );
      const settings = async () =>
        (await app.http().get(`/api/v1/projects/${projectId}/widget/security`).set(bearer(token!)))
          .body;

      // Three entries, two of them refused: each error shows under its own entry.
      const origins = dashboard.card('Allowed origins');
      for (const value of [hosts.allowedOrigin, 'ftp://files.example.com', '*.com']) {
        await origins.getByRole('button', { name: 'Add origin' }).click();
        await dashboard.originRows().last().locator('input').fill(value);
      }
      await origins.getByRole('button', { name: 'Save origins' }).click();
      const errors = dashboard.originRows().locator('.field-error');
      await errors.nth(1).waitFor();
      await errors.nth(2).waitFor();
      expect(await errors.allTextContents()).toEqual(['', expect.any(String), expect.any(String)]);
      expect(await errors.nth(1).textContent()).toMatch(/scheme|http/i);
      await screenshot(page, 'dashboard-origin-errors');
      expect((await settings()).allowedOrigins).toEqual([]);

      await dashboard.originRows().nth(2).getByRole('button', { name: 'Remove' }).click();
      await dashboard.originRows().nth(1).locator('input').fill('https://*.Example.com/');
      await origins.getByRole('button', { name: 'Save origins' }).click();
      await origins.getByText('Saved 2 origin(s)').waitFor();
      expect(await dashboard.origins()).toEqual([hosts.allowedOrigin, '*.example.com']);
      expect((await settings()).allowedOrigins).toEqual([hosts.allowedOrigin, '*.example.com']);

      await dashboard.card('Require widget token').getByRole('switch').check();
      await dashboard
        .card('Require widget token')
        .getByText('now get 401 token_required')
        .waitFor();
      expect((await settings()).requireToken).toBe(true);

      const keyCard = dashboard.card('Secret key');
      await keyCard.getByRole('button', { name: 'Reveal secret key' }).click();
      const key = await dashboard.shownKey();
      expect(key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
      await keyCard.getByText(`sk_live_…${key.slice(-4)}`).waitFor();
      await keyCard.getByRole('button', { name: 'Copy' }).click();
      await keyCard.getByText('Copied').waitFor();
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(key);

      const audit = dashboard.card('Audit log');
      await audit.getByText('widget.secret_key.revealed').waitFor();
      for (const action of ['project.created', 'widget.security.updated']) {
        await audit.getByText(action, { exact: true }).first().waitFor();
      }
      await screenshot(page, 'dashboard-security');

      // Sign out ends the session on the server (API.md §1): the token stops working at once.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Create an account' }).waitFor();
      expect(await page.evaluate("sessionStorage.getItem('hissuno.dashboard.accessToken')")).toBe(
        null,
      );
      const me = await app.http().get('/api/v1/auth/me').set(bearer(token!));
      expect([me.status, me.body.code]).toEqual([401, 'unauthorized']);
      expect(problems(log)).toEqual([]);
    });

    it('widget on an allowed origin: renders, and a verified visitor holds a conversation', async () => {
      const { owner, projectId, secretKey } = await setUp({
        allowedOrigins: [hosts.allowedOrigin],
      });
      hosts.mint = (project) => (project === projectId ? mintToken(secretKey, grace) : null);
      const opened = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      const { widget, page } = opened;
      await widget.open();
      await widget.panel.getByText('Signed in as Grace Hopper').waitFor();
      await widget.send('Hello from the allowed page');
      await widget.messages('user').filter({ hasText: 'Hello from the allowed page' }).waitFor();

      const sessions = await app
        .http()
        .get(`/api/v1/projects/${projectId}/sessions`)
        .set(bearer(owner.accessToken));
      expect(sessions.body.items).toEqual([
        expect.objectContaining({
          origin: hosts.allowedOrigin,
          pageUrl: page.url(),
          messageCount: 1,
          visitor: expect.objectContaining({
            kind: 'identified',
            userId: 'grace-1',
            userMetadata: grace.userMetadata,
          }),
        }),
      ]);
      // The agent answers from the dashboard; the open widget shows it.
      const reply = await app
        .http()
        .post(`/api/v1/projects/${projectId}/sessions/${sessions.body.items[0].id}/messages`)
        .set(bearer(owner.accessToken))
        .send({ content: 'Hi Grace, how can we help?' });
      expect(reply.status).toBe(201);
      await widget.messages('agent').filter({ hasText: 'Hi Grace, how can we help?' }).waitFor();
      await screenshot(page, 'widget-allowed-conversation');
      expect(opened.log.warnings).toEqual([]);
      expect(problems(opened.log)).toEqual([]);
    });

    it('widget: HissunoWidget.init() takes the project and a token callback from page code', async () => {
      const { projectId, secretKey } = await setUp({ allowedOrigins: [hosts.allowedOrigin] });
      const opened = await open(hosts.url(hosts.allowedOrigin, 'anonymous', projectId));
      await opened.widget.launcher.waitFor();
      const token = mintToken(secretKey, grace);
      type Api = { HissunoWidget: { init(options: object): Promise<boolean> } };
      const shown = await opened.page.evaluate(
        ([id, value]) =>
          (globalThis as unknown as Api).HissunoWidget.init({
            projectId: id,
            getToken: async () => ({ token: value }),
          }),
        [projectId, token] as const,
      );
      expect(shown).toBe(true);
      expect(await opened.widget.host.count()).toBe(1);
      await opened.widget.open();
      await opened.widget.panel.getByText('Signed in as Grace Hopper').waitFor();
      expect(opened.log.warnings).toEqual([]);
    });

    it('widget on a blocked origin: renders nothing and logs one warning naming the reason', async () => {
      const { projectId, secretKey } = await setUp({ allowedOrigins: [hosts.allowedOrigin] });
      hosts.mint = () => mintToken(secretKey, grace);
      // Anonymous: a simple request, answered 403 with a readable body.
      const anonymous = await open(hosts.url(hosts.blockedOrigin, 'anonymous', projectId));
      const warning = await refusal(anonymous);
      expect(warning).toContain('origin_not_allowed');
      expect(warning).toContain(hosts.blockedOrigin);
      await screenshot(anonymous.page, 'widget-blocked-origin');
      // With a token the preflight is refused, so the widget asks again without it to learn why.
      const identified = await open(hosts.url(hosts.blockedOrigin, 'identified', projectId));
      expect(await refusal(identified)).toBe(warning);
    });

    it('widget with require-token on: an anonymous page renders nothing and warns token_required', async () => {
      const { projectId } = await setUp({
        allowedOrigins: [hosts.allowedOrigin],
        requireToken: true,
      });
      const opened = await open(hosts.url(hosts.allowedOrigin, 'anonymous', projectId));
      const warning = await refusal(opened);
      expect(warning).toMatch(/^Hissuno widget not shown \(token_required\): \S/);
    });

    it('widget: on token_expired it asks the token callback once more and retries', async () => {
      const { projectId, secretKey } = await setUp({ allowedOrigins: [hosts.allowedOrigin] });
      const expired = () =>
        jwt.sign({ ...grace, exp: Math.floor(Date.now() / 1000) - 3600 }, secretKey, {
          algorithm: 'HS256',
        });
      hosts.mint = (_project, call) => (call === 1 ? expired() : mintToken(secretKey, grace));
      const recovered = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      await recovered.widget.launcher.waitFor();
      expect(hosts.tokenCalls.get(projectId)).toBe(2);
      expect(recovered.log.warnings).toEqual([]);

      // A callback that keeps handing out expired tokens is asked once more, then given up on.
      hosts.tokenCalls.clear();
      hosts.mint = () => expired();
      const stuck = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      expect(await refusal(stuck)).toContain('(token_expired)');
      expect(hosts.tokenCalls.get(projectId)).toBe(2);
    });

    /** The project's sessions as the dashboard lists them. */
    const sessionsOf = async (owner: Account, projectId: string) =>
      (
        await app
          .http()
          .get(`/api/v1/projects/${projectId}/sessions`)
          .set(bearer(owner.accessToken))
      ).body.items as { id: string; messageCount: number }[];

    it('widget: when a grace period ends and the backend signs with the new key, the conversation carries on', async () => {
      const { owner, projectId, secretKey } = await setUp({
        allowedOrigins: [hosts.allowedOrigin],
      });
      let currentKey = secretKey;
      hosts.mint = (project) => (project === projectId ? mintToken(currentKey, grace) : null);
      const customer = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      await customer.widget.open();
      await customer.widget.send('Before the rotation');
      await customer.widget.messages('user').filter({ hasText: 'Before the rotation' }).waitFor();
      // Closed, so no poll runs while the grace period ends; the page keeps its old token.
      await customer.widget.close();
      currentKey = await rotateSecretKey(app.http(), owner.accessToken, projectId, 2);
      const oldToken = mintToken(secretKey, grace);
      await eventually(
        'the end of the grace period',
        async () =>
          (
            await app
              .http()
              .get(widgetUrl(projectId, '/config'))
              .set('Origin', hosts.allowedOrigin)
              .set(bearer(oldToken))
          ).body.code === 'token_key_rotated',
        15_000,
      );
      expect(hosts.tokenCalls.get(projectId)).toBe(1);

      await customer.widget.open();
      await eventually('a token asked for', () => hosts.tokenCalls.get(projectId) === 2);
      await customer.widget.send('After the grace period');
      await customer.widget
        .messages('user')
        .filter({ hasText: 'After the grace period' })
        .waitFor();
      expect(await customer.widget.messages('user').allTextContents()).toEqual([
        'Before the rotation',
        'After the grace period',
      ]);
      expect(hosts.tokenCalls.get(projectId)).toBe(2);
      expect(customer.log.warnings).toEqual([]);
      expect(await sessionsOf(owner, projectId)).toEqual([
        expect.objectContaining({ messageCount: 2 }),
      ]);
      await screenshot(customer.page, 'widget-after-grace-ended');
    });

    it('widget: a failed send keeps the typed message; after a rotation without grace the new-key token sends it', async () => {
      const { owner, projectId, secretKey } = await setUp({
        allowedOrigins: [hosts.allowedOrigin],
      });
      let currentKey = secretKey;
      hosts.mint = (project) => (project === projectId ? mintToken(currentKey, grace) : null);
      const customer = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      const { widget, page } = customer;
      await widget.open();
      await widget.send('Before the rotation');
      await widget.messages('user').filter({ hasText: 'Before the rotation' }).waitFor();

      // The network drops the next message: it stays in the input and the status says so.
      const input = widget.panel.getByPlaceholder('Write a message…');
      const dropPosts = (route: Route) =>
        route.request().method() === 'POST' ? route.abort() : route.continue();
      await page.route('**/api/v1/widget/**', dropPosts);
      await widget.send('Typed mid-chat');
      await widget.panel.locator('.status').getByText('your message is kept').waitFor();
      expect(await input.inputValue()).toBe('Typed mid-chat');
      await screenshot(page, 'widget-message-kept');
      await page.unroute('**/api/v1/widget/**', dropPosts);

      // A rotation without grace; the backend signs with the new key at once.
      currentKey = await rotateSecretKey(app.http(), owner.accessToken, projectId, 0);
      await widget.panel.getByRole('button', { name: 'Send' }).click();
      await widget.messages('user').filter({ hasText: 'Typed mid-chat' }).waitFor();
      expect(await input.inputValue()).toBe('');
      // Whichever request met the rotation first (a poll or the send), one new token served both.
      expect(hosts.tokenCalls.get(projectId)).toBe(2);
      expect(customer.log.warnings).toEqual([]);
      expect(problems(customer.log)).toEqual([]);
      expect(await sessionsOf(owner, projectId)).toEqual([
        expect.objectContaining({ messageCount: 2 }),
      ]);
    });

    it('widget: HissunoWidget.setToken() swaps the token without a reload, in the same session', async () => {
      const { owner, projectId, secretKey } = await setUp({
        allowedOrigins: [hosts.allowedOrigin],
      });
      // The backend's endpoint answers once: a later token can only come from setToken.
      hosts.mint = (project, call) =>
        project === projectId && call === 1 ? mintToken(secretKey, grace) : null;
      const customer = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      await customer.widget.open();
      await customer.widget.send('With the first token');
      await customer.widget.messages('user').filter({ hasText: 'With the first token' }).waitFor();
      const [session] = await sessionsOf(owner, projectId);
      // Closed, so no poll meets the rotation before the page hands over the new token.
      await customer.widget.close();
      const newKey = await rotateSecretKey(app.http(), owner.accessToken, projectId, 0);
      type Api = { HissunoWidget: { setToken(token: string): void } };
      await customer.page.evaluate(
        (token) => (globalThis as unknown as Api).HissunoWidget.setToken(token),
        mintToken(newKey, grace),
      );
      await customer.widget.open();
      await customer.widget.send('With the swapped token');
      await customer.widget
        .messages('user')
        .filter({ hasText: 'With the swapped token' })
        .waitFor();
      expect(hosts.tokenCalls.get(projectId)).toBe(1);
      expect(customer.log.warnings).toEqual([]);
      expect(await sessionsOf(owner, projectId)).toEqual([
        expect.objectContaining({ id: session.id, messageCount: 2 }),
      ]);
    });

    it('rotation in the dashboard page: an old-key page is refused once its refresh is refused too, a new-key token recovers', async () => {
      const { owner, projectId, secretKey } = await setUp({
        allowedOrigins: [hosts.allowedOrigin],
      });
      let currentKey = secretKey;
      hosts.mint = (project) => (project === projectId ? mintToken(currentKey, grace) : null);
      const customer = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      await customer.widget.open();
      await customer.widget.send('Before the rotation');
      await customer.widget.messages('user').filter({ hasText: 'Before the rotation' }).waitFor();

      const dashboardPage = await context.newPage();
      const dashboardLog = recordConsole(dashboardPage);
      const dashboard = new DashboardPage(dashboardPage, apiBase);
      await dashboard.signIn(owner, projectId);
      // With a grace period the page's old token keeps working...
      const graceKey = await dashboard.rotate('5 minutes');
      await dashboard.card('Secret key').getByText('Previous key valid until').waitFor();
      await customer.widget.send('During the grace period');
      await customer.widget
        .messages('user')
        .filter({ hasText: 'During the grace period' })
        .waitFor();
      // ...and a rotation without one ends it at once: the open page's next request fails,
      // the widget asks its callback once, which still signs with the old key, and gives up.
      // Closed meanwhile, so that request is the reopening's and not a poll racing the test.
      await customer.widget.close();
      const newKey = await dashboard.rotate('None: reject tokens of the current key at once');
      expect(newKey).not.toBe(graceKey);
      await screenshot(dashboard.page, 'dashboard-after-rotation');
      const callsBefore = hosts.tokenCalls.get(projectId)!;
      await customer.widget.launcher.click();
      expect(await refusal(customer)).toContain('(token_key_rotated)');
      expect(hosts.tokenCalls.get(projectId)).toBe(callsBefore + 1);

      // The customer's backend takes the new key; the page's next token carries on the history.
      currentKey = newKey;
      const again = await open(hosts.url(hosts.allowedOrigin, 'identified', projectId));
      await again.widget.open();
      await again.widget.messages('user').filter({ hasText: 'During the grace period' }).waitFor();
      await again.widget.send('With the new key');
      await again.widget.messages('user').filter({ hasText: 'With the new key' }).waitFor();
      await screenshot(again.page, 'widget-after-rotation');
      expect(again.log.warnings).toEqual([]);

      // The dashboard lists the verified visitor apart from an anonymous one.
      await updateWidgetSecurity(app.http(), owner.accessToken, projectId, { requireToken: false });
      const visitor = await open(hosts.url(hosts.allowedOrigin, 'anonymous', projectId));
      await visitor.widget.open();
      await visitor.widget.send('Hello, anonymously');
      await visitor.widget.messages('user').filter({ hasText: 'Hello, anonymously' }).waitFor();
      const sessions = dashboard.card('Sessions');
      await sessions.getByRole('button', { name: 'Refresh' }).click();
      await sessions.locator('tr.session.anonymous').waitFor();
      expect(await sessions.locator('tr.session.identified').allTextContents()).toEqual([
        expect.stringContaining('grace-1'),
      ]);
      await screenshot(dashboard.page, 'dashboard-sessions');
      expect([...problems(dashboardLog), ...problems(customer.log)]).toEqual([]);
    });
  });
});
