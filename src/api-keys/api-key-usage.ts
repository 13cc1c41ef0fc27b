import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** `lastUsedAt` is written at most this often per key (API.md §9: about once a minute). */
export const LAST_USED_INTERVAL_MS = 60_000;
/** Uses are gathered this long before one batched write. */
const FLUSH_DELAY_MS = 1_000;
const RETRY_DELAY_MS = 5_000;

/**
 * Records when keys are used without touching the request path: `touch` only notes the
 * time in memory (once a minute per key at most), and a timer writes every noted key in
 * one UPDATE. A write that fails is retried later; shutdown writes what is pending.
 */
@Injectable()
export class ApiKeyUsage implements OnModuleDestroy {
  private readonly logger = new Logger(ApiKeyUsage.name);
  private pending = new Map<string, Date>();
  private readonly notedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly dataSource: DataSource) {}

  touch(apiKeyId: string): void {
    const now = Date.now();
    if (now - (this.notedAt.get(apiKeyId) ?? 0) < LAST_USED_INTERVAL_MS) return;
    this.notedAt.set(apiKeyId, now);
    this.pending.set(apiKeyId, new Date(now));
    this.schedule(FLUSH_DELAY_MS);
  }

  /** Writes every noted use now (tests and shutdown call it; the timer otherwise). */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = null));
    await this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private async write(batch: Map<string, Date>): Promise<void> {
    try {
      // Another instance may have written a moment ago: only move the time forward.
      await this.dataSource.query(
        `UPDATE api_keys k SET last_used_at = u.at
           FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
          WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
        [[...batch.keys()], [...batch.values()].map((at) => at.toISOString())],
      );
      this.forgetOldNotes();
    } catch (error) {
      this.logger.warn({ err: error, keys: batch.size }, 'could not record API key use; retrying');
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.schedule(RETRY_DELAY_MS);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  /** Keeps the per-key notes bounded by the keys used within the last interval. */
  private forgetOldNotes(): void {
    const cutoff = Date.now() - LAST_USED_INTERVAL_MS;
    for (const [id, at] of this.notedAt) if (at < cutoff) this.notedAt.delete(id);
  }
}
