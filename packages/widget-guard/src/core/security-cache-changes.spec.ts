import { createHash } from 'node:crypto';
import { SecurityCache } from './security-cache';
import {
  WidgetSecurityState,
  WidgetSecurityStateSource,
  WidgetStateChanges,
} from './widget-security-state';

const sk = (seed: string) => `sk_live_${createHash('sha256').update(seed).digest('base64url')}`;

function state(projectId: string, version = 1): WidgetSecurityState {
  return {
    projectId,
    version,
    keyEpoch: version,
    requireToken: false,
    originPolicy: { allowsAll: true, matches: () => true },
    keys: {
      current: { epoch: version, secret: sk(`${projectId}-${version}`) },
      previous: null,
      retired: [],
    },
    maxTokenLifetimeSeconds: null,
  };
}

/** A store with a change log: `changesSince(n)` answers the changes from position n on. */
class LoggingSource extends WidgetSecurityStateSource {
  readonly store = new Map<string, WidgetSecurityState>();
  readonly log: string[] = [];
  readonly cursors: (string | null)[] = [];
  versionCalls = 0;
  /** When set, changesSince answers only once this resolves. */
  gate: Promise<void> | null = null;

  async load(projectId: string): Promise<WidgetSecurityState | null> {
    return this.store.get(projectId) ?? null;
  }

  async versions(): Promise<Map<string, number>> {
    this.versionCalls += 1;
    return new Map();
  }

  override async changesSince(cursor: string | null): Promise<WidgetStateChanges> {
    this.cursors.push(cursor);
    const from = cursor === null ? this.log.length : Number(cursor);
    const answer = {
      cursor: String(this.log.length),
      changed: new Map(
        this.log.slice(from).map((id) => [id, this.store.get(id)?.version ?? null] as const),
      ),
    };
    if (this.gate) await this.gate;
    return answer;
  }

  put(s: WidgetSecurityState): void {
    this.store.set(s.projectId, s);
    this.log.push(s.projectId);
  }
}

describe(`${SecurityCache.name} re-check through changesSince`, () => {
  let now: number;
  let source: LoggingSource;
  let cache: SecurityCache;
  const make = (options = {}) =>
    new SecurityCache(source, { now: () => now, stalenessMs: 10_000, ...options });

  beforeEach(() => {
    now = 1_000_000;
    source = new LoggingSource();
    for (let i = 0; i < 100; i++) source.put(state(`p${i}`));
    cache = make();
  });

  afterEach(() => cache.stop());

  it('asks only for what changed since its cursor, never for the cached ids', async () => {
    await cache.recheck(); // the first cursor
    for (let i = 0; i < 100; i++) await cache.get(`p${i}`);
    source.put(state('p7', 2));
    source.store.delete('p8');
    source.log.push('p8');
    now += 100;
    await cache.recheck();
    expect(source.cursors).toEqual([null, '100']);
    expect(source.versionCalls).toBe(0);
    expect(cache.peek('p7')).toBeUndefined();
    expect(cache.peek('p8')).toBeUndefined();
    expect(cache.size).toBe(98);
    expect(await cache.get('p7')).toMatchObject({ version: 2 });
    await cache.recheck();
    expect(source.cursors).toEqual([null, '100', '102']);
  });

  it('keeps unchanged entries fresh with each answer, and lets them go stale without one', async () => {
    await cache.recheck();
    const entry = await cache.get('p1');
    for (let i = 0; i < 30; i++) {
      now += 1_000;
      await cache.recheck();
    }
    expect(cache.peek('p1')).toBe(entry);
    source.gate = new Promise(() => undefined); // never answers
    cache = make({ recheckTimeoutMs: 20 });
    await cache.recheck(); // gives up: no cursor, nothing confirmed
    await cache.get('p1');
    now += 10_001;
    expect(cache.peek('p1')).toBeUndefined();
  });

  it('drops what was cached before its first cursor (changes before it are not reported)', async () => {
    await cache.get('p1');
    expect(await cache.get('new')).toBeNull(); // unknown, remembered as such
    source.put(state('p1', 2));
    source.put(state('new'));
    now += 10;
    await cache.recheck();
    expect(cache.peek('p1')).toBeUndefined();
    expect(await cache.get('p1')).toMatchObject({ version: 2 });
    expect(await cache.get('new')).toMatchObject({ projectId: 'new' });
  });

  it('forgets a negative answer when the project appears among the changes', async () => {
    await cache.recheck();
    expect(await cache.get('later')).toBeNull();
    source.put(state('later'));
    await cache.recheck();
    expect(await cache.get('later')).toMatchObject({ projectId: 'later' });
  });

  it('keeps ticking while a re-check hangs: a slow answer delays no later one', async () => {
    jest.useFakeTimers();
    try {
      let release!: () => void;
      source.gate = new Promise<void>((resolve) => (release = resolve));
      const timed = make({ recheckIntervalMs: 250, recheckTimeoutMs: 750 });
      timed.start();
      jest.advanceTimersByTime(250);
      jest.advanceTimersByTime(250);
      jest.advanceTimersByTime(250);
      jest.advanceTimersByTime(250); // a 4th would exceed 750 / 250 running at once
      expect(source.cursors).toEqual([null, null, null]);
      release();
      source.gate = null;
      await jest.advanceTimersByTimeAsync(250);
      expect(source.cursors.length).toBeGreaterThanOrEqual(4);
      timed.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
