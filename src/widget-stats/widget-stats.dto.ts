import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const STATS_WINDOWS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;
const WINDOW_NAMES = Object.keys(STATS_WINDOWS) as StatsWindow[];

/**
 * Every outcome the guard can answer for an existing project, always present in `byOutcome`
 * (0 when not seen). Unknown or malformed project ids and 503s belong to no project.
 */
export const STATS_OUTCOMES = [
  'verified',
  'anonymous',
  'origin_not_allowed',
  'token_required',
  'token_malformed',
  'token_signature_invalid',
  'token_key_rotated',
  'token_claims_invalid',
  'token_expired',
  'token_not_yet_valid',
  'secret_key_exposed',
] as const;

export class StatsQuery {
  @ApiPropertyOptional({ enum: WINDOW_NAMES, default: '24h' })
  @IsOptional()
  @IsIn(WINDOW_NAMES)
  window?: StatsWindow;
}

export class KeyEpochUsage {
  @ApiProperty({ type: 'integer', description: 'Requests whose token this key verified.' })
  verified!: number;

  @ApiProperty({ format: 'date-time', description: 'The last such request.' })
  lastSeenAt!: Date;
}

export class WidgetStatsResponse {
  @ApiProperty({ enum: WINDOW_NAMES })
  window!: StatsWindow;

  @ApiProperty({
    format: 'date-time',
    description: 'Start of the first minute counted (`to` minus the window, to the minute).',
  })
  from!: Date;

  @ApiProperty({ format: 'date-time', description: 'Now.' })
  to!: Date;

  @ApiProperty({ type: 'integer', description: 'Every widget request judged by the guard.' })
  total!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { verified: 120, anonymous: 30, token_expired: 2, origin_not_allowed: 0 },
    description: `Requests per outcome: ${STATS_OUTCOMES.join(', ')} (every one present).`,
  })
  byOutcome!: Record<string, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/KeyEpochUsage' },
    example: { '2': { verified: 3, lastSeenAt: '2026-11-23T10:00:00.000Z' } },
    description:
      'Verified requests per key epoch, for the epochs used in the window: once a previous ' +
      'key has no recent use, ending its grace is safe.',
  })
  byKeyEpoch!: Record<string, KeyEpochUsage>;
}
