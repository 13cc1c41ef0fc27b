import { ProjectContext } from './context.js';
import { card, h } from './dom.js';

/** How to embed the widget on a site of this project. */
export function embedCard(ctx: ProjectContext): HTMLElement {
  const base = location.origin;
  const tag =
    `<script src="${base}/widget.js" data-project-id="${ctx.project.id}"\n` +
    `        data-token-callback="getHissunoToken" async></script>`;
  return card(
    'Embed the widget',
    'Add this tag to your pages. With tokens, define window.getHissunoToken to return a token ' +
      'from your backend (it is asked again when one expires); without, drop the attribute.',
    h('pre', { className: 'mono snippet', textContent: tag }),
    h('p', { className: 'hint' }, 'Project id: ', h('code', { textContent: ctx.project.id })),
  );
}
