import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Page, PageQuery } from '../common/pagination';
import { CurrentMembership, ProjectAccess, ProjectMembership } from '../projects/project-access';
import {
  ApiKeyPage,
  ApiKeyResponse,
  CreateApiKeyBody,
  CreatedApiKeyResponse,
} from './api-keys.dto';
import { ApiKeysService, MAX_API_KEYS_PER_PROJECT } from './api-keys.service';

const NOT_FOUND = '`project_not_found`: no such project, or the caller is not a member.';
const FORBIDDEN =
  '`forbidden`: viewers, and every API key (keys never manage keys), cannot do this.';
const UNAUTHORIZED = '`unauthorized`: no valid access token.';

@ApiTags('api keys')
@Controller('projects/:projectId/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ProjectAccess('admin', { apiKeys: false })
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create an API key (owner, admin; users only)',
    description:
      'The answer holds the key, `hsk_` + 43 base64url characters, this once (Cache-Control: ' +
      'no-store); the service keeps only its SHA-256 digest. Send it as ' +
      '`Authorization: Bearer hsk_…` on this project’s routes, with the rights of `role`. ' +
      `At most ${MAX_API_KEYS_PER_PROJECT} keys per project (revoked and expired ones do ` +
      'not count). Audited as `api_key.created`.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiBadRequestResponse({
    description:
      '`validation_failed`: `name` not 1..100 characters, `role` not admin or viewer, ' +
      '`expiresInDays` not an integer 1..365 or null.',
  })
  @ApiUnauthorizedResponse({ description: UNAUTHORIZED })
  @ApiForbiddenResponse({ description: FORBIDDEN })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiTooManyRequestsResponse({
    description: `\`quota_exceeded\`: the project has ${MAX_API_KEYS_PER_PROJECT} API keys already.`,
  })
  create(
    @CurrentMembership() membership: ProjectMembership,
    @Body() body: CreateApiKeyBody,
  ): Promise<CreatedApiKeyResponse> {
    return this.apiKeys.create(membership, body);
  }

  @Get()
  @ProjectAccess('admin', { apiKeys: false })
  @ApiOperation({
    summary: "The project's API keys, newest first (owner, admin; users only)",
    description: 'Revoked keys are not listed; expired ones are, with their `expiresAt`.',
  })
  @ApiOkResponse({ type: ApiKeyPage })
  @ApiBadRequestResponse({ description: '`validation_failed`: a bad `limit` or `cursor`.' })
  @ApiUnauthorizedResponse({ description: UNAUTHORIZED })
  @ApiForbiddenResponse({ description: FORBIDDEN })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  list(
    @CurrentMembership() membership: ProjectMembership,
    @Query() page: PageQuery,
  ): Promise<Page<ApiKeyResponse>> {
    return this.apiKeys.list(membership.projectId, page);
  }

  @Delete(':apiKeyId')
  @HttpCode(204)
  @ProjectAccess('admin', { apiKeys: false })
  @ApiParam({ name: 'apiKeyId', format: 'uuid' })
  @ApiOperation({
    summary: 'Revoke an API key (owner, admin; users only)',
    description:
      'The key answers 401 `unauthorized` from then on, on every instance within 1 second. ' +
      'Audited as `api_key.revoked`.',
  })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiUnauthorizedResponse({ description: UNAUTHORIZED })
  @ApiForbiddenResponse({ description: FORBIDDEN })
  @ApiNotFoundResponse({
    description: `${NOT_FOUND} \`api_key_not_found\`: no such key here, or already revoked.`,
  })
  async revoke(
    @CurrentMembership() membership: ProjectMembership,
    @Param('apiKeyId') apiKeyId: string,
  ): Promise<void> {
    await this.apiKeys.revoke(membership, apiKeyId);
  }
}
