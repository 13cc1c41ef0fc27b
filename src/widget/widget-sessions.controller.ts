import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Page } from '../common/pagination';
import {
  MessageBody,
  MessagePage,
  MessageResponse,
  SessionHistoryItem,
  SessionHistoryPage,
} from '../conversations/conversations.dto';
import { MessagesService } from '../conversations/messages.service';
import { SessionsService } from '../conversations/sessions.service';
import { OptionalBody } from '../secret-keys/optional-body.pipe';
import { WidgetCaller, WidgetEndpoint } from '@hissuno/widget-guard/nest';
import { callerIdentity, callerOwner, callerScope } from './widget-identity';
import {
  CreatedWidgetSessionResponse,
  CreateWidgetSessionBody,
  WidgetPageQuery,
  WidgetVisitorQuery,
} from './widget-sessions.dto';

const SESSION_NOT_FOUND =
  'session_not_found: the session id is malformed, unknown, of another project, or of ' +
  'another identity (a verified session is never reachable without its token).';
const IDENTITY_RULES =
  'With a token the identity is the token’s (a client-sent userId is ignored). Without one, ' +
  'the caller names itself with `?userId=` (unverified): it reaches only unverified ' +
  'sessions of that userId. A caller naming no userId is an identity of its own: it ' +
  'reaches only sessions started with no userId, never one started under a userId.';

/** The widget's conversations: start a session, see its history, read and write messages. */
@ApiTags('widget')
@ApiParam({ name: 'projectId', type: String, format: 'uuid' })
@WidgetEndpoint()
@Controller('widget/:projectId/sessions')
export class WidgetSessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly messages: MessagesService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Start a session',
    description:
      'The identity is the verified token’s when one is sent (body userId/userMetadata are ' +
      'then ignored); otherwise the body’s userId/userMetadata, stored as unverified.',
  })
  @ApiBody({ type: CreateWidgetSessionBody, required: false })
  @ApiCreatedResponse({ type: CreatedWidgetSessionResponse })
  @ApiBadRequestResponse({ description: 'validation_failed: pageUrl, pageTitle or identity.' })
  create(
    @WidgetCaller() caller: WidgetCaller,
    // Every field is optional, so the body may be left out (read as {}); Partial<…> is
    // emitted as Object, which the global pipe passes through to OptionalBody.
    @Body(OptionalBody(CreateWidgetSessionBody)) body: Partial<CreateWidgetSessionBody>,
  ): Promise<CreatedWidgetSessionResponse> {
    return this.sessions.create({
      projectId: caller.projectId,
      origin: caller.origin,
      pageUrl: body.pageUrl ?? null,
      pageTitle: body.pageTitle ?? null,
      identity: callerIdentity(caller, body.userId, body.userMetadata),
    });
  }

  @Get()
  @ApiOperation({
    summary: 'The history of the caller’s identity, newest first',
    description: `${IDENTITY_RULES} An anonymous caller without \`?userId=\` gets an empty list.`,
  })
  @ApiOkResponse({ type: SessionHistoryPage })
  history(
    @WidgetCaller() caller: WidgetCaller,
    @Query() query: WidgetPageQuery,
  ): Promise<Page<SessionHistoryItem>> {
    return this.sessions.history(caller.projectId, callerOwner(caller, query.userId), query);
  }

  @Get(':sessionId/messages')
  @ApiParam({ name: 'sessionId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Messages of a session, oldest first', description: IDENTITY_RULES })
  @ApiOkResponse({ type: MessagePage })
  @ApiNotFoundResponse({ description: SESSION_NOT_FOUND })
  listMessages(
    @WidgetCaller() caller: WidgetCaller,
    @Param('sessionId') sessionId: string,
    @Query() query: WidgetPageQuery,
  ): Promise<Page<MessageResponse>> {
    return this.messages.list(callerScope(caller, query.userId), sessionId, query);
  }

  @Post(':sessionId/messages')
  @ApiParam({ name: 'sessionId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Send a visitor message (role "user")', description: IDENTITY_RULES })
  @ApiCreatedResponse({ type: MessageResponse })
  @ApiBadRequestResponse({ description: 'validation_failed: content must be 1..4000 characters.' })
  @ApiNotFoundResponse({ description: SESSION_NOT_FOUND })
  postMessage(
    @WidgetCaller() caller: WidgetCaller,
    @Param('sessionId') sessionId: string,
    @Query() query: WidgetVisitorQuery,
    @Body() body: MessageBody,
  ): Promise<MessageResponse> {
    return this.messages.post(callerScope(caller, query.userId), sessionId, 'user', body.content);
  }
}
