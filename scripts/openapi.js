#!/usr/bin/env node
/* global require, __dirname, process, console -- a CommonJS script run by node */
/* eslint-disable @typescript-eslint/no-require-imports */
// `npm run openapi`: writes the document the built app serves at /docs/openapi.json to
// openapi/openapi.json, and the TypeScript types of it (openapi-typescript) to
// openapi/schema.d.ts. Both are committed; test/openapi.e2e-spec.ts fails when they are stale.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

async function main() {
  const { createApp } = require(join(ROOT, 'dist/src/app.setup'));
  const { validateEnv } = require(join(ROOT, 'dist/src/config'));
  const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-openapi-'));
  const app = await createApp(validateEnv({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  try {
    await app.init();
    const res = await app.getHttpAdapter().getInstance().inject({ url: '/docs/openapi.json' });
    const document = JSON.parse(res.body);
    writeFileSync(join(ROOT, 'openapi/openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
      join(ROOT, 'openapi/openapi.json'),
      '-o',
      join(ROOT, 'openapi/schema.d.ts'),
    ],
    { stdio: 'inherit' },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
