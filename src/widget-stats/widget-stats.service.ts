import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { STATS_BUCKET_MS } from './widget-stats.recorder';
import {
  KeyEpochUsage,
  STATS_OUTCOMES,
  STATS_WINDOWS,
  StatsWindow,
  WidgetStatsResponse,
} from './widget-stats.dto';

interface SumRow {
  outcome: string;
  keyEpoch: number;
  /** A bigint sum, as text. */
  count: string;
  lastSeenAt: Date;
}

/** Reads the guard statistics every instance wrote (widget-stats.recorder.ts). */
@Injectable()
export class WidgetStatsService {
  constructor(private readonly dataSource: DataSource) {}

  async stats(projectId: string, window: StatsWindow): Promise<WidgetStatsResponse> {
    const to = new Date();
    const start = to.getTime() - STATS_WINDOWS[window];
    const from = new Date(start - (start % STATS_BUCKET_MS));
    const rows: SumRow[] = await this.dataSource.query(
      `SELECT outcome, key_epoch AS "keyEpoch", sum(count)::text AS count,
              max(last_seen_at) AS "lastSeenAt"
         FROM widget_guard_stats
        WHERE project_id = $1 AND bucket >= $2
        GROUP BY outcome, key_epoch`,
      [projectId, from.toISOString()],
    );
    const byOutcome: Record<string, number> = Object.fromEntries(
      STATS_OUTCOMES.map((outcome) => [outcome, 0]),
    );
    const byKeyEpoch: Record<string, KeyEpochUsage> = {};
    let total = 0;
    for (const row of rows) {
      const count = Number(row.count);
      total += count;
      byOutcome[row.outcome] = (byOutcome[row.outcome] ?? 0) + count;
      if (row.outcome === 'verified' && row.keyEpoch > 0) {
        byKeyEpoch[String(row.keyEpoch)] = { verified: count, lastSeenAt: row.lastSeenAt };
      }
    }
    return { window, from, to, total, byOutcome, byKeyEpoch };
  }
}
