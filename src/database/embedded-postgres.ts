import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * PostgreSQL's default 128 MB of shared buffers sit in PGlite's WASM memory, zeroed (so
 * resident) at start-up. The embedded database is one instance's settings and keys, read
 * through the kernel's page cache anyway: 32 MB holds it, and saves ~100 MB of RSS.
 */
const PGLITE_OPTIONS = {
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'],
};

/**
 * PostgreSQL compiled to WASM, kept in a folder and served on a private Unix
 * socket, so the app talks to it with the same `pg` driver, SQL and
 * migrations as a real server. PGlite has one session: the pool that uses it
 * must hold a single connection, so transactions never interleave.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly socketDir: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    let db = await PGlite.create(dataDir, PGLITE_OPTIONS);
    if (fresh) {
      // A first start runs initdb in a PGlite instance of its own, whose ~400 MB of WASM
      // memory the process keeps while this instance lives: reopening lets it go (measured
      // RSS 730 → 315 MB), once per data folder.
      await db.close();
      db = await PGlite.create(dataDir, PGLITE_OPTIONS);
    }
    // Short path: Unix socket paths are limited to ~100 bytes.
    const socketDir = mkdtempSync(join(tmpdir(), 'hissuno-pg-'));
    const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432') });
    try {
      await server.start();
    } catch (error) {
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
      throw error;
    }
    return new EmbeddedPostgres(db, server, socketDir);
  }

  /** `pg` connects to a Unix socket when `host` is its folder. */
  get connection(): { host: string; port: number; username: string; database: string } {
    return { host: this.socketDir, port: 5432, username: 'postgres', database: 'postgres' };
  }

  /**
   * Resolves once no client is connected. The server takes one connection at a time
   * and notices a closed one a moment later: a pool that connects right after another
   * closed (the migrator, at start-up) waits for this first.
   */
  async idle(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.server.getStats().activeConnections > 0) {
      if (Date.now() > deadline) throw new Error('the embedded database kept a connection open');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}
