import { SecurityCache, SecurityStateUnavailableError } from './security-cache';
import { WidgetSecurityState, WidgetSecurityStateSource } from './widget-security-state';

const secret = `sk_live_${'k'.repeat(43)}`;
const STATE: WidgetSecurityState = {
  projectId: 'p',
  version: 1,
  keyEpoch: 1,
  requireToken: false,
  originPolicy: { allowsAll: true, matches: () => true },
  keys: { current: { epoch: 1, secret }, previous: null, retired: [] },
  maxTokenLifetimeSeconds: null,
};

/** A store that stops answering (a database behind a network black hole) when told. */
class SilentSource extends WidgetSecurityStateSource {
  silent = false;
  versionCalls = 0;
  private readonly never = new Promise<never>(() => undefined);

  load(): Promise<WidgetSecurityState | null> {
    return this.silent ? this.never : Promise.resolve(STATE);
  }

  versions(): Promise<Map<string, number>> {
    this.versionCalls += 1;
    return this.silent ? this.never : Promise.resolve(new Map([['p', 1]]));
  }
}

describe(`${SecurityCache.name} when the source never answers`, () => {
  const options = { sourceTimeoutMs: 50, recheckTimeoutMs: 50, recheckIntervalMs: 60_000 };

  it('fails a load with SecurityStateUnavailableError after sourceTimeoutMs, never hangs', async () => {
    const source = new SilentSource();
    source.silent = true;
    const cache = new SecurityCache(source, options);
    const started = Date.now();
    await expect(cache.get('p')).rejects.toBeInstanceOf(SecurityStateUnavailableError);
    expect(Date.now() - started).toBeLessThan(1_000);
    // The single flight is released: the next caller asks again instead of waiting forever.
    source.silent = false;
    await expect(cache.get('p')).resolves.toMatchObject({ projectId: 'p', version: 1 });
  });

  it('gives up a re-check after recheckTimeoutMs, confirms nothing, and re-checks again later', async () => {
    const source = new SilentSource();
    const cache = new SecurityCache(source, options);
    await cache.get('p');
    source.silent = true;
    await cache.recheck();
    source.silent = false;
    await cache.recheck();
    expect(source.versionCalls).toBe(2);
  });
});
