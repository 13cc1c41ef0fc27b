import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { STATS_OUTCOMES } from '../widget-stats/widget-stats.dto';
import { WidgetAccessEvent, WidgetAccessObserver } from '@hissuno/widget-guard';

/** Every outcome the guard can decide: the statistics' ones and those of no project. */
export const GUARD_OUTCOMES = [
  ...STATS_OUTCOMES,
  'project_not_found',
  'rate_limited',
  'service_unavailable',
];

/** Counts guard decisions by outcome (`widget_guard_decisions_total{outcome}`, API.md §7). */
@Injectable()
export class WidgetMetricsObserver extends WidgetAccessObserver {
  constructor(private readonly metrics: MetricsService) {
    super();
    // Present at 0 from the start, so that a rate or an alert on any outcome has a series.
    for (const outcome of GUARD_OUTCOMES) metrics.widgetGuardDecisions.inc({ outcome }, 0);
  }

  decided(event: WidgetAccessEvent): void {
    this.metrics.widgetGuardDecisions.inc({ outcome: event.outcome });
  }
}
