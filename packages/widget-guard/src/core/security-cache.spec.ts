import { createHash } from 'node:crypto';
import { SecurityCache, SecurityStateUnavailableError } from './security-cache';
import {
  WidgetSecurityState,
  WidgetSecurityStateSource,
  WidgetStateChangeListener,
} from './widget-security-state';

const sk = (seed: string) => `sk_live_${createHash('sha256').update(seed).digest('base64url')}`;
const ALLOW_ALL = { allowsAll: true, matches: () => true };

function state(projectId: string, version = 1): WidgetSecurityState {
  return {
    projectId,
    version,
    keyEpoch: version,
    requireToken: false,
    originPolicy: ALLOW_ALL,
    keys: {
      current: { epoch: version, secret: sk(`${projectId}-${version}`) },
      previous: null,
      retired: [],
    },
    maxTokenLifetimeSeconds: null,
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An in-memory source whose store, failures and change feed the test drives. */
class FakeSource extends WidgetSecurityStateSource {
  readonly store = new Map<string, WidgetSecurityState>();
  loads: string[] = [];
  versionCalls: string[][] = [];
  failing = false;
  gate: Deferred<void> | null = null;
  onChange: WidgetStateChangeListener = () => undefined;
  onResync: () => void = () => undefined;
  unsubscribed = false;

  override canonicalId(projectId: string): string | null {
    return /^[a-z0-9-]+$/i.test(projectId) ? projectId.toLowerCase() : null;
  }

  async load(projectId: string): Promise<WidgetSecurityState | null> {
    this.loads.push(projectId);
    const snapshot = this.store.get(projectId) ?? null; // read when asked, like a query
    const gate = this.gate;
    if (gate) await gate.promise;
    if (this.failing) throw new Error('connection refused');
    return snapshot;
  }

  async versions(ids: readonly string[]): Promise<Map<string, number>> {
    this.versionCalls.push([...ids]);
    if (this.failing) throw new Error('connection refused');
    const found = ids.flatMap((id) => {
      const s = this.store.get(id);
      return s ? [[id, s.version] as const] : [];
    });
    return new Map(found);
  }

  override subscribe(onChange: WidgetStateChangeListener, onResync: () => void): () => void {
    this.onChange = onChange;
    this.onResync = onResync;
    return () => {
      this.unsubscribed = true;
    };
  }

  put(s: WidgetSecurityState): void {
    this.store.set(s.projectId, s);
  }
}

describe(SecurityCache.name, () => {
  let now: number;
  let source: FakeSource;
  let cache: SecurityCache;
  const make = (options = {}) => new SecurityCache(source, { now: () => now, ...options });

  beforeEach(() => {
    now = 1_000_000;
    source = new FakeSource();
    source.put(state('p1'));
    source.put(state('p2'));
    cache = make();
  });

  afterEach(() => cache.stop());

  it('loads a project once and then answers from memory', async () => {
    const first = await cache.get('p1');
    const second = await cache.get('p1');
    expect(first).toMatchObject({ projectId: 'p1', version: 1, keyEpoch: 1 });
    expect(second).toBe(first);
    expect(cache.peek('p1')).toBe(first);
    expect(source.loads).toEqual(['p1']);
  });

  it('compiles the token verifier once per entry', async () => {
    const entry = await cache.get('p1');
    expect(entry?.verifier).toBe((await cache.get('p1'))?.verifier);
    expect(entry?.verifier.verify('not.a.token', now)).toMatchObject({ code: 'token_malformed' });
  });

  it('shares one load between concurrent misses of a project (single flight)', async () => {
    source.gate = deferred();
    const waiting = [cache.get('p1'), cache.get('p1'), cache.get('p1')];
    source.gate.resolve();
    const entries = await Promise.all(waiting);
    expect(source.loads).toEqual(['p1']);
    expect(new Set(entries).size).toBe(1);
  });

  it('evicts a project when its change notice arrives, in its canonical spelling', async () => {
    cache.start();
    await cache.get('p1');
    await cache.get('p2');
    source.put(state('p1', 2));
    source.onChange('P1');
    expect(cache.peek('p1')).toBeUndefined();
    expect(cache.peek('p2')).toBeDefined();
    expect(await cache.get('p1')).toMatchObject({ version: 2 });
    expect(source.loads).toEqual(['p1', 'p2', 'p1']);
  });

  it('ignores notices with malformed ids', async () => {
    cache.start();
    await cache.get('p1');
    source.onChange('not valid!');
    expect(cache.peek('p1')).toBeDefined();
  });

  it('drops everything on a resync (notices may have been lost)', async () => {
    cache.start();
    await cache.get('p1');
    await cache.get('p2');
    source.onResync();
    expect(cache.size).toBe(0);
  });

  it('does not keep a load that was overtaken by a change notice', async () => {
    cache.start();
    source.gate = deferred();
    const before = cache.get('p1'); // reads the old state...
    source.put(state('p1', 2));
    source.onChange('p1'); // ...while the change commits
    source.gate.resolve();
    expect(await before).toMatchObject({ version: 1 }); // that caller came first
    source.gate = null;
    expect(cache.peek('p1')).toBeUndefined(); // but nothing stale was kept
    expect(await cache.get('p1')).toMatchObject({ version: 2 });
  });

  describe('periodic re-check', () => {
    it('checks every cached project in one call and evicts changed and deleted ones', async () => {
      source.put(state('p3'));
      await Promise.all(['p1', 'p2', 'p3'].map((id) => cache.get(id)));
      source.put(state('p2', 2));
      source.store.delete('p3');
      now += 500;
      await cache.recheck();
      expect(source.versionCalls).toHaveLength(1);
      expect([...source.versionCalls[0]].sort()).toEqual(['p1', 'p2', 'p3']);
      expect(cache.peek('p1')).toMatchObject({ version: 1, checkedAtMs: now });
      expect(cache.peek('p2')).toBeUndefined();
      expect(cache.peek('p3')).toBeUndefined();
    });

    it('keeps an unchanged entry fresh beyond the staleness bound', async () => {
      const entry = await cache.get('p1');
      for (let i = 0; i < 30; i++) {
        now += 1_000;
        await cache.recheck();
      }
      expect(cache.peek('p1')).toBe(entry);
      expect(source.loads).toEqual(['p1']);
    });

    it('makes no call while nothing is cached', async () => {
      await cache.recheck();
      expect(source.versionCalls).toEqual([]);
    });

    it('keeps an entry stored while the versions were being read (it was not asked about)', async () => {
      await cache.get('p1');
      const reading = deferred<void>();
      const versions = source.versions.bind(source);
      source.versions = async (ids) => {
        const found = await versions(ids); // read now, answered later
        await reading.promise;
        return found;
      };
      const recheck = cache.recheck(); // asks about p1 only
      const p2 = await cache.get('p2'); // loaded and stored meanwhile
      reading.resolve();
      await recheck;
      expect(cache.peek('p2')).toBe(p2);
      expect(cache.peek('p1')).toBeDefined();
      expect(source.loads).toEqual(['p1', 'p2']);
    });

    it('runs on a timer once started, and stops with the cache', async () => {
      jest.useFakeTimers();
      try {
        const timed = make({ recheckIntervalMs: 1_000 });
        timed.start();
        await timed.get('p1');
        jest.advanceTimersByTime(1_000);
        expect(source.versionCalls).toEqual([['p1']]);
        timed.stop();
        expect(source.unsubscribed).toBe(true);
        jest.advanceTimersByTime(5_000);
        expect(source.versionCalls).toHaveLength(1);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('staleness', () => {
    it('reloads an entry that nothing confirmed for longer than the bound', async () => {
      cache = make({ stalenessMs: 10_000 });
      await cache.get('p1');
      now += 10_000;
      expect(cache.peek('p1')).toBeDefined();
      now += 1;
      expect(cache.peek('p1')).toBeUndefined();
      await cache.get('p1');
      expect(source.loads).toEqual(['p1', 'p1']);
    });

    it('fails closed when the reload fails: the stale entry is never served', async () => {
      cache = make({ stalenessMs: 10_000 });
      await cache.get('p1');
      source.failing = true;
      await cache.recheck(); // fails: confirms nothing
      now += 10_001;
      await expect(cache.get('p1')).rejects.toBeInstanceOf(SecurityStateUnavailableError);
      expect(cache.peek('p1')).toBeUndefined();
      source.failing = false;
      expect(await cache.get('p1')).toMatchObject({ projectId: 'p1' });
    });

    it('fails closed on a first load that fails, and retries on the next request', async () => {
      source.failing = true;
      await expect(cache.get('p1')).rejects.toBeInstanceOf(SecurityStateUnavailableError);
      source.failing = false;
      await expect(cache.get('p1')).resolves.toMatchObject({ projectId: 'p1' });
    });

    it('refuses a state it cannot compile (no usable key) like an unreadable one', async () => {
      source.put({
        ...state('p1'),
        keys: { current: { epoch: 1, secret: '' }, previous: null, retired: [] },
      });
      await expect(cache.get('p1')).rejects.toBeInstanceOf(SecurityStateUnavailableError);
    });
  });

  it('keeps at most maxEntries projects, dropping the least recently used', async () => {
    cache = make({ maxEntries: 2 });
    source.put(state('p3'));
    await cache.get('p1');
    await cache.get('p2');
    await cache.get('p1'); // p2 is now the least recently used
    await cache.get('p3');
    expect(cache.size).toBe(2);
    expect(cache.peek('p2')).toBeUndefined();
    expect(cache.peek('p1')).toBeDefined();
    expect(cache.peek('p3')).toBeDefined();
  });

  describe('unknown projects', () => {
    it('answers an unknown id from memory for negativeTtlMs, then asks again', async () => {
      cache = make({ negativeTtlMs: 5_000 });
      expect(await cache.get('nope')).toBeNull();
      expect(await cache.get('nope')).toBeNull();
      expect(source.loads).toEqual(['nope']);
      now += 5_000;
      expect(await cache.get('nope')).toBeNull();
      expect(source.loads).toEqual(['nope', 'nope']);
    });

    it('bounds the negative entries, so random ids cannot grow memory', async () => {
      cache = make({ maxNegativeEntries: 3 });
      for (let i = 0; i < 10; i++) await cache.get(`random-${i}`);
      expect(cache.peek('random-9')).toBeNull();
      expect(cache.peek('random-0')).toBeUndefined();
    });

    it('forgets a negative answer when a notice names the id', async () => {
      cache.start();
      expect(await cache.get('p9')).toBeNull();
      source.put(state('p9'));
      source.onChange('p9');
      expect(await cache.get('p9')).toMatchObject({ projectId: 'p9' });
    });

    it('turns a deleted project into a negative answer', async () => {
      cache.start();
      await cache.get('p1');
      source.store.delete('p1');
      source.onChange('p1');
      expect(await cache.get('p1')).toBeNull();
    });
  });
});
