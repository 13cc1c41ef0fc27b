import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/**
 * A project and its widget security state. The security columns are written
 * only by widget-settings/ and secret-keys/; every such write bumps
 * `securityVersion`, which the widget guard's cache uses to detect change.
 */
@Entity('projects')
export class Project {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Soft delete: a deleted project answers 404 everywhere; its keys are destroyed. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ name: 'require_token', type: 'boolean', default: false })
  requireToken!: boolean;

  /** Normalized origins (normalizeAllowedOrigins of @hissuno/widget-guard). */
  @Column({ name: 'allowed_origins', type: 'text', array: true, default: () => "'{}'" })
  allowedOrigins!: string[];

  @Column({ name: 'max_token_lifetime_seconds', type: 'integer', nullable: true })
  maxTokenLifetimeSeconds!: number | null;

  @Column({ name: 'security_updated_at', type: 'timestamptz', default: () => 'now()' })
  securityUpdatedAt!: Date;

  /** The version of the signing state: +1 on every rotation. */
  @Column({ name: 'key_epoch', type: 'integer', default: 1 })
  keyEpoch!: number;

  @Column({ name: 'key_rotated_at', type: 'timestamptz', default: () => 'now()' })
  keyRotatedAt!: Date;

  @Column({ name: 'previous_key_expires_at', type: 'timestamptz', nullable: true })
  previousKeyExpiresAt!: Date | null;

  @Column({ name: 'key_exposed_at', type: 'timestamptz', nullable: true })
  keyExposedAt!: Date | null;

  /** +1 on any change the widget guard must see (settings, rotation, deletion). */
  @Column({ name: 'security_version', type: 'integer', default: 1 })
  securityVersion!: number;

  /**
   * The transaction that last changed `securityVersion` or `deletedAt`, set by a trigger
   * (migration SecurityChangeCursor): the guard cache's re-check reads only rows changed
   * since its cursor. Never written by the app.
   */
  @Index('projects_security_xid_idx')
  @Column({
    name: 'security_xid',
    type: 'bigint',
    default: 0,
    select: false,
    insert: false,
    update: false,
  })
  securityXid!: string;
}
