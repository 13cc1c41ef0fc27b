import { Project, WidgetSecurity } from './api.js';

/** What every card of a project's settings page shares. */
export interface ProjectContext {
  project: Project;
  settings: WidgetSecurity;
  /** Owners and admins change settings and see the key; viewers only look. */
  canManage: boolean;
  /** Cards call this after a change, so the others (the audit log) refresh. */
  changed(settings?: WidgetSecurity): void;
  onChange(listener: (settings: WidgetSecurity) => void): void;
}

export function projectContext(project: Project, settings: WidgetSecurity): ProjectContext {
  const listeners: Array<(settings: WidgetSecurity) => void> = [];
  const ctx: ProjectContext = {
    project,
    settings,
    canManage: project.role !== 'viewer',
    changed(next) {
      if (next) ctx.settings = next;
      for (const listener of listeners) listener(ctx.settings);
    },
    onChange: (listener) => listeners.push(listener),
  };
  return ctx;
}
