import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { TestDatabase } from './test-database';

const run = promisify(execFile);

/** Where the machine's PostgreSQL binaries live (Debian's layout first, then PATH). */
function binDir(): string {
  const candidates = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/local/bin'];
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')));
  if (!found) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) are not installed; the fault tests start ' +
        'a private server of their own and cannot run without them.',
    );
  }
  return found;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A PostgreSQL server of the test's own (initdb into a temporary folder, a free port on
 * loopback), so a test may stop and start it at will. The machine's shared server is never
 * touched. initdb refuses to run as root: as root, the server runs as the `postgres` user.
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    private readonly root: string,
    private readonly bin: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bin = binDir();
    const root = mkdtempSync(join(tmpdir(), 'hissuno-private-pg-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(root, Number(stdout.trim()), Number(gid.trim()));
    }
    const server = new PrivatePostgres(root, bin, await freePort());
    try {
      await server.exec('initdb', [
        '-D',
        server.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]);
      await server.resume();
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  private get dataDir(): string {
    return join(this.root, 'data');
  }

  /** postgres://…/<name> on this server. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** (Re)starts the server on the same port and data; resolves once it accepts connections. */
  async resume(): Promise<void> {
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.root, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
      'start',
    ]);
    this.running = true;
  }

  /**
   * Stops the server. `immediate` is a crash as clients see it (connections cut, WAL replayed
   * at the next start); `fast` rolls back open transactions and closes connections cleanly.
   */
  async stop(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  /** A fresh database named `<name>` (it must contain "test") with one schema for the app. */
  async createTestDatabase(name: string): Promise<TestDatabase> {
    if (!name.includes('test')) throw new Error(`a test database name must contain "test"`);
    await this.query(this.url(), `CREATE DATABASE ${name}`);
    await this.query(this.url(name), 'CREATE SCHEMA app');
    const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-test-'));
    return {
      kind: 'postgres',
      dataDir,
      databaseUrl: this.url(name),
      schema: 'app',
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }

  private async query(url: string, sql: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** The server's own log (for a failing test's message). */
  log(): string {
    const file = join(this.root, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Stops the server (if running) and removes every file of it. */
  async destroy(): Promise<void> {
    try {
      if (this.running) await this.stop('immediate');
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const path = join(this.bin, tool);
    const asRoot = process.getuid?.() === 0;
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', path, ...args]]
      : [path, args];
    try {
      await run(file, argv, { cwd: this.root, timeout: 90_000 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${tool} ${args.at(-1)} failed: ${stderr || stdout || String(error)}`, {
        cause: error,
      });
    }
  }
}
