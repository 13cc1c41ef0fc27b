import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { Page, PageQuery } from '../common/pagination';
import { CurrentMembership, ProjectAccess, ProjectMembership } from './project-access';
import { ProjectBody, ProjectPage, ProjectResponse } from './project.dto';
import { ProjectsService } from './projects.service';

const NOT_FOUND =
  'A project the caller is not a member of, a deleted one, or a malformed id: 404 `project_not_found`.';

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiTooManyRequestsResponse({
    description: '`quota_exceeded`: the caller owns MAX_PROJECTS_PER_USER (default 100) projects.',
  })
  @ApiOperation({
    summary: 'Create a project (the caller becomes its owner)',
    description:
      'The project starts with `requireToken: false`, no allowed origins, and a fresh secret key at `keyEpoch: 1`.',
  })
  @ApiCreatedResponse({ type: ProjectResponse })
  create(@CurrentUser() user: AuthUser, @Body() body: ProjectBody): Promise<ProjectResponse> {
    return this.projects.create(user, body.name);
  }

  @Get()
  @ApiOperation({ summary: "The caller's projects, newest first" })
  @ApiOkResponse({ type: ProjectPage })
  list(@CurrentUser() user: AuthUser, @Query() page: PageQuery): Promise<Page<ProjectResponse>> {
    return this.projects.list(user, page);
  }

  @Get(':projectId')
  @ProjectAccess('viewer')
  @ApiOperation({ summary: 'One project (members)', description: NOT_FOUND })
  @ApiOkResponse({ type: ProjectResponse })
  get(@CurrentMembership() membership: ProjectMembership): Promise<ProjectResponse> {
    return this.projects.get(membership);
  }

  @Patch(':projectId')
  @ProjectAccess('admin')
  @ApiOperation({ summary: 'Rename a project (owner, admin)', description: NOT_FOUND })
  @ApiOkResponse({ type: ProjectResponse })
  rename(
    @CurrentMembership() membership: ProjectMembership,
    @Body() body: ProjectBody,
  ): Promise<ProjectResponse> {
    return this.projects.rename(membership, body.name);
  }

  @Delete(':projectId')
  @HttpCode(204)
  @ProjectAccess('owner', { apiKeys: false })
  @ApiOperation({
    summary: 'Delete a project (owner)',
    description: `Its secret keys are destroyed and its widget stops answering at once. ${NOT_FOUND}`,
  })
  @ApiNoContentResponse()
  async remove(@CurrentMembership() membership: ProjectMembership): Promise<void> {
    await this.projects.remove(membership);
  }
}
