/**
 * The cost of the widget guard statistics (API.md §8: throughput with statistics on within 5 %
 * of it with statistics off), measured two ways, rounds alternating on/off so that drift of the
 * shared machine falls on both sides alike:
 *
 *   micro  WidgetAccessGuard.canActivate in this process (verified token, cache hit: the
 *          cheapest path, where the relative cost is largest) with the app's observer
 *          (metrics + statistics + exposure recording) vs the metrics observer alone
 *   http   the real app (embedded PGlite in a temp DATA_DIR) in a child process; autocannon on
 *          GET /api/v1/widget/:id/config with a verified token; "off" makes the statistics
 *          recorder's decided() a no-op (flushes then write nothing)
 *
 * Run: npx tsc -p tsconfig.bench.json && node dist/bench/bench/stats-overhead.js
 * Env: STATS_BENCH_SECTIONS (micro,http), STATS_BENCH_MICRO_ROUNDS (40),
 * STATS_BENCH_ITERATIONS (50000 guard calls per micro round), STATS_BENCH_ROUNDS (10 http
 * rounds per side), STATS_BENCH_SECONDS (4 per http round), STATS_BENCH_CONNECTIONS (50).
 */
import type { ExecutionContext } from '@nestjs/common';
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';
import { validateEnv } from '../src/config';
import { MetricsService } from '../src/metrics/metrics.service';
import type { KeyExposureService } from '../src/secret-keys/key-exposure.service';
import type { ProjectSecurityState } from '../src/secret-keys/security-state';
import type { SecurityStateService } from '../src/secret-keys/security-state.service';
import {
  DEFAULT_WIDGET_CORS,
  SecurityCache,
  WidgetAccessObserver,
  WidgetAccessService,
} from '@hissuno/widget-guard';
import { WidgetAccessGuard } from '@hissuno/widget-guard/nest';
import { AppWidgetObserver } from '../src/widget-security/app-widget.observer';
import { DatabaseWidgetSecurityStateSource } from '../src/widget-security/database-widget-security-state.source';
import { WidgetMetricsObserver } from '../src/widget-security/widget-metrics.observer';
import {
  DEFAULT_WIDGET_STATS_OPTIONS,
  WidgetStatsRecorder,
} from '../src/widget-stats/widget-stats.recorder';
import { mintToken } from './lib/hs256';

const SECTIONS = (process.env.STATS_BENCH_SECTIONS ?? 'micro,http').split(',');
const ROUNDS = Number(process.env.STATS_BENCH_ROUNDS ?? 10);
const MICRO_ROUNDS = Number(process.env.STATS_BENCH_MICRO_ROUNDS ?? 40);
const ITERATIONS = Number(process.env.STATS_BENCH_ITERATIONS ?? 50_000);
const SECONDS = Number(process.env.STATS_BENCH_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.STATS_BENCH_CONNECTIONS ?? 50);
const SITE = 'https://shop.example.com';
const PROJECT_ID = '5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2f';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const f = (n: number, digits = 2): string => n.toFixed(digits);

interface Comparison {
  unit: string;
  off: number[];
  on: number[];
  /**
   * Throughput on / off - 1 (negative: slower with statistics): the median over the rounds of
   * each round's ratio, so that the load of the shared machine, which drifts, cancels out.
   */
  overhead: number;
  /** Other figures worth reporting. */
  extra?: string;
}

function compare(unit: string, off: number[], on: number[], higherIsBetter: boolean): Comparison {
  const ratios = off.map((o, i) => (higherIsBetter ? on[i] / o : o / on[i]));
  return { unit, off, on, overhead: median(ratios) - 1 };
}

async function micro(): Promise<Comparison> {
  const secret = `sk_live_${randomBytes(32).toString('base64url')}`;
  const state: ProjectSecurityState = {
    projectId: PROJECT_ID,
    securityVersion: 1,
    keyEpoch: 1,
    requireToken: false,
    allowedOrigins: [SITE, '*.example.org'],
    maxTokenLifetimeSeconds: null,
    keyExposedAt: null,
    current: { epoch: 1, secret },
    previous: null,
    retired: [],
  };
  const states = {
    loadSecurityState: async () => state,
    loadSecurityStates: async (ids: string[]) => new Map(ids.map((id) => [id, state])),
  } as unknown as SecurityStateService;
  const source = new DatabaseWidgetSecurityStateSource(states, null as never, null as never);
  const access = new WidgetAccessService(source, new SecurityCache(source), DEFAULT_WIDGET_CORS);
  const metrics = new MetricsService();
  // A database that answers at once: the flush's own work (arrays, sorting) is still paid.
  const database = { query: async () => [] } as unknown as DataSource;
  const recorder = new WidgetStatsRecorder(database, DEFAULT_WIDGET_STATS_OPTIONS);
  recorder.onApplicationBootstrap();
  const exposures = { report: () => undefined } as unknown as KeyExposureService;
  const guard = (observer: WidgetAccessObserver) => new WidgetAccessGuard(access, observer);
  const off = guard(new WidgetMetricsObserver(metrics));
  const on = guard(new AppWidgetObserver(metrics, recorder, exposures));

  const token = mintToken(secret, 'user-1');
  const replyHeaders = new Map<string, string>();
  const reply = {
    header: (name: string, value: string) => replyHeaders.set(name.toLowerCase(), value),
    getHeader: (name: string) => replyHeaders.get(name.toLowerCase()),
  };
  const request = {
    params: { projectId: PROJECT_ID },
    headers: { origin: SITE, authorization: `Bearer ${token}` },
  };
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  const time = async (subject: WidgetAccessGuard): Promise<number> => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) await subject.canActivate(context);
    return Number(process.hrtime.bigint() - start) / ITERATIONS / 1000;
  };
  await time(off); // warm-up: JIT, caches
  await time(on);
  const samples = { off: [] as number[], on: [] as number[] };
  for (let round = 0; round < MICRO_ROUNDS; round++) {
    // Alternate which goes first, so that neither side always follows a GC of the other.
    const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const side of order) samples[side].push(await time(side === 'off' ? off : on));
  }
  // The recorder alone, on the same event the guard hands it.
  const event = { projectId: PROJECT_ID, outcome: 'verified', keyEpoch: 1 };
  const perEvent: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS * 10; i++) recorder.decided(event);
    perEvent.push(Number(process.hrtime.bigint() - start) / (ITERATIONS * 10));
  }
  await recorder.beforeApplicationShutdown();
  return {
    ...compare('µs per guard call', samples.off, samples.on, false),
    extra: `recorder.decided() alone: ${f(median(perEvent), 0)} ns per event`,
  };
}

/** The child: the real app on 127.0.0.1, statistics switched by the parent over IPC. */
async function serve(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-stats-bench-'));
  const config = validateEnv({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_WIDGET_PER_MINUTE: '10000000',
    RATE_LIMIT_WIDGET_ANY_PER_MINUTE: '100000000',
  });
  const app = await createApp(config, { logDestination: { write: () => undefined } });
  await app.listen(0, '127.0.0.1');
  const recorder = app.get(WidgetStatsRecorder);
  const counting = recorder.decided.bind(recorder);
  process.on('message', (message: { stats?: boolean; close?: true }) => {
    if (message.close) {
      void app.close().then(() => {
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
      return;
    }
    if (message.stats !== undefined) {
      recorder.decided = message.stats ? counting : () => undefined;
    }
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMicros: user + system });
  });
  process.send!({ port: (app.getHttpServer().address() as AddressInfo).port });
}

async function http(): Promise<Comparison> {
  const child = fork(__filename, ['--server'], { stdio: 'inherit' });
  const next = () =>
    new Promise<{ port?: number; cpuMicros?: number }>((resolve) =>
      child.once('message', (m) => resolve(m as never)),
    );
  const { port } = await next();
  const base = `http://127.0.0.1:${port}/api/v1`;
  try {
    const json = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const email = `bench-${Date.now()}@example.com`;
    const signup = await json('/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    const auth = { Authorization: `Bearer ${String(signup.accessToken)}` };
    const project = await json('/projects', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'bench' }),
    });
    const revealed = await json(`/projects/${String(project.id)}/widget/secret-key`, {
      headers: auth,
    });
    const token = mintToken(String(revealed.secretKey), 'user-1');
    const run = async (seconds: number) => {
      const result = await autocannon({
        url: `${base}/widget/${String(project.id)}/config`,
        connections: CONNECTIONS,
        duration: seconds,
        headers: { Origin: SITE, Authorization: `Bearer ${token}` },
      });
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`http: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      return result;
    };
    /** Switches the statistics (or only reads, when undefined); the server's CPU time, µs. */
    const server = async (stats?: boolean) => {
      child.send({ stats });
      return (await next()).cpuMicros!;
    };
    await run(2); // warm-up
    const rps = { off: [] as number[], on: [] as number[] };
    const cpu = { off: [] as number[], on: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ([false, true] as const) : ([true, false] as const);
      for (const stats of order) {
        const side = stats ? 'on' : 'off';
        const before = await server(stats);
        const result = await run(SECONDS);
        rps[side].push(result.requests.average);
        // The server's CPU time per request: what its throughput is bound by, and far less
        // disturbed than requests per second by other processes of a shared machine.
        const after = await server();
        cpu[side].push((after - before) / result.requests.total);
      }
    }
    const byRps = compare('requests per second', rps.off, rps.on, true);
    const byCpu = compare('server CPU µs per request', cpu.off, cpu.on, false);
    return {
      ...byCpu,
      extra:
        `requests per second off ${f(median(rps.off), 0)} (${rps.off.map((v) => f(v, 0))}), ` +
        `on ${f(median(rps.on), 0)} (${rps.on.map((v) => f(v, 0))}): ` +
        `${byRps.overhead >= 0 ? '+' : ''}${f(byRps.overhead * 100, 1)} % (noisy on a shared ` +
        `machine)`,
    };
  } finally {
    child.send({ close: true });
  }
}

async function main(): Promise<void> {
  const results: Record<string, Comparison> = {};
  if (SECTIONS.includes('micro')) results.micro = await micro();
  if (SECTIONS.includes('http')) results.http = await http();
  for (const [name, c] of Object.entries(results)) {
    console.log(
      `${name}: ${c.unit} off ${f(median(c.off))} (${c.off.map((v) => f(v)).join(', ')}), ` +
        `on ${f(median(c.on))} (${c.on.map((v) => f(v)).join(', ')}); throughput with ` +
        `statistics ${c.overhead >= 0 ? '+' : ''}${f(c.overhead * 100, 1)} % (median of ` +
        `per-round ratios)${c.extra ? `; ${c.extra}` : ''}`,
    );
  }
  const worst = Math.min(...Object.values(results).map((c) => c.overhead));
  console.log(`target: within 5 % → ${worst >= -0.05 ? 'met' : 'NOT met'}`);
}

if (process.argv[2] === '--server') {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
