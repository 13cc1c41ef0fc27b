import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface QueryCounts {
  /** Cache misses: the guard's load of one project's state. */
  load: number;
  /** The cache's periodic version re-check: one statement a second, whatever the traffic. */
  recheck: number;
  /** The guard statistics' periodic flush (every few seconds, whatever the traffic). */
  stats: number;
  other: number;
  /** The other statements, by their first 80 characters. */
  otherStatements: Record<string, number>;
  /** Time from sending to answer, summed, of the loads and of the re-checks (ms). */
  loadMs: number;
  recheckMs: number;
}

export interface ServerMemory {
  rss: number;
  heapUsed: number;
  cachedProjects: number;
  maxCachedProjects: number;
  cachedTokens: number;
  cachedTokenBytes: number;
  maxCachedTokens: number;
  maxCachedTokenBytes: number;
}

/** One re-check statement, each way: wall ms and this process's CPU µs, per call. */
export interface RecheckCost {
  cachedIds: number;
  versions: { ms: number; cpuUs: number };
  changesSince: { ms: number; cpuUs: number };
}

/** Cumulative since the server started; subtract two readings. */
export interface ServerUsage {
  /** CPU time of the whole process (user + system), µs. */
  cpuMicros: number;
  eventLoopActiveMs: number;
  eventLoopIdleMs: number;
}

export interface ServerCommands {
  queries(): QueryCounts;
  usage(): ServerUsage;
  guardLoop(args: {
    projectId: string;
    origin: string;
    authorization: string;
    iterations: number;
  }): Promise<number>;
  profileStart(): Promise<null>;
  profileStop(args: { file: string }): Promise<null>;
  resetQueries(): null;
  recheckCost(args: { ids: string[]; rounds: number }): Promise<RecheckCost>;
  clearCache(): null;
  memory(): ServerMemory;
  createProjects(args: {
    count: number;
    keep: number;
    allowedOrigins: string[];
  }): Promise<{ id: string; secret: string }[]>;
  /** The internal listener's port (INTERNAL_PORT), or null when it is off. */
  internalPort(): number | null;
  close(): Promise<null>;
}

type Args<C extends keyof ServerCommands> = Parameters<ServerCommands[C]>;
type Result<C extends keyof ServerCommands> = Awaited<ReturnType<ServerCommands[C]>>;

/** A bench/server.ts child: the app listening on 127.0.0.1:port. */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    (reply: { result?: unknown; error?: string }) => void
  >();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (reply: { id: number; result?: unknown; error?: string }) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `script`: bench/server.ts (the app) or bench/bare-server.ts (the bare baseline). */
  static start(
    env: Record<string, string>,
    startTimeoutMs = 120_000,
    script = 'server.js',
  ): Promise<ServerProcess> {
    const child = fork(join(__dirname, '..', script), [], {
      env: { ...process.env, ...env, PORT: '0' },
      // BENCH_CPU_PROF_DIR: a .cpuprofile of each server, written when it ends.
      execArgv: process.env.BENCH_CPU_PROF_DIR
        ? ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
        : ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the bench server did not start in time'));
      }, startTimeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the bench server exited with ${code} before it was ready`));
      });
      child.once('message', (message: { ready?: boolean; port?: number }) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        if (message.ready && message.port) resolve(new ServerProcess(child, message.port));
        else reject(new Error('the bench server sent an unexpected first message'));
      });
    });
  }

  call<C extends keyof ServerCommands>(command: C, ...args: Args<C>): Promise<Result<C>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply.result as Result<C>),
      );
      this.child.send({ id, command, args: args[0] });
    });
  }

  /** Closes the app (database included), then waits for the process to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await Promise.race([this.call('close'), new Promise((r) => setTimeout(r, 15_000))]);
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
