import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../auth/user.entity';
import { Project } from '../projects/project.entity';

export type ApiKeyRole = 'admin' | 'viewer';

/**
 * A project's API key (API.md §9). Only the SHA-256 digest of the key is kept: a 256-bit
 * random key cannot be guessed, so it needs no slow hash, and one indexed lookup by digest
 * finds it. Revoked keys keep their row (for the audit trail) but never authenticate again.
 */
@Entity('api_keys')
@Index('api_keys_key_digest_key', ['keyDigest'], { unique: true })
@Index('api_keys_project_created_idx', ['projectId', 'createdAt'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  role!: ApiKeyRole;

  /** The key's first 12 characters (`hsk_` + 8), to recognise it in a list. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  @Column({ name: 'key_digest', type: 'bytea', select: false })
  keyDigest!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Written in batches off the request path, at most about once a minute per key. */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'created_by_user_id', type: 'uuid', nullable: true })
  createdByUserId!: string | null;

  /** The creator's email at the time (kept if the account goes). */
  @Column({ name: 'created_by_email', type: 'text', nullable: true })
  createdByEmail!: string | null;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'api_keys_project_fkey' })
  project?: Project;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_user_id', foreignKeyConstraintName: 'api_keys_created_by_fkey' })
  createdBy?: User;
}
