import { api, AuditEntry, Page, projectPath, Session } from './api.js';
import { ProjectContext } from './context.js';
import { busy, card, formatTime, h, notice } from './dom.js';

/**
 * A table fed by a paged list (API.md §0): the first page on load and on
 * refresh, the next ones on "Load more".
 */
function pagedTable<T>(
  headings: string[],
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
  row: (item: T) => HTMLTableRowElement,
  empty: string,
): { element: HTMLElement; reload(): Promise<void> } {
  const body = h('tbody');
  const status = notice();
  const more = h('button', { type: 'button', textContent: 'Load more', hidden: true });
  let cursor: string | null = null;
  const load = async (append: boolean): Promise<void> => {
    const page = await fetchPage(append ? cursor : null);
    cursor = page.nextCursor;
    more.hidden = !cursor;
    const rows = page.items.map(row);
    if (append) body.append(...rows);
    else body.replaceChildren(...rows);
    if (body.children.length === 0) {
      body.append(
        h('tr', {}, h('td', { colSpan: headings.length, className: 'hint', textContent: empty })),
      );
    }
    status.show('');
  };
  more.addEventListener('click', () => busy(more, status, () => load(true)));
  const reload = (): Promise<void> =>
    load(false).catch((error: Error) => status.show(`Could not load: ${error.message}`, true));
  const table = h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...headings.map((text) => h('th', { textContent: text })))),
    body,
  );
  return { element: h('div', { className: 'table' }, table, status, more), reload };
}

function visitorCell(visitor: Session['visitor']): HTMLTableCellElement {
  const identified = visitor.kind === 'identified';
  const meta = visitor.userMetadata ?? {};
  const who = [meta.name, meta.email].filter(Boolean).join(' · ');
  return h(
    'td',
    {},
    h('span', {
      className: `badge ${visitor.kind}`,
      textContent: identified ? 'Identified' : 'Anonymous',
    }),
    visitor.userId ? h('span', { className: 'mono', textContent: ` ${visitor.userId}` }) : null,
    // A client-provided id on an anonymous session was never verified: say so.
    visitor.userId && !identified
      ? h('span', { className: 'hint', textContent: ' (unverified)' })
      : null,
    who ? h('div', { className: 'hint', textContent: who }) : null,
  );
}

/** The widget conversations of the project, anonymous and identified visitors apart. */
export function sessionsCard(ctx: ProjectContext): HTMLElement {
  const filter = h(
    'select',
    { attrs: { 'aria-label': 'Visitors' } },
    h('option', { value: '', textContent: 'All visitors' }),
    h('option', { value: 'identified', textContent: 'Identified (verified token)' }),
    h('option', { value: 'anonymous', textContent: 'Anonymous' }),
  );
  const table = pagedTable<Session>(
    ['Started', 'Visitor', 'Origin', 'Page', 'Messages', 'Last activity'],
    (cursor) => {
      const query = new URLSearchParams({ limit: '25' });
      if (filter.value) query.set('visitor', filter.value);
      if (cursor) query.set('cursor', cursor);
      return api<Page<Session>>('GET', projectPath(ctx.project, `/sessions?${query}`));
    },
    (s) =>
      h(
        'tr',
        { className: `session ${s.visitor.kind}` },
        h('td', { textContent: formatTime(s.createdAt) }),
        visitorCell(s.visitor),
        h('td', { className: 'mono', textContent: s.origin ?? '—' }),
        h('td', { className: 'clip', textContent: s.pageUrl ?? '—', title: s.pageUrl ?? '' }),
        h('td', { textContent: String(s.messageCount) }),
        h('td', { textContent: formatTime(s.lastActivityAt) }),
      ),
    'No conversations yet.',
  );
  const refresh = h('button', { type: 'button', textContent: 'Refresh' });
  refresh.addEventListener('click', () => void table.reload());
  filter.addEventListener('change', () => void table.reload());
  void table.reload();
  return card(
    'Sessions',
    'Identified visitors came with a token your backend signed; anonymous ones did not.',
    h('div', { className: 'row' }, filter, refresh),
    table.element,
  );
}

/** Who changed what (owners and admins). */
export function auditCard(ctx: ProjectContext): HTMLElement {
  if (!ctx.canManage) return card('Audit log', 'Only owners and admins can read the audit log.');
  const table = pagedTable<AuditEntry>(
    ['When', 'Who', 'Action', 'Details'],
    (cursor) => {
      const query = new URLSearchParams({ limit: '20' });
      if (cursor) query.set('cursor', cursor);
      return api<Page<AuditEntry>>('GET', projectPath(ctx.project, `/audit-log?${query}`));
    },
    (entry) =>
      h(
        'tr',
        { className: 'audit' },
        h('td', { textContent: formatTime(entry.at) }),
        h('td', { textContent: entry.actor.email ?? 'system' }),
        h('td', { className: 'mono', textContent: entry.action }),
        h('td', { className: 'mono details', textContent: describeDetails(entry.details) }),
      ),
    'Nothing recorded yet.',
  );
  ctx.onChange(() => void table.reload());
  void table.reload();
  return card('Audit log', 'Newest first. Secrets are never recorded.', table.element);
}

/** `key: before → after` for what changed, else `key: value`; compact JSON for values. */
function describeDetails(details: Record<string, unknown>): string {
  const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
  const { before, after, ...rest } = details as { before?: unknown; after?: unknown };
  const parts: string[] = [];
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const was = before as Record<string, unknown>;
    const now = after as Record<string, unknown>;
    for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
      if (show(was[key]) !== show(now[key]))
        parts.push(`${key}: ${show(was[key])} → ${show(now[key])}`);
    }
  } else if (before !== undefined || after !== undefined) {
    parts.push(`${show(before)} → ${show(after)}`);
  }
  for (const [key, value] of Object.entries(rest)) parts.push(`${key}: ${show(value)}`);
  return parts.join('; ') || '—';
}
