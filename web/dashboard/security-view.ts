import { api, ApiError, projectPath, WidgetSecurity } from './api.js';
import { ProjectContext } from './context.js';
import { busy, card, h, notice } from './dom.js';

/** The "Require widget token" switch. */
export function requireTokenCard(ctx: ProjectContext): HTMLElement {
  const toggle = h('input', {
    type: 'checkbox',
    checked: ctx.settings.requireToken,
    disabled: !ctx.canManage,
    attrs: { role: 'switch' },
  });
  const status = notice();
  toggle.addEventListener('change', async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    try {
      const next = await api<WidgetSecurity>(
        'PATCH',
        projectPath(ctx.project, '/widget/security'),
        {
          requireToken: wanted,
        },
      );
      toggle.checked = next.requireToken;
      status.show(
        next.requireToken
          ? 'On: widget requests without a valid token now get 401 token_required.'
          : 'Off: anonymous visitors can chat; identities they send are marked unverified.',
      );
      ctx.changed(next);
    } catch (error) {
      toggle.checked = !wanted;
      status.show((error as Error).message, true);
    } finally {
      toggle.disabled = !ctx.canManage;
    }
  });
  return card(
    'Require widget token',
    'When on, every widget request must carry a token signed with your secret key by your ' +
      'backend (HS256).',
    h(
      'label',
      { className: 'switch' },
      toggle,
      h('span', { className: 'slider' }),
      'Require widget token',
    ),
    status,
  );
}

/** The allowed origins, edited as a list; the server's errors appear under each entry. */
export function originsCard(ctx: ProjectContext): HTMLElement {
  const rows = h('ol', { className: 'origins' });
  const listError = h('p', { className: 'field-error', attrs: { role: 'alert' } });
  const status = notice();
  const addRow = (value: string): void => {
    const input = h('input', {
      type: 'text',
      value,
      placeholder: 'https://myapp.com or *.myapp.com',
      disabled: !ctx.canManage,
      attrs: { 'aria-label': 'Allowed origin' },
    });
    const remove = h('button', {
      type: 'button',
      className: 'link',
      textContent: 'Remove',
      disabled: !ctx.canManage,
    });
    const row = h(
      'li',
      {},
      h('div', { className: 'row' }, input, remove),
      h('p', { className: 'field-error', attrs: { role: 'alert' } }),
    );
    remove.addEventListener('click', () => row.remove());
    rows.append(row);
  };
  const fill = (origins: string[]): void => {
    rows.replaceChildren();
    origins.forEach(addRow);
  };
  fill(ctx.settings.allowedOrigins);

  const add = h('button', { type: 'button', textContent: 'Add origin', disabled: !ctx.canManage });
  add.addEventListener('click', () => {
    addRow('');
    rows.querySelector<HTMLInputElement>('li:last-child input')?.focus();
  });
  const save = h('button', { type: 'submit', className: 'primary', textContent: 'Save origins' });
  save.disabled = !ctx.canManage;

  const form = h('form', {}, rows, listError, h('div', { className: 'row' }, add, save), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const items = [...rows.children] as HTMLElement[];
    const errorOf = (row: HTMLElement): HTMLElement => row.querySelector('.field-error')!;
    for (const row of items) errorOf(row).textContent = '';
    listError.textContent = '';
    // Blank rows are not sent; remember which row each sent entry came from.
    const sent = items
      .map((row) => ({ row, value: row.querySelector('input')!.value.trim() }))
      .filter((entry) => entry.value !== '');
    void busy(save, status, async () => {
      try {
        const next = await api<WidgetSecurity>(
          'PATCH',
          projectPath(ctx.project, '/widget/security'),
          {
            allowedOrigins: sent.map((entry) => entry.value),
          },
        );
        fill(next.allowedOrigins);
        status.show(
          next.allowedOrigins.length
            ? `Saved ${next.allowedOrigins.length} origin(s), as the service stores them.`
            : 'Saved an empty list: every site may load the widget (development mode).',
        );
        ctx.changed(next);
      } catch (error) {
        if (!(error instanceof ApiError) || error.errors.length === 0) throw error;
        for (const { field, message } of error.errors) {
          const index = /^allowedOrigins\[(\d+)\]$/.exec(field);
          const entry = index ? sent[Number(index[1])] : undefined;
          if (entry) errorOf(entry.row).textContent = message;
          else listError.textContent = `${listError.textContent} ${message}`.trim();
        }
        status.show('Not saved: fix the entries marked below and save again.', true);
      }
    });
  });

  return card(
    'Allowed origins',
    'Sites that may load the widget: an exact origin (https://myapp.com), or *.myapp.com for ' +
      'every subdomain over https. An empty list allows every site (development mode).',
    form,
  );
}
