import { Injectable } from '@nestjs/common';
import { ProjectChanges } from '../database/project-changes';
import { SecurityStateService } from '../secret-keys/security-state.service';
import { compileOriginPolicy } from '../widget-settings/origin-policy';
import {
  WidgetSecurityState,
  WidgetSecurityStateSource,
  WidgetStateChangeListener,
} from '../widget-access';
import { ProjectSecurityListener } from './project-security-listener';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * This app's binding of the widget guard's port: project security state read from the
 * database (settings and decrypted keys), origins compiled once per load, and change notices
 * from this process (ProjectChanges) and from other instances (LISTEN).
 */
@Injectable()
export class DatabaseWidgetSecurityStateSource extends WidgetSecurityStateSource {
  constructor(
    private readonly states: SecurityStateService,
    private readonly changes: ProjectChanges,
    private readonly listener: ProjectSecurityListener,
  ) {
    super();
  }

  /** Project ids are UUIDs; any other string is answered 404 without a query. */
  override canonicalId(projectId: string): string | null {
    return UUID.test(projectId) ? projectId.toLowerCase() : null;
  }

  async load(projectId: string): Promise<WidgetSecurityState | null> {
    const state = await this.states.loadSecurityState(projectId);
    if (state === null) return null;
    return {
      projectId: state.projectId,
      version: state.securityVersion,
      keyEpoch: state.keyEpoch,
      requireToken: state.requireToken,
      // Throws on a stored list that no longer validates: the guard then fails closed (503)
      // instead of reading a broken list as "allow all".
      originPolicy: compileOriginPolicy(state.allowedOrigins),
      keys: {
        current: state.current,
        previous: state.previous && {
          epoch: state.previous.epoch,
          secret: state.previous.secret,
          expiresAtMs: state.previous.expiresAt.getTime(),
        },
        retired: [...state.retired],
      },
      maxTokenLifetimeSeconds: state.maxTokenLifetimeSeconds,
    };
  }

  versions(projectIds: readonly string[]): Promise<Map<string, number>> {
    return this.states.securityVersions(projectIds);
  }

  override subscribe(onChange: WidgetStateChangeListener, onResync: () => void): () => void {
    const local = this.changes.onChange(onChange);
    const remote = this.listener.subscribe(onChange, onResync);
    return () => {
      local();
      remote();
    };
  }
}
