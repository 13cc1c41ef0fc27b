import type { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import {
  DEFAULT_WIDGET_STATS_OPTIONS,
  WidgetStatsOptions,
  WidgetStatsRecorder,
} from './widget-stats.recorder';

const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';
const MINUTE = 60_000;
const T0 = 1_750_000_020_000; // 20 s into a minute

interface Written {
  projectId: string;
  bucket: string;
  outcome: string;
  keyEpoch: number;
  count: number;
  lastSeenAt: string;
}

/** A DataSource that keeps what the upserts would add, and can be made to fail. */
class FakeDatabase {
  rows: Written[] = [];
  statements = 0;
  failing = false;
  async query(sql: string, params: unknown[]): Promise<unknown> {
    if (this.failing) throw new Error('connection refused');
    if (!sql.includes('INSERT INTO widget_guard_stats')) return [];
    this.statements += 1;
    const [ids, buckets, outcomes, epochs, counts, seen] = params as [
      string[],
      string[],
      string[],
      number[],
      number[],
      string[],
    ];
    ids.forEach((projectId, i) =>
      this.rows.push({
        projectId,
        bucket: buckets[i],
        outcome: outcomes[i],
        keyEpoch: epochs[i],
        count: counts[i],
        lastSeenAt: seen[i],
      }),
    );
    return [];
  }
  total(outcome?: string): number {
    return this.rows
      .filter((r) => outcome === undefined || r.outcome === outcome)
      .reduce((sum, r) => sum + r.count, 0);
  }
}

describe(WidgetStatsRecorder.name, () => {
  let now: number;
  let db: FakeDatabase;
  let recorder: WidgetStatsRecorder;

  const make = (options: Partial<WidgetStatsOptions> = {}) =>
    new WidgetStatsRecorder(db as unknown as DataSource, {
      ...DEFAULT_WIDGET_STATS_OPTIONS,
      now: () => now,
      ...options,
    });

  beforeEach(() => {
    now = T0;
    db = new FakeDatabase();
    recorder = make();
  });

  it('adds up outcomes per project, minute, outcome and key epoch', async () => {
    for (let i = 0; i < 3; i++)
      recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 2 });
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 3 });
    recorder.decided({ projectId: P1, outcome: 'anonymous', keyEpoch: null });
    now += 5_000;
    recorder.decided({ projectId: P2, outcome: 'token_expired', keyEpoch: null });
    now += MINUTE;
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 2 });
    await recorder.flush();

    const bucket0 = new Date(T0 - (T0 % MINUTE)).toISOString();
    const bucket1 = new Date(T0 - (T0 % MINUTE) + MINUTE).toISOString();
    expect(db.statements).toBe(1);
    expect(db.rows).toHaveLength(5);
    expect(db.rows).toEqual(
      expect.arrayContaining([
        {
          projectId: P1,
          bucket: bucket0,
          outcome: 'verified',
          keyEpoch: 2,
          count: 3,
          lastSeenAt: new Date(T0).toISOString(),
        },
        expect.objectContaining({ projectId: P1, outcome: 'anonymous', keyEpoch: 0, count: 1 }),
        expect.objectContaining({ projectId: P2, outcome: 'token_expired', count: 1 }),
        expect.objectContaining({ bucket: bucket1, outcome: 'verified', keyEpoch: 2, count: 1 }),
      ]),
    );
    expect(recorder.pendingCells).toBe(0);
  });

  it('counts nothing for requests that belong to no project (404, 503)', async () => {
    recorder.decided({ projectId: null, outcome: 'project_not_found', keyEpoch: null });
    recorder.decided({ projectId: null, outcome: 'service_unavailable', keyEpoch: null });
    await recorder.flush();
    expect(db.statements).toBe(0);
  });

  it('keeps the counts of a failed write, merges newer ones, and writes them next time', async () => {
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 });
    db.failing = true;
    await expect(recorder.flush()).rejects.toThrow('connection refused');
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 });
    recorder.decided({ projectId: P1, outcome: 'token_required', keyEpoch: null });
    await expect(recorder.flush()).rejects.toThrow();
    db.failing = false;
    await recorder.flush();
    expect(db.total('verified')).toBe(2);
    expect(db.total('token_required')).toBe(1);
    expect(db.rows).toHaveLength(2);
  });

  it('counts failed writes in widget_stats_flush_failures_total (no longer swallowed)', async () => {
    const metrics = new MetricsService();
    const observed = new WidgetStatsRecorder(
      db as unknown as DataSource,
      { ...DEFAULT_WIDGET_STATS_OPTIONS, now: () => now },
      metrics,
    );
    const failures = async () => (await metrics.statsFlushFailures.get()).values[0]?.value;
    expect(await failures()).toBe(0);
    observed.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 });
    db.failing = true;
    await expect(observed.flush()).rejects.toThrow('connection refused');
    expect(await failures()).toBe(1);
    expect((await metrics.statsPendingCells.get()).values[0]?.value).toBe(1);
    db.failing = false;
    await observed.flush();
    expect(await failures()).toBe(1);
    expect((await metrics.statsPendingCells.get()).values[0]?.value).toBe(0);
  });

  it('holds a bounded number of cells while the database is away', async () => {
    recorder = make({ maxPendingCells: 3 });
    db.failing = true;
    for (let epoch = 1; epoch <= 10; epoch++) {
      recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: epoch });
    }
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 }); // known cell: counted
    expect(recorder.pendingCells).toBe(3);
    await expect(recorder.flush()).rejects.toThrow();
    db.failing = false;
    await recorder.flush();
    expect(db.total()).toBe(4);
  });

  it('runs one flush at a time, each writing what was counted before it was asked for', async () => {
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 });
    const first = recorder.flush();
    recorder.decided({ projectId: P1, outcome: 'anonymous', keyEpoch: null });
    const second = recorder.flush();
    await second;
    // Both counts are written once the second resolves, and none twice.
    expect(db.total()).toBe(2);
    await first;
    expect(db.total()).toBe(2);
  });

  it('flushes what is left on shutdown', async () => {
    recorder.onApplicationBootstrap();
    recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 });
    await recorder.beforeApplicationShutdown();
    expect(db.total()).toBe(1);
  });

  it('never throws into the caller, even with a failing database', async () => {
    db.failing = true;
    expect(() =>
      recorder.decided({ projectId: P1, outcome: 'verified', keyEpoch: 1 }),
    ).not.toThrow();
    await expect(recorder.beforeApplicationShutdown()).resolves.toBeUndefined();
  });
});
