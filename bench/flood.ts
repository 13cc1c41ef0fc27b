/**
 * `npm run bench:flood`: a flood of random (unknown) project ids from one address, against
 * the real app on 127.0.0.1 (embedded PGlite in a temp DATA_DIR). For each setting of
 * RATE_LIMIT_WIDGET_ANY_PER_MINUTE — the default (3000) and "off" (as before the limit
 * existed) — it reports after how many flood requests the first 429 came, and an
 * authenticated dashboard request's latency (GET /api/v1/projects, one at a time) before the
 * flood, during it until the limit answers, and once it does.
 *
 * Environment: FLOOD_SECONDS (10), FLOOD_CONNECTIONS (20), FLOOD_LIMIT (3000: the limited
 * run's RATE_LIMIT_WIDGET_ANY_PER_MINUTE; on the embedded database each unknown id costs one
 * serialized query, so a lower value reaches the limit sooner on a slow machine).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from './lib/server-process';

const SECONDS = Number(process.env.FLOOD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.FLOOD_CONNECTIONS ?? 20);
const LIMIT = process.env.FLOOD_LIMIT ?? '3000';
const PASSWORD = 'correct horse battery staple';

interface Latency {
  samples: number;
  p50: number;
  p95: number;
  max: number;
}

function summarize(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { samples: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? NaN };
}

/** Times GET /api/v1/projects, one request at a time, until `stop()` says so: [sent at, ms]. */
async function dashboardLatency(base: string, token: string, stop: () => boolean) {
  const samples: [number, number][] = [];
  while (!stop()) {
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/projects`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`dashboard request: ${res.status}`);
    samples.push([started, performance.now() - started]);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples;
}

async function run(label: string, anyLimit: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-flood-'));
  const server = await ServerProcess.start({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000',
    RATE_LIMIT_WIDGET_PER_MINUTE: '600',
    RATE_LIMIT_WIDGET_ANY_PER_MINUTE: anyLimit,
  });
  try {
    const base = server.url;
    const signup = await fetch(`${base}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `flood-${randomUUID()}@example.com`, password: PASSWORD }),
    });
    const { accessToken } = (await signup.json()) as { accessToken: string };
    for (let i = 0; i < 20; i++) {
      await fetch(`${base}/api/v1/projects`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `project ${i}` }),
      });
    }
    let phaseEnd = Date.now() + 3000;
    const before = summarize(
      (await dashboardLatency(base, accessToken, () => Date.now() > phaseEnd)).map((x) => x[1]),
    );

    phaseEnd = Date.now() + SECONDS * 1000;
    const statuses = new Map<number, number>();
    let sent = 0;
    let first429: number | null = null;
    let limitedSince = Infinity;
    const flooder = async () => {
      while (Date.now() < phaseEnd) {
        const n = ++sent;
        const res = await fetch(`${base}/api/v1/widget/${randomUUID()}/config`, {
          headers: { Origin: 'https://flood.example' },
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429 && (first429 === null || n < first429)) first429 = n;
        if (res.status === 429) limitedSince = Math.min(limitedSince, performance.now());
      }
    };
    const [samples] = await Promise.all([
      dashboardLatency(base, accessToken, () => Date.now() > phaseEnd),
      ...Array.from({ length: CONNECTIONS }, flooder),
    ]);
    const during = summarize(samples.filter(([at]) => at < limitedSince).map((x) => x[1]));
    const limited = summarize(samples.filter(([at]) => at >= limitedSince).map((x) => x[1]));
    const answers = Object.fromEntries(statuses);
    return { label, sent, answers, first429, before, during, limited };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const f = (n: number) => n.toFixed(1);
  for (const [label, limit] of [
    [`RATE_LIMIT_WIDGET_ANY_PER_MINUTE=${LIMIT}`, LIMIT],
    ['limit off (100000000, as before the limit)', '100000000'],
  ] as const) {
    const r = await run(label, limit);
    console.log(`\n${r.label}: ${SECONDS} s flood, ${CONNECTIONS} connections, one address`);
    console.log(`  flood requests: ${r.sent}, answers ${JSON.stringify(r.answers)}`);
    console.log(
      `  first 429 at flood request #${r.first429 ?? '—'} (each 404 before it cost a lookup)`,
    );
    const show = (what: string, l: Latency) =>
      console.log(
        `  dashboard GET /api/v1/projects ${what}: p50 ${f(l.p50)} ms, p95 ${f(l.p95)} ms, ` +
          `max ${f(l.max)} ms (n=${l.samples})`,
      );
    show('before the flood', r.before);
    show('during the flood, not yet limited', r.during);
    if (r.limited.samples > 0) show('during the flood, once limited (429)', r.limited);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
