import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Page } from '../common/pagination';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import {
  DashboardSessionsQuery,
  MessageBody,
  MessageResponse,
  SessionDetailResponse,
  SessionPage,
  SessionResponse,
} from './conversations.dto';
import { MessagesService } from './messages.service';
import { SessionsService } from './sessions.service';

const PROJECT_NOT_FOUND =
  'project_not_found: no such project, or the caller is not a member of it.';
const SESSION_NOT_FOUND =
  'session_not_found: the session id is malformed, unknown, or of another project. ' +
  PROJECT_NOT_FOUND;

/** The dashboard's view of widget conversations, and the agent's replies. */
@ApiTags('sessions')
@Controller('projects/:projectId/sessions')
export class DashboardSessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly messages: MessagesService,
  ) {}

  @Get()
  @ProjectAccess('viewer')
  @ApiOperation({
    summary: 'Widget sessions of the project, newest first (members)',
    description:
      'Ordered by createdAt, newest first. `visitor.kind` is `identified` only when the ' +
      'identity came from a verified widget token; a userId sent by the browser without a ' +
      'token stays `anonymous` with `visitor.verified: false`.',
  })
  @ApiOkResponse({ type: SessionPage })
  @ApiBadRequestResponse({ description: 'validation_failed: bad visitor, limit or cursor.' })
  @ApiNotFoundResponse({ description: PROJECT_NOT_FOUND })
  list(
    @CurrentMembership() membership: ProjectMembership,
    @Query() query: DashboardSessionsQuery,
  ): Promise<Page<SessionResponse>> {
    return this.sessions.listForProject(membership.projectId, query.visitor, query);
  }

  @Get(':sessionId')
  @ProjectAccess('viewer')
  @ApiParam({ name: 'sessionId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'One session with all its messages, oldest first (members)',
    description: '`messages` is a plain array of every message of the session, oldest first.',
  })
  @ApiOkResponse({ type: SessionDetailResponse })
  @ApiNotFoundResponse({ description: SESSION_NOT_FOUND })
  detail(
    @CurrentMembership() membership: ProjectMembership,
    @Param('sessionId') sessionId: string,
  ): Promise<SessionDetailResponse> {
    return this.sessions.detail(membership.projectId, sessionId);
  }

  @Post(':sessionId/messages')
  @ProjectAccess('admin')
  @ApiParam({ name: 'sessionId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Reply to a session as the agent (owner, admin)',
    description:
      'Adds a message with role `agent`; the session’s messageCount and lastActivityAt ' +
      'change with it, atomically.',
  })
  @ApiCreatedResponse({ type: MessageResponse })
  @ApiBadRequestResponse({ description: 'validation_failed: content must be 1..4000 characters.' })
  @ApiForbiddenResponse({ description: 'forbidden: viewers cannot reply.' })
  @ApiNotFoundResponse({ description: SESSION_NOT_FOUND })
  reply(
    @CurrentMembership() membership: ProjectMembership,
    @Param('sessionId') sessionId: string,
    @Body() body: MessageBody,
  ): Promise<MessageResponse> {
    const scope = { projectId: membership.projectId, owner: null };
    return this.messages.post(scope, sessionId, 'agent', body.content);
  }
}
