import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { pollUntil } from './helpers/poll';
import { mintToken } from './helpers/widget-client';

const ROOT = join(__dirname, '..');
const PROJECT_ID = '5b0c6a3e-8f0e-4b2a-9d7c-1e2f3a4b5c6d';
const SECRET_KEY = `sk_live_${'p'.repeat(43)}`;
const SITE = 'https://shop.example.com';
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    stdio: 'pipe',
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });

/**
 * `npm pack` of the guard package, installed into an empty folder outside the repository
 * (the tarball plus its dependencies from the registry, no workspace, no app), and a tiny
 * plain-Node service run there against it. No database: the service keeps its state in env.
 */
describe('the packed @hissuno/widget-guard, installed outside the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hissuno-guard-consumer-'));
  let child: ChildProcess | undefined;
  let url = '';
  let files: string[] = [];

  beforeAll(async () => {
    // prepack builds dist/ first: the tarball is what a registry would serve.
    const [packed] = JSON.parse(
      npm(['pack', '-w', '@hissuno/widget-guard', '--json', '--pack-destination', dir], ROOT),
    ) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    copyFileSync(join(ROOT, 'test/fixtures/guard-consumer/app.js'), join(dir, 'app.js'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'guard-consumer',
        private: true,
        dependencies: { '@hissuno/widget-guard': `file:./${packed.filename}` },
      }),
    );
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    child = spawn(process.execPath, ['app.js'], {
      cwd: dir,
      env: { PATH: process.env.PATH, PROJECT_ID, SECRET_KEY, ALLOWED_ORIGIN: SITE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const port = await pollUntil(
      'the consumer listening',
      20_000,
      async () => /"listening":(\d+)/.exec(out)?.[1],
    );
    url = `http://127.0.0.1:${port}`;
  }, 240_000);

  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships the built doors with their types, and no sources or specs', () => {
    for (const door of ['index', 'nest/index', 'fastify/index', 'express/index']) {
      expect(files).toEqual(expect.arrayContaining([`dist/${door}.js`, `dist/${door}.d.ts`]));
    }
    expect(files.filter((f) => f.startsWith('src/') || /\.spec\./.test(f))).toEqual([]);
  });

  it('installs its dependencies and none of the optional framework peers', () => {
    const modules = join(dir, 'node_modules');
    for (const dep of ['fast-jwt', 'lru-cache', 'tldts']) {
      expect(existsSync(join(modules, dep))).toBe(true);
    }
    expect(existsSync(join(modules, '@nestjs'))).toBe(false);
    expect(existsSync(join(modules, 'fastify'))).toBe(false);
    expect(readdirSync(join(modules, '@hissuno'))).toEqual(['widget-guard']);
  });

  it('guards the tiny service as the widget API would answer', async () => {
    const path = `/widget/${PROJECT_ID}/whoami`;
    const token = mintToken(SECRET_KEY, { userId: 'u-packed' });
    const ok = await request(url)
      .get(path)
      .set({ Origin: SITE, Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      projectId: PROJECT_ID,
      identity: { verified: true, userId: 'u-packed' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe(SITE);

    const required = await request(url).get(path).set({ Origin: SITE });
    expect([required.status, required.body.code]).toEqual([401, 'token_required']);
    expect(required.headers['www-authenticate']).toBe('Bearer realm="hissuno-widget"');
    const foreign = await request(url).get(path).set({ Origin: 'https://evil.example' });
    expect([foreign.status, foreign.body.code]).toEqual([403, 'origin_not_allowed']);
    const unknown = await request(url).get(`/widget/${PROJECT_ID.replace('5b', '6c')}/whoami`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'project_not_found']);
  });
});
