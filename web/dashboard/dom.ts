/** A few DOM helpers: the page builds its elements in code and sets text, never HTML. */

type Child = Node | string | null | undefined | false;

type Props<K extends keyof HTMLElementTagNameMap> = Partial<
  Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>
> & {
  attrs?: Record<string, string>;
  on?: { [E in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[E]) => void };
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props<K> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const { attrs, on, ...fields } = props;
  const node = Object.assign(document.createElement(tag), fields);
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  for (const [type, listener] of Object.entries(on ?? {})) {
    node.addEventListener(type, listener as EventListener);
  }
  node.append(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false),
  );
  return node;
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A card of the settings page: a titled section with an optional description. */
export function card(title: string, description: string | null, ...body: Child[]): HTMLElement {
  return h(
    'section',
    { className: 'card' },
    h('h2', { textContent: title }),
    description ? h('p', { className: 'hint', textContent: description }) : null,
    ...body,
  );
}

/** A line that reports the outcome of an action (role="status" for screen readers). */
export function notice(): HTMLParagraphElement & { show(text: string, error?: boolean): void } {
  const line = h('p', { className: 'notice', attrs: { role: 'status' } });
  return Object.assign(line, {
    show(text: string, error = false): void {
      line.textContent = text;
      line.classList.toggle('error', error);
    },
  });
}

/** Runs an action with its button disabled; errors go to the notice line. */
export async function busy(
  button: HTMLButtonElement,
  line: ReturnType<typeof notice>,
  action: () => Promise<void>,
): Promise<void> {
  button.disabled = true;
  try {
    await action();
  } catch (error) {
    line.show(error instanceof Error ? error.message : String(error), true);
  } finally {
    button.disabled = false;
  }
}
