import { mintToken } from '../lib/hs256';
import { loadRun, mergeRuns, SITE, type LoadFigures, type LoadRun } from '../lib/load';
import type { ServerProcess } from '../lib/server-process';

/** The service token the bench server's internal listener accepts (run.ts sets it). */
export const BENCH_SERVICE_TOKEN = `bench_service_token_${'x'.repeat(32)}`;

export interface AuthorizeFigures {
  connections: number;
  seconds: number;
  rounds: number;
  /** GET …/authorize on the internal listener: one gateway decision per request. */
  authorize: LoadFigures;
  /** The same request to the widget API itself: the in-process guard, then the handler. */
  guardedRoute: LoadFigures;
  /** The app's guard instance called in a loop in the server: µs per decision. */
  guardLoopUs: number;
  /** authorize / guarded route: req/s and server CPU per request. */
  rpsRatio: number;
  cpuRatio: number;
}

/**
 * The gateway decision endpoint (API.md §10) under load, against the in-process guard in the
 * same run: `GET /internal/v1/widget-guard/authorize` with the headers nginx sends (service
 * token, X-Original-URI, the client's Origin and Authorization) vs `GET /widget/:id/config`
 * with the same client headers, in interleaved slices; and the guard's own cost per call.
 */
export async function runAuthorize(
  server: ServerProcess,
  options: { seconds: number; rounds: number; connections: number; warmupSeconds: number },
  log: (line: string) => void,
): Promise<AuthorizeFigures> {
  const { seconds, rounds, connections, warmupSeconds } = options;
  const internalPort = await server.call('internalPort');
  if (internalPort === null) throw new Error('authorize: the internal listener is off');
  const [project] = await server.call('createProjects', {
    count: 1,
    keep: 1,
    allowedOrigins: [SITE, '*.example.org'],
  });
  const tokens = [mintToken(project.secret, 'user-1')];
  const widgetPath = `/api/v1/widget/${project.id}/config`;
  const gateway = {
    url: `http://127.0.0.1:${internalPort}`,
    connections,
    paths: ['/internal/v1/widget-guard/authorize'],
    tokens,
    headers: {
      'x-hissuno-service-token': BENCH_SERVICE_TOKEN,
      'x-original-uri': widgetPath,
      'x-original-method': 'GET',
      'x-forwarded-for': '198.51.100.7',
    },
  };
  const widget = { url: server.url, connections, paths: [widgetPath], tokens };

  const probe = await fetch(`${gateway.url}${gateway.paths[0]}`, {
    headers: { ...gateway.headers, origin: SITE, authorization: `Bearer ${tokens[0]}` },
  });
  if (probe.status !== 200 || probe.headers.get('x-hissuno-verified') !== 'true') {
    throw new Error(`authorize answered ${probe.status}`);
  }
  await loadRun({ ...gateway, seconds: warmupSeconds });
  await loadRun({ ...widget, seconds: warmupSeconds });

  const measured = async (run: () => Promise<LoadRun>): Promise<LoadRun> => {
    const before = await server.call('usage');
    const result = await run();
    const after = await server.call('usage');
    return {
      ...result,
      serverCpuMicros: after.cpuMicros - before.cpuMicros,
      serverActiveMs: after.eventLoopActiveMs - before.eventLoopActiveMs,
      serverIdleMs: after.eventLoopIdleMs - before.eventLoopIdleMs,
    };
  };
  const slice = seconds / rounds;
  log(`  ${rounds} rounds of ${slice} s each: authorize, then the guarded widget route`);
  const runs = { authorize: [] as LoadRun[], guardedRoute: [] as LoadRun[] };
  for (let round = 0; round < rounds; round++) {
    // Alternating which goes first: drift of a shared machine hits both alike.
    const order =
      round % 2 === 0
        ? (['authorize', 'guardedRoute'] as const)
        : (['guardedRoute', 'authorize'] as const);
    for (const kind of order) {
      const target = kind === 'authorize' ? gateway : widget;
      runs[kind].push(await measured(() => loadRun({ ...target, seconds: slice })));
    }
  }
  const authorize = mergeRuns(runs.authorize);
  const guardedRoute = mergeRuns(runs.guardedRoute);
  if (authorize.non2xx > 0 || authorize.errors > 0) {
    throw new Error(`authorize: ${authorize.non2xx} non-2xx, ${authorize.errors} errors`);
  }
  const guardLoopUs = await server.call('guardLoop', {
    projectId: project.id,
    origin: SITE,
    authorization: `Bearer ${tokens[0]}`,
    iterations: 200_000,
  });
  return {
    connections,
    seconds,
    rounds,
    authorize,
    guardedRoute,
    guardLoopUs,
    rpsRatio: authorize.rps / guardedRoute.rps,
    cpuRatio:
      (authorize.serverCpuUsPerRequest ?? NaN) / (guardedRoute.serverCpuUsPerRequest ?? NaN),
  };
}
