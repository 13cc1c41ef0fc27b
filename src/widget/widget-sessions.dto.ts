import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { KeptAsSent } from '../common/validation';
import { MAX_USER_ID_LENGTH } from '../conversations/conversation-identity';
import { NoNulCharacters } from '../conversations/conversations.dto';

export const MAX_PAGE_URL_LENGTH = 2048;
export const MAX_PAGE_TITLE_LENGTH = 512;

/**
 * The page the widget runs on: an absolute http(s) URL, as the browser's location is.
 * Anything else (`javascript:`, `data:`, a bare path) would be a link the dashboard shows.
 */
const HttpUrl = (): PropertyDecorator =>
  ValidateBy({
    name: 'httpUrl',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return true; // IsString reports it
        if (!/^https?:\/\//i.test(value)) return false;
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      defaultMessage: () => '$property must be an absolute http:// or https:// URL',
    },
  });

const USER_ID_DESCRIPTION =
  'Without a token: the visitor as your page names it (1..255 characters), stored as ' +
  'unverified. With a token: ignored, the identity comes only from the token.';

/** Body of POST /widget/:projectId/sessions. */
export class CreateWidgetSessionBody {
  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: MAX_USER_ID_LENGTH })
  // Checked only for anonymous callers (see anonymousIdentity): a verified caller's copy
  // is ignored, not judged.
  @Allow()
  userId?: unknown;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 1024 },
    maxProperties: 50,
    description:
      'Without a token: shown in the dashboard as unverified (≤ 50 keys, key ≤ 64 and value ' +
      '≤ 1024 characters). With a token: ignored.',
  })
  @Allow()
  // Keys such as `constructor` or `toString` are the visitor's; checked by userMetadataErrors.
  @KeptAsSent()
  userMetadata?: unknown;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_PAGE_URL_LENGTH,
    example: 'https://myapp.com/pricing',
    description: 'An absolute http:// or https:// URL (anything else is 400).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PAGE_URL_LENGTH)
  @NoNulCharacters()
  @HttpUrl()
  pageUrl?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_PAGE_TITLE_LENGTH,
    example: 'Pricing',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PAGE_TITLE_LENGTH)
  @NoNulCharacters()
  pageTitle?: string | null;
}

/** `?userId=`: how an anonymous caller names itself on the session routes. */
export class WidgetVisitorQuery {
  @ApiPropertyOptional({ type: String, description: USER_ID_DESCRIPTION })
  @Allow()
  userId?: unknown;
}

/** Query of the widget's paginated lists. */
export class WidgetPageQuery extends PageQuery {
  @ApiPropertyOptional({ type: String, description: USER_ID_DESCRIPTION })
  @Allow()
  userId?: unknown;
}

export class IdentityResponse {
  @ApiProperty({ description: 'True only when a valid widget token gave the identity.' })
  verified!: boolean;

  @ApiProperty({ type: String, nullable: true })
  userId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  userMetadata!: Record<string, string> | null;
}

export class CreatedWidgetSessionResponse {
  @ApiProperty({ format: 'uuid' })
  sessionId!: string;

  @ApiProperty({ type: IdentityResponse })
  identity!: IdentityResponse;
}
