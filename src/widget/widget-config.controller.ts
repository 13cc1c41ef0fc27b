import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { WidgetCaller, WidgetEndpoint } from '@hissuno/widget-guard/nest';
import { IdentityResponse } from './widget-sessions.dto';

export class WidgetConfigResponse {
  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ description: 'Whether the project requires a widget token.' })
  requireToken!: boolean;

  @ApiProperty({
    type: IdentityResponse,
    description: 'The verified identity of the token, else anonymous (all null).',
  })
  identity!: IdentityResponse;
}

/** What the widget needs before it renders; answered from the guard's cache, no query. */
@ApiTags('widget')
@ApiParam({ name: 'projectId', format: 'uuid' })
@WidgetEndpoint()
@Controller('widget/:projectId/config')
export class WidgetConfigController {
  @Get()
  @ApiOperation({
    summary: 'Widget configuration and the caller’s identity',
    description:
      'Answers once the guard passed: the project exists, the origin is allowed and the ' +
      'token (if any) is valid. Use it to check a token before starting a session.',
  })
  @ApiOkResponse({ type: WidgetConfigResponse })
  config(@WidgetCaller() caller: WidgetCaller): WidgetConfigResponse {
    const { verified, userId, userMetadata } = caller.identity;
    return {
      projectId: caller.projectId,
      requireToken: caller.requireToken,
      identity: { verified, userId, userMetadata: userMetadata ? { ...userMetadata } : null },
    };
  }
}
