import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { auditActor, AuditService } from '../audit/audit.service';
import type { AuthUser } from '../auth/current-user.decorator';
import { AppError } from '../common/app-error';
import { decodeCursor, Page, PageQuery, toPage } from '../common/pagination';
import { AppConfig } from '../config';
import { ProjectChanges } from '../database/project-changes';
import { SecretKey } from '../secret-keys/secret-key.entity';
import { SecretKeysService } from '../secret-keys/secret-keys.service';
import { ProjectMembership, projectNotFound } from './project-access';
import { lockLiveProject } from './project-lock';
import { ProjectMember, ProjectRole } from './project-member.entity';
import { ProjectResponse, toProjectResponse } from './project.dto';
import { Project } from './project.entity';
import { cursorTimeSql, isTimeCursor } from './time-cursor';

interface ProjectRow {
  id: string;
  name: string;
  role: ProjectRole;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
}

@Injectable()
export class ProjectsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Project) private readonly projects: Repository<Project>,
    private readonly secretKeys: SecretKeysService,
    private readonly audit: AuditService,
    private readonly projectChanges: ProjectChanges,
    private readonly config: AppConfig,
  ) {}

  /** The project, its owner, its first secret key (epoch 1) and the audit entry: all or nothing. */
  async create(user: AuthUser, name: string): Promise<ProjectResponse> {
    const project = await this.dataSource.transaction(async (manager) => {
      await this.checkProjectQuota(manager, user);
      const created = await manager.save(manager.create(Project, { name }));
      await manager.insert(ProjectMember, {
        projectId: created.id,
        userId: user.id,
        role: 'owner',
      });
      await this.secretKeys.issueKey(manager, created.id, 1);
      await this.audit.record(manager, {
        projectId: created.id,
        actor: auditActor(user),
        action: 'project.created',
        details: { name },
      });
      // A new project is news to a remote cache that answered its id 404 before.
      await this.projectChanges.record(manager, created.id);
      return created;
    });
    this.projectChanges.publish(project.id);
    return toProjectResponse(project, 'owner');
  }

  /**
   * API.md §7: MAX_PROJECTS_PER_USER live projects owned. The user's row is locked (NO KEY
   * UPDATE: memberships that reference it are not held up) so that one user's concurrent
   * creations serialize and each counts the ones committed before it.
   */
  private async checkProjectQuota(manager: EntityManager, user: AuthUser): Promise<void> {
    await manager.query(`SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE`, [user.id]);
    const max = this.config.maxProjectsPerUser;
    const [{ n }]: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n
         FROM project_members m JOIN projects p ON p.id = m.project_id
        WHERE m.user_id = $1 AND m.role = 'owner' AND p.deleted_at IS NULL`,
      [user.id],
    );
    if (n >= max) {
      throw new AppError(
        429,
        'quota_exceeded',
        `You own ${n} projects, the most MAX_PROJECTS_PER_USER (${max}) allows; delete one first.`,
      );
    }
  }

  /** The caller's projects, newest first. */
  async list(user: AuthUser, page: PageQuery): Promise<Page<ProjectResponse>> {
    const after = decodeCursor(page.cursor, isTimeCursor);
    const rows: ProjectRow[] = await this.dataSource.query(
      `SELECT p.id, p.name, m.role, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
              ${cursorTimeSql('p.created_at')} AS "cursorAt"
         FROM project_members m JOIN projects p ON p.id = m.project_id
        WHERE m.user_id = $1 AND p.deleted_at IS NULL
          AND ($2::timestamptz IS NULL OR (p.created_at, p.id) < ($2::timestamptz, $3::uuid))
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT $4`,
      [user.id, after?.at ?? null, after?.id ?? null, page.limit + 1],
    );
    return toPage(
      rows,
      page.limit,
      (row) => toProjectResponse(row, row.role),
      (row) => ({ at: row.cursorAt, id: row.id }),
    );
  }

  async get(membership: ProjectMembership): Promise<ProjectResponse> {
    const project = await this.projects.findOneBy({ id: membership.projectId });
    if (!project) throw projectNotFound();
    return toProjectResponse(project, membership.role);
  }

  async rename(membership: ProjectMembership, name: string): Promise<ProjectResponse> {
    const { projectId } = membership;
    await this.dataSource.transaction(async (manager) => {
      const before = await lockLiveProject(manager, projectId, 'update');
      if (before.name === name) return;
      await manager.update(Project, { id: projectId }, { name });
      await this.audit.record(manager, {
        projectId,
        actor: membership.actor,
        action: 'project.updated',
        details: { before: { name: before.name }, after: { name } },
      });
    });
    return this.get(membership);
  }

  /**
   * Soft delete: the row stays (for its audit log) but answers 404 everywhere,
   * and its secret keys are destroyed, so no widget token can verify again.
   */
  async remove(membership: ProjectMembership): Promise<void> {
    const { projectId } = membership;
    await this.dataSource.transaction(async (manager) => {
      const project = await lockLiveProject(manager, projectId, 'update');
      await manager.update(
        Project,
        { id: projectId },
        { deletedAt: () => 'now()', securityVersion: () => 'security_version + 1' },
      );
      await manager.delete(SecretKey, { projectId });
      await this.audit.record(manager, {
        projectId,
        actor: membership.actor,
        action: 'project.deleted',
        details: { name: project.name },
      });
      await this.projectChanges.record(manager, projectId);
    });
    // After commit: the widget guard's caches (here and on other instances) drop the project.
    this.projectChanges.publish(projectId);
  }
}
