import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, chromium, ConsoleMessage, Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts', 'browser');

/** Debian's Chromium (apt-get install chromium); never a browser download of Playwright's. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // The machines have no network beyond loopback: keep Chromium from calling home.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Compiles web/ (the widget and the dashboard page) as `npm run build` does. */
export function buildWebAssets(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.web.json'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Chromium with a fresh profile (Playwright makes a temporary user-data dir per launch).
 * A machine without it fails here, loudly: the browser suite never skips itself.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}, so the browser tests cannot run. ` +
        'Install it with "apt-get update && apt-get install -y chromium" (.ci/run does), ' +
        'or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** Console lines a page logged, by type, from the moment it was opened. */
export interface ConsoleLog {
  warnings: string[];
  errors: string[];
}

export function recordConsole(page: Page): ConsoleLog {
  const log: ConsoleLog = { warnings: [], errors: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'warning') log.warnings.push(message.text());
    if (message.type() === 'error') log.errors.push(message.text());
  });
  page.on('pageerror', (error) => log.errors.push(`uncaught: ${error.message}`));
  return log;
}

/**
 * What went wrong on a page: uncaught errors and console errors (a CSP refusal, say),
 * but not Chromium's own line for each HTTP error answer, which the tests expect.
 */
export function problems(log: ConsoleLog): string[] {
  return log.errors.filter((line) => !line.startsWith('Failed to load resource'));
}

/** Polls `check` until it returns a value other than undefined/false, or fails at the deadline. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** What a customer's backend does at /api/hissuno-token; `call` counts from 1 per project. */
export type MintToken = (projectId: string, call: number) => string | null;

/**
 * Customer sites for the widget: the demo pages of web/demo/ served on two origins,
 * http://127.0.0.1:P1 and http://localhost:P2 (distinct origins for the guard), for the
 * project named by ?projectId=, with a token endpoint that the test controls.
 */
export class DemoHosts {
  mint: MintToken = () => null;
  readonly tokenCalls = new Map<string, number>();
  private readonly servers: Server[] = [];
  private readonly ports: number[] = [];

  constructor(private readonly apiBase: string) {}

  static async start(apiBase: string): Promise<DemoHosts> {
    const hosts = new DemoHosts(apiBase);
    for (let i = 0; i < 2; i += 1) {
      const server = createServer((req, res) => hosts.handle(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      hosts.servers.push(server);
      hosts.ports.push((server.address() as AddressInfo).port);
    }
    return hosts;
  }

  /** The origin a project allows in the tests. */
  get allowedOrigin(): string {
    return `http://127.0.0.1:${this.ports[0]}`;
  }

  /** Another origin on this machine, left out of the allowed list. */
  get blockedOrigin(): string {
    return `http://localhost:${this.ports[1]}`;
  }

  url(origin: string, page: 'anonymous' | 'identified', projectId: string): string {
    return `${origin}/${page}.html?projectId=${encodeURIComponent(projectId)}`;
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://host');
    const projectId = url.searchParams.get('projectId') ?? '';
    if (url.pathname === '/api/hissuno-token') {
      // The page's fetch carries no projectId: the Referer's query names the project.
      const referer = new URL(req.headers.referer ?? 'http://host/');
      const project = referer.searchParams.get('projectId') ?? '';
      const call = (this.tokenCalls.get(project) ?? 0) + 1;
      this.tokenCalls.set(project, call);
      const token = this.mint(project, call);
      res.writeHead(token ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(token ? { token } : { error: 'signed out' }));
      return;
    }
    const page = /^\/(anonymous|identified)\.html$/.exec(url.pathname)?.[1];
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    const html = readFileSync(join(ROOT, 'web', 'demo', `${page}.html`), 'utf8')
      .replaceAll('{{apiBase}}', this.apiBase)
      .replaceAll('{{projectId}}', encodeURIComponent(projectId));
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  }
}
