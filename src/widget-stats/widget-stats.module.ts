import { Module } from '@nestjs/common';
import { WidgetStatsController } from './widget-stats.controller';
import {
  DEFAULT_WIDGET_STATS_OPTIONS,
  WIDGET_STATS_OPTIONS,
  WidgetStatsRecorder,
} from './widget-stats.recorder';
import { WidgetStatsService } from './widget-stats.service';

/**
 * Widget guard statistics (API.md §8): the recorder, which the app's guard observer feeds,
 * and the endpoint that reads them.
 */
@Module({
  controllers: [WidgetStatsController],
  providers: [
    { provide: WIDGET_STATS_OPTIONS, useValue: DEFAULT_WIDGET_STATS_OPTIONS },
    WidgetStatsRecorder,
    WidgetStatsService,
  ],
  exports: [WidgetStatsRecorder],
})
export class WidgetStatsModule {}
