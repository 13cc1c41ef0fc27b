import { Body, Controller, Get, Patch } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import { UpdateWidgetSecurityDto, WidgetSecurityResponse } from './widget-security.dto';
import { WidgetSecurityService } from './widget-security.service';

const NOT_FOUND = 'project_not_found: no such project, or the caller is not a member.';

@ApiTags('widget security')
@Controller('projects/:projectId/widget/security')
export class WidgetSecurityController {
  constructor(private readonly security: WidgetSecurityService) {}

  @Get()
  @ProjectAccess('viewer')
  @ApiOperation({
    summary: 'Widget security settings (any member)',
    description:
      'previousKeyExpiresAt keeps the end of the last grace period, also once it has passed; ' +
      'null when the last rotation had no grace. keyExposedAt: when a widget request first ' +
      'carried the current secret key (refused with secret_key_exposed and audited as ' +
      '`widget.secret_key.exposed`); null until then, and again after the next rotation.',
  })
  @ApiOkResponse({ type: WidgetSecurityResponse, description: 'The current settings.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  get(@CurrentMembership() membership: ProjectMembership): Promise<WidgetSecurityResponse> {
    return this.security.get(membership.projectId);
  }

  @Patch()
  @ProjectAccess('admin')
  @ApiOperation({
    summary: 'Change requireToken, allowedOrigins and/or maxTokenLifetimeSeconds (owner, admin)',
    description:
      'Omitted fields keep their value; allowedOrigins replaces the whole list; ' +
      'maxTokenLifetimeSeconds null removes the cap. A change is audited as ' +
      '`widget.security.updated` with details `{ before, after }` (all three settings) and ' +
      'takes effect on every instance within 1 second. A PATCH that changes nothing (same ' +
      'values, or `{}`) answers 200 with the current settings and writes nothing: no audit ' +
      'entry, updatedAt unchanged.',
  })
  @ApiOkResponse({ type: WidgetSecurityResponse, description: 'The settings after the change.' })
  @ApiBadRequestResponse({
    description:
      'validation_failed: requireToken not a boolean (null included), allowedOrigins not an ' +
      'array, or bad entries (one error per entry, field `allowedOrigins[i]`; a list over 100 ' +
      'entries gets its error at `allowedOrigins[100]`), maxTokenLifetimeSeconds not an ' +
      'integer from 60 to 2592000 or null, or an unknown property (keyExposedAt included).',
  })
  @ApiForbiddenResponse({ description: 'forbidden: viewers cannot change the settings.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  update(
    @CurrentMembership() membership: ProjectMembership,
    @Body() body: UpdateWidgetSecurityDto,
  ): Promise<WidgetSecurityResponse> {
    return this.security.update(membership, body);
  }
}
