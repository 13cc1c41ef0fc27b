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
import type { ApiKeyPrincipal } from '../api-keys/api-key-principal';
import { API_KEY_SECURITY } from '../api-keys/api-key-principal';
import type { AuditActor } from '../audit/audit.service';
import type { AuthUser } from '../auth/current-user.decorator';
import { AppError } from '../common/app-error';
import { ProjectRole } from './project-member.entity';

const MIN_ROLE = 'projects:minRole';
/** Metadata of `@ProjectAccess` routes: whether API keys may call them (true/false). */
export const PROJECT_API_KEYS = 'projects:apiKeys';
const RANK: Record<ProjectRole, number> = { viewer: 1, admin: 2, owner: 3 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's membership of the project named by `:projectId`. */
export interface ProjectMembership {
  projectId: string;
  role: ProjectRole;
  /** The dashboard user; null when the caller is an API key of the project. */
  user: AuthUser | null;
  /** Who the audit log names: the user, or the API key. */
  actor: AuditActor;
}

export function projectNotFound(): AppError {
  return AppError.notFound(
    'project_not_found',
    'No such project, or you are not a member of it; check the project id.',
  );
}

interface ProjectRequest {
  params: Record<string, string>;
  user?: AuthUser;
  apiKey?: ApiKeyPrincipal;
  projectMembership?: ProjectMembership;
}

/**
 * The one place that authorizes project-scoped routes: the project must exist
 * (not deleted) and the caller must be a member (else 404, never revealing
 * that it exists), with at least the route's role (else 403).
 *
 * An API key (authenticated by the dashboard guard) is a member of its own project only,
 * with its role; on a route closed to keys (managing keys or members, deleting the
 * project) it gets 403 even as an admin, so a leaked key cannot entrench itself.
 */
@Injectable()
export class ProjectAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const minRole = this.reflector.getAllAndOverride<ProjectRole>(MIN_ROLE, targets) ?? 'viewer';
    const request = context.switchToHttp().getRequest<ProjectRequest>();
    const projectId = request.params.projectId;
    if (!projectId || !UUID.test(projectId)) throw projectNotFound();

    if (request.apiKey) {
      const key = request.apiKey;
      // The key's project is known without a query: the key cache checked it is live.
      if (projectId.toLowerCase() !== key.projectId) throw projectNotFound();
      if (this.reflector.getAllAndOverride<boolean>(PROJECT_API_KEYS, targets) === false) {
        throw AppError.forbidden(
          'API keys cannot manage API keys or members, nor delete the project; ' +
            'a dashboard user of the project must do this.',
        );
      }
      if (RANK[key.role] < RANK[minRole]) throw AppError.forbidden();
      request.projectMembership = {
        projectId: key.projectId,
        role: key.role,
        user: null,
        actor: { userId: null, email: null, apiKeyId: key.id, apiKeyName: key.name },
      };
      return true;
    }

    if (!request.user) throw projectNotFound();
    const rows: { role: ProjectRole }[] = await this.dataSource.query(
      `SELECT m.role FROM project_members m JOIN projects p ON p.id = m.project_id
        WHERE m.project_id = $1 AND m.user_id = $2 AND p.deleted_at IS NULL`,
      [projectId, request.user.id],
    );
    if (rows.length === 0) throw projectNotFound();
    const role = rows[0].role;
    if (RANK[role] < RANK[minRole]) throw AppError.forbidden();
    const user = request.user;
    request.projectMembership = {
      projectId: projectId.toLowerCase(),
      role,
      user,
      actor: { userId: user.id, email: user.email, apiKeyId: null, apiKeyName: null },
    };
    return true;
  }
}

export interface ProjectAccessOptions {
  /**
   * Whether the project's API keys may call the route (API.md §9: every project route
   * but managing API keys or members and deleting the project). Default true.
   */
  apiKeys?: boolean;
}

/** Marks a route as project-scoped, open to members of at least `minRole`. */
export const ProjectAccess = (
  minRole: ProjectRole = 'viewer',
  options: ProjectAccessOptions = {},
): MethodDecorator & ClassDecorator => {
  const apiKeys = options.apiKeys ?? true;
  return applyDecorators(
    SetMetadata(MIN_ROLE, minRole),
    SetMetadata(PROJECT_API_KEYS, apiKeys),
    UseGuards(ProjectAccessGuard),
    ApiBearerAuth(),
    ...(apiKeys ? [ApiBearerAuth(API_KEY_SECURITY)] : []),
    ApiParam({ name: 'projectId', format: 'uuid' }),
  );
};

/** The minimum role a route requires (for the route-inventory spec and the dashboard guard). */
export function projectAccessRoleOf(handler: object): ProjectRole | undefined {
  return Reflect.getMetadata(MIN_ROLE, handler) as ProjectRole | undefined;
}

/** Whether a project route accepts the project's API keys (undefined: not a project route). */
export function projectAccessApiKeysOf(handler: object): boolean | undefined {
  return Reflect.getMetadata(PROJECT_API_KEYS, handler) as boolean | undefined;
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
