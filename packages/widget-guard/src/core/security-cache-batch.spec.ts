import { createHash } from 'node:crypto';
import { SecurityCache, SecurityStateUnavailableError } from './security-cache';
import { WidgetSecurityState, WidgetSecurityStateSource } from './widget-security-state';

const state = (projectId: string): WidgetSecurityState => ({
  projectId,
  version: 1,
  keyEpoch: 1,
  requireToken: false,
  originPolicy: { allowsAll: true, matches: () => true },
  keys: {
    current: {
      epoch: 1,
      secret: `sk_live_${createHash('sha256').update(projectId).digest('base64url')}`,
    },
    previous: null,
    retired: [],
  },
  maxTokenLifetimeSeconds: null,
});

/** Answers `loadMany` only; counts its calls. `broken` ids come back as an Error. */
class BatchSource extends WidgetSecurityStateSource {
  readonly calls: string[][] = [];
  readonly broken = new Set<string>();

  async load(): Promise<WidgetSecurityState | null> {
    throw new Error('load must not be called when loadMany exists');
  }

  async versions(): Promise<Map<string, number>> {
    return new Map();
  }

  override async loadMany(ids: readonly string[]) {
    this.calls.push([...ids]);
    await new Promise((resolve) => setImmediate(resolve)); // a round trip
    return new Map(
      ids.map((id) => [
        id,
        this.broken.has(id) ? new Error('bad stored list') : id.startsWith('p') ? state(id) : null,
      ]),
    );
  }
}

describe(`${SecurityCache.name} with a source that loads many at once`, () => {
  it('answers ten concurrent misses of different projects with at most two calls', async () => {
    const source = new BatchSource();
    const cache = new SecurityCache(source);
    const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const entries = await Promise.all([...ids, 'p3', 'unknown'].map((id) => cache.get(id)));
    expect(entries.map((e) => e?.projectId ?? null)).toEqual([...ids, 'p3', null]);
    expect(source.calls.length).toBeLessThanOrEqual(2);
    expect(source.calls.flat().sort()).toEqual([...ids, 'unknown'].sort());
    // Later misses while a call runs wait and go together in the next one.
    const first = cache.get('p10');
    const rest = Array.from({ length: 5 }, (_, i) => {
      return new Promise((resolve) => setImmediate(resolve)).then(() => cache.get(`p2${i}`));
    });
    await Promise.all([first, ...rest]);
    expect(source.calls.length).toBeLessThanOrEqual(4);
    cache.stop();
  });

  it('fails only the project that could not be read', async () => {
    const source = new BatchSource();
    source.broken.add('p2');
    const cache = new SecurityCache(source);
    const [one, two] = await Promise.allSettled([cache.get('p1'), cache.get('p2')]);
    expect(one).toMatchObject({ status: 'fulfilled', value: { projectId: 'p1' } });
    expect(two).toMatchObject({ status: 'rejected' });
    expect((two as PromiseRejectedResult).reason).toBeInstanceOf(SecurityStateUnavailableError);
    expect(source.calls).toEqual([['p1', 'p2']]);
    cache.stop();
  });
});
