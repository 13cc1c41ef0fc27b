/**
 * `npm run bench`: the widget guard's cost, measured against baselines taken in the same run
 * (the machine is shared and noisy: read the ratios, not the absolute figures).
 *
 *   guard micro  decide() per call vs the raw HS256 floor (node:crypto), in this process
 *   http         the real app on 127.0.0.1 (embedded PGlite in a temp DATA_DIR, LOG_LEVEL=info,
 *                lines built and redacted, then discarded): guarded route vs an unguarded
 *                route of the same app; SQL statements per guarded request
 *   scale        100 000 projects; cold and warm latency over 10 000 of them; memory; on the
 *                embedded PGlite, then on PostgreSQL (a fresh schema, dropped afterwards)
 *   propagation  two instances on one PostgreSQL: rotate on A → B refuses the old token
 *   authorize    the gateway decision endpoint (internal listener) vs the in-process guard
 *
 * Environment: BENCH_SECTIONS (micro,http,scale,propagation), BENCH_SECONDS (20: per kind of
 * HTTP run, in 2 s slices taken in turn; and the warm scale run),
 * BENCH_CONNECTIONS (50), BENCH_ROTATIONS (20), TEST_DATABASE_URL (propagation; default
 * postgres://postgres@127.0.0.1:5432/test). Writes bench/results/latest.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_SERVICE_TOKEN, runAuthorize, type AuthorizeFigures } from './sections/authorize';
import { runHttp, type HttpFigures } from './sections/http';
import { runGuardMicro, type MicroFigures } from './sections/micro';
import { runPropagation, type PropagationFigures } from './sections/propagation';
import { runScale, type ScaleFigures } from './sections/scale';
import { serverEnv, unreachable, withoutPassword, withSchema } from './lib/postgres';
import type { LoadFigures } from './lib/load';
import { ServerProcess } from './lib/server-process';

const SECTIONS = (process.env.BENCH_SECTIONS ?? 'micro,http,scale,propagation,authorize').split(
  ',',
);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 20);
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// npm run bench must end within 10 minutes, whatever happens.
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_SECONDS ?? 570) * 1000;
const RESULTS = join(__dirname, '..', '..', '..', 'bench', 'results');
const MB = 1024 * 1024;
const SCALE = {
  projects: 100_000,
  spreadOver: 10_000,
  coldConnections: 10,
  connections: CONNECTIONS,
  seconds: SECONDS,
};

interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

interface Results {
  startedAt: string;
  seconds: number;
  environment: { node: string; cpus: number; cpuModel: string; loadavgAtStart: number[] };
  settings: Record<string, unknown>;
  micro?: MicroFigures;
  http?: HttpFigures;
  authorize?: AuthorizeFigures;
  /** On the embedded PGlite of the HTTP section, and on PostgreSQL (pool of 10). */
  scale?: ScaleFigures;
  scalePostgres?: ScaleFigures | { skipped: string };
  propagation?: PropagationFigures | { skipped: string };
  targets: Target[];
}

const log = (line: string): void => console.log(line);
const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const pct = (n: number): string => `${(n * 100).toFixed(0)} %`;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log(`\n${title}`);
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) log(line(row));
}

function report(results: Results): void {
  const { micro, http, scale, propagation } = results;
  if (micro) {
    table(
      `guard micro: µs per call, median of ${micro.rounds} rounds (${micro.iterations} calls; fresh: 20 000)`,
      ['operation', 'µs/op', '× HMAC floor'],
      [
        ['HMAC floor (KeyObject HMAC + timingSafeEqual + decode)', f(micro.floorUs, 2), '1.00'],
        [
          'decide(): origin + token + epoch, same token',
          f(micro.decideRepeatUs, 2),
          f(micro.ratioRepeat, 2),
        ],
        ['decide(): a fresh token every call', f(micro.decideFreshUs, 2), f(micro.ratioFresh, 2)],
        [
          'token verifier alone, same token',
          f(micro.verifierRepeatUs, 2),
          f(micro.verifierRepeatUs / micro.floorUs, 2),
        ],
        [
          'guard canActivate (+ headers, metrics, caller), same token',
          f(micro.guardRepeatUs, 2),
          f(micro.guardRepeatUs / micro.floorUs, 2),
        ],
      ],
    );
  }
  if (http) {
    const cpu = (r: HttpFigures['baseline']): number => r.serverCpuUsPerRequest ?? NaN;
    const row = (name: string, r: HttpFigures['baseline'], ratio: number): string[] => [
      name,
      f(r.rps, 0),
      f(r.rps / http.bare.rps, 2),
      Number.isNaN(ratio) ? '' : ratio ? pct(ratio) : '100 %',
      f(r.p50, 2),
      f(r.p99, 2),
      f(r.serverCpuUsPerRequest ?? NaN, 0),
      pct(r.serverEventLoopUtilization ?? NaN),
      String(r.requests),
    ];
    table(
      `HTTP: ${http.connections} connections, ${http.seconds} s per kind in ${http.rounds} interleaved rounds, loopback`,
      [
        'route',
        'req/s',
        'of bare',
        'of baseline',
        'p50 ms',
        'p99 ms',
        'server CPU µs/req',
        'loop busy',
        'requests',
      ],
      [
        row('bare NestJS on Fastify, the same JSON (bench/bare-server.ts)', http.bare, NaN),
        row('unguarded baseline (same app, BenchModule)', http.baseline, 0),
        row(
          'unguarded + the CORS headers of a widget answer',
          http.baselineCors,
          http.baselineCors.rps / http.baseline.rps,
        ),
        row(
          '  + a Nest guard that decides nothing',
          http.baselineNoopGuard,
          http.baselineNoopGuard.rps / http.baseline.rps,
        ),
        row('guarded GET /widget/:id/config, one token', http.guarded, http.rpsRatio),
        row('guarded, a fresh token per request', http.guardedFresh, http.rpsRatioFresh),
        row(
          'admin: GET …/widget/security (dashboard token)',
          http.adminGet,
          http.adminGet.rps / http.baseline.rps,
        ),
        row(
          'admin: PATCH …/widget/security (a write)',
          http.adminPatch,
          http.adminPatch.rps / http.baseline.rps,
        ),
      ],
    );
    log(
      `headers of a widget answer: ${http.widgetHeaders.bytes} bytes (${http.widgetHeaders.names.join(', ')})`,
    );
    log(
      `vs baseline: p50 ×${f(http.p50Ratio, 2)}, p99 ×${f(http.p99Ratio, 2)}, server CPU per ` +
        `request ×${f(http.cpuRatio, 2)} (one token); p50 ×${f(http.p50RatioFresh, 2)}, p99 ` +
        `×${f(http.p99RatioFresh, 2)}, CPU ×${f(http.cpuRatioFresh, 2)} (fresh tokens)`,
    );
    log(
      `server CPU per request over the baseline: CORS headers +${f(cpu(http.baselineCors) - cpu(http.baseline), 0)} µs, ` +
        `Nest guard plumbing +${f(cpu(http.baselineNoopGuard) - cpu(http.baselineCors), 0)} µs, the widget guard's ` +
        `own work +${f(cpu(http.guarded) - cpu(http.baselineNoopGuard), 0)} µs (one token) / ` +
        `+${f(cpu(http.guardedFresh) - cpu(http.baselineNoopGuard), 0)} µs (fresh tokens); ` +
        `the app's guard instance called in a loop in the server: ${f(http.guardLoopUs, 2)} µs per call`,
    );
    log(
      `SQL during ${http.guardedRequests} guarded requests: ${http.queries.load} loads, ` +
        `${http.queries.other} other → ${f(http.queriesPerGuardedRequest, 4)} per request ` +
        `(background, not per request: ${http.queries.recheck} cache re-checks, one a second; ` +
        `${http.queries.stats} statistics flushes)`,
    );
    for (const [text, n] of Object.entries(http.queries.otherStatements))
      log(`  other: ${n}× ${text}`);
  }
  const gateway = results.authorize;
  if (gateway) {
    const row = (name: string, r: LoadFigures, ratio: string): string[] => [
      name,
      f(r.rps, 0),
      ratio,
      f(r.p50, 2),
      f(r.p99, 2),
      f(r.serverCpuUsPerRequest ?? NaN, 0),
      String(r.requests),
    ];
    table(
      `authorize (API.md §10): ${gateway.connections} connections, ${gateway.seconds} s per kind in ${gateway.rounds} interleaved rounds`,
      ['route', 'decisions/s', 'of guarded', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'requests'],
      [
        row('guarded GET /widget/:id/config (in-process guard)', gateway.guardedRoute, '100 %'),
        row('GET …/authorize, the same client request', gateway.authorize, pct(gateway.rpsRatio)),
      ],
    );
    log(
      `authorize vs the in-process guard: server CPU per request ×${f(gateway.cpuRatio, 2)} of the ` +
        `guarded route; the guard's own decision in a loop: ${f(gateway.guardLoopUs, 2)} µs ` +
        `(${f((gateway.authorize.serverCpuUsPerRequest ?? NaN) / gateway.guardLoopUs, 0)}× that per authorize request: HTTP around it)`,
    );
  }
  const printScale = (where: string, scale: ScaleFigures): void => {
    const row = (name: string, r: ScaleFigures['cold']): string[] => [
      name,
      String(r.connections),
      f(r.rps, 0),
      f(r.p50, 2),
      f(r.p99, 2),
      String(r.queries.load),
      r.queries.load ? f(r.queries.loadMs / r.queries.load, 2) : '—',
      `${r.queries.recheck} (${f(r.queries.recheckMs, 0)} ms)`,
    ];
    table(
      `scale on ${where}: ${scale.projects} projects (seeded in ${f(scale.seedSeconds)} s), requests over ${scale.spreadOver}`,
      ['run', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'loads', 'ms/load', 're-checks (time)'],
      [
        row(`cold: first request to each of ${scale.spreadOver}`, scale.cold),
        row('cold, one at a time: 1 000 others', scale.coldSequential),
        row('warm: the same projects', scale.warm),
        row(`overflow: ${scale.overflow.requests} more projects`, scale.overflow),
      ],
    );
    const r = scale.recheck;
    // Before: versions of every cached id once a second; now: changesSince 4 times a second.
    log(
      `cache re-check with ${r.cachedIds} cached projects: versions of every id ` +
        `${f(r.versions.ms, 2)} ms, ${f(r.versions.cpuUs, 0)} µs CPU per call (×1/s before: ` +
        `${f(r.versions.cpuUs / 1000, 1)} ms CPU/s); changes since the cursor ${f(r.changesSince.ms, 2)} ms, ` +
        `${f(r.changesSince.cpuUs, 0)} µs CPU per call (×4/s now: ${f((4 * r.changesSince.cpuUs) / 1000, 1)} ms CPU/s)`,
    );
    const m = scale.memoryFull;
    log(
      `memory with the cache full: rss ${mb(m.rss)}, heap ${mb(m.heapUsed)} (empty cache: rss ` +
        `${mb(scale.memoryEmpty.rss)}, heap ${mb(scale.memoryEmpty.heapUsed)}); ` +
        `~${f(scale.heapBytesPerProject / 1024)} KiB heap per cached project`,
    );
    log(
      `cache: ${m.cachedProjects} of max ${m.maxCachedProjects} projects; ${m.cachedTokens} ` +
        `tokens (~${mb(m.cachedTokenBytes)}) of max ${m.maxCachedTokens} / ${mb(m.maxCachedTokenBytes)}; ` +
        `after the overflow: ${scale.memoryAfterOverflow.cachedProjects} projects, heap ` +
        `${mb(scale.memoryAfterOverflow.heapUsed)}, rss ${mb(scale.memoryAfterOverflow.rss)}`,
    );
  };
  if (scale) printScale('embedded PGlite', scale);
  if (results.scalePostgres && 'skipped' in results.scalePostgres) {
    log(`\nscale on PostgreSQL: skipped (${results.scalePostgres.skipped})`);
  } else if (results.scalePostgres) {
    printScale('PostgreSQL', results.scalePostgres);
  }
  if (propagation && 'skipped' in propagation) {
    log(`\npropagation: skipped (${propagation.skipped})`);
  } else if (propagation) {
    log(
      `\npropagation (two instances, ${propagation.databaseUrl}): rotate on A → B refuses the old ` +
        `token: median ${f(propagation.medianMs)} ms, max ${f(propagation.maxMs)} ms over ` +
        `${propagation.rotations} rotations (${propagation.polls} polls of B)`,
    );
  }
  table(
    'targets',
    ['what', 'target', 'measured', ''],
    results.targets.map((t) => [t.what, t.target, t.measured, t.met ? 'met' : 'MISSED']),
  );
}

function targets(results: Results): Target[] {
  const list: Target[] = [];
  const add = (what: string, target: string, measured: string, met: boolean) =>
    list.push({ what, target, measured, met });
  const { micro, http, scale, propagation } = results;
  if (micro) {
    add(
      'guard decision, same token',
      '≤ 2× HMAC floor',
      `${f(micro.ratioRepeat, 2)}×`,
      micro.ratioRepeat <= 2,
    );
    add(
      'guard decision, fresh token',
      '≤ 2× HMAC floor',
      `${f(micro.ratioFresh, 2)}×`,
      micro.ratioFresh <= 2,
    );
  }
  if (http) {
    add(
      'guarded req/s, one token, vs bare Nest',
      '≥ 0.6 of bare',
      f(http.bareRatio, 2),
      http.bareRatio >= 0.6,
    );
    add(
      'guarded req/s, fresh tokens, vs bare Nest',
      '≥ 0.5 of bare',
      f(http.bareRatioFresh, 2),
      http.bareRatioFresh >= 0.5,
    );
    add(
      'guarded req/s, one token',
      '≥ 85 % of unguarded',
      pct(http.rpsRatio),
      http.rpsRatio >= 0.85,
    );
    add(
      'guarded req/s, fresh tokens',
      '≥ 70 % of unguarded',
      pct(http.rpsRatioFresh),
      http.rpsRatioFresh >= 0.7,
    );
    add(
      'DB queries per guarded request',
      '0 in steady state',
      f(http.queriesPerGuardedRequest, 4),
      http.queriesPerGuardedRequest === 0,
    );
  }
  const scaleTargets = (where: string, scale: ScaleFigures): void => {
    const after = scale.memoryAfterOverflow;
    const bounded =
      after.cachedProjects <= after.maxCachedProjects &&
      after.heapUsed <= scale.memoryFull.heapUsed * 1.25;
    add(
      `cache memory, 100 000 projects (${where})`,
      `≤ ${after.maxCachedProjects} entries, flat`,
      `${after.cachedProjects} entries, heap ${mb(scale.memoryFull.heapUsed)} → ${mb(after.heapUsed)}`,
      bounded,
    );
    add(
      `cold miss p99, one at a time (${where})`,
      '≤ 20 ms',
      `${f(scale.coldSequential.p99, 2)} ms`,
      scale.coldSequential.p99 <= 20,
    );
    add(
      `cold miss p99, 10 at a time (${where})`,
      '≤ 20 ms',
      `${f(scale.cold.p99, 2)} ms`,
      scale.cold.p99 <= 20,
    );
  };
  if (scale) scaleTargets('PGlite', scale);
  if (results.scalePostgres && !('skipped' in results.scalePostgres)) {
    scaleTargets('PostgreSQL', results.scalePostgres);
  }
  if (propagation && !('skipped' in propagation)) {
    add(
      'propagation median',
      '≤ 100 ms',
      `${f(propagation.medianMs)} ms`,
      propagation.medianMs <= 100,
    );
    add('propagation max', '≤ 1 s', `${f(propagation.maxMs)} ms`, propagation.maxMs <= 1000);
  }
  return list;
}

async function main(): Promise<void> {
  const started = Date.now();
  const deadline = setTimeout(() => {
    console.error(`bench: over ${DEADLINE_MS / 1000} s, giving up`);
    process.exit(2);
  }, DEADLINE_MS);
  deadline.unref();
  const results: Results = {
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    environment: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavgAtStart: loadavg(),
    },
    settings: {
      sections: SECTIONS,
      httpSeconds: SECONDS,
      connections: CONNECTIONS,
      rotations: ROTATIONS,
      logs: 'LOG_LEVEL=info; lines built, redacted, then discarded (no I/O)',
      httpDatabase: 'embedded PGlite in a temporary DATA_DIR',
      postgres: withoutPassword(DATABASE_URL),
    },
    targets: [],
  };
  log(
    `bench: node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  if (SECTIONS.includes('micro')) {
    log('\n[guard micro]');
    results.micro = await runGuardMicro();
  }
  if (SECTIONS.includes('http') || SECTIONS.includes('scale') || SECTIONS.includes('authorize')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-bench-'));
    const server = await ServerProcess.start({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
      RATE_LIMIT_WIDGET_PER_MINUTE: '10000000',
      RATE_LIMIT_WIDGET_ANY_PER_MINUTE: '100000000',
      INTERNAL_PORT: '0',
      INTERNAL_API_TOKENS: BENCH_SERVICE_TOKEN,
    });
    try {
      if (SECTIONS.includes('http')) {
        log('\n[http]');
        const bare = await ServerProcess.start({}, 60_000, 'bare-server.js');
        try {
          results.http = await runHttp(
            server,
            bare,
            {
              seconds: SECONDS,
              rounds: Math.max(1, Math.round(SECONDS / 2)),
              connections: CONNECTIONS,
              warmupSeconds: 3,
            },
            log,
          );
        } finally {
          await bare.stop();
        }
      }
      if (SECTIONS.includes('authorize')) {
        log('\n[authorize]');
        results.authorize = await runAuthorize(
          server,
          {
            seconds: SECONDS,
            rounds: Math.max(1, Math.round(SECONDS / 2)),
            connections: CONNECTIONS,
            warmupSeconds: 3,
          },
          log,
        );
      }
      if (SECTIONS.includes('scale')) {
        log('\n[scale]');
        results.scale = await runScale(server, SCALE, log);
      }
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const wantsPostgres = SECTIONS.includes('scale') || SECTIONS.includes('propagation');
  const noPostgres = wantsPostgres ? await unreachable(DATABASE_URL) : null;
  const skipped = { skipped: `no PostgreSQL at ${withoutPassword(DATABASE_URL)}: ${noPostgres}` };
  if (SECTIONS.includes('scale')) {
    log(`\n[scale on PostgreSQL, ${withoutPassword(DATABASE_URL)}, a fresh schema]`);
    results.scalePostgres = noPostgres
      ? skipped
      : await withSchema(DATABASE_URL, async (schema) => {
          const server = await ServerProcess.start(serverEnv(DATABASE_URL, schema));
          try {
            return await runScale(server, SCALE, log);
          } finally {
            await server.stop();
          }
        });
  }
  if (SECTIONS.includes('propagation')) {
    log('\n[propagation]');
    results.propagation = noPostgres ? skipped : await runPropagation(DATABASE_URL, ROTATIONS, log);
  }

  results.seconds = (Date.now() - started) / 1000;
  results.targets = targets(results);
  report(results);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwhole run: ${f(results.seconds, 0)} s; figures in bench/results/latest.json`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
