import type { ExecutionContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { SecurityStateService } from '../../src/secret-keys/security-state.service';
import type { ProjectSecurityState } from '../../src/secret-keys/security-state';
import { MetricsService } from '../../src/metrics/metrics.service';
import {
  DEFAULT_WIDGET_CORS,
  SecurityCache,
  WidgetAccessService,
  type CachedSecurity,
} from '@hissuno/widget-guard';
import { WidgetAccessGuard } from '@hissuno/widget-guard/nest';
import { DatabaseWidgetSecurityStateSource } from '../../src/widget-security/database-widget-security-state.source';
import { WidgetMetricsObserver } from '../../src/widget-security/widget-metrics.observer';
import { hmacFloor, mintToken } from '../lib/hs256';

export interface MicroFigures {
  iterations: number;
  rounds: number;
  /** µs per operation, median over the rounds. */
  floorUs: number;
  decideRepeatUs: number;
  decideFreshUs: number;
  verifierRepeatUs: number;
  guardRepeatUs: number;
  ratioRepeat: number;
  ratioFresh: number;
}

const SITE = 'https://shop.example.com';
const PROJECT_ID = '5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2f';
// Distinct tokens per round, each used once in the whole run: every call is a cache miss.
const FRESH_PER_ROUND = 20_000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function timeSync(iterations: number, body: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body(i);
  return Number(process.hrtime.bigint() - start) / iterations / 1000;
}

async function timeAsync(
  iterations: number,
  body: (i: number) => Promise<unknown>,
): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await body(i);
  return Number(process.hrtime.bigint() - start) / iterations / 1000;
}

/**
 * The guard's decision on one project, through this app's real binding (UUID canonical id,
 * compiled origin policy, verifier per key epoch, metrics observer), against the raw HMAC
 * floor measured in the same process and rounds.
 */
export async function runGuardMicro(iterations = 100_000, rounds = 5): Promise<MicroFigures> {
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
  const cache = new SecurityCache(source);
  const access = new WidgetAccessService(source, cache, DEFAULT_WIDGET_CORS);
  const guard = new WidgetAccessGuard(access, new WidgetMetricsObserver(new MetricsService()));

  const token = mintToken(secret, 'user-1');
  const fresh = Array.from({ length: FRESH_PER_ROUND * rounds }, (_, i) =>
    mintToken(secret, `user-${i}`),
  );
  const repeat = { projectId: PROJECT_ID, origin: SITE, authorization: `Bearer ${token}` };
  const freshInputs = fresh.map((t) => ({ ...repeat, authorization: `Bearer ${t}` }));
  const first = await access.decide(repeat);
  if (!first.allowed || first.outcome !== 'verified') throw new Error('micro: token refused');
  const entry = (await cache.get(PROJECT_ID)) as CachedSecurity;
  const floor = hmacFloor(secret);

  // A guard call on stand-ins for Fastify's request and reply.
  const replyHeaders = new Map<string, string>();
  const reply = {
    header: (name: string, value: string) => replyHeaders.set(name.toLowerCase(), value),
    getHeader: (name: string) => replyHeaders.get(name.toLowerCase()),
  };
  const httpContext = (headers: Record<string, string>) => {
    const request = { params: { projectId: PROJECT_ID }, headers };
    return {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
  };
  const guardHeaders = { origin: SITE, authorization: repeat.authorization };

  const samples: Record<string, number[]> = {
    floor: [],
    decideRepeat: [],
    decideFresh: [],
    verifierRepeat: [],
    guardRepeat: [],
  };
  let freshIndex = 0;
  for (let round = 0; round < rounds; round++) {
    samples.floor.push(timeSync(iterations, () => floor(token)));
    samples.decideRepeat.push(await timeAsync(iterations, () => access.decide(repeat)));
    samples.decideFresh.push(
      await timeAsync(FRESH_PER_ROUND, () => access.decide(freshInputs[freshIndex++])),
    );
    samples.verifierRepeat.push(timeSync(iterations, () => entry.verifier.verify(token)));
    samples.guardRepeat.push(
      await timeAsync(iterations, () => {
        replyHeaders.clear();
        return guard.canActivate(httpContext(guardHeaders));
      }),
    );
  }
  const [floorUs, decideRepeatUs, decideFreshUs, verifierRepeatUs, guardRepeatUs] = [
    samples.floor,
    samples.decideRepeat,
    samples.decideFresh,
    samples.verifierRepeat,
    samples.guardRepeat,
  ].map(median);
  return {
    iterations,
    rounds,
    floorUs,
    decideRepeatUs,
    decideFreshUs,
    verifierRepeatUs,
    guardRepeatUs,
    ratioRepeat: decideRepeatUs / floorUs,
    ratioFresh: decideFreshUs / floorUs,
  };
}

if (require.main === module) {
  const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 100_000);
  runGuardMicro(iterations).then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
