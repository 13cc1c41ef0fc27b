import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import { KeyEpochUsage, StatsQuery, WidgetStatsResponse } from './widget-stats.dto';
import { WidgetStatsService } from './widget-stats.service';

@ApiTags('widget security')
@ApiExtraModels(KeyEpochUsage)
@Controller('projects/:projectId/widget/security/stats')
export class WidgetStatsController {
  constructor(private readonly stats: WidgetStatsService) {}

  @Get()
  @ProjectAccess('viewer')
  @ApiOperation({
    summary: 'Widget guard statistics (any member)',
    description:
      'How the widget guard answered this project’s widget requests over the window ' +
      '(`1h`, `24h` (default) or `7d`), counted by every instance in minute buckets and at ' +
      'most 15 s behind. With requireToken off, the share of `verified` tells whether ' +
      'enforcement is safe to turn on; `byKeyEpoch` tells when a previous key is no longer ' +
      'used. Requests for unknown project ids are not counted, nor are diagnoses.',
  })
  @ApiOkResponse({ type: WidgetStatsResponse })
  @ApiBadRequestResponse({ description: 'validation_failed: window is not 1h, 24h or 7d.' })
  @ApiNotFoundResponse({
    description: 'project_not_found: no such project, or the caller is not a member.',
  })
  get(
    @CurrentMembership() membership: ProjectMembership,
    @Query() query: StatsQuery,
  ): Promise<WidgetStatsResponse> {
    return this.stats.stats(membership.projectId, query.window ?? '24h');
  }
}
