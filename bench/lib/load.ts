import autocannon, { type AutocannonRequest } from 'autocannon';
import { get } from 'node:http';

export const SITE = 'https://shop.example.com';

export interface LoadFigures {
  connections: number;
  seconds: number;
  requests: number;
  /** Mean requests per second. */
  rps: number;
  /** Latency in ms, from every response (autocannon's own histogram has 1 ms steps). */
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** The server's CPU time per request (µs) and event-loop utilisation, when measured. */
  serverCpuUsPerRequest?: number;
  serverEventLoopUtilization?: number;
}

export interface LoadOptions {
  url: string;
  /** Paths and tokens are taken in turn, one per request, across every connection. */
  paths: readonly string[];
  tokens: readonly string[];
  connections: number;
  /** GET unless said; a body is sent as JSON. */
  method?: 'GET' | 'PATCH';
  body?: string;
  /** More headers, the same on every request (the authorize run: the gateway's). */
  headers?: Record<string, string>;
  /** A duration in seconds, or `amount` requests in all. */
  seconds?: number;
  amount?: number;
}

export interface LoadRun {
  figures: LoadFigures;
  /** Every response's latency, ms. */
  latencies: Float64Array;
  /** The server's usage over the run (see ServerProcess.usage), when measured. */
  serverCpuMicros?: number;
  serverActiveMs?: number;
  serverIdleMs?: number;
}

function summarize(
  connections: number,
  seconds: number,
  requests: number,
  latencies: Float64Array,
  non2xx: number,
  errors: number,
): LoadFigures {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    connections,
    seconds,
    requests,
    rps: requests / seconds,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
    non2xx,
    errors,
  };
}

/** Several runs of one kind (interleaved with other kinds) as one. */
export function mergeRuns(runs: readonly LoadRun[]): LoadFigures {
  const all = new Float64Array(runs.reduce((n, r) => n + r.latencies.length, 0));
  let offset = 0;
  for (const run of runs) {
    all.set(run.latencies, offset);
    offset += run.latencies.length;
  }
  const sum = (pick: (f: LoadFigures) => number) => runs.reduce((n, r) => n + pick(r.figures), 0);
  const merged = summarize(
    runs[0].figures.connections,
    sum((f) => f.seconds),
    sum((f) => f.requests),
    all,
    sum((f) => f.non2xx),
    sum((f) => f.errors),
  );
  if (runs.every((r) => r.serverCpuMicros !== undefined)) {
    const total = (pick: (r: LoadRun) => number) => runs.reduce((n, r) => n + pick(r), 0);
    merged.serverCpuUsPerRequest = total((r) => r.serverCpuMicros!) / merged.requests;
    const active = total((r) => r.serverActiveMs!);
    merged.serverEventLoopUtilization = active / (active + total((r) => r.serverIdleMs!));
  }
  return merged;
}

/**
 * One autocannon run over loopback. Every request is built by the same setupRequest hook
 * (guarded or not, repeated token or not), so the load generator costs the same in each run.
 */
export async function load(options: LoadOptions): Promise<LoadFigures> {
  return (await loadRun(options)).figures;
}

export async function loadRun(options: LoadOptions): Promise<LoadRun> {
  let next = 0;
  const { paths, tokens } = options;
  const request: AutocannonRequest = {
    method: options.method ?? 'GET',
    ...(options.body !== undefined
      ? { body: options.body, headers: { 'content-type': 'application/json' } }
      : {}),
    setupRequest: (req) => {
      const i = next++;
      req.path = paths[i % paths.length];
      req.headers = {
        ...req.headers,
        ...options.headers,
        origin: SITE,
        authorization: `Bearer ${tokens[i % tokens.length]}`,
      };
      return req;
    },
  };
  const latencies: number[] = [];
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds }),
    timeout: 10,
    requests: [request],
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const started = performance.now();
  const result = await instance;
  // Our own clock: autocannon's duration of an `amount` run is rounded up to its 1 s ticks.
  const seconds = (performance.now() - started) / 1000;
  const measured = Float64Array.from(latencies);
  const figures = summarize(
    options.connections,
    seconds,
    result.requests.total,
    measured,
    result.non2xx,
    result.errors + result.timeouts,
  );
  return { figures, latencies: measured };
}

/** The bytes of an answer's status line and headers (as sent), and the header names. */
export function headerBytes(
  url: string,
  headers: Record<string, string>,
): Promise<{ bytes: number; names: string[] }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers }, (res) => {
      const raw = res.rawHeaders;
      let bytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
      const names: string[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        bytes += Buffer.byteLength(`${raw[i]}: ${raw[i + 1]}\r\n`);
        names.push(raw[i].toLowerCase());
      }
      res.resume();
      res.on('end', () => resolve({ bytes, names }));
    });
    request.on('error', reject);
  });
}
