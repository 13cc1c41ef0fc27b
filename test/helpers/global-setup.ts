import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * PGlite's initdb takes seconds; do it once per run and let every e2e file
 * start from a copy of that empty cluster.
 */
export default async function globalSetup(): Promise<void> {
  const dir = join(mkdtempSync(join(tmpdir(), 'hissuno-pglite-template-')), 'pgdata');
  const db = await PGlite.create(dir);
  await db.close();
  process.env.HISSUNO_PGLITE_TEMPLATE = dir;
}
