import { mintToken } from '../lib/hs256';
import { load, SITE, type LoadFigures } from '../lib/load';
import type { QueryCounts, RecheckCost, ServerMemory, ServerProcess } from '../lib/server-process';

export interface ScaleFigures {
  projects: number;
  spreadOver: number;
  seedSeconds: number;
  cold: LoadFigures & { queries: QueryCounts };
  /** Misses one at a time (1 connection): the miss itself, without queueing behind others. */
  coldSequential: LoadFigures & { queries: QueryCounts };
  warm: LoadFigures & { queries: QueryCounts };
  overflow: LoadFigures & { queries: QueryCounts };
  memoryEmpty: ServerMemory;
  memoryFull: ServerMemory;
  memoryAfterOverflow: ServerMemory;
  /** The cache's re-check with the cache full, by versions of every id vs changesSince. */
  recheck: RecheckCost;
  /** Heap growth from an empty to a full cache, per cached project (with its one token). */
  heapBytesPerProject: number;
}

export interface ScaleOptions {
  projects: number;
  spreadOver: number;
  coldConnections: number;
  connections: number;
  seconds: number;
}

const MB = 1024 * 1024;

/**
 * 100 000 projects in the database, requests spread over 10 000 of them: every one's first
 * request (a miss: one query, a decryption, a compile), then the same projects warm, then
 * 10 000 other projects (1 000 one at a time, the rest 10 at a time) to show that the cache
 * stays within its bound.
 */
export async function runScale(
  server: ServerProcess,
  options: ScaleOptions,
  log: (line: string) => void,
): Promise<ScaleFigures> {
  const { projects, spreadOver } = options;
  const started = performance.now();
  const kept = await server.call('createProjects', {
    count: projects,
    keep: 2 * spreadOver,
    allowedOrigins: [SITE, '*.example.org'],
  });
  const seedSeconds = (performance.now() - started) / 1000;
  log(`  seeded ${projects} projects in ${seedSeconds.toFixed(1)} s`);
  const paths = kept.map((p) => `/api/v1/widget/${p.id}/config`);
  const tokens = kept.map((p, i) => mintToken(p.secret, `user-${i}`));
  const first = { paths: paths.slice(0, spreadOver), tokens: tokens.slice(0, spreadOver) };
  const SEQUENTIAL = 1000;
  const sequential = {
    paths: paths.slice(spreadOver, spreadOver + SEQUENTIAL),
    tokens: tokens.slice(spreadOver, spreadOver + SEQUENTIAL),
  };
  const other = {
    paths: paths.slice(spreadOver + SEQUENTIAL),
    tokens: tokens.slice(spreadOver + SEQUENTIAL),
  };

  await server.call('clearCache');
  const memoryEmpty = await server.call('memory');
  const measure = async (
    name: string,
    run: () => Promise<LoadFigures>,
  ): Promise<LoadFigures & { queries: QueryCounts }> => {
    log(`  ${name}`);
    await server.call('resetQueries');
    const figures = await run();
    if (figures.non2xx > 0 || figures.errors > 0) {
      throw new Error(`scale: ${name} had ${figures.non2xx} non-2xx and ${figures.errors} errors`);
    }
    return { ...figures, queries: await server.call('queries') };
  };
  const url = server.url;
  const cold = await measure(
    `cold: first request to each of ${spreadOver} projects, ${options.coldConnections} connections`,
    () => load({ url, ...first, connections: options.coldConnections, amount: spreadOver }),
  );
  const warm = await measure(`warm: the same projects, ${options.seconds} s`, () =>
    load({ url, ...first, connections: options.connections, seconds: options.seconds }),
  );
  const memoryFull = await server.call('memory');
  const recheck = await server.call('recheckCost', {
    ids: kept.slice(0, spreadOver).map((p) => p.id),
    rounds: 20,
  });
  const coldSequential = await measure(
    `cold, one at a time: first request to ${SEQUENTIAL} other projects, 1 connection`,
    () => load({ url, ...sequential, connections: 1, amount: SEQUENTIAL }),
  );
  const overflow = await measure(
    `overflow: first requests to ${other.paths.length} more projects, ${options.coldConnections} connections`,
    () => load({ url, ...other, connections: options.coldConnections, amount: other.paths.length }),
  );
  const memoryAfterOverflow = await server.call('memory');
  log(
    `  heap ${(memoryEmpty.heapUsed / MB).toFixed(0)} → ${(memoryFull.heapUsed / MB).toFixed(0)} → ` +
      `${(memoryAfterOverflow.heapUsed / MB).toFixed(0)} MB; cached projects ` +
      `${memoryFull.cachedProjects} → ${memoryAfterOverflow.cachedProjects}`,
  );
  return {
    projects,
    spreadOver,
    seedSeconds,
    cold,
    coldSequential,
    warm,
    overflow,
    memoryEmpty,
    memoryFull,
    memoryAfterOverflow,
    recheck,
    heapBytesPerProject:
      (memoryFull.heapUsed - memoryEmpty.heapUsed) /
      Math.max(1, memoryFull.cachedProjects - memoryEmpty.cachedProjects),
  };
}
