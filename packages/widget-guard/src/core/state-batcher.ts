import type { WidgetSecurityState, WidgetSecurityStateSource } from './widget-security-state';

interface Waiter {
  resolve(state: WidgetSecurityState | null): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the cache's misses of different projects into `loadMany` calls: the misses of
 * one tick go in one call, and while `maxInFlight` calls run, later misses wait and go
 * together in the next one. Ten concurrent cold misses thus cost one or two round trips
 * instead of ten queued ones.
 */
export class StateBatcher {
  private pending = new Map<string, Waiter[]>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly source: WidgetSecurityStateSource &
      Required<Pick<WidgetSecurityStateSource, 'loadMany'>>,
    private readonly maxInFlight = 2,
  ) {}

  load(projectId: string): Promise<WidgetSecurityState | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(projectId);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(projectId, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.pending.size === 0) return;
    this.scheduled = true;
    // After the current tick: the misses it raises share the call.
    queueMicrotask(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.inFlight += 1;
    try {
      const states = await this.source.loadMany([...batch.keys()]);
      for (const [id, waiters] of batch) {
        const state = states.get(id) ?? null;
        for (const waiter of waiters) {
          if (state instanceof Error) waiter.reject(state);
          else waiter.resolve(state);
        }
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.inFlight -= 1;
      this.schedule();
    }
  }
}
