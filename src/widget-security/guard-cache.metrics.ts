import { Counter, Gauge, type Registry } from 'prom-client';
import type { SecurityCacheObserver } from '@hissuno/widget-guard';

/**
 * The guard cache's hooks as Prometheus series. On the hot path a hook only bumps a plain
 * number (no label lookup, no allocation); the series read those numbers at scrape time.
 */
export class GuardCacheMetrics implements SecurityCacheObserver {
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private cache: { readonly size: number } | null = null;

  constructor(registry: Registry) {
    const counted = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    counted(
      'widget_guard_cache_hits_total',
      'Widget guard lookups answered from the in-memory security cache',
      () => this.hits,
    );
    counted(
      'widget_guard_cache_misses_total',
      'Widget guard lookups that had to load the project security state from the database',
      () => this.misses,
    );
    counted(
      'widget_guard_cache_evictions_total',
      'Projects dropped from the widget guard cache to make room (LRU, maxEntries)',
      () => this.evictions,
    );
    const cache = (): { readonly size: number } | null => this.cache;
    new Gauge({
      name: 'widget_guard_cache_entries',
      help: 'Projects whose security state the widget guard cache holds',
      registers: [registry],
      collect() {
        this.set(cache()?.size ?? 0);
      },
    });
  }

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
    this.cache = cache;
  }
}
