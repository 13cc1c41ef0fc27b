import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AUTH_RATE_LIMIT, RateLimit } from '../common/rate-limit';
import { AccountSessionsService } from './account-sessions.service';
import { AuthResponse, ChangePasswordBody } from './auth.dto';
import {
  AccessTokenSession,
  AuthUser,
  CurrentSession,
  CurrentUser,
} from './current-user.decorator';

const UNAUTHORIZED = '`unauthorized`: no valid access token (an API key is never accepted here).';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth')
export class AccountSessionsController {
  constructor(private readonly sessions: AccountSessionsService) {}

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End this session',
    description:
      'The access token sent is refused from then on (401 `unauthorized`), on every instance ' +
      'at once. Other sessions of the account stay open; a password change ends them all.',
  })
  @ApiNoContentResponse({ description: 'Logged out.' })
  @ApiUnauthorizedResponse({ description: UNAUTHORIZED })
  async logOut(@CurrentSession() session: AccessTokenSession): Promise<void> {
    await this.sessions.logOut(session);
  }

  @Post('password')
  @RateLimit(AUTH_RATE_LIMIT)
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Change the password and end every other session',
    description:
      'Every access token issued before, the one sent included, is refused from then on; ' +
      'the answer carries a fresh one (Cache-Control: no-store). A wrong `currentPassword` ' +
      'counts as a failed login for the email. Limited per client address ' +
      '(RATE_LIMIT_AUTH_PER_MINUTE) and per email like login (429 `rate_limited`).',
  })
  @ApiOkResponse({ type: AuthResponse })
  @ApiBadRequestResponse({
    description: '`validation_failed`: `newPassword` is not 12 to 128 characters.',
  })
  @ApiUnauthorizedResponse({
    description: `\`invalid_credentials\`: the current password is wrong. ${UNAUTHORIZED}`,
  })
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body() body: ChangePasswordBody,
  ): Promise<AuthResponse> {
    return this.sessions.changePassword(user, body);
  }
}
