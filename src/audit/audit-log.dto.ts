import { ApiProperty } from '@nestjs/swagger';
import { AuditEntry } from './audit-entry.entity';

export class AuditActorResponse {
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The email at the time of the action; null for system actions and for actions done ' +
      'with an API key.',
  })
  email!: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The API key the action was done with (`userId` and `email` are then null).',
  })
  apiKeyId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The API key's name at the time." })
  apiKeyName!: string | null;
}

export class AuditEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;

  @ApiProperty({ type: AuditActorResponse })
  actor!: AuditActorResponse;

  @ApiProperty({ example: 'member.updated' })
  action!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What changed (names, roles, before/after, epochs); never a secret.',
  })
  details!: Record<string, unknown>;

  static of(entry: AuditEntry): AuditEntryResponse {
    return {
      id: entry.id,
      at: entry.at,
      actor: {
        userId: entry.actorUserId,
        email: entry.actorEmail,
        apiKeyId: entry.actorApiKeyId,
        apiKeyName: entry.actorApiKeyName,
      },
      action: entry.action,
      details: entry.details,
    };
  }
}

export class AuditLogPage {
  @ApiProperty({ type: [AuditEntryResponse] })
  items!: AuditEntryResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for older entries.',
  })
  nextCursor!: string | null;
}
