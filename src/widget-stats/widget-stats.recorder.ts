import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WidgetAccessEvent, WidgetAccessObserver } from '@hissuno/widget-guard';
import { MetricsService } from '../metrics/metrics.service';

export interface WidgetStatsOptions {
  /** How often counts are written (API.md §8: statistics at most 15 s behind). */
  flushIntervalMs: number;
  /** Cells (project × minute × outcome × epoch) kept in memory while the database is away. */
  maxPendingCells: number;
  /** Rows older than this are deleted (the longest window is 7 days). */
  retentionMs: number;
  /** The clock (unit specs pass a fake one). */
  now: () => number;
}

export const WIDGET_STATS_OPTIONS = Symbol('WIDGET_STATS_OPTIONS');

export const DEFAULT_WIDGET_STATS_OPTIONS: Readonly<WidgetStatsOptions> = Object.freeze({
  flushIntervalMs: 5_000,
  maxPendingCells: 50_000,
  retentionMs: 8 * 24 * 3_600_000,
  now: Date.now,
});

export const STATS_BUCKET_MS = 60_000;
/** Rows per upsert statement; each statement commits on its own. */
const ROWS_PER_STATEMENT = 5_000;
const PRUNE_EVERY_MS = 3_600_000;
const MAX_OUTCOME_LENGTH = 64;
/** Resolution of the clock the hot path reads (lastSeenAt, minute buckets). */
const CLOCK_TICK_MS = 200;

interface Cell {
  projectId: string;
  bucketMs: number;
  outcome: string;
  /** 0 when the outcome names no key. */
  keyEpoch: number;
  count: number;
  lastSeenMs: number;
}

/**
 * Minute → project → outcome → key epoch → cell. Nested maps rather than one composite key:
 * the hot path builds no string, and the strings it looks up (the cached project id, the
 * outcome literals) have their hashes cached by V8.
 */
type Cells = Map<number, Bucket>;
type Bucket = Map<string, Map<string, Map<number, Cell>>>;
const newBucket = (): Bucket => new Map();
const newOutcomes = (): Map<string, Map<number, Cell>> => new Map();
const newEpochs = (): Map<number, Cell> => new Map();

function child<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

// Sorted keys give every instance the same lock order: concurrent upserts cannot deadlock.
const UPSERT = `
  INSERT INTO widget_guard_stats AS s (project_id, bucket, outcome, key_epoch, count, last_seen_at)
  SELECT u.project_id, u.bucket, u.outcome, u.key_epoch, u.count, u.last_seen_at
    FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::int[], $5::bigint[],
                $6::timestamptz[]) AS u(project_id, bucket, outcome, key_epoch, count, last_seen_at)
    JOIN projects p ON p.id = u.project_id
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (project_id, bucket, outcome, key_epoch) DO UPDATE
     SET count = s.count + EXCLUDED.count,
         last_seen_at = GREATEST(s.last_seen_at, EXCLUDED.last_seen_at)`;

/**
 * Counts widget guard outcomes in memory and writes them in the background (API.md §8).
 *
 * `decided` runs on the guard's hot path: one map lookup, no I/O. Every `flushIntervalMs` the
 * counts are added to the database with batched upserts into minute buckets, so every
 * instance's counts sum up there. A failed write keeps its counts (bounded by
 * `maxPendingCells`; beyond it new cells are dropped and counted in a warning) and is retried
 * by the next flush; nothing ever throws into a request. Shutdown flushes once more.
 */
@Injectable()
export class WidgetStatsRecorder
  extends WidgetAccessObserver
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('WidgetStats');
  private pending: Cells = new Map();
  private pendingCount = 0;
  /** The last minute's project map, to skip the first lookup. */
  private lastBucketMs = -1;
  private lastBucket: Bucket | null = null;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private clockTimer: NodeJS.Timeout | null = null;
  /** A clock ticked by a timer while the app runs: cheaper than Date.now() per request. */
  private clockMs = 0;
  private failing = false;
  private dropped = 0;
  private lastPruneMs = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(WIDGET_STATS_OPTIONS) private readonly options: WidgetStatsOptions,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    super();
    metrics?.statsPendingCells.set(0);
  }

  /** Cells waiting to be written. */
  get pendingCells(): number {
    return this.pendingCount;
  }

  decided(event: WidgetAccessEvent): void {
    // An unknown project (404) or an unreadable one (503) is nobody's statistic.
    const { projectId, outcome } = event;
    if (projectId === null || outcome.length > MAX_OUTCOME_LENGTH) return;
    const now = this.clockMs || this.options.now();
    const bucketMs = now - (now % STATS_BUCKET_MS);
    const keyEpoch = event.keyEpoch ?? 0;
    let bucket = this.lastBucket;
    if (bucket === null || bucketMs !== this.lastBucketMs) {
      bucket = child(this.pending, bucketMs, newBucket);
      this.lastBucket = bucket;
      this.lastBucketMs = bucketMs;
    }
    const epochs = child(child(bucket, projectId, newOutcomes), outcome, newEpochs);
    const cell = epochs.get(keyEpoch);
    if (cell !== undefined) {
      cell.count += 1;
      cell.lastSeenMs = now;
    } else if (this.pendingCount < this.options.maxPendingCells) {
      epochs.set(keyEpoch, { projectId, bucketMs, outcome, keyEpoch, count: 1, lastSeenMs: now });
      this.pendingCount += 1;
    } else {
      this.dropped += 1;
    }
  }

  onApplicationBootstrap(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.flush().catch(() => undefined),
      this.options.flushIntervalMs,
    );
    this.timer.unref();
    this.clockMs = this.options.now();
    this.clockTimer = setInterval(() => (this.clockMs = this.options.now()), CLOCK_TICK_MS);
    this.clockTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.timer = this.clockTimer = null;
    this.clockMs = 0;
    await this.flush().catch(() => undefined);
  }

  /**
   * Writes every count recorded before the call. Flushes run one at a time; rejects when the
   * write failed (the counts are kept for the next one).
   */
  flush(): Promise<void> {
    const run = this.queue.then(() => this.write());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'widget statistics dropped: too many pending');
      this.dropped = 0;
    }
    if (this.pendingCount > 0) {
      const cells = this.take();
      for (let start = 0; start < cells.length; start += ROWS_PER_STATEMENT) {
        const chunk = cells.slice(start, start + ROWS_PER_STATEMENT);
        try {
          await this.dataSource.query(UPSERT, columnsOf(chunk));
        } catch (error) {
          this.keep(cells.slice(start));
          this.metrics?.statsFlushFailures.inc();
          this.metrics?.statsPendingCells.set(this.pendingCount);
          if (!this.failing) {
            this.logger.warn({ err: error }, 'widget statistics not written; kept for a retry');
          }
          this.failing = true;
          throw error;
        }
      }
      this.metrics?.statsPendingCells.set(this.pendingCount);
      if (this.failing) this.logger.log('widget statistics are written again');
      this.failing = false;
    }
    await this.prune();
  }

  /**
   * Takes every pending cell, sorted by (project, minute, outcome, epoch): every instance
   * then upserts in the same order, so that concurrent flushes cannot deadlock.
   */
  private take(): Cell[] {
    const cells: Cell[] = [];
    for (const projects of this.pending.values()) {
      for (const outcomes of projects.values()) {
        for (const epochs of outcomes.values()) cells.push(...epochs.values());
      }
    }
    this.pending = new Map();
    this.pendingCount = 0;
    this.lastBucket = null;
    return cells.sort(
      (a, b) =>
        (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0) ||
        a.bucketMs - b.bucketMs ||
        (a.outcome < b.outcome ? -1 : a.outcome > b.outcome ? 1 : 0) ||
        a.keyEpoch - b.keyEpoch,
    );
  }

  /** Puts unwritten cells back, merged with what was counted meanwhile. */
  private keep(cells: Cell[]): void {
    for (const cell of cells) {
      const bucket = child(this.pending, cell.bucketMs, newBucket);
      const epochs = child(child(bucket, cell.projectId, newOutcomes), cell.outcome, newEpochs);
      const newer = epochs.get(cell.keyEpoch);
      if (newer !== undefined) {
        newer.count += cell.count;
        newer.lastSeenMs = Math.max(newer.lastSeenMs, cell.lastSeenMs);
      } else if (this.pendingCount < this.options.maxPendingCells) {
        epochs.set(cell.keyEpoch, cell);
        this.pendingCount += 1;
      } else {
        this.dropped += cell.count;
        this.metrics?.statsDropped.inc(cell.count);
      }
    }
  }

  private async prune(): Promise<void> {
    const now = this.options.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    try {
      await this.dataSource.query(`DELETE FROM widget_guard_stats WHERE bucket < $1`, [
        new Date(now - this.options.retentionMs).toISOString(),
      ]);
    } catch (error) {
      this.logger.warn({ err: error }, 'old widget statistics not deleted');
    }
  }
}

function columnsOf(cells: Cell[]): unknown[] {
  return [
    cells.map((c) => c.projectId),
    cells.map((c) => new Date(c.bucketMs).toISOString()),
    cells.map((c) => c.outcome),
    cells.map((c) => c.keyEpoch),
    cells.map((c) => c.count),
    cells.map((c) => new Date(c.lastSeenMs).toISOString()),
  ];
}
