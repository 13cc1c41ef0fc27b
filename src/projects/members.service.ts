import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { User } from '../auth/user.entity';
import { AppError } from '../common/app-error';
import { decodeCursor, Page, PageQuery, toPage } from '../common/pagination';
import { AddMemberBody, GrantableRole, MemberResponse } from './member.dto';
import { ProjectMembership } from './project-access';
import { lockLiveProject } from './project-lock';
import { ProjectMember, ProjectRole } from './project-member.entity';
import { cursorTimeSql, isTimeCursor } from './time-cursor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const MEMBER_COLUMNS = `m.user_id AS "userId", u.email, u.name, m.role, m.added_at AS "addedAt"`;

function memberNotFound(): AppError {
  return AppError.notFound(
    'member_not_found',
    'This user is not a member of the project; check the user id.',
  );
}

function ownerImmutable(): AppError {
  return new AppError(
    409,
    'owner_immutable',
    'The owner of a project cannot be demoted or removed.',
  );
}

@Injectable()
export class MembersService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly audit: AuditService,
  ) {}

  /** Members in the order they joined (the owner first). */
  async list(projectId: string, page: PageQuery): Promise<Page<MemberResponse>> {
    const after = decodeCursor(page.cursor, isTimeCursor);
    const rows: (MemberResponse & { cursorAt: string })[] = await this.dataSource.query(
      `SELECT ${MEMBER_COLUMNS}, ${cursorTimeSql('m.added_at')} AS "cursorAt"
         FROM project_members m JOIN users u ON u.id = m.user_id
        WHERE m.project_id = $1
          AND ($2::timestamptz IS NULL OR (m.added_at, m.user_id) > ($2::timestamptz, $3::uuid))
        ORDER BY m.added_at, m.user_id
        LIMIT $4`,
      [projectId, after?.at ?? null, after?.id ?? null, page.limit + 1],
    );
    return toPage(
      rows,
      page.limit,
      ({ cursorAt: _, ...member }) => member,
      (row) => ({ at: row.cursorAt, id: row.userId }),
    );
  }

  async add(membership: ProjectMembership, body: AddMemberBody): Promise<MemberResponse> {
    const user = await this.users.findOneBy({ email: body.email });
    if (!user) {
      throw AppError.notFound(
        'user_not_found',
        'No account uses this email; ask them to sign up first.',
      );
    }
    const { projectId } = membership;
    return this.dataSource.transaction(async (manager) => {
      await lockLiveProject(manager, projectId, 'share');
      // Already a member (the owner included): project_members_pkey → 409 already_member.
      await manager.insert(ProjectMember, { projectId, userId: user.id, role: body.role });
      await this.audit.record(manager, {
        projectId,
        actor: membership.actor,
        action: 'member.added',
        details: { userId: user.id, email: user.email, role: body.role },
      });
      return this.findMember(manager, projectId, user.id);
    });
  }

  async changeRole(
    membership: ProjectMembership,
    userId: string,
    role: GrantableRole,
  ): Promise<MemberResponse> {
    const { projectId } = membership;
    return this.dataSource.transaction(async (manager) => {
      await lockLiveProject(manager, projectId, 'share');
      const member = await this.findMember(manager, projectId, userId, true);
      if (member.role === 'owner') throw ownerImmutable();
      if (member.role === role) return member;
      await manager.update(ProjectMember, { projectId, userId: member.userId }, { role });
      await this.audit.record(manager, {
        projectId,
        actor: membership.actor,
        action: 'member.updated',
        details: {
          userId: member.userId,
          email: member.email,
          role,
          before: { role: member.role },
          after: { role },
        },
      });
      return { ...member, role };
    });
  }

  async remove(membership: ProjectMembership, userId: string): Promise<void> {
    const { projectId } = membership;
    await this.dataSource.transaction(async (manager) => {
      await lockLiveProject(manager, projectId, 'share');
      const member = await this.findMember(manager, projectId, userId, true);
      if (member.role === 'owner') throw ownerImmutable();
      await manager.delete(ProjectMember, { projectId, userId: member.userId });
      await this.audit.record(manager, {
        projectId,
        actor: membership.actor,
        action: 'member.removed',
        details: { userId: member.userId, email: member.email, role: member.role },
      });
    });
  }

  /** The member, or 404 member_not_found (a malformed id included); `lock` holds the row. */
  private async findMember(
    manager: EntityManager,
    projectId: string,
    userId: string,
    lock = false,
  ): Promise<MemberResponse & { role: ProjectRole }> {
    if (!UUID.test(userId)) throw memberNotFound();
    const rows: MemberResponse[] = await manager.query(
      `SELECT ${MEMBER_COLUMNS}
         FROM project_members m JOIN users u ON u.id = m.user_id
        WHERE m.project_id = $1 AND m.user_id = $2
        ${lock ? 'FOR UPDATE OF m' : ''}`,
      [projectId, userId],
    );
    if (rows.length === 0) throw memberNotFound();
    return rows[0];
  }
}
