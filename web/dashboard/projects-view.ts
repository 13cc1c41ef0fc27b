import { api, Page, Project } from './api.js';
import { busy, h, notice } from './dom.js';

/** The project picker and the "new project" form. */
export async function projectsBar(
  selectedId: string | null,
  select: (project: Project) => void,
): Promise<{ element: HTMLElement; projects: Project[] }> {
  const page = await api<Page<Project>>('GET', '/projects?limit=100');
  const projects = page.items;
  const picker = h(
    'select',
    { attrs: { 'aria-label': 'Project' } },
    h('option', {
      value: '',
      textContent: projects.length ? 'Choose a project…' : 'No project yet',
    }),
    ...projects.map((p) => h('option', { value: p.id, textContent: `${p.name} (${p.role})` })),
  );
  picker.value = selectedId ?? '';
  picker.addEventListener('change', () => {
    const project = projects.find((p) => p.id === picker.value);
    if (project) select(project);
  });

  const name = h('input', {
    type: 'text',
    placeholder: 'New project name',
    maxLength: 100,
    required: true,
    attrs: { 'aria-label': 'New project name' },
  });
  const create = h('button', { type: 'submit', textContent: 'Create project' });
  const status = notice();
  const form = h('form', { className: 'inline' }, name, create);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(create, status, async () => {
      const project = await api<Project>('POST', '/projects', { name: name.value.trim() });
      select(project);
    });
  });

  const element = h(
    'nav',
    { className: 'projects' },
    h('label', { className: 'inline' }, 'Project', picker),
    form,
    status,
  );
  return { element, projects };
}
