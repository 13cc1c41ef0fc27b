import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { productionInstallArgs } from './helpers/dockerfile';
import { pollUntil } from './helpers/poll';
import { freePort } from './helpers/private-postgres';

const ROOT = join(__dirname, '..');

/**
 * The runtime tree the Dockerfile's runtime stage holds, built the way it builds it (no
 * Docker engine runs on our machines): production dependencies from `npm ci --omit=dev
 * --omit=optional`, the compiled code, public/. Then the service starts from it, on the
 * Node.js that runs this test (24 and the machine's 20 in `npm test`), as a clean boot:
 * embedded database, no configuration.
 */
describe('the runtime tree of the image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hissuno-runtime-'));
  // npm's own script runs on the Node.js that runs this test.
  const env = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    NODE_OPTIONS: '',
  };
  let child: ChildProcess | undefined;
  let url = '';
  const lines: string[] = [];
  let stderr = '';

  beforeAll(async () => {
    const guard = join('packages', 'widget-guard');
    for (const file of ['package.json', 'package-lock.json', join(guard, 'package.json')]) {
      cpSync(join(ROOT, file), join(dir, file));
    }
    // The very `npm ci` of the Dockerfile's deps stage.
    const install = productionInstallArgs(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    execFileSync('npm', [...install, '--prefer-offline'], { cwd: dir, env, stdio: 'pipe' });
    // `npm run build`, with the app's output in the runtime tree. The workspace package is
    // built in place first (the app compiles against its declarations, as the build stage).
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = (project: string, outDir?: string) =>
      execFileSync(
        process.execPath,
        [
          tsc,
          '-p',
          join(ROOT, project),
          ...(outDir ? ['--outDir', outDir, '--incremental', 'false'] : []),
        ],
        { cwd: ROOT, env, stdio: 'pipe' },
      );
    build(join(guard, 'tsconfig.build.json'));
    cpSync(join(ROOT, guard, 'dist'), join(dir, guard, 'dist'), { recursive: true });
    build('tsconfig.build.json', join(dir, 'dist'));
    build('tsconfig.web.json', join(dir, 'dist', 'web'));
    cpSync(join(ROOT, 'public'), join(dir, 'public'), { recursive: true });

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: dir,
      env: {
        PATH: env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        DATA_DIR: join(dir, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop()!;
      lines.push(...parts.filter((line) => line.length > 0));
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await pollUntil(
      'GET /health answers 200',
      90_000,
      async () => {
        if (child!.exitCode !== null) throw new Error(`the service exited: ${stderr}`);
        const res = await fetch(`${url}/health`).catch(() => undefined);
        return res?.status === 200;
      },
      100,
    );
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds production dependencies only: no typescript, no test tools', () => {
    for (const dev of ['typescript', 'jest', '@swc/core', 'eslint', 'supertest']) {
      expect({ dev, present: existsSync(join(dir, 'node_modules', dev)) }).toEqual({
        dev,
        present: false,
      });
    }
    expect(existsSync(join(dir, 'node_modules', 'argon2'))).toBe(true);
    // The workspace package, linked to its built copy.
    expect(existsSync(join(dir, 'node_modules', '@hissuno', 'widget-guard', 'dist'))).toBe(true);
  });

  it('boots clean: JSON lines only, none at warn level or above, nothing on stderr', () => {
    expect(stderr).toBe('');
    const loud = lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 40);
    expect(loud).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('says first where the dashboard, the docs and the health check are', () => {
    const first = JSON.parse(lines[0]) as { msg: string };
    expect(first.msg).toContain(`${url.replace('127.0.0.1', 'localhost')}/dashboard`);
    expect(first.msg).toContain('/docs');
    expect(first.msg).toContain('/health');
  });

  it('redirects / to the dashboard, which it serves with the docs', async () => {
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard');
    expect((await fetch(`${url}/dashboard`)).status).toBe(200);
    expect((await fetch(`${url}/widget.js`)).status).toBe(200);
    expect((await fetch(`${url}/docs/openapi.json`)).status).toBe(200);
  });
});
