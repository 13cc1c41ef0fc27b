import { Injectable } from '@nestjs/common';
import { ProjectChanges } from '../database/project-changes';
import type { ProjectSecurityState } from '../secret-keys/security-state';
import { SecurityStateService } from '../secret-keys/security-state.service';
import {
  compileOriginPolicy,
  WidgetSecurityState,
  WidgetSecurityStateSource,
  WidgetStateChangeListener,
  WidgetStateChanges,
} from '@hissuno/widget-guard';
import { ProjectSecurityListener } from './project-security-listener';

/**
 * `/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i` without the regex, which
 * costs ~0.2 µs: this runs on every widget request.
 */
export function isUuid(id: string): boolean {
  if (id.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false; // '-'
    } else if (!((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))) {
      return false; // not 0-9, a-f, A-F
    }
  }
  return true;
}

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
    return isUuid(projectId) ? projectId.toLowerCase() : null;
  }

  async load(projectId: string): Promise<WidgetSecurityState | null> {
    const state = await this.states.loadSecurityState(projectId);
    return state === null ? null : toWidgetState(state);
  }

  /** Concurrent misses in one statement; a project whose state fails to compile is an Error. */
  override async loadMany(
    projectIds: readonly string[],
  ): Promise<Map<string, WidgetSecurityState | null | Error>> {
    const answer = new Map<string, WidgetSecurityState | null | Error>();
    for (const [id, state] of await this.states.loadSecurityStates(projectIds)) {
      try {
        answer.set(id, state === null || state instanceof Error ? state : toWidgetState(state));
      } catch (error) {
        answer.set(id, error instanceof Error ? error : new Error(String(error)));
      }
    }
    return answer;
  }

  versions(projectIds: readonly string[]): Promise<Map<string, number>> {
    return this.states.securityVersions(projectIds);
  }

  override changesSince(cursor: string | null): Promise<WidgetStateChanges> {
    return this.states.securityChangesSince(cursor);
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

function toWidgetState(state: ProjectSecurityState): WidgetSecurityState {
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
