/** One committed change of a project's security state, as the change stream sends it. */
export interface ChangeRow {
  seq: number;
  projectId: string;
  version: number;
  deleted: boolean;
}

/** Where a stream reads the changes it has not sent yet (the feed, over the database). */
export interface ChangeSource {
  /** Changes after `afterSeq`, oldest first, at most `limit`. */
  read(afterSeq: number, limit: number): Promise<ChangeRow[]>;
  /** The highest sequence the feed has read and handed to live streams. */
  readonly head: number;
}

/** The part of a Node response a stream writes to (a fake in unit tests). */
export interface EventSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
  destroy(): unknown;
}

export interface StreamLimits {
  /** Bytes a client may leave unread before the stream stops sending it live changes. */
  maxBufferedBytes: number;
  /** Changes read from the source per query while catching up. */
  pageSize: number;
  /** How long a stream may stay unread (no drain) before it is closed. */
  stallTimeoutMs: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxBufferedBytes: 256 * 1024,
  pageSize: 500,
  stallTimeoutMs: 60_000,
});

export function changeEvent(row: ChangeRow): string {
  const data = row.deleted
    ? { projectId: row.projectId, version: row.version, deleted: true }
    : { projectId: row.projectId, version: row.version };
  return `id: ${row.seq}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Reload every cached project; resume after `seq`. */
export const resetEvent = (seq: number): string => `event: reset\nid: ${seq}\ndata: {}\n\n`;
export const HEARTBEAT = ': keep-alive\n\n';

/**
 * One client of the change stream. It is either catching up (reading pages from the source
 * after the last sequence it sent), live (handed each new page by the feed), or paused (its
 * client left more than `maxBufferedBytes` unread). A paused stream gets nothing until the
 * socket drains, then catches up from the source: what a slow client costs is bounded by
 * `maxBufferedBytes` plus one page, and it misses nothing. A client that stays unread for
 * `stallTimeoutMs` (vanished without closing) is disconnected.
 */
export class ChangeStream {
  private state: 'catching-up' | 'live' | 'paused' | 'closed' = 'catching-up';
  private pausedAt = 0;

  constructor(
    private readonly sink: EventSink,
    private readonly source: ChangeSource,
    private readonly limits: StreamLimits,
    /** The last sequence the client has (been told to resume after). */
    private sent: number,
    private readonly onClose: (stream: ChangeStream) => void,
  ) {}

  get closed(): boolean {
    return this.state === 'closed';
  }

  get paused(): boolean {
    return this.state === 'paused';
  }

  get unreadBytes(): number {
    return this.sink.writableLength;
  }

  get lastSent(): number {
    return this.sent;
  }

  /** Starts the catch-up (from `sent`); the stream goes live once it reached the feed. */
  start(): Promise<void> {
    return this.catchUp();
  }

  /** A page the feed has just read; ignored unless live. */
  deliver(rows: readonly ChangeRow[]): void {
    if (this.state !== 'live') return;
    const fresh = rows.filter((row) => row.seq > this.sent);
    if (fresh.length === 0) return;
    this.send(fresh);
    if (this.overBudget()) this.pause();
  }

  /** A comment line, so that proxies and clients see the connection is alive. */
  heartbeat(nowMs: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'paused') {
      if (nowMs - this.pausedAt > this.limits.stallTimeoutMs) this.close(true);
      return;
    }
    this.write(HEARTBEAT);
  }

  /** Ends the response (`abort`: drops the connection without waiting for the client). */
  close(abort = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (abort) this.sink.destroy();
    else this.sink.end();
    this.onClose(this);
  }

  /** The client went away: nothing more to write. */
  gone(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.onClose(this);
  }

  private async catchUp(): Promise<void> {
    this.state = 'catching-up';
    try {
      for (;;) {
        const rows = await this.source.read(this.sent, this.limits.pageSize);
        if (this.state !== 'catching-up') return;
        if (rows.length > 0) this.send(rows);
        if (this.overBudget()) return this.pause();
        if (rows.length < this.limits.pageSize && this.source.head <= this.sent) {
          // Same tick as the last read: every page the feed hands out from now on is newer.
          this.state = 'live';
          return;
        }
        if (rows.length === 0) {
          // The feed is ahead, yet nothing is left after `sent`: pruned meanwhile.
          this.sent = this.source.head;
          this.write(resetEvent(this.sent));
        }
      }
    } catch {
      // The database did not answer: the client reconnects with Last-Event-ID.
      this.close();
    }
  }

  private send(rows: readonly ChangeRow[]): void {
    this.write(rows.map(changeEvent).join(''));
    this.sent = rows[rows.length - 1].seq;
  }

  private write(chunk: string): void {
    if (this.sink.destroyed) return this.gone();
    this.sink.write(chunk);
  }

  private overBudget(): boolean {
    return this.sink.writableLength > this.limits.maxBufferedBytes;
  }

  private pause(): void {
    this.state = 'paused';
    this.pausedAt = Date.now();
    this.sink.once('drain', () => {
      if (this.state === 'paused') void this.catchUp();
    });
  }
}
