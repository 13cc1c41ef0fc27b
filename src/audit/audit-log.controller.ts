import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page, PageQuery } from '../common/pagination';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import { AuditEntryResponse, AuditLogPage } from './audit-log.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('projects/:projectId/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ProjectAccess('admin')
  @ApiOperation({ summary: "The project's audit log, newest first (owner, admin)" })
  @ApiOkResponse({ type: AuditLogPage })
  list(
    @CurrentMembership() membership: ProjectMembership,
    @Query() page: PageQuery,
  ): Promise<Page<AuditEntryResponse>> {
    return this.audit.list(membership.projectId, page);
  }
}
