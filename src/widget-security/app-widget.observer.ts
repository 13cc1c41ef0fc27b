import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { KeyExposureService } from '../secret-keys/key-exposure.service';
import { WidgetAccessEvent, WidgetAccessObserver } from '@hissuno/widget-guard';
import { WidgetStatsRecorder } from '../widget-stats/widget-stats.recorder';
import { GuardCacheMetrics } from './guard-cache.metrics';
import { WidgetMetricsObserver } from './widget-metrics.observer';

/**
 * What this app does with each guard decision, all in memory on the hot path: Prometheus
 * counters, the statistics recorder (flushed in the background), and — when a request carried
 * the project's current secret key — a background write of the exposure. One listener failing
 * does not silence the others.
 */
@Injectable()
export class AppWidgetObserver extends WidgetAccessObserver {
  private readonly logger = new Logger('WidgetAccess');
  private readonly metrics: WidgetMetricsObserver;
  private readonly cache: GuardCacheMetrics;
  private readonly latency: MetricsService['widgetGuardDecisionDuration'];

  constructor(
    metrics: MetricsService,
    private readonly stats: WidgetStatsRecorder,
    private readonly exposures: KeyExposureService,
  ) {
    super();
    this.metrics = new WidgetMetricsObserver(metrics);
    this.cache = new GuardCacheMetrics(metrics.registry);
    this.latency = metrics.widgetGuardDecisionDuration;
  }

  override decisionTimed(seconds: number): void {
    this.latency.observe(seconds);
  }

  // The guard cache's hooks (hot path: each bumps one number).
  override cacheHit(): void {
    this.cache.cacheHit();
  }

  override cacheMiss(): void {
    this.cache.cacheMiss();
  }

  override cacheEvicted(): void {
    this.cache.cacheEvicted();
  }

  override watchCache(cache: { readonly size: number }): void {
    this.cache.watchCache(cache);
  }

  decided(event: WidgetAccessEvent): void {
    try {
      this.metrics.decided(event);
      this.stats.decided(event);
    } catch (error) {
      this.logger.warn({ err: error }, 'widget decision not counted');
    }
    if (event.currentKeyExposed && event.projectId !== null && event.keyEpoch !== null) {
      this.exposures.report(event.projectId, event.keyEpoch);
    }
  }
}
