import type { SecurityCacheObserver } from './security-cache.options';
import type { ProjectSigningKeys } from './token/token-verifier';

/** A compiled origin allow-list: built once per settings change, never per request. */
export interface WidgetOriginPolicy {
  /** True when the project allows every origin (empty list, development mode). */
  readonly allowsAll: boolean;
  /** Never throws, whatever the request's Origin header holds. */
  matches(requestOrigin: string | undefined): boolean;
}

/**
 * Everything the guard needs about one project, as the app's source hands it over.
 * Holds secret keys in clear: never log it, never put it in a response.
 */
export interface WidgetSecurityState {
  /** The canonical id, the one change notices carry. */
  readonly projectId: string;
  /** Grows on every change of the security state; compared by the cache's re-check. */
  readonly version: number;
  readonly keyEpoch: number;
  readonly requireToken: boolean;
  readonly originPolicy: WidgetOriginPolicy;
  /** Current key, previous key with the end of its grace (ms), retired keys. */
  readonly keys: ProjectSigningKeys;
  /** Cap on a token's lifetime (`exp` - `iat`), or null for none. */
  readonly maxTokenLifetimeSeconds: number | null;
}

/** What `changesSince` answers: every project whose state changed since the cursor given. */
export interface WidgetStateChanges {
  /** Opaque; pass it to the next call. */
  readonly cursor: string;
  /** Canonical id → its current `version`, or `null` when the project is gone (deleted). */
  readonly changed: ReadonlyMap<string, number | null>;
}

/** Called with a project id whose state changed; `onResync`: notices may have been lost. */
export type WidgetStateChangeListener = (projectId: string) => void;

/**
 * The port widget-access depends on instead of the app's projects and keys. Bind an
 * implementation with `WidgetAccessModule.forRoot({ stateSource })`.
 */
export abstract class WidgetSecurityStateSource {
  /**
   * The state of a live project, or `null` when the id is unknown or the project deleted.
   * Throws when the store cannot answer: the guard then fails closed (503).
   */
  abstract load(projectId: string): Promise<WidgetSecurityState | null>;

  /** The current `version` of each live project among `projectIds`, in one round trip. */
  abstract versions(projectIds: readonly string[]): Promise<Map<string, number>>;

  /**
   * Optional, and preferred by the cache's re-check when present: the projects whose state
   * changed since `cursor` (`null`: no cursor yet — answer one, with no changes), in one
   * round trip whose cost grows with the number of changes, not of cached projects. Every
   * change not visible to the call that returned `cursor` must be in the next answer (a
   * change may be reported more than once). Without it, the re-check asks `versions` of
   * every cached id.
   */
  changesSince?(cursor: string | null): Promise<WidgetStateChanges>;

  /**
   * Optional: several projects' states in one round trip (id → state, `null` when unknown
   * or deleted, or an Error when that project alone cannot be read; every id asked is a
   * key). The cache then answers concurrent misses of different projects with one call
   * instead of one each. Without it, `load`.
   */
  loadMany?(
    projectIds: readonly string[],
  ): Promise<Map<string, WidgetSecurityState | null | Error>>;

  /**
   * The canonical spelling of a project id (the cache key), or `null` when it is malformed:
   * such ids are answered 404 without any load. Default: the id as given, up to 128 chars.
   */
  canonicalId(projectId: string): string | null {
    return projectId.length > 0 && projectId.length <= 128 ? projectId : null;
  }

  /**
   * Change feed. `onChange(id)` right after a change of that project committed; `onResync()`
   * when notices may have been lost (e.g. a reconnect): the cache then drops everything.
   * Returns the unsubscribe function. Default: no feed; the periodic re-check alone bounds
   * staleness.
   */
  subscribe(onChange: WidgetStateChangeListener, onResync: () => void): () => void {
    void onChange;
    void onResync;
    return () => undefined;
  }
}

/** What the guard tells the observer after every decision (metrics, statistics). */
export interface WidgetAccessEvent {
  /** Canonical id when the project was found, else null. */
  readonly projectId: string | null;
  /** `verified`, `anonymous`, or the error code answered. */
  readonly outcome: string;
  /**
   * The key epoch that verified the token, or the retired one it matched; with
   * `currentKeyExposed`, the exposed key's epoch; else null.
   */
  readonly keyEpoch: number | null;
  /** The Authorization header or body held the project's current key (secret_key_exposed). */
  readonly currentKeyExposed?: true;
}

/**
 * Hears every guard decision. Runs on the hot path: it must return at once (count in
 * memory, flush elsewhere). Errors it throws are swallowed.
 */
export abstract class WidgetAccessObserver implements SecurityCacheObserver {
  abstract decided(event: WidgetAccessEvent): void;
  /** Optional cache hooks (SecurityCacheObserver): the Nest module hands them to the cache. */
  cacheHit?(): void;
  cacheMiss?(): void;
  cacheEvicted?(): void;
  watchCache?(cache: { readonly size: number }): void;
  /**
   * Optional: how long the guard took to decide (rate limits, lookup, checks), in seconds.
   * The Nest guard measures only when the observer has this method.
   */
  decisionTimed?(seconds: number): void;
}

/** The default observer: hears nothing. */
export class NoopWidgetAccessObserver extends WidgetAccessObserver {
  decided(): void {}
}
