import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { RevokedAccessToken } from '../auth/revoked-access-token.entity';
import { User } from '../auth/user.entity';
import { ChatMessage } from '../conversations/chat-message.entity';
import { ChatSession } from '../conversations/chat-session.entity';
import { ProjectMember } from '../projects/project-member.entity';
import { Project } from '../projects/project.entity';
import { ProjectChange } from './project-change.entity';
import { SecretKey } from '../secret-keys/secret-key.entity';
import { WidgetGuardStat } from '../widget-stats/widget-guard-stat.entity';

/** Every entity, for the app and for the TypeORM CLI (ormconfig.ts). */
export const ENTITIES = [
  User,
  Project,
  ProjectMember,
  SecretKey,
  AuditEntry,
  ChatSession,
  ChatMessage,
  WidgetGuardStat,
  RevokedAccessToken,
  ProjectChange,
  ApiKey,
];
