import { User } from '../auth/user.entity';
import { Project } from './project.entity';
import { Column, CreateDateColumn, Entity, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

export const PROJECT_ROLES = ['owner', 'admin', 'viewer'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

@Entity('project_members')
export class ProjectMember {
  @PrimaryColumn({
    name: 'project_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_members_pkey',
  })
  projectId!: string;

  @PrimaryColumn({
    name: 'user_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_members_pkey',
  })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ProjectRole;

  @CreateDateColumn({ name: 'added_at', type: 'timestamptz' })
  addedAt!: Date;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;
}
