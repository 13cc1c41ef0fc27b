import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { ProjectChanges } from '../database/project-changes';
import { ProjectSecurityListener } from '../widget-security/project-security-listener';
import {
  ChangeRow,
  ChangeSource,
  ChangeStream,
  DEFAULT_STREAM_LIMITS,
  EventSink,
  resetEvent,
  StreamLimits,
} from './change-stream';

export interface ChangeFeedOptions extends StreamLimits {
  /** A comment line on every stream at least this often (API.md §10: ≤ 15 s). */
  heartbeatMs: number;
  /** Re-read even without a notice (a lost NOTIFY), so a change reaches streams within 1 s. */
  pollMs: number;
  maxStreams: number;
}

export const DEFAULT_CHANGE_FEED_OPTIONS: Readonly<ChangeFeedOptions> = Object.freeze({
  ...DEFAULT_STREAM_LIMITS,
  heartbeatMs: 10_000,
  pollMs: 500,
  maxStreams: 1_000,
});

export interface StreamPlan {
  from: number;
  reset: boolean;
}

interface Row {
  seq: string;
  projectId: string;
  version: number;
  deleted: boolean;
}

/**
 * The change stream's one reader of `project_changes` in this process (API.md §10). While
 * streams are open it reads what is new — woken by this process's changes, by other
 * instances' NOTIFY, and every `pollMs` — and hands each page to every live stream. Streams
 * that are behind (resuming, or slow) read for themselves, so one slow client never holds
 * the others back nor makes the feed buffer anything.
 */
@Injectable()
export class ChangeFeed implements ChangeSource, OnModuleDestroy {
  private readonly logger = new Logger('ChangeFeed');
  private readonly options: ChangeFeedOptions = { ...DEFAULT_CHANGE_FEED_OPTIONS };
  private readonly streams = new Set<ChangeStream>();
  private started: Promise<void> | null = null;
  private headSeq = 0;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private failing = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ProjectChanges,
    private readonly listener: ProjectSecurityListener,
  ) {}

  get head(): number {
    return this.headSeq;
  }

  /** Open streams (tests and metrics). */
  get size(): number {
    return this.streams.size;
  }

  /** Streams waiting for a slow client to read (tests). */
  get pausedCount(): number {
    return [...this.streams].filter((s) => s.paused).length;
  }

  /** The most bytes any open stream's client has left unread (tests: the memory bound). */
  get largestUnreadBytes(): number {
    return Math.max(0, ...[...this.streams].map((s) => s.unreadBytes));
  }

  /** Tunes the feed (tests: a short heartbeat); applies to streams opened afterwards. */
  configure(options: Partial<ChangeFeedOptions>): void {
    Object.assign(this.options, options);
  }

  async read(afterSeq: number, limit: number): Promise<ChangeRow[]> {
    const rows: Row[] = await this.dataSource.query(
      // Ordered by the bigint column, not by its text alias (which would sort "10" < "9").
      `SELECT c.seq::text AS seq, c.project_id AS "projectId", c.version, c.deleted
         FROM project_changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /**
   * Where a client that last saw `lastEventId` (the Last-Event-ID header) starts: after it
   * when every later change is still kept, else at the newest change with a `reset`.
   * Throws (503) when this instance has too many streams or the database does not answer.
   */
  async plan(lastEventId: string | undefined): Promise<StreamPlan> {
    if (this.streams.size >= this.options.maxStreams) {
      throw AppError.unavailable('Too many open change streams on this instance; retry shortly.');
    }
    await this.start();
    const [bounds]: { oldest: string | null; newest: string | null }[] =
      await this.dataSource.query(
        'SELECT min(seq)::text AS oldest, max(seq)::text AS newest FROM project_changes',
      );
    const oldest = bounds.oldest === null ? null : Number(bounds.oldest);
    const newest = bounds.newest === null ? 0 : Number(bounds.newest);
    const text = lastEventId?.trim() ?? '';
    const last = /^\d{1,15}$/.test(text) ? Number(text) : null;
    // Resumable only when nothing after `last` can have been pruned: the oldest kept change
    // is at or before it (pruning always keeps the newest, so every later one is kept).
    const resumable = last !== null && oldest !== null && last >= oldest && last <= newest;
    return resumable ? { from: last, reset: false } : { from: newest, reset: true };
  }

  /** Starts streaming to `sink` (its headers already sent) as planned. */
  attach(sink: EventSink, { from, reset }: StreamPlan): ChangeStream {
    const stream = new ChangeStream(sink, this, this.options, from, (s) => this.streams.delete(s));
    this.streams.add(stream);
    if (reset) sink.write(resetEvent(from));
    void stream.start();
    return stream;
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
    for (const stream of [...this.streams]) stream.close();
    this.started = null;
  }

  /** Wakes the feed: read what is new (coalesced: one read at a time). */
  wake(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.drain().finally(() => {
      this.reading = null;
      if (this.readAgain) {
        this.readAgain = false;
        this.wake();
      }
    });
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      const [row]: { newest: string | null }[] = await this.dataSource.query(
        'SELECT max(seq)::text AS newest FROM project_changes',
      );
      this.headSeq = row.newest === null ? 0 : Number(row.newest);
      const wake = () => this.wake();
      this.unsubscribe.push(this.changes.onChange(wake), this.listener.subscribe(wake, wake));
      this.timers.push(
        setInterval(() => {
          if (this.streams.size > 0) this.wake();
        }, this.options.pollMs),
        setInterval(() => {
          const now = Date.now();
          for (const stream of [...this.streams]) stream.heartbeat(now);
        }, this.options.heartbeatMs),
      );
      for (const timer of this.timers) timer.unref();
    })().catch((error: unknown) => {
      this.started = null;
      throw error;
    });
    return this.started;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.read(this.headSeq, this.options.pageSize);
        if (rows.length === 0) break;
        this.headSeq = rows[rows.length - 1].seq;
        for (const stream of [...this.streams]) stream.deliver(rows);
        if (rows.length < this.options.pageSize) break;
      }
      if (this.failing) this.logger.log('reading project changes works again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn({ err: error }, 'could not read project changes');
      this.failing = true;
    }
  }
}
