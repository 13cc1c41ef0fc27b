import { SecurityCache } from './security-cache';
import { CONSOLE_GUARD_LOGGER } from './guard-logger';
import type { SecurityCacheObserver } from './security-cache.options';
import { WidgetSecurityState, WidgetSecurityStateSource } from './widget-security-state';

const secret = `sk_live_${'k'.repeat(43)}`;
const state = (projectId: string): WidgetSecurityState => ({
  projectId,
  version: 1,
  keyEpoch: 1,
  requireToken: false,
  originPolicy: { allowsAll: true, matches: () => true },
  keys: { current: { epoch: 1, secret }, previous: null, retired: [] },
  maxTokenLifetimeSeconds: null,
});

/** Knows p1, p2, p3; any other id is unknown. */
class Source extends WidgetSecurityStateSource {
  load(id: string): Promise<WidgetSecurityState | null> {
    return Promise.resolve(['p1', 'p2', 'p3'].includes(id) ? state(id) : null);
  }

  versions(): Promise<Map<string, number>> {
    return Promise.resolve(new Map());
  }
}

class Counts implements SecurityCacheObserver {
  hits = 0;
  misses = 0;
  evictions = 0;
  watched: { readonly size: number } | null = null;
  cacheHit(): void {
    this.hits += 1;
  }
  cacheMiss(): void {
    this.misses += 1;
  }
  cacheEvicted(): void {
    this.evictions += 1;
  }
  watchCache(cache: { readonly size: number }): void {
    this.watched = cache;
  }
}

describe(`${SecurityCache.name} observer hooks`, () => {
  let counts: Counts;
  let cache: SecurityCache;

  beforeEach(() => {
    counts = new Counts();
    cache = new SecurityCache(new Source(), { maxEntries: 2 }, CONSOLE_GUARD_LOGGER, counts);
  });

  afterEach(() => cache.stop());

  it('counts a miss when the source is asked, then a hit from memory (peek or get)', async () => {
    expect(counts.watched).toBe(cache);
    expect(cache.peek('p1')).toBeUndefined(); // the miss is get's: peek alone counts none
    await cache.get('p1');
    expect({ hits: counts.hits, misses: counts.misses }).toEqual({ hits: 0, misses: 1 });
    await cache.get('p1');
    expect(cache.peek('p1')).toBeDefined();
    expect({ hits: counts.hits, misses: counts.misses }).toEqual({ hits: 2, misses: 1 });
    expect(counts.watched?.size).toBe(1);
  });

  it('counts a recently unknown id answered from memory as a hit', async () => {
    expect(await cache.get('nope')).toBeNull();
    expect(await cache.get('nope')).toBeNull();
    expect({ hits: counts.hits, misses: counts.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it('counts an eviction to make room, not one because a project changed', async () => {
    await cache.get('p1');
    await cache.get('p2');
    cache.evict('p1'); // a change notice
    expect(counts.evictions).toBe(0);
    await cache.get('p1');
    await cache.get('p3'); // over maxEntries: 2
    expect(counts.evictions).toBe(1);
    expect(cache.size).toBe(2);
  });

  it('works with no observer at all', async () => {
    const bare = new SecurityCache(new Source());
    expect(await bare.get('p1')).toMatchObject({ projectId: 'p1' });
    expect(bare.peek('p1')).toMatchObject({ projectId: 'p1' });
    bare.stop();
  });
});
