import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { CONSOLE_GUARD_LOGGER, type WidgetGuardLogger } from './guard-logger';
import {
  createTokenVerifier,
  VerifiedTokenCache,
  type TokenVerifier,
} from './token/token-verifier';
import {
  DEFAULT_SECURITY_CACHE_OPTIONS,
  type SecurityCacheObserver,
  type SecurityCacheOptions,
} from './security-cache.options';
import { StateBatcher } from './state-batcher';
import type {
  WidgetOriginPolicy,
  WidgetSecurityState,
  WidgetSecurityStateSource,
} from './widget-security-state';

export { DEFAULT_SECURITY_CACHE_OPTIONS } from './security-cache.options';
export type { SecurityCacheObserver, SecurityCacheOptions } from './security-cache.options';

const noop = (): void => undefined;

/** One project's security state, compiled once per version. Holds key material: never log. */
export interface CachedSecurity {
  readonly projectId: string;
  readonly version: number;
  readonly keyEpoch: number;
  readonly requireToken: boolean;
  readonly originPolicy: WidgetOriginPolicy;
  readonly verifier: TokenVerifier;
  /** SHA-256 of the current secret key, to recognise it when a caller leaks it. */
  readonly currentKeyDigest: Buffer;
  /** When the source last confirmed this version (load start or re-check start). */
  checkedAtMs: number;
}

/** The source could not be asked; the guard answers 503 rather than guess. */
export class SecurityStateUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the widget security state could not be loaded', { cause });
  }
}

export const secretDigest = (secret: string): Buffer =>
  createHash('sha256').update(secret).digest();

/**
 * The guard's per-project cache. Steady state: a hit costs one map lookup, no I/O, no
 * parsing. Invalidation: change notices evict at once; a periodic re-check compares versions
 * in one query and evicts what changed; an entry unconfirmed for `stalenessMs` is reloaded,
 * and when that load fails the caller gets an error (fail closed: a rotated key must not
 * keep working because the database is down).
 */
export class SecurityCache {
  private readonly options: SecurityCacheOptions;
  private readonly entries: LRUCache<string, CachedSecurity>;
  /** Unknown ids → until when they are answered without a load. */
  private readonly unknown: LRUCache<string, number>;
  /** Shared by the verifiers of every entry, so that their memory has one bound. */
  private readonly tokens: VerifiedTokenCache;
  /** Single flight: concurrent misses of one project share one load. */
  private readonly loading = new Map<string, Flight>();
  /** With a source that has `loadMany`: concurrent misses of different projects, one call. */
  private readonly batcher: StateBatcher | null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Re-checks running; at most `maxRechecks` (a source slower than that only goes stale). */
  private rechecking = 0;
  private readonly maxRechecks: number;
  private recheckFailing = false;
  /** changesSince: the cursor, and the start of the re-check that answered it. */
  private cursor: string | null = null;
  private cursorAtMs = -Infinity;
  /** changesSince: every entry is current as of the start of the last re-check answered. */
  private confirmedAtMs = -Infinity;
  /** The observer's hooks, bound once (a hit costs one call, no lookup). */
  private readonly onHit: () => void;
  private readonly onMiss: () => void;

  constructor(
    private readonly source: WidgetSecurityStateSource,
    options: Partial<SecurityCacheOptions> = {},
    private readonly logger: WidgetGuardLogger = CONSOLE_GUARD_LOGGER,
    observer: SecurityCacheObserver = {},
  ) {
    this.options = { ...DEFAULT_SECURITY_CACHE_OPTIONS, ...options };
    this.onHit = observer.cacheHit?.bind(observer) ?? noop;
    this.onMiss = observer.cacheMiss?.bind(observer) ?? noop;
    const evicted = observer.cacheEvicted?.bind(observer);
    this.batcher = source.loadMany
      ? new StateBatcher(source as ConstructorParameters<typeof StateBatcher>[0])
      : null;
    this.maxRechecks = Math.max(
      1,
      Math.ceil(this.options.recheckTimeoutMs / this.options.recheckIntervalMs),
    );
    this.entries = new LRUCache({
      max: this.options.maxEntries,
      ...(evicted && { dispose: (_v, _k, reason) => reason === 'evict' && evicted() }),
    });
    this.unknown = new LRUCache({ max: this.options.maxNegativeEntries });
    this.tokens = new VerifiedTokenCache({
      maxEntries: this.options.maxCachedTokens,
      maxBytes: this.options.maxCachedTokenBytes,
    });
    observer.watchCache?.(this);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Verified tokens remembered, and their estimated bytes (bounded by the options). */
  get tokenCacheUsage(): { entries: number; bytes: number } {
    return { entries: this.tokens.size, bytes: this.tokens.bytes };
  }

  /**
   * Synchronous fast path: a fresh entry, `null` for a recently unknown project, or
   * `undefined` when `load` must be awaited. Counts a hit (the miss is counted by `get`).
   */
  peek(projectId: string): CachedSecurity | null | undefined {
    const found = this.find(projectId);
    if (found !== undefined) this.onHit();
    return found;
  }

  /** The entry of a project (`null`: unknown or deleted). Throws SecurityStateUnavailableError. */
  get(projectId: string): Promise<CachedSecurity | null> {
    const found = this.find(projectId);
    if (found !== undefined) {
      this.onHit();
      return Promise.resolve(found);
    }
    this.onMiss();
    return this.load(projectId);
  }

  private find(projectId: string): CachedSecurity | null | undefined {
    const now = this.options.now();
    const entry = this.entries.get(projectId);
    if (entry !== undefined) {
      const checkedAtMs = Math.max(entry.checkedAtMs, this.confirmedAtMs);
      return now - checkedAtMs <= this.options.stalenessMs ? entry : undefined;
    }
    const until = this.unknown.get(projectId);
    if (until === undefined) return undefined;
    if (now < until) return null;
    this.unknown.delete(projectId);
    return undefined;
  }

  evict(projectId: string): void {
    this.entries.delete(projectId);
    this.unknown.delete(projectId);
    // A load already running may have read the state before the change: not stored.
    this.loading.delete(projectId);
  }

  clear(): void {
    this.entries.clear();
    this.unknown.clear();
    this.loading.clear();
    this.tokens.clear();
  }

  /** Subscribes to the source's change feed and starts the periodic re-check. */
  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.source.subscribe(
      (projectId) => {
        const id = typeof projectId === 'string' ? this.source.canonicalId(projectId) : null;
        if (id !== null) this.evict(id);
      },
      () => this.clear(),
    );
    this.timer = setInterval(() => {
      if (this.rechecking < this.maxRechecks) void this.recheck();
    }, this.options.recheckIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.clear();
  }

  /**
   * Asks the source what changed and evicts it; what did not change is confirmed as of the
   * moment the call started. With `changesSince` one call costs the same whatever the number
   * of cached projects; else the versions of every cached project are compared in one call.
   * On failure (or after `recheckTimeoutMs`) nothing is confirmed, so entries go stale and
   * requests fail closed.
   */
  async recheck(): Promise<void> {
    const startedAt = this.options.now();
    this.rechecking += 1;
    try {
      if (this.source.changesSince) await this.recheckChanges(startedAt);
      else await this.recheckVersions(startedAt);
      if (this.recheckFailing) this.logger.log('widget security re-check works again');
      this.recheckFailing = false;
    } catch (error) {
      if (!this.recheckFailing) {
        this.logger.warn({ err: error }, 'widget security re-check failed; entries will go stale');
      }
      this.recheckFailing = true;
    } finally {
      this.rechecking -= 1;
    }
  }

  private async recheckChanges(startedAt: number): Promise<void> {
    const asked = this.cursor;
    const answer = await this.withinTimeout(
      this.source.changesSince!(asked),
      this.options.recheckTimeoutMs,
    );
    if (asked === null) {
      // A first cursor says nothing about changes before it: what was cached (or refused as
      // unknown) earlier is dropped once, and reloaded on demand.
      for (const [id, entry] of this.entries.entries()) {
        if (entry.checkedAtMs <= startedAt) this.entries.delete(id);
      }
      this.unknown.clear();
    }
    for (const [id, version] of answer.changed) {
      const entry = this.entries.peek(id);
      // Versions only grow: an entry at least as new as the answer (loaded since) is kept.
      if (entry !== undefined && (version === null || version > entry.version)) {
        this.entries.delete(id);
      }
      this.unknown.delete(id);
      // A load already running may have read the state before the change: not stored.
      this.loading.delete(id);
    }
    // Re-checks may overlap: the cursor of the latest one started wins.
    if (startedAt >= this.cursorAtMs) {
      this.cursor = answer.cursor;
      this.cursorAtMs = startedAt;
    }
    if (this.cursor !== null) this.confirmedAtMs = Math.max(this.confirmedAtMs, startedAt);
  }

  private async recheckVersions(startedAt: number): Promise<void> {
    if (this.entries.size === 0) return;
    const asked = [...this.entries.keys()];
    const versions = await this.withinTimeout(
      this.source.versions(asked),
      this.options.recheckTimeoutMs,
    );
    // Only the projects asked about: one stored while the versions were read is not in
    // them (and is at least as new); dropping it would cost a reload, and at capacity an
    // eviction of another entry, then another… (a cascade the benchmark showed).
    for (const id of asked) {
      const entry = this.entries.peek(id);
      if (entry === undefined) continue;
      const version = versions.get(id);
      if (version === entry.version) {
        entry.checkedAtMs = Math.max(entry.checkedAtMs, startedAt);
      } else if (entry.checkedAtMs <= startedAt) {
        // Loaded after the versions were read? Then it is newer than them: keep it.
        this.entries.delete(id);
      }
    }
  }

  /** The source's answer, or a rejection once `ms` have passed without one. */
  private withinTimeout<T>(answer: Promise<T>, ms = this.options.sourceTimeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the source in ${ms} ms`)), ms);
      timer.unref();
    });
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  }

  private load(projectId: string): Promise<CachedSecurity | null> {
    const running = this.loading.get(projectId);
    if (running) return running.promise;
    // Registered before the source is called, so even a synchronous throw is cleaned up.
    const flight: Flight = { promise: Promise.resolve(null) };
    this.loading.set(projectId, flight);
    flight.promise = this.fetch(projectId, flight);
    return flight.promise;
  }

  private async fetch(projectId: string, flight: Flight): Promise<CachedSecurity | null> {
    const startedAt = this.options.now();
    let entry: CachedSecurity | null;
    try {
      const read = this.batcher ? this.batcher.load(projectId) : this.source.load(projectId);
      const state = await this.withinTimeout(read);
      // A state we cannot compile (no key, bad lifetime) is refused like an unreadable one.
      entry = state ? compileEntry(state, startedAt, this.options, this.tokens) : null;
    } catch (error) {
      if (this.loading.get(projectId) === flight) this.loading.delete(projectId);
      throw new SecurityStateUnavailableError(error);
    }
    // Evicted meanwhile? The state may predate the change: answer this caller, keep nothing.
    if (this.loading.get(projectId) !== flight) return entry;
    this.loading.delete(projectId);
    if (entry) this.entries.set(projectId, entry);
    else {
      this.entries.delete(projectId);
      this.unknown.set(projectId, this.options.now() + this.options.negativeTtlMs);
    }
    return entry;
  }
}

interface Flight {
  promise: Promise<CachedSecurity | null>;
}

function compileEntry(
  state: WidgetSecurityState,
  checkedAtMs: number,
  { clockSkewSeconds }: SecurityCacheOptions,
  cache: VerifiedTokenCache,
): CachedSecurity {
  return {
    projectId: state.projectId,
    version: state.version,
    keyEpoch: state.keyEpoch,
    requireToken: state.requireToken,
    originPolicy: state.originPolicy,
    verifier: createTokenVerifier(state.keys, {
      maxTokenLifetimeSeconds: state.maxTokenLifetimeSeconds,
      clockSkewSeconds,
      cache,
    }),
    currentKeyDigest: secretDigest(state.keys.current.secret),
    checkedAtMs,
  };
}
