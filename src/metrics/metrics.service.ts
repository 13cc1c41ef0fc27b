import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** One registry per app instance (tests run several apps in one process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly widgetGuardDecisions = new Counter({
    name: 'widget_guard_decisions_total',
    help: 'Widget guard decisions by outcome code (verified, anonymous, or the error code)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  /** The widget guard's time to decide: rate limits, cached (or loaded) state, checks. */
  readonly widgetGuardDecisionDuration = new Histogram({
    name: 'widget_guard_decision_duration_seconds',
    help: 'Time the widget guard took to decide a request (rate limits, lookup, checks)',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [this.registry],
  });

  /** Statistics writes that failed (the counts are kept for the next one, API.md §8). */
  readonly statsFlushFailures = new Counter({
    name: 'widget_stats_flush_failures_total',
    help: 'Widget guard statistics flushes that failed to write (counts kept for a retry)',
    registers: [this.registry],
  });

  readonly statsDropped = new Counter({
    name: 'widget_stats_dropped_requests_total',
    help: 'Widget requests left out of the statistics: too many cells pending while writes fail',
    registers: [this.registry],
  });

  readonly statsPendingCells = new Gauge({
    name: 'widget_stats_pending_cells',
    help: 'Statistics cells (project, minute, outcome, key epoch) waiting to be written',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges that prom-client names like counters (`promtool check metrics` refuses them).
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
  }
}
