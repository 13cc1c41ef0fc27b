import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiBadRequestResponse,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import { KeyRotationService } from './key-rotation.service';
import { OptionalBody } from './optional-body.pipe';
import { RotatedSecretKeyResponse, RotateSecretKeyDto, SecretKeyResponse } from './secret-keys.dto';
import { SecretKeysService } from './secret-keys.service';

const NOT_FOUND = 'project_not_found: no such project, or the caller is not a member.';
const FORBIDDEN = 'forbidden: viewers cannot see or rotate the secret key.';

@ApiTags('widget security')
@Controller('projects/:projectId/widget/secret-key')
export class SecretKeysController {
  constructor(
    private readonly secretKeys: SecretKeysService,
    private readonly rotation: KeyRotationService,
  ) {}

  @Get()
  @ProjectAccess('admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Reveal the current secret key (owner, admin)',
    description:
      'Answered with Cache-Control: no-store. Every reveal is written to the audit log ' +
      '(`widget.secret_key.revealed`, with the epoch only).',
  })
  @ApiOkResponse({ type: SecretKeyResponse, description: 'The current key in clear.' })
  @ApiForbiddenResponse({ description: FORBIDDEN })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  reveal(@CurrentMembership() membership: ProjectMembership): Promise<SecretKeyResponse> {
    return this.secretKeys.reveal(membership);
  }

  @Post('rotate')
  @HttpCode(200)
  @ProjectAccess('admin')
  @ApiTooManyRequestsResponse({
    description:
      '`quota_exceeded`: MAX_ROTATIONS_PER_HOUR (default 30) rotations of this project in the last hour.',
  })
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Rotate the secret key (owner, admin)',
    description:
      'Makes a new key at keyEpoch + 1 and returns it (Cache-Control: no-store). Concurrent ' +
      'rotations serialize. The body may be omitted (grace 0). With grace 0, tokens signed by ' +
      'the old key answer 401 token_key_rotated at once; with G > 0 they stay valid until ' +
      'previousKeyExpiresAt. Only one previous key is kept: rotating again ends a running ' +
      'grace at once. Takes effect on every instance within 1 second. Audited as ' +
      '`widget.secret_key.rotated` with `{ keyEpoch, gracePeriodSeconds }`.',
  })
  @ApiBody({ type: RotateSecretKeyDto, required: false })
  @ApiOkResponse({ type: RotatedSecretKeyResponse, description: 'The new key in clear.' })
  @ApiBadRequestResponse({
    description: 'validation_failed: gracePeriodSeconds is not an integer in 0..604800.',
  })
  @ApiForbiddenResponse({ description: FORBIDDEN })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  rotate(
    @CurrentMembership() membership: ProjectMembership,
    // Partial<…> is emitted as Object, so the global pipe (which refuses a missing body)
    // passes it through; OptionalBody validates it, reading no body as {}.
    @Body(OptionalBody(RotateSecretKeyDto)) body: Partial<RotateSecretKeyDto>,
  ): Promise<RotatedSecretKeyResponse> {
    return this.rotation.rotate(membership, body.gracePeriodSeconds ?? 0);
  }
}
