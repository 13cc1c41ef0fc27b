/**
 * One instance of the real app for the benchmark, run as a child process of bench/run.ts (so
 * that the load generator does not share its event loop). Configured by the environment like
 * the service itself; mounts BenchModule's unguarded baseline route; counts every SQL
 * statement sent through `pg`; answers the parent's commands over IPC.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';
import { validateEnv } from '../src/config';
import {
  generateSecretKey,
  MASTER_KEY_VERSION,
  SecretKeyCipher,
} from '../src/secret-keys/secret-key-cipher';
import type { ExecutionContext } from '@nestjs/common';
import {
  DEFAULT_SECURITY_CACHE_OPTIONS,
  SecurityCache,
  WidgetSecurityStateSource,
} from '@hissuno/widget-guard';
import { WidgetAccessGuard } from '@hissuno/widget-guard/nest';
import { InternalListener } from '../src/internal-api/internal-server.provider';
import { BenchModule } from './bench.module';
import type { QueryCounts, ServerCommands, ServerMemory } from './lib/server-process';

const counts: QueryCounts = {
  load: 0,
  recheck: 0,
  stats: 0,
  other: 0,
  otherStatements: {},
  recheckMs: 0,
  loadMs: 0,
};
const since = (start: number) => () => performance.now() - start;
const query = Client.prototype.query as (...args: unknown[]) => unknown;
Client.prototype.query = function (this: Client, ...args: unknown[]) {
  const text = String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text);
  // The guard's two statements (src/secret-keys/security-state.service.ts), and the
  // statistics' periodic flush (src/widget-stats/widget-stats.recorder.ts).
  const recheck = /security_version AS version/.test(text);
  const load = !recheck && /FROM projects p\b/.test(text);
  if (recheck || load) {
    // How long the statement took, callback or promise style alike.
    const elapsed = since(performance.now());
    const add = () => {
      if (recheck) counts.recheckMs += elapsed();
      else counts.loadMs += elapsed();
    };
    if (recheck) counts.recheck += 1;
    else counts.load += 1;
    const callback = args.findIndex((a) => typeof a === 'function');
    if (callback >= 0) {
      const original = args[callback] as (...a: unknown[]) => unknown;
      args[callback] = (...a: unknown[]) => {
        add();
        return original(...a);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).finally === 'function') {
      return (result as Promise<unknown>).finally(add);
    }
    return result;
  }
  if (/INSERT INTO widget_guard_stats/.test(text)) counts.stats += 1;
  else {
    counts.other += 1;
    const shown = text.replace(/\s+/g, ' ').slice(0, 80);
    counts.otherStatements[shown] = (counts.otherStatements[shown] ?? 0) + 1;
  }
  return query.apply(this, args);
} as typeof Client.prototype.query;

const SEED_BATCH = 10_000;

async function main(): Promise<void> {
  const config = validateEnv(process.env);
  // LOG_LEVEL as configured (info by default): every line is built and redacted, then dropped.
  const app: NestFastifyApplication = await createApp(config, {
    logDestination: { write: () => undefined },
    imports: [BenchModule],
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const dataSource = app.get(DataSource);
  const cipher = app.get(SecretKeyCipher, { strict: false });
  const cache = app.get(SecurityCache, { strict: false });

  let closing = false;
  const profiler = new Session();
  const commands: ServerCommands = {
    queries: () => ({ ...counts, otherStatements: { ...counts.otherStatements } }),
    // The app's own guard instance (its observer and rate limiter as bound), called in a loop
    // on stand-ins for Fastify's request and reply: µs per call.
    guardLoop: async ({ projectId, origin, authorization, iterations }) => {
      const guard = app.get(WidgetAccessGuard, { strict: false });
      const headers = new Map<string, string>();
      const reply = {
        header: (name: string, value: string) => headers.set(name.toLowerCase(), value),
        getHeader: (name: string) => headers.get(name.toLowerCase()),
      };
      const context = () => {
        const request = {
          params: { projectId },
          headers: { origin, authorization },
          ip: '127.0.0.1',
          body: undefined,
        };
        return {
          switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
        } as unknown as ExecutionContext;
      };
      await guard.canActivate(context());
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) {
        headers.clear();
        await guard.canActivate(context());
      }
      return Number(process.hrtime.bigint() - start) / iterations / 1000;
    },
    // A CPU profile of this process between two commands (bench/profile-route.ts).
    profileStart: () => {
      profiler.connect();
      return new Promise<null>((resolve) =>
        profiler.post('Profiler.enable', () =>
          profiler.post('Profiler.setSamplingInterval', { interval: 100 }, () =>
            profiler.post('Profiler.start', () => resolve(null)),
          ),
        ),
      );
    },
    profileStop: ({ file }) =>
      new Promise<null>((resolve, reject) =>
        profiler.post('Profiler.stop', (error, { profile }) => {
          profiler.disconnect();
          if (error) reject(error);
          else resolve(writeFileSync(file, JSON.stringify(profile)) ?? null);
        }),
      ),
    usage: () => ({
      cpuMicros: (({ user, system }) => user + system)(process.cpuUsage()),
      eventLoopActiveMs: performance.eventLoopUtilization().active,
      eventLoopIdleMs: performance.eventLoopUtilization().idle,
    }),
    resetQueries: () => {
      counts.load = counts.recheck = counts.stats = counts.other = 0;
      counts.loadMs = counts.recheckMs = 0;
      counts.otherStatements = {};
      return null;
    },
    // The cache's re-check, both ways, on the app's own source: the versions of `ids` (what
    // every re-check asked before changesSince) and what changed since the last cursor.
    recheckCost: async ({ ids, rounds }) => {
      const source = app.get(WidgetSecurityStateSource, { strict: false });
      const time = async (call: () => Promise<unknown>) => {
        await call();
        const cpu = process.cpuUsage();
        const start = performance.now();
        for (let i = 0; i < rounds; i++) await call();
        const { user, system } = process.cpuUsage(cpu);
        return { ms: (performance.now() - start) / rounds, cpuUs: (user + system) / rounds };
      };
      let cursor = (await source.changesSince!(null)).cursor;
      return {
        cachedIds: ids.length,
        versions: await time(() => source.versions(ids)),
        changesSince: await time(async () => {
          cursor = (await source.changesSince!(cursor)).cursor;
        }),
      };
    },
    clearCache: () => {
      cache.clear();
      return null;
    },
    memory: (): ServerMemory => {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      return {
        rss,
        heapUsed,
        cachedProjects: cache.size,
        maxCachedProjects: DEFAULT_SECURITY_CACHE_OPTIONS.maxEntries,
        cachedTokens: cache.tokenCacheUsage.entries,
        cachedTokenBytes: cache.tokenCacheUsage.bytes,
        maxCachedTokens: DEFAULT_SECURITY_CACHE_OPTIONS.maxCachedTokens,
        maxCachedTokenBytes: DEFAULT_SECURITY_CACHE_OPTIONS.maxCachedTokenBytes,
      };
    },
    // Projects with one current key each, sealed by the app's own SecretKeyCipher: what the
    // guard reads is exactly what the service writes. Returns the first `keep` keys in clear.
    createProjects: async ({ count, keep, allowedOrigins }) => {
      const kept: { id: string; secret: string }[] = [];
      for (let done = 0; done < count; done += SEED_BATCH) {
        const size = Math.min(SEED_BATCH, count - done);
        const rows: { id: string }[] = await dataSource.query(
          `INSERT INTO projects (name, allowed_origins)
           SELECT 'bench ' || g, $1::text[] FROM generate_series(1, $2) g RETURNING id`,
          [allowedOrigins, size],
        );
        const ids = rows.map((r) => r.id);
        const secrets = ids.map(() => generateSecretKey());
        await dataSource.query(
          `INSERT INTO secret_keys (project_id, epoch, ciphertext, master_key_version, hint)
           SELECT k.id, 1, k.ciphertext, $4, k.hint
             FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS k(id, ciphertext, hint)`,
          [
            ids,
            ids.map((id, i) => cipher.seal(secrets[i], id, 1)),
            secrets.map((s) => s.slice(-4)),
            MASTER_KEY_VERSION,
          ],
        );
        for (let i = 0; i < ids.length && kept.length < keep; i++) {
          kept.push({ id: ids[i], secret: secrets[i] });
        }
      }
      return kept;
    },
    internalPort: () => app.get(InternalListener, { strict: false }).address()?.port ?? null,
    close: async () => {
      closing = true;
      await app.close();
      return null;
    },
  };

  process.on('message', (message: { id: number; command: keyof ServerCommands; args?: never }) => {
    const run = async () => commands[message.command](message.args as never);
    run().then(
      (result) => process.send?.({ id: message.id, result }),
      (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
    );
  });
  // The parent is gone (it crashed or gave up): close cleanly rather than linger.
  process.once('disconnect', () => {
    if (!closing) void app.close().finally(() => process.exit(0));
  });
  process.send?.({ ready: true, port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
