import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import { WidgetAccessService, type WidgetDiagnosis } from '@hissuno/widget-guard';
import { DiagnoseBody, DiagnosisResponse } from './diagnose.dto';

function toResponse({ decision, checks, token }: WidgetDiagnosis): DiagnosisResponse {
  const identity = decision.allowed
    ? {
        verified: decision.identity.verified,
        userId: decision.identity.userId,
        userMetadata: decision.identity.userMetadata ? { ...decision.identity.userMetadata } : null,
      }
    : null;
  return {
    decision: decision.allowed ? 'allow' : 'deny',
    code: decision.allowed ? null : decision.code,
    checks,
    identity,
    token,
  };
}

@ApiTags('widget security')
@Controller('projects/:projectId/widget/security/diagnose')
export class DiagnoseController {
  constructor(private readonly access: WidgetAccessService) {}

  @Post()
  @HttpCode(200)
  @ProjectAccess('admin')
  @ApiOperation({
    summary: 'Why would the widget API allow or refuse this origin and token? (owner, admin)',
    description:
      'Runs the widget guard’s own decision on the given Origin and token (as `Authorization: ' +
      'Bearer <token>`), so `code` is what `GET /widget/:projectId/config` would answer now, ' +
      'and explains each check. This request itself is not subject to the origin rules, is ' +
      'not counted in the widget statistics or metrics, and records nothing: a secret key ' +
      'sent as `token` is answered `secret_key_exposed` and neither echoed nor recorded as an ' +
      'exposure.',
  })
  @ApiOkResponse({ type: DiagnosisResponse })
  @ApiBadRequestResponse({ description: 'validation_failed: origin or token not a string.' })
  @ApiForbiddenResponse({ description: 'forbidden: viewers cannot run diagnoses.' })
  @ApiNotFoundResponse({
    description: 'project_not_found: no such project, or the caller is not a member.',
  })
  async diagnose(
    @CurrentMembership() membership: ProjectMembership,
    @Body() body: DiagnoseBody,
  ): Promise<DiagnosisResponse> {
    const diagnosis = await this.access.diagnose({
      projectId: membership.projectId,
      origin: body.origin ?? null,
      token: body.token ?? null,
    });
    return toResponse(diagnosis);
  }
}
