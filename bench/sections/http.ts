import { mintToken } from '../lib/hs256';
import {
  headerBytes,
  load,
  loadRun,
  mergeRuns,
  SITE,
  type LoadFigures,
  type LoadRun,
} from '../lib/load';
import type { QueryCounts, ServerProcess } from '../lib/server-process';

export interface HttpFigures {
  connections: number;
  /** A bare NestJS-on-Fastify app serving the same JSON (bench/bare-server.ts), same run. */
  bare: LoadFigures;
  /** guarded / bare, fresh / bare (issue 15: ≥ 0.6, ≥ 0.5) */
  bareRatio: number;
  bareRatioFresh: number;
  /** The admin API, authenticated: GET and PATCH …/widget/security (no target: no regression). */
  adminGet: LoadFigures;
  adminPatch: LoadFigures;
  /** Per kind of run, in `rounds` interleaved slices. */
  seconds: number;
  rounds: number;
  baseline: LoadFigures;
  /** The baseline plus the CORS headers an allowed widget request gets. */
  baselineCors: LoadFigures;
  /** That plus a Nest guard that decides nothing (async, like the widget guard). */
  baselineNoopGuard: LoadFigures;
  guarded: LoadFigures;
  guardedFresh: LoadFigures;
  /** guarded / baseline */
  rpsRatio: number;
  rpsRatioFresh: number;
  p50Ratio: number;
  p99Ratio: number;
  p50RatioFresh: number;
  p99RatioFresh: number;
  /** The app's guard (observer, rate limiter as bound) in a loop, same token: µs per call. */
  guardLoopUs: number;
  /** guarded / baseline server CPU µs per request */
  cpuRatio: number;
  cpuRatioFresh: number;
  /** Status line and headers of one guarded answer, as sent: bytes and header names. */
  widgetHeaders: { bytes: number; names: string[] };
  /** SQL statements while the guarded runs lasted, and per guarded request. */
  queries: QueryCounts;
  guardedRequests: number;
  queriesPerGuardedRequest: number;
}

export interface HttpSectionOptions {
  seconds: number;
  rounds: number;
  connections: number;
  warmupSeconds: number;
}

/**
 * Guarded `GET /api/v1/widget/:projectId/config` (valid token, allowed origin, a non-empty
 * origin list) against BenchModule's unguarded route on the same app, then the guarded route
 * with a token never seen before on every request.
 */
export async function runHttp(
  server: ServerProcess,
  bareServer: ServerProcess,
  options: HttpSectionOptions,
  log: (line: string) => void,
): Promise<HttpFigures> {
  const { seconds, rounds, connections, warmupSeconds } = options;
  const [project] = await server.call('createProjects', {
    count: 1,
    keep: 1,
    allowedOrigins: [SITE, '*.example.org'],
  });
  const guardedPath = [`/api/v1/widget/${project.id}/config`];
  const baselinePath = [`/api/v1/bench/${project.id}/config`];
  const baselineCorsPath = [`/api/v1/bench/${project.id}/config-cors`];
  const noopGuardPath = [`/api/v1/bench/${project.id}/config-noop-guard`];
  const repeat = [mintToken(project.secret, 'user-1')];
  // More than a run can use: each request of the fresh run carries a token never sent before.
  const fresh = Array.from({ length: 200_000 }, (_, i) => mintToken(project.secret, `user-${i}`));
  const base = { url: server.url, connections };
  const bare = { url: bareServer.url, connections };
  // The admin API: a dashboard user owning a project of its own (created through the API).
  const post = async (path: string, body: object, token?: string) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`http: ${path} answered ${res.status}`);
    return (await res.json()) as { accessToken?: string; id?: string };
  };
  const { accessToken } = await post('/api/v1/auth/signup', {
    email: `bench-${Date.now()}@example.com`,
    password: 'correct horse battery staple',
  });
  const adminProject = await post('/api/v1/projects', { name: 'bench admin' }, accessToken);
  const adminPath = [`/api/v1/projects/${adminProject.id}/widget/security`];
  const admin = { url: server.url, connections, paths: adminPath, tokens: [accessToken!] };
  const adminPatchBody = JSON.stringify({ allowedOrigins: [SITE, '*.example.org'] });

  const check = async (path: string): Promise<void> => {
    const res = await fetch(`${server.url}${path}`, {
      headers: { origin: SITE, authorization: `Bearer ${repeat[0]}` },
    });
    const body = (await res.json()) as { identity?: { verified?: boolean } };
    if (res.status !== 200 || body.identity?.verified !== true) {
      throw new Error(`http: ${path} answered ${res.status} ${JSON.stringify(body)}`);
    }
  };
  await check(guardedPath[0]);
  const widgetHeaders = await headerBytes(`${server.url}${guardedPath[0]}`, {
    origin: SITE,
    authorization: `Bearer ${repeat[0]}`,
  });
  log(
    `  headers of a widget answer: ${widgetHeaders.bytes} bytes (${widgetHeaders.names.join(', ')})`,
  );
  await check(baselinePath[0]);
  await check(baselineCorsPath[0]);
  await check(noopGuardPath[0]);

  log(`  warm-up: ${warmupSeconds} s per route`);
  await load({ ...bare, paths: guardedPath, tokens: repeat, seconds: warmupSeconds });
  await load({ ...admin, seconds: warmupSeconds });
  await load({ ...admin, method: 'PATCH', body: adminPatchBody, seconds: warmupSeconds });
  await load({ ...base, paths: baselinePath, tokens: repeat, seconds: warmupSeconds });
  await load({ ...base, paths: baselineCorsPath, tokens: repeat, seconds: warmupSeconds });
  await load({ ...base, paths: noopGuardPath, tokens: repeat, seconds: warmupSeconds });
  await load({ ...base, paths: guardedPath, tokens: repeat, seconds: warmupSeconds });
  await load({ ...base, paths: guardedPath, tokens: fresh.slice(-50_000), seconds: warmupSeconds });

  // With the server's CPU time and event-loop use over the run: on a shared machine the CPU
  // µs per request is the steadier measure of what a request costs.
  const measured = async (run: () => Promise<LoadRun>, of = server): Promise<LoadRun> => {
    const before = await of.call('usage');
    const result = await run();
    const after = await of.call('usage');
    return {
      ...result,
      serverCpuMicros: after.cpuMicros - before.cpuMicros,
      serverActiveMs: after.eventLoopActiveMs - before.eventLoopActiveMs,
      serverIdleMs: after.eventLoopIdleMs - before.eventLoopIdleMs,
    };
  };
  // Interleaved slices, in a rotating order: drift of a shared machine hits every kind alike.
  const slice = seconds / rounds;
  log(
    `  ${rounds} rounds of ${slice} s per kind: baseline, + CORS headers, + a no-op guard, ` +
      'guarded (one token), guarded (fresh tokens)',
  );
  let freshUsed = 0;
  type Kind =
    | 'bare'
    | 'baseline'
    | 'baselineCors'
    | 'baselineNoopGuard'
    | 'guarded'
    | 'guardedFresh'
    | 'adminGet'
    | 'adminPatch';
  const kinds: Record<Kind, () => Promise<LoadRun>> = {
    bare: () => loadRun({ ...bare, paths: guardedPath, tokens: repeat, seconds: slice }),
    adminGet: () => loadRun({ ...admin, seconds: slice }),
    adminPatch: () => loadRun({ ...admin, method: 'PATCH', body: adminPatchBody, seconds: slice }),
    baseline: () => loadRun({ ...base, paths: baselinePath, tokens: repeat, seconds: slice }),
    baselineCors: () =>
      loadRun({ ...base, paths: baselineCorsPath, tokens: repeat, seconds: slice }),
    baselineNoopGuard: () =>
      loadRun({ ...base, paths: noopGuardPath, tokens: repeat, seconds: slice }),
    guarded: () => loadRun({ ...base, paths: guardedPath, tokens: repeat, seconds: slice }),
    guardedFresh: async () => {
      const run = await loadRun({
        ...base,
        paths: guardedPath,
        tokens: fresh.slice(freshUsed % fresh.length),
        seconds: slice,
      });
      freshUsed += run.figures.requests + connections;
      return run;
    },
  };
  const order = Object.keys(kinds) as Kind[];
  const runs: Record<Kind, LoadRun[]> = {
    bare: [],
    adminGet: [],
    adminPatch: [],
    baseline: [],
    baselineCors: [],
    baselineNoopGuard: [],
    guarded: [],
    guardedFresh: [],
  };
  await server.call('resetQueries');
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < order.length; k++) {
      const kind = order[(round + k) % order.length];
      // The admin rows have no target: every other round is enough to show their cost.
      if (kind.startsWith('admin') && round % 2 === 1) continue;
      runs[kind].push(await measured(kinds[kind], kind === 'bare' ? bareServer : server));
    }
  }
  const queries = await server.call('queries');
  const guardLoopUs = await server.call('guardLoop', {
    projectId: project.id,
    origin: SITE,
    authorization: `Bearer ${repeat[0]}`,
    iterations: 100_000,
  });
  const bareFigures = mergeRuns(runs.bare);
  const adminGet = mergeRuns(runs.adminGet);
  const adminPatch = mergeRuns(runs.adminPatch);
  const baseline = mergeRuns(runs.baseline);
  const baselineCors = mergeRuns(runs.baselineCors);
  const baselineNoopGuard = mergeRuns(runs.baselineNoopGuard);
  const guarded = mergeRuns(runs.guarded);
  const guardedFresh = mergeRuns(runs.guardedFresh);
  if (freshUsed > fresh.length - 50_000) {
    log(`  note: the fresh runs used ${freshUsed} tokens; some came round again`);
  }
  for (const [name, run] of Object.entries({
    bare: bareFigures,
    adminGet,
    adminPatch,
    baseline,
    baselineCors,
    baselineNoopGuard,
    guarded,
    guardedFresh,
  })) {
    if (run.non2xx > 0 || run.errors > 0) {
      throw new Error(`http: ${name} had ${run.non2xx} non-2xx answers and ${run.errors} errors`);
    }
  }
  // The baseline's requests are in the count too: they would show any per-request query.
  const guardedRequests = guarded.requests + guardedFresh.requests;
  return {
    connections,
    bare: bareFigures,
    bareRatio: guarded.rps / bareFigures.rps,
    bareRatioFresh: guardedFresh.rps / bareFigures.rps,
    adminGet,
    adminPatch,
    seconds,
    rounds,
    baseline,
    baselineCors,
    baselineNoopGuard,
    guarded,
    guardedFresh,
    guardLoopUs,
    widgetHeaders,
    rpsRatio: guarded.rps / baseline.rps,
    rpsRatioFresh: guardedFresh.rps / baseline.rps,
    p50Ratio: guarded.p50 / baseline.p50,
    p99Ratio: guarded.p99 / baseline.p99,
    p50RatioFresh: guardedFresh.p50 / baseline.p50,
    p99RatioFresh: guardedFresh.p99 / baseline.p99,
    cpuRatio: guarded.serverCpuUsPerRequest! / baseline.serverCpuUsPerRequest!,
    cpuRatioFresh: guardedFresh.serverCpuUsPerRequest! / baseline.serverCpuUsPerRequest!,
    queries,
    guardedRequests,
    queriesPerGuardedRequest: (queries.load + queries.other) / guardedRequests,
  };
}
