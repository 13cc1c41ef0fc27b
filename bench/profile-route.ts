/**
 * Profiles the bench server under one kind of load only (for finding per-request costs):
 *   node dist/bench/bench/profile-route.js guarded|baseline|fresh [seconds] [out.cpuprofile]
 * Prints the server's CPU time per request; the profile (if asked) covers the load only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from './lib/hs256';
import { load, SITE } from './lib/load';
import { ServerProcess } from './lib/server-process';

async function main(): Promise<void> {
  const kind = process.argv[2] ?? 'guarded';
  const seconds = Number(process.argv[3] ?? 10);
  const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-bench-'));
  const server = await ServerProcess.start({
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    RATE_LIMIT_WIDGET_PER_MINUTE: '10000000',
    RATE_LIMIT_WIDGET_ANY_PER_MINUTE: '100000000',
  });
  try {
    const [project] = await server.call('createProjects', {
      count: 1,
      keep: 1,
      allowedOrigins: [SITE, '*.example.org'],
    });
    const route = kind === 'baseline' ? 'bench' : 'widget';
    const paths = [`/api/v1/${route}/${project.id}/config`];
    const tokens =
      kind === 'fresh'
        ? Array.from({ length: 150_000 }, (_, i) => mintToken(project.secret, `user-${i}`))
        : [mintToken(project.secret, 'user-1')];
    await load({
      url: server.url,
      paths,
      tokens: tokens.slice(-20_000),
      connections: 50,
      seconds: 3,
    });
    const file = process.argv[4];
    if (file) await server.call('profileStart');
    const before = await server.call('usage');
    const figures = await load({ url: server.url, paths, tokens, connections: 50, seconds });
    const after = await server.call('usage');
    if (file) {
      await server.call('profileStop', { file });
      console.log(`profile: ${file} (${figures.requests} requests)`);
    }
    console.log(
      `${kind}: ${figures.rps.toFixed(0)} req/s, p50 ${figures.p50.toFixed(2)} ms, ` +
        `server CPU ${((after.cpuMicros - before.cpuMicros) / figures.requests).toFixed(0)} µs/request, ` +
        `non-2xx ${figures.non2xx}`,
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
