import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, ValidateBy } from 'class-validator';
import { PageQuery } from '../common/pagination';
import type { MessageRole } from './chat-message.entity';
import { hasNul } from './conversation-identity';

export const MAX_MESSAGE_LENGTH = 4000;

/** PostgreSQL text cannot hold U+0000: refuse it at the edge, never a 500. */
export const NoNulCharacters = (): PropertyDecorator =>
  ValidateBy({
    name: 'noNulCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasNul(value),
      defaultMessage: () => '$property must not contain NUL characters',
    },
  });
export const VISITOR_KINDS = ['identified', 'anonymous'] as const;
export type VisitorKind = (typeof VISITOR_KINDS)[number];

/** Body of both "post a message" routes (widget: role user; dashboard: role agent). */
export class MessageBody {
  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH, example: 'Hi! How can I help?' })
  @IsString()
  @Length(1, MAX_MESSAGE_LENGTH)
  @NoNulCharacters()
  content!: string;
}

export class DashboardSessionsQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: VISITOR_KINDS,
    description:
      '`identified`: sessions whose identity came from a verified widget token; ' +
      '`anonymous`: all others (client-provided userIds included).',
  })
  @IsOptional()
  @IsIn(VISITOR_KINDS)
  visitor?: VisitorKind;
}

export class MessageResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  sessionId!: string;

  @ApiProperty({ enum: ['user', 'agent'] })
  role!: MessageRole;

  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH })
  content!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;
}

export class MessagePage {
  @ApiProperty({ type: [MessageResponse], description: 'Oldest first.' })
  items!: MessageResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for the next page.',
  })
  nextCursor!: string | null;
}

export class VisitorResponse {
  @ApiProperty({
    enum: VISITOR_KINDS,
    description: '`identified` only when the identity came from a verified widget token.',
  })
  kind!: VisitorKind;

  @ApiProperty({
    description:
      'False when userId/userMetadata were sent by the browser without a token: shown, not trusted.',
  })
  verified!: boolean;

  @ApiProperty({ type: String, nullable: true })
  userId!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
  })
  userMetadata!: Record<string, string> | null;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When the last message came (the start, before any).',
  })
  lastActivityAt!: Date;

  @ApiProperty({ type: String, nullable: true, description: 'The Origin the widget ran on.' })
  origin!: string | null;

  @ApiProperty({ type: String, nullable: true })
  pageUrl!: string | null;

  @ApiProperty({ type: String, nullable: true })
  pageTitle!: string | null;

  @ApiProperty()
  messageCount!: number;

  @ApiProperty({ type: VisitorResponse })
  visitor!: VisitorResponse;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Epoch of the key that verified the identity; null for anonymous sessions.',
  })
  keyEpoch!: number | null;
}

export class SessionPage {
  @ApiProperty({ type: [SessionResponse], description: 'Newest first (by createdAt).' })
  items!: SessionResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for the next page.',
  })
  nextCursor!: string | null;
}

export class SessionDetailResponse extends SessionResponse {
  @ApiProperty({ type: [MessageResponse], description: 'Every message, oldest first.' })
  messages!: MessageResponse[];
}

/** A session in the widget's history of one identity. */
export class SessionHistoryItem {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  lastActivityAt!: Date;

  @ApiProperty({ type: String, nullable: true })
  pageUrl!: string | null;

  @ApiProperty()
  messageCount!: number;
}

export class SessionHistoryPage {
  @ApiProperty({ type: [SessionHistoryItem], description: 'Newest first (by createdAt).' })
  items!: SessionHistoryItem[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for the next page.',
  })
  nextCursor!: string | null;
}
