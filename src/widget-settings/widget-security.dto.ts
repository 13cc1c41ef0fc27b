import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, ValidateBy, ValidateIf } from 'class-validator';

/** Bounds of `maxTokenLifetimeSeconds` (API.md §8): one minute to 30 days. */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 2_592_000;

/** One error for any bad value, whatever is wrong with it. */
const IsTokenLifetime = (): PropertyDecorator =>
  ValidateBy({
    name: 'isTokenLifetime',
    validator: {
      validate: (value: unknown) =>
        value === null ||
        (Number.isInteger(value) &&
          (value as number) >= MIN_TOKEN_LIFETIME_SECONDS &&
          (value as number) <= MAX_TOKEN_LIFETIME_SECONDS),
      defaultMessage: () =>
        `$property must be an integer from ${MIN_TOKEN_LIFETIME_SECONDS} to ${MAX_TOKEN_LIFETIME_SECONDS} (seconds), or null for no cap`,
    },
  });

export class UpdateWidgetSecurityDto {
  @ApiPropertyOptional({
    description: 'Refuse widget requests without a valid token. Only true or false (null is 400).',
  })
  // Not @IsOptional(): that would also let `null` through.
  @ValidateIf((dto: UpdateWidgetSecurityDto) => dto.requireToken !== undefined)
  @IsBoolean()
  requireToken?: boolean;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    example: ['https://myapp.com', '*.myapp.com', 'http://localhost:3000'],
    description:
      'Replaces the whole list. Exact origins `scheme://host[:port]` (http or https) or ' +
      'wildcards `*.example.com` (https, default port, any subdomain depth, not the apex). ' +
      'Stored normalized: lower case, punycode, default ports and a lone trailing "/" dropped, ' +
      '`https://*.x.com` stored as `*.x.com`, duplicates removed in order. Hosts are normalized ' +
      'exactly as the WHATWG URL Standard does (UTS #46 non-transitional: `https://ẞ.com` → ' +
      '`https://xn--zca.com`), so the stored form is what a browser sends in `Origin`. A ' +
      'wildcard over a public suffix (`*.co.uk`, `*.github.io`) or over a domain below which ' +
      'the Public Suffix List names suffixes (`*.amazonaws.com`) is refused. Empty = every ' +
      'origin allowed (development). Each bad entry gets its own error at `allowedOrigins[i]`.',
  })
  @ValidateIf((dto: UpdateWidgetSecurityDto) => dto.allowedOrigins !== undefined)
  @IsArray()
  // Entries are checked by normalizeAllowedOrigins, the parser the guard matches with.
  allowedOrigins?: unknown[];

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: MIN_TOKEN_LIFETIME_SECONDS,
    maximum: MAX_TOKEN_LIFETIME_SECONDS,
    example: 3600,
    description:
      'Longest token lifetime accepted, in seconds: a token whose exp lies more than this ' +
      'after its iat (after now, when it has no iat) is refused with 401 ' +
      'token_claims_invalid. null removes the cap (the default).',
  })
  // null is a value here (no cap): only an absent field is left alone.
  @ValidateIf((dto: UpdateWidgetSecurityDto) => dto.maxTokenLifetimeSeconds !== undefined)
  @IsTokenLifetime()
  maxTokenLifetimeSeconds?: number | null;
}

export class WidgetSecurityResponse {
  @ApiProperty()
  requireToken!: boolean;

  @ApiProperty({ type: [String], description: 'Normalized allowed origins; empty = all.' })
  allowedOrigins!: string[];

  @ApiProperty({ description: 'Epoch of the current secret key (+1 per rotation).' })
  keyEpoch!: number;

  @ApiProperty({
    example: 'sk_live_…Xy9Q',
    nullable: true,
    type: String,
    description: '"sk_live_…" and the last 4 characters of the current key.',
  })
  secretKeyHint!: string | null;

  @ApiProperty({ format: 'date-time', description: 'When the current key was made.' })
  keyRotatedAt!: Date;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Until when the previous key is still accepted; null when no grace runs.',
  })
  previousKeyExpiresAt!: Date | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Longest token lifetime accepted, in seconds; null = no cap.',
  })
  maxTokenLifetimeSeconds!: number | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'When a widget request first carried the current secret key (it is exposed: rotate it); ' +
      'null when not seen. The next rotation clears it.',
  })
  keyExposedAt!: Date | null;

  @ApiProperty({
    format: 'date-time',
    description: 'When requireToken, allowedOrigins or maxTokenLifetimeSeconds last changed.',
  })
  updatedAt!: Date;
}
