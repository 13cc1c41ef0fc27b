import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Page, PageQuery } from '../common/pagination';
import { MEMBER_ADD_RATE_LIMIT, RateLimit } from '../common/rate-limit';
import { AddMemberBody, MemberPage, MemberResponse, UpdateMemberBody } from './member.dto';
import { MembersService } from './members.service';
import { CurrentMembership, ProjectAccess, ProjectMembership } from './project-access';

const OWNER_IMMUTABLE = '`owner_immutable`: the owner cannot be demoted or removed.';

@ApiTags('members')
@Controller('projects/:projectId/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @ProjectAccess('viewer')
  @ApiOperation({ summary: "The project's members, in the order they joined" })
  @ApiOkResponse({ type: MemberPage })
  list(
    @CurrentMembership() membership: ProjectMembership,
    @Query() page: PageQuery,
  ): Promise<Page<MemberResponse>> {
    return this.members.list(membership.projectId, page);
  }

  @Post()
  @ProjectAccess('admin', { apiKeys: false })
  // `user_not_found` says whether an email has an account: bounded per user.
  @RateLimit(MEMBER_ADD_RATE_LIMIT)
  @ApiOperation({
    summary: 'Add an existing account as admin or viewer (owner, admin)',
    description: 'At most RATE_LIMIT_MEMBERS_PER_MINUTE (default 30) calls per user a minute.',
  })
  @ApiCreatedResponse({ type: MemberResponse })
  @ApiNotFoundResponse({ description: '`user_not_found`: no account uses this email.' })
  @ApiConflictResponse({ description: '`already_member` (the owner included).' })
  add(
    @CurrentMembership() membership: ProjectMembership,
    @Body() body: AddMemberBody,
  ): Promise<MemberResponse> {
    return this.members.add(membership, body);
  }

  @Patch(':userId')
  @ProjectAccess('admin', { apiKeys: false })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiOperation({ summary: "Change a member's role to admin or viewer (owner, admin)" })
  @ApiOkResponse({ type: MemberResponse })
  @ApiNotFoundResponse({ description: '`member_not_found`' })
  @ApiConflictResponse({ description: OWNER_IMMUTABLE })
  changeRole(
    @CurrentMembership() membership: ProjectMembership,
    @Param('userId') userId: string,
    @Body() body: UpdateMemberBody,
  ): Promise<MemberResponse> {
    return this.members.changeRole(membership, userId, body.role);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ProjectAccess('admin', { apiKeys: false })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiOperation({ summary: 'Remove a member (owner, admin)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: '`member_not_found`' })
  @ApiConflictResponse({ description: OWNER_IMMUTABLE })
  async remove(
    @CurrentMembership() membership: ProjectMembership,
    @Param('userId') userId: string,
  ): Promise<void> {
    await this.members.remove(membership, userId);
  }
}
