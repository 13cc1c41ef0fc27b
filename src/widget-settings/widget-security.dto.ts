import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, ValidateIf } from 'class-validator';

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
      '`https://*.x.com` stored as `*.x.com`, duplicates removed in order. Empty = every origin ' +
      'allowed (development). Each bad entry gets its own error at `allowedOrigins[i]`.',
  })
  @ValidateIf((dto: UpdateWidgetSecurityDto) => dto.allowedOrigins !== undefined)
  @IsArray()
  // Entries are checked by normalizeAllowedOrigins, the parser the guard matches with.
  allowedOrigins?: unknown[];
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
    format: 'date-time',
    description: 'When requireToken or allowedOrigins last changed.',
  })
  updatedAt!: Date;
}
