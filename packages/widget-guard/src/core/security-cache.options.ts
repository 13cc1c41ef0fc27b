/** How the guard's per-project cache (security-cache.ts) bounds memory, staleness and waits. */
export interface SecurityCacheOptions {
  /** Projects kept compiled (LRU). */
  maxEntries: number;
  /** An entry not confirmed by a load or a re-check for longer than this is not used. */
  stalenessMs: number;
  /**
   * How often the cache asks the source what changed (`changesSince`; else the versions of
   * every cached project). A tick starts a re-check even while earlier ones still run (at
   * most `recheckTimeoutMs / recheckIntervalMs` at once), so a slow source delays none.
   */
  recheckIntervalMs: number;
  /**
   * A re-check not answered by then is given up (it confirms nothing). With
   * `recheckIntervalMs` it makes the bound on a change whose notice was lost: applied
   * within interval + timeout, as long as the source answers re-checks in time.
   */
  recheckTimeoutMs: number;
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
  // API.md §4 wants changes everywhere within 1 s: NOTIFY is the fast path, the re-check
  // the bound when a notice is lost: 250 ms + an answer within 750 ms = 1 s.
  recheckIntervalMs: 250,
  recheckTimeoutMs: 750,
  sourceTimeoutMs: 3_000,
  negativeTtlMs: 5_000,
  maxNegativeEntries: 10_000,
  maxCachedTokens: 100_000,
  maxCachedTokenBytes: 64 * 1024 * 1024,
  clockSkewSeconds: 60,
  now: Date.now,
});

/**
 * Optional hooks on the cache, for metrics (the package imports no metrics library). They run
 * on the hot path: each must only bump a counter. A hit is a lookup answered from memory
 * (a project's entry or a recently unknown id); a miss is one that has to ask the source; an
 * eviction is an entry dropped to make room (LRU), not one dropped because it changed.
 */
export interface SecurityCacheObserver {
  cacheHit?(): void;
  cacheMiss?(): void;
  cacheEvicted?(): void;
  /** Called once with the cache, to read its number of projects at scrape time. */
  watchCache?(cache: { readonly size: number }): void;
}
