import { api, projectPath, RotatedKey, SecretKey } from './api.js';
import { ProjectContext } from './context.js';
import { busy, card, formatTime, h, notice } from './dom.js';

const GRACE_CHOICES: Array<[number, string]> = [
  [0, 'None: reject tokens of the current key at once'],
  [300, '5 minutes'],
  [3600, '1 hour'],
  [86400, '24 hours'],
  [604800, '7 days (the longest)'],
];

/** The secret key: its hint, reveal and copy, and rotation with a confirmation. */
export function secretKeyCard(ctx: ProjectContext): HTMLElement {
  const facts = h('dl', { className: 'facts' });
  const showFacts = (): void => {
    const s = ctx.settings;
    const graceEnds = s.previousKeyExpiresAt && new Date(s.previousKeyExpiresAt) > new Date();
    const graceRows = graceEnds
      ? [
          h('dt', { textContent: 'Previous key valid until' }),
          h('dd', { textContent: formatTime(s.previousKeyExpiresAt) }),
        ]
      : [];
    facts.replaceChildren(
      h('dt', { textContent: 'Key' }),
      h('dd', { className: 'mono', textContent: s.secretKeyHint }),
      h('dt', { textContent: 'Epoch' }),
      h('dd', { textContent: String(s.keyEpoch) }),
      h('dt', { textContent: 'Last rotated' }),
      h('dd', { textContent: formatTime(s.keyRotatedAt) }),
      ...graceRows,
    );
  };
  ctx.onChange(showFacts);
  showFacts();

  const status = notice();
  const keyBox = h('input', {
    type: 'text',
    readOnly: true,
    className: 'mono secret',
    attrs: { 'aria-label': 'Secret key', autocomplete: 'off', spellcheck: 'false' },
  });
  const copy = h('button', { type: 'button', textContent: 'Copy' });
  const hide = h('button', { type: 'button', className: 'link', textContent: 'Hide' });
  const revealed = h('div', { className: 'row', hidden: true }, keyBox, copy, hide);
  const show = (key: string): void => {
    keyBox.value = key;
    revealed.hidden = false;
  };
  hide.addEventListener('click', () => {
    keyBox.value = '';
    revealed.hidden = true;
    status.show('');
  });
  copy.addEventListener('click', () =>
    busy(copy, status, async () => {
      await copyText(keyBox);
      status.show('Copied. Keep it in your backend only, e.g. HISSUNO_SECRET_KEY.');
    }),
  );

  const reveal = h('button', { type: 'button', textContent: 'Reveal secret key' });
  reveal.addEventListener('click', () =>
    busy(reveal, status, async () => {
      const key = await api<SecretKey>('GET', projectPath(ctx.project, '/widget/secret-key'));
      show(key.secretKey);
      status.show('Shown here only; the reveal is written to the audit log.');
      ctx.changed();
    }),
  );

  const rotate = h('button', { type: 'button', className: 'danger', textContent: 'Rotate key…' });
  const dialog = rotationDialog(async (gracePeriodSeconds) => {
    const key = await api<RotatedKey>(
      'POST',
      projectPath(ctx.project, '/widget/secret-key/rotate'),
      { gracePeriodSeconds },
    );
    show(key.secretKey);
    status.show(
      key.previousKeyExpiresAt
        ? `New key (epoch ${key.keyEpoch}). Tokens of the previous key work until ` +
            `${formatTime(key.previousKeyExpiresAt)}: update your backend before then.`
        : `New key (epoch ${key.keyEpoch}). Tokens of the previous key are rejected from now ` +
            'on: update your backend now.',
    );
    ctx.changed({
      ...ctx.settings,
      keyEpoch: key.keyEpoch,
      secretKeyHint: `sk_live_…${key.secretKey.slice(-4)}`,
      keyRotatedAt: key.rotatedAt,
      previousKeyExpiresAt: key.previousKeyExpiresAt,
    });
  });
  rotate.addEventListener('click', () => dialog.showModal());

  if (!ctx.canManage) {
    return card('Secret key', 'Only owners and admins can see and rotate the key.', facts);
  }
  return card(
    'Secret key',
    'Your backend signs widget tokens with this key. Never put it in client-side code.',
    facts,
    h('div', { className: 'row' }, reveal, rotate),
    revealed,
    status,
    dialog,
  );
}

/** The confirmation before a rotation, with the grace period of the current key. */
function rotationDialog(confirm: (gracePeriodSeconds: number) => Promise<void>): HTMLDialogElement {
  const grace = h(
    'select',
    { name: 'grace' },
    ...GRACE_CHOICES.map(([seconds, label]) =>
      h('option', { value: String(seconds), textContent: label }),
    ),
  );
  const status = notice();
  const submit = h('button', { type: 'submit', className: 'danger', textContent: 'Rotate key' });
  const cancel = h('button', { type: 'button', textContent: 'Cancel' });
  const form = h(
    'form',
    {},
    h('h2', { textContent: 'Rotate the secret key?' }),
    h('p', {
      textContent:
        'A new key is made at once. Tokens signed with the current key stop working at the end ' +
        'of the grace period; with none, every open widget that uses them fails right away.',
    }),
    h('label', {}, 'Grace period for the current key', grace),
    status,
    h('div', { className: 'row' }, submit, cancel),
  );
  const dialog = h('dialog', { className: 'confirm' }, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => status.show(''));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, status, async () => {
      await confirm(Number(grace.value));
      dialog.close();
    });
  });
  return dialog;
}

async function copyText(input: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // No clipboard permission (or an insecure context): fall back to a selection copy.
    input.select();
    if (!document.execCommand('copy')) throw new Error('Copy failed; select the key and copy it.');
  }
}
