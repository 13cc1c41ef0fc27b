import { Body, Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AUTH_RATE_LIMIT, RateLimit } from '../common/rate-limit';
import { AuthResponse, LoginBody, SignupBody, UserResponse } from './auth.dto';
import { AuthService } from './auth.service';
import { AuthUser, CurrentUser } from './current-user.decorator';
import { Public } from './public.decorator';
import { SignupEnabledGuard } from './signup-enabled.guard';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(SignupEnabledGuard)
  @RateLimit(AUTH_RATE_LIMIT)
  @Post('signup')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create a dashboard account and log in',
    description:
      'Password: 12 to 128 characters. Emails are matched case-insensitively and stored ' +
      'lower-cased. Limited per client address (RATE_LIMIT_AUTH_PER_MINUTE).',
  })
  @ApiCreatedResponse({ type: AuthResponse })
  @ApiConflictResponse({ description: '`email_taken`' })
  @ApiForbiddenResponse({ description: '`signup_disabled` (SIGNUP_ENABLED=false)' })
  signUp(@Body() body: SignupBody): Promise<AuthResponse> {
    return this.auth.signUp(body);
  }

  @Public()
  @RateLimit(AUTH_RATE_LIMIT)
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Exchange email and password for an access token',
    description:
      'Limited per client address (RATE_LIMIT_AUTH_PER_MINUTE) and per email: after 20 ' +
      'failed attempts within 15 minutes the email answers 429 until the window ends, ' +
      'whatever the address; a successful login clears the count.',
  })
  @ApiOkResponse({ type: AuthResponse })
  @ApiUnauthorizedResponse({ description: '`invalid_credentials`' })
  logIn(@Body() body: LoginBody): Promise<AuthResponse> {
    return this.auth.logIn(body);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The account the access token belongs to' })
  @ApiOkResponse({ type: UserResponse })
  @ApiUnauthorizedResponse({ description: '`unauthorized`' })
  me(@CurrentUser() user: AuthUser): Promise<UserResponse> {
    return this.auth.me(user);
  }
}
