import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IdentityResponse } from '../widget/widget-sessions.dto';

/** Body of POST /projects/:projectId/widget/security/diagnose. */
export class DiagnoseBody {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://shop.example.com',
    description: 'The Origin header to judge; absent or null: a request without one.',
  })
  @IsOptional()
  @IsString()
  origin?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'The widget token to judge, as `Authorization: Bearer <token>` would carry it; absent ' +
      'or null: a request without a token.',
  })
  @IsOptional()
  @IsString()
  token?: string | null;
}

const CHECKS = ['project', 'origin', 'token'];

export class DiagnosisCheck {
  @ApiProperty({ enum: CHECKS })
  check!: 'project' | 'origin' | 'token';

  @ApiProperty({
    enum: ['pass', 'fail', 'skipped'],
    description: '`skipped`: not reached, because an earlier check failed.',
  })
  outcome!: 'pass' | 'fail' | 'skipped';

  @ApiPropertyOptional({ description: 'The error code of a failed check.' })
  code?: string;

  @ApiProperty({ description: 'What was found and what to do; never a secret key.' })
  detail!: string;
}

export class DiagnosisToken {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The JOSE header.' })
  header!: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The payload as sent (also when the token is refused: decoded for display only). ' +
      'Strings shaped like a secret key are replaced.',
  })
  claims!: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'From exp.' })
  expiresAt!: Date | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'The epoch of the key that verified the token, or of the retired key it matched ' +
      '(token_key_rotated); else null.',
  })
  keyEpoch!: number | null;
}

export class DiagnosisResponse {
  @ApiProperty({ enum: ['allow', 'deny'] })
  decision!: 'allow' | 'deny';

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The error code the widget API would answer; null when it would allow.',
  })
  code!: string | null;

  @ApiProperty({ type: [DiagnosisCheck], description: 'project, origin, token: in this order.' })
  checks!: DiagnosisCheck[];

  @ApiProperty({
    type: IdentityResponse,
    nullable: true,
    description: 'The identity the widget would get; null when denied.',
  })
  identity!: IdentityResponse | null;

  @ApiProperty({
    type: DiagnosisToken,
    nullable: true,
    description: 'The token sent, when it decodes as a JWT; null otherwise or when none.',
  })
  token!: DiagnosisToken | null;
}
