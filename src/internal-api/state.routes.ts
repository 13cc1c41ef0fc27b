import type { FastifyInstance } from 'fastify';
import { AppError } from '../common/app-error';
import type { SecurityStateService } from '../secret-keys/security-state.service';
import { MAX_VERSION_IDS, parseVersionIds, toGuardStateDocument } from './guard-state';

export const GUARD_PREFIX = '/internal/v1/widget-guard';

const projectNotFound = (): AppError =>
  AppError.notFound('project_not_found', 'No live project has this id.');

/**
 * A project's whole security state, and the versions of many (API.md §10): what a remote
 * state source loads on a cache miss and re-checks every second.
 */
export function registerStateRoutes(server: FastifyInstance, states: SecurityStateService): void {
  server.get<{ Params: { projectId: string } }>(
    `${GUARD_PREFIX}/projects/:projectId/state`,
    async (request, reply) => {
      const state = await states.loadSecurityState(request.params.projectId);
      if (state === null) throw projectNotFound();
      // Secret keys inside: no proxy or client cache may keep a copy.
      reply.header('Cache-Control', 'no-store');
      return toGuardStateDocument(state);
    },
  );

  server.get(`${GUARD_PREFIX}/versions`, async (request, reply) => {
    const ids = parseVersionIds(request.query);
    if (ids === null) {
      throw new AppError(
        400,
        'validation_failed',
        `Ask about at most ${MAX_VERSION_IDS} ids per request.`,
        [{ field: 'ids', message: `at most ${MAX_VERSION_IDS} comma-separated ids` }],
      );
    }
    const versions = await states.securityVersions(ids);
    reply.header('Cache-Control', 'no-store');
    return { versions: Object.fromEntries(versions) };
  });
}
