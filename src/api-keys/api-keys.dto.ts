import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { HasNoNul } from '../auth/auth.dto';
import { GRANTABLE_ROLES } from '../projects/member.dto';
import type { ApiKey, ApiKeyRole } from './api-key.entity';

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export const MAX_EXPIRES_IN_DAYS = 365;

export class CreateApiKeyBody {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CI: rotate the widget key' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  @HasNoNul()
  name!: string;

  @ApiProperty({
    enum: GRANTABLE_ROLES,
    description: 'The rights of a member with this role (never `owner`).',
  })
  @IsIn(GRANTABLE_ROLES)
  role!: ApiKeyRole;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_EXPIRES_IN_DAYS,
    description: 'Days until the key stops working; absent or null: it never expires.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EXPIRES_IN_DAYS)
  expiresInDays?: number | null;
}

export class ApiKeyCreatorResponse {
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The email at the time.' })
  email!: string | null;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: GRANTABLE_ROLES })
  role!: ApiKeyRole;

  @ApiProperty({ example: 'hsk_3fA9xQ2b', description: "The key's first 12 characters." })
  keyPrefix!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Updated in the background, at most about once a minute.',
  })
  lastUsedAt!: Date | null;

  @ApiProperty({ type: ApiKeyCreatorResponse })
  createdBy!: ApiKeyCreatorResponse;

  static of(row: ApiKey): ApiKeyResponse {
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      keyPrefix: row.keyPrefix,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      createdBy: { userId: row.createdByUserId, email: row.createdByEmail },
    };
  }
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    pattern: '^hsk_[A-Za-z0-9_-]{43}$',
    description:
      'The key, shown this once (Cache-Control: no-store): only its digest is kept. Send it ' +
      'as `Authorization: Bearer hsk_…`.',
  })
  key!: string;
}

export class ApiKeyPage {
  @ApiProperty({ type: [ApiKeyResponse] })
  items!: ApiKeyResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `?cursor=` for older keys.' })
  nextCursor!: string | null;
}
