import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import {
  createTokenVerifier,
  VerifiedTokenCache,
  type TokenVerifier,
} from './token/token-verifier';
import type {
  WidgetOriginPolicy,
  WidgetSecurityState,
  WidgetSecurityStateSource,
} from './widget-security-state';

export interface SecurityCacheOptions {
  /** Projects kept compiled (LRU). */
  maxEntries: number;
  /** An entry not confirmed by a load or a re-check for longer than this is not used. */
  stalenessMs: number;
  /** How often the versions of every cached project are compared with the source. */
  recheckIntervalMs: number;
  /**
   * A load or re-check the source has not answered by then is given up: the request gets a
   * 503 rather than waiting (a database cut off by the network may never answer nor close).
   */
  sourceTimeoutMs: number;
  /** How long an unknown project id is answered 404 without asking the source again. */
  negativeTtlMs: number;
  maxNegativeEntries: number;
  /**
   * Verified tokens remembered across all projects (one shared, bounded cache: a hit skips the
   * HMAC), by count and by estimated bytes.
   */
  maxCachedTokens: number;
  maxCachedTokenBytes: number;
  /** Clock skew allowed on exp, nbf and iat. */
  clockSkewSeconds: number;
  /** The cache's clock (tests pass a fake one). */
  now: () => number;
}

export const DEFAULT_SECURITY_CACHE_OPTIONS: Readonly<SecurityCacheOptions> = Object.freeze({
  maxEntries: 10_000,
  stalenessMs: 10_000,
  // API.md §4 wants changes everywhere within 1 s: NOTIFY is the fast path, this re-check
  // is the bound when a notice is lost.
  recheckIntervalMs: 1_000,
  sourceTimeoutMs: 3_000,
  negativeTtlMs: 5_000,
  maxNegativeEntries: 10_000,
  maxCachedTokens: 100_000,
  maxCachedTokenBytes: 64 * 1024 * 1024,
  clockSkewSeconds: 60,
  now: Date.now,
});

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
  private readonly logger = new Logger('WidgetAccess');
  private readonly options: SecurityCacheOptions;
  private readonly entries: LRUCache<string, CachedSecurity>;
  /** Unknown ids → until when they are answered without a load. */
  private readonly unknown: LRUCache<string, number>;
  /** Shared by the verifiers of every entry, so that their memory has one bound. */
  private readonly tokens: VerifiedTokenCache;
  /** Single flight: concurrent misses of one project share one load. */
  private readonly loading = new Map<string, Flight>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private rechecking = false;
  private recheckFailing = false;

  constructor(
    private readonly source: WidgetSecurityStateSource,
    options: Partial<SecurityCacheOptions> = {},
  ) {
    this.options = { ...DEFAULT_SECURITY_CACHE_OPTIONS, ...options };
    this.entries = new LRUCache({ max: this.options.maxEntries });
    this.unknown = new LRUCache({ max: this.options.maxNegativeEntries });
    this.tokens = new VerifiedTokenCache({
      maxEntries: this.options.maxCachedTokens,
      maxBytes: this.options.maxCachedTokenBytes,
    });
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
   * `undefined` when `load` must be awaited.
   */
  peek(projectId: string): CachedSecurity | null | undefined {
    const now = this.options.now();
    const entry = this.entries.get(projectId);
    if (entry !== undefined) {
      return now - entry.checkedAtMs <= this.options.stalenessMs ? entry : undefined;
    }
    const until = this.unknown.get(projectId);
    if (until === undefined) return undefined;
    if (now < until) return null;
    this.unknown.delete(projectId);
    return undefined;
  }

  /** The entry of a project (`null`: unknown or deleted). Throws SecurityStateUnavailableError. */
  get(projectId: string): Promise<CachedSecurity | null> {
    const hit = this.peek(projectId);
    return hit === undefined ? this.load(projectId) : Promise.resolve(hit);
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
    this.timer = setInterval(() => void this.recheck(), this.options.recheckIntervalMs);
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
   * Compares the version of every cached project with the source in one call: changed or
   * deleted ones are evicted, unchanged ones confirmed (as of the moment the call started).
   * On failure nothing is confirmed, so entries go stale and requests fail closed.
   */
  async recheck(): Promise<void> {
    if (this.rechecking || this.entries.size === 0) return;
    this.rechecking = true;
    const startedAt = this.options.now();
    try {
      const asked = [...this.entries.keys()];
      const versions = await this.withinTimeout(this.source.versions(asked));
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
      if (this.recheckFailing) this.logger.log('widget security re-check works again');
      this.recheckFailing = false;
    } catch (error) {
      if (!this.recheckFailing) {
        this.logger.warn({ err: error }, 'widget security re-check failed; entries will go stale');
      }
      this.recheckFailing = true;
    } finally {
      this.rechecking = false;
    }
  }

  /** The source's answer, or a rejection once `sourceTimeoutMs` has passed without one. */
  private withinTimeout<T>(answer: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const ms = this.options.sourceTimeoutMs;
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
      const state = await this.withinTimeout(this.source.load(projectId));
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
