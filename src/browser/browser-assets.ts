import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A file the service hands to browsers, ready to send. */
export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Names a request may ask for under /dashboard/: flat, no dots but the extension. */
const DASHBOARD_FILE = /^[a-z0-9-]+\.(js|css)$/;

/** The folder holding package.json, from src/browser (tests) or dist/src/browser (built). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * Where each browser artefact lives: hand-written files in public/, and the
 * TypeScript of web/ compiled by `npm run build` (tsconfig.web.json) into dist/web/.
 * Only names from this table are ever read, so no request path reaches the disk.
 */
export class AssetLocations {
  constructor(private readonly root = projectRoot()) {}

  widget(): string {
    return join(this.root, 'dist/web/widget/widget.js');
  }

  dashboardPage(): string {
    return join(this.root, 'public/dashboard/index.html');
  }

  /** A file under /dashboard/, or null when the name is not one we serve. */
  dashboardFile(name: string): string | null {
    const match = DASHBOARD_FILE.exec(name);
    if (!match) return null;
    return match[1] === 'js'
      ? join(this.root, 'dist/web/dashboard', name)
      : join(this.root, 'public/dashboard', name);
  }
}

/** Reads artefacts on demand and keeps them until the file changes (a rebuild). */
@Injectable()
export class BrowserAssets {
  private readonly logger = new Logger(BrowserAssets.name);
  private readonly cache = new Map<string, { version: string; asset: Asset }>();
  readonly locations = new AssetLocations();

  /** The asset at `path`, or null when there is no such file (for example, not built yet). */
  async load(path: string): Promise<Asset | null> {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) {
      if (path.includes(join('dist', 'web'))) {
        this.logger.error(`${path} is missing: run "npm run build" to compile web/`);
      }
      return null;
    }
    const version = `${info.size}:${info.mtimeMs}`;
    const cached = this.cache.get(path);
    if (cached?.version === version) return cached.asset;
    const body = await readFile(path);
    const extension = path.slice(path.lastIndexOf('.'));
    const asset: Asset = {
      body,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
    this.cache.set(path, { version, asset });
    return asset;
  }
}
