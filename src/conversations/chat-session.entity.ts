import { Project } from '../projects/project.entity';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  JoinColumn,
  ManyToOne,
} from 'typeorm';

/** A widget conversation. `verified` is true only when a valid token gave the identity. */
@Entity('chat_sessions')
@Index('chat_sessions_identity_idx', ['projectId', 'verified', 'userId', 'createdAt'])
@Index('chat_sessions_project_created_idx', ['projectId', 'createdAt'])
export class ChatSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_activity_at', type: 'timestamptz', default: () => 'now()' })
  lastActivityAt!: Date;

  @Column({ type: 'text', nullable: true })
  origin!: string | null;

  @Column({ name: 'page_url', type: 'text', nullable: true })
  pageUrl!: string | null;

  @Column({ name: 'page_title', type: 'text', nullable: true })
  pageTitle!: string | null;

  @Column({ type: 'boolean' })
  verified!: boolean;

  @Column({ name: 'user_id', type: 'text', nullable: true })
  userId!: string | null;

  @Column({ name: 'user_metadata', type: 'jsonb', nullable: true })
  userMetadata!: Record<string, string> | null;

  /** Epoch of the key that verified the identity; null when anonymous. */
  @Column({ name: 'key_epoch', type: 'integer', nullable: true })
  keyEpoch!: number | null;

  @Column({ name: 'message_count', type: 'integer', default: 0 })
  messageCount!: number;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;
}
