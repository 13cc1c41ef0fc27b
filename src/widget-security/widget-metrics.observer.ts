import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { WidgetAccessEvent, WidgetAccessObserver } from '@hissuno/widget-guard';

/** Counts guard decisions by outcome (`widget_guard_decisions_total{outcome}`, API.md §7). */
@Injectable()
export class WidgetMetricsObserver extends WidgetAccessObserver {
  constructor(private readonly metrics: MetricsService) {
    super();
  }

  decided(event: WidgetAccessEvent): void {
    this.metrics.widgetGuardDecisions.inc({ outcome: event.outcome });
  }
}
