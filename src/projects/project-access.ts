import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiParam } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import type { AuthUser } from '../auth/current-user.decorator';
import { ProjectRole } from './project-member.entity';

const MIN_ROLE = 'projects:minRole';
const RANK: Record<ProjectRole, number> = { viewer: 1, admin: 2, owner: 3 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's membership of the project named by `:projectId`. */
export interface ProjectMembership {
  projectId: string;
  role: ProjectRole;
  user: AuthUser;
}

export function projectNotFound(): AppError {
  return AppError.notFound(
    'project_not_found',
    'No such project, or you are not a member of it; check the project id.',
  );
}

/**
 * The one place that authorizes project-scoped routes: the project must exist
 * (not deleted) and the caller must be a member (else 404, never revealing
 * that it exists), with at least the route's role (else 403).
 */
@Injectable()
export class ProjectAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const minRole = this.reflector.getAllAndOverride<ProjectRole>(MIN_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<{
      params: Record<string, string>;
      user?: AuthUser;
      projectMembership?: ProjectMembership;
    }>();
    const projectId = request.params.projectId;
    if (!request.user || !projectId || !UUID.test(projectId)) throw projectNotFound();

    const rows: { role: ProjectRole }[] = await this.dataSource.query(
      `SELECT m.role FROM project_members m JOIN projects p ON p.id = m.project_id
        WHERE m.project_id = $1 AND m.user_id = $2 AND p.deleted_at IS NULL`,
      [projectId, request.user.id],
    );
    if (rows.length === 0) throw projectNotFound();
    const role = rows[0].role;
    if (RANK[role] < RANK[minRole ?? 'viewer']) throw AppError.forbidden();
    request.projectMembership = { projectId: projectId.toLowerCase(), role, user: request.user };
    return true;
  }
}

/** Marks a route as project-scoped, open to members of at least `minRole`. */
export const ProjectAccess = (minRole: ProjectRole = 'viewer'): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(MIN_ROLE, minRole),
    UseGuards(ProjectAccessGuard),
    ApiBearerAuth(),
    ApiParam({ name: 'projectId', format: 'uuid' }),
  );

/** The minimum role a route requires (for the route-inventory spec). */
export function projectAccessRoleOf(handler: object): ProjectRole | undefined {
  return Reflect.getMetadata(MIN_ROLE, handler) as ProjectRole | undefined;
}

export const CurrentMembership = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ProjectMembership => {
    const membership = ctx
      .switchToHttp()
      .getRequest<{ projectMembership?: ProjectMembership }>().projectMembership;
    if (!membership) throw new Error('@CurrentMembership() used without @ProjectAccess()');
    return membership;
  },
);
