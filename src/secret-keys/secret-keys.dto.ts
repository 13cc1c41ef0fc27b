import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateBy, ValidateIf } from 'class-validator';

/** One week: the longest a retired key may keep verifying tokens. */
export const MAX_GRACE_PERIOD_SECONDS = 604800;

export class RotateSecretKeyDto {
  @ApiPropertyOptional({
    description:
      'How long tokens signed by the key being replaced stay valid. 0 (the default) rejects ' +
      'them from the moment the response is sent. Rotating again ends any running grace at once.',
    minimum: 0,
    maximum: MAX_GRACE_PERIOD_SECONDS,
    default: 0,
    type: 'integer',
  })
  // Not @IsOptional(): that would also let `null` through.
  @ValidateIf((dto: RotateSecretKeyDto) => dto.gracePeriodSeconds !== undefined)
  @ValidateBy({
    name: 'isGracePeriod',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) &&
        (value as number) >= 0 &&
        (value as number) <= MAX_GRACE_PERIOD_SECONDS,
      // One message per bad value, not one per violated bound.
      defaultMessage: () =>
        `$property must be an integer number of seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS} (one week)`,
    },
  })
  gracePeriodSeconds?: number;
}

const SECRET_KEY_DESCRIPTION =
  'The whole string is the HS256 key your backend signs widget tokens with. Keep it server-side.';

export class SecretKeyResponse {
  @ApiProperty({ pattern: '^sk_live_[A-Za-z0-9_-]{43}$', description: SECRET_KEY_DESCRIPTION })
  secretKey!: string;

  @ApiProperty({ description: 'The epoch of this key; +1 on every rotation, starting at 1.' })
  keyEpoch!: number;

  @ApiProperty({ format: 'date-time', description: 'When this key was created.' })
  createdAt!: Date;
}

export class RotatedSecretKeyResponse {
  @ApiProperty({ pattern: '^sk_live_[A-Za-z0-9_-]{43}$', description: SECRET_KEY_DESCRIPTION })
  secretKey!: string;

  @ApiProperty({ description: 'The new epoch: exactly one more than before this rotation.' })
  keyEpoch!: number;

  @ApiProperty({ format: 'date-time' })
  rotatedAt!: Date;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'rotatedAt + gracePeriodSeconds: until then tokens signed by the replaced key are still ' +
      'accepted. null when the grace period was 0.',
  })
  previousKeyExpiresAt!: Date | null;
}
