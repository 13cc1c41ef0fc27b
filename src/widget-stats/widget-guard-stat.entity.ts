import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Project } from '../projects/project.entity';

/**
 * Widget guard outcomes of one project in one minute, per outcome code and key epoch. Every
 * instance adds its counts with an upsert (widget-stats.recorder.ts); readers sum the buckets
 * of a window.
 */
@Entity('widget_guard_stats')
// For the retention clean-up (old buckets of every project).
@Index('widget_guard_stats_bucket_idx', ['bucket'])
export class WidgetGuardStat {
  @PrimaryColumn({
    name: 'project_id',
    type: 'uuid',
    primaryKeyConstraintName: 'widget_guard_stats_pkey',
  })
  projectId!: string;

  /** Start of the minute counted. */
  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'widget_guard_stats_pkey' })
  bucket!: Date;

  /** `verified`, `anonymous`, or the error code answered. */
  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'widget_guard_stats_pkey',
  })
  outcome!: string;

  /** The key epoch the outcome names (verified, token_key_rotated…); 0 for none. */
  @PrimaryColumn({
    name: 'key_epoch',
    type: 'integer',
    primaryKeyConstraintName: 'widget_guard_stats_pkey',
  })
  keyEpoch!: number;

  /** bigint: read as a string. */
  @Column({ type: 'bigint' })
  count!: string;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'widget_guard_stats_project_fkey' })
  project?: Project;
}
