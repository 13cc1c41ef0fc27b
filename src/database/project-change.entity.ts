import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One committed change of a project's widget security state, in commit order (`seq`). Written
 * by ProjectChanges.record inside the changing transaction; read by the internal change stream
 * (API.md §10), so a client can resume after the last sequence it saw. Pruned by age and count.
 */
@Entity('project_changes')
@Index('project_changes_at_idx', ['at'])
export class ProjectChange {
  @PrimaryGeneratedColumn('increment', {
    type: 'bigint',
    primaryKeyConstraintName: 'project_changes_pkey',
  })
  seq!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  /** The project's `securityVersion` after the change. */
  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
