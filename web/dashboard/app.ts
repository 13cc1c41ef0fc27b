import { auditCard, sessionsCard } from './activity-view.js';
import {
  accessToken,
  api,
  ApiError,
  Project,
  projectPath,
  User,
  whenSignedOut,
  WidgetSecurity,
} from './api.js';
import { authView } from './auth-view.js';
import { projectContext } from './context.js';
import { card, h, notice } from './dom.js';
import { projectsBar } from './projects-view.js';
import { embedCard } from './embed-view.js';
import { originsCard, requireTokenCard } from './security-view.js';
import { secretKeyCard } from './secret-key-view.js';

/**
 * The dashboard page: sign in, pick a project, then Settings > Widget > Security.
 * The chosen project is in the URL hash (#project=<id>), so a reload keeps it.
 */
const main = document.getElementById('app')!;
const account = document.getElementById('account')!;

function selectedProjectId(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('project');
}

function signedOut(message = ''): void {
  account.replaceChildren();
  const view = authView((user) => void signedIn(user));
  if (message) view.querySelector<HTMLElement>('.notice')!.textContent = message;
  main.replaceChildren(view);
}

async function signedIn(user: User): Promise<void> {
  const signOut = h('button', { type: 'button', className: 'link', textContent: 'Sign out' });
  signOut.addEventListener('click', () => {
    // End the session on the server too (API.md §1), so a copied token stops working;
    // the page signs out whatever the answer (offline, already expired).
    void api<void>('POST', '/auth/logout')
      .catch(() => undefined)
      .finally(() => {
        accessToken.clear();
        location.hash = '';
        signedOut();
      });
  });
  account.replaceChildren(h('span', { textContent: user.email }), signOut);
  await showProject(selectedProjectId());
}

async function showProject(projectId: string | null): Promise<void> {
  const status = notice();
  const select = (project: Project): void => {
    location.hash = `project=${project.id}`;
  };
  try {
    const bar = await projectsBar(projectId, select);
    const project = bar.projects.find((p) => p.id === projectId);
    main.replaceChildren(bar.element, status);
    if (!project) {
      const hint = bar.projects.length
        ? 'Choose a project above.'
        : 'Create your first project above.';
      main.append(card('Widget security', hint));
      return;
    }
    const settings = await api<WidgetSecurity>('GET', projectPath(project, '/widget/security'));
    const ctx = projectContext(project, settings);
    main.append(
      h(
        'p',
        { className: 'breadcrumb' },
        `${project.name} › Settings › Widget › `,
        h('strong', { textContent: 'Security' }),
      ),
      h(
        'div',
        { className: 'grid' },
        requireTokenCard(ctx),
        originsCard(ctx),
        secretKeyCard(ctx),
        embedCard(ctx),
      ),
      sessionsCard(ctx),
      auditCard(ctx),
    );
  } catch (error) {
    if (error instanceof ApiError && error.code === 'unauthorized') return;
    main.replaceChildren(status);
    status.show((error as Error).message, true);
  }
}

whenSignedOut(() => signedOut('Your session has ended; sign in again.'));
window.addEventListener('hashchange', () => {
  if (accessToken.get()) void showProject(selectedProjectId());
});

async function start(): Promise<void> {
  if (!accessToken.get()) return signedOut();
  try {
    await signedIn(await api<User>('GET', '/auth/me'));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'unauthorized'))
      signedOut((error as Error).message);
  }
}

void start();
