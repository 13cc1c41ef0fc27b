import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './private-postgres';
import type { TestDatabase } from './test-database';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'src', 'main.js');

/** The production environment of a service on a PostgreSQL test schema (one deployment). */
export function serviceEnv(
  db: TestDatabase,
  extra: Record<string, string> = {},
): Record<string, string> {
  if (!db.databaseUrl || !db.schema) throw new Error('a service process needs a PostgreSQL schema');
  return {
    DATABASE_URL: db.databaseUrl,
    DATABASE_SCHEMA: db.schema,
    DATA_DIR: db.dataDir,
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_MASTER_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_WIDGET_PER_MINUTE: '10000000',
    RATE_LIMIT_WIDGET_ANY_PER_MINUTE: '100000000',
    RATE_LIMIT_MEMBERS_PER_MINUTE: '1000000',
    MAX_PROJECTS_PER_USER: '1000000',
    MAX_ROTATIONS_PER_HOUR: '1000000',
    ...extra,
  };
}

/**
 * The built service (`node dist/src/main.js`, as `npm start` runs it) in a child process on
 * a free loopback port, so a test can SIGKILL it and measure its memory.
 */
export class ServiceProcess {
  private chunks: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.chunks.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.chunks.push(chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts it and resolves once GET /health answers 200 (or fails with its output). */
  static async start(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
    if (!existsSync(ENTRY)) {
      throw new Error(`${ENTRY} is missing: run "npm run build" first (npm run test:faults does).`);
    }
    const port = await freePort();
    const child = spawn(process.execPath, [ENTRY], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void service.exited.then(() => (gone = true));
    for (;;) {
      if (gone) throw new Error(`the service exited while starting:\n${service.output()}`);
      const status = await fetch(`${service.url}/health`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) return service;
      if (Date.now() > deadline) {
        await service.kill('SIGKILL');
        throw new Error(
          `the service did not become healthy in ${timeoutMs} ms:\n${service.output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything it wrote to stdout and stderr. */
  output(): string {
    return this.chunks.join('');
  }

  /** Resident memory of the process, from /proc (Linux). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (!kb) throw new Error('no VmRSS in /proc/<pid>/status');
    return Number(kb[1]) * 1024;
  }

  /** Sends `signal` and resolves with the exit code once the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
