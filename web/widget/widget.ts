/**
 * The Hissuno chat widget, served at GET /widget.js and embedded by customer pages:
 *
 *   <script src="https://hissuno.example/widget.js" data-project-id="…" async></script>
 *
 * Attributes: data-project-id (required for auto-start), data-api-base (default: the
 * script's own origin), data-token-callback (name of a global function returning a widget
 * token, or a promise of one), data-user-id (anonymous visitors only, unverified).
 * Without data-project-id, call window.HissunoWidget.init({ projectId, getToken, … }).
 * window.HissunoWidget.setToken(token) hands the widget a refreshed token (a periodic
 * refresh); it is used from the next request on, and the conversation is kept.
 *
 * A classic script with no dependencies and no globals but window.HissunoWidget: the whole
 * file is one closure, so nothing leaks into the host page.
 */
interface HissunoWidgetOptions {
  projectId: string;
  /** Where the Hissuno API lives; default: the origin this script was loaded from. */
  apiBase?: string;
  /** A token minted by the customer's backend; asked again on token_expired/token_key_rotated. */
  getToken?: () => unknown;
  /** Anonymous visitors only: client-provided, shown as unverified in the dashboard. */
  userId?: string;
  userMetadata?: Record<string, string>;
}

interface HissunoWidgetApi {
  /** Starts the widget; resolves true once it is shown, false when it was refused. */
  init(options: HissunoWidgetOptions): Promise<boolean>;
  destroy(): void;
  /** Replaces the token from the next request on; the conversation is kept. */
  setToken(token: string): void;
}

(() => {
  interface Identity {
    verified: boolean;
    userId: string | null;
    userMetadata: Record<string, string> | null;
  }
  interface Message {
    id: string;
    role: 'user' | 'agent';
    content: string;
  }
  type Page<T> = { items: T[]; nextCursor: string | null } | T[];

  /** An answer the widget cannot work past; its message comes from the API. */
  class Refusal extends Error {
    constructor(
      readonly code: string,
      message: string,
      readonly fatal = true,
    ) {
      super(message);
    }
  }

  const FATAL_STATUS = new Set([401, 403, 404]);
  /** Refusals a fresh token from the page can cure (a rotated key: its backend may sign anew). */
  const STALE_TOKEN = new Set(['token_expired', 'token_key_rotated']);
  const POLL_MS = 5000;

  async function refusalOf(res: Response): Promise<Refusal> {
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    const code = body?.code ?? `http_${res.status}`;
    const message = body?.message ?? `Hissuno answered HTTP ${res.status}.`;
    return new Refusal(code, message, FATAL_STATUS.has(res.status));
  }

  /** The widget API of one project, seen from this page (its Origin is the browser's). */
  class WidgetClient {
    private token: string | null = null;
    private asking: Promise<string | null> | null = null;
    private readonly base: string;

    constructor(private readonly options: HissunoWidgetOptions & { apiBase: string }) {
      const api = options.apiBase.replace(/\/+$/, '');
      this.base = `${api}/api/v1/widget/${encodeURIComponent(options.projectId)}`;
    }

    async start(): Promise<{ identity: Identity }> {
      if (this.options.getToken) this.token = await this.freshToken();
      return this.call('GET', '/config');
    }

    setToken(token: string): void {
      this.token = token;
    }

    /** A request; refused for a stale token, it gets a new one once and retries. */
    async call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
      const headers: Record<string, string> = {};
      const sent = this.token;
      if (sent) headers.Authorization = `Bearer ${sent}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(this.base + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: 'omit',
        });
      } catch {
        throw await this.diagnose();
      }
      if (res.ok) return (await res.json()) as T;
      const refusal = await refusalOf(res);
      if (STALE_TOKEN.has(refusal.code) && !retried) {
        // Replaced meanwhile (setToken, or a parallel request's refresh): just use that one.
        if (this.token !== sent) return this.call(method, path, body, true);
        if (this.options.getToken) {
          this.asking ??= this.freshToken().finally(() => (this.asking = null));
          this.token = await this.asking;
          return this.call(method, path, body, true);
        }
      }
      throw refusal;
    }

    /**
     * A request the browser would not let through (no CORS answer) is, most often, a
     * blocked origin refusing a preflight. A simple GET needs no preflight, and the
     * API answers it with a readable 403, so ask that to name the reason.
     */
    private async diagnose(): Promise<Refusal> {
      const unreachable = new Refusal(
        'unreachable',
        `Could not reach Hissuno at ${this.options.apiBase}; check data-api-base and the network.`,
        false,
      );
      try {
        const res = await fetch(`${this.base}/config`, { credentials: 'omit' });
        return res.ok ? unreachable : await refusalOf(res);
      } catch {
        return unreachable;
      }
    }

    private async freshToken(): Promise<string | null> {
      let value: unknown;
      try {
        value = await this.options.getToken!();
      } catch (error) {
        throw new Refusal('token_callback_failed', `The token callback failed: ${String(error)}`);
      }
      if (value && typeof value === 'object' && 'token' in value) value = value.token;
      return typeof value === 'string' && value !== '' ? value : null;
    }
  }

  const STYLES = `
    :host { all: initial; }
    * { box-sizing: border-box; font: 14px/1.4 system-ui, sans-serif; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      border: 0; border-radius: 24px; padding: 12px 20px; cursor: pointer;
      background: #4f46e5; color: #fff; font-weight: 600; box-shadow: 0 4px 14px #0003; }
    .panel { position: fixed; right: 20px; bottom: 76px; z-index: 2147483000; width: 320px;
      height: 420px; display: flex; flex-direction: column; background: #fff; color: #111;
      border-radius: 12px; box-shadow: 0 8px 28px #0004; overflow: hidden; }
    .panel[hidden] { display: none; }
    header { background: #4f46e5; color: #fff; padding: 10px 14px; }
    header strong { display: block; font-weight: 600; }
    header small { opacity: .85; font-size: 12px; }
    ol { flex: 1; list-style: none; margin: 0; padding: 10px; overflow-y: auto; background: #f7f7fb; }
    li { max-width: 80%; margin: 6px 0; padding: 7px 11px; border-radius: 12px;
      white-space: pre-wrap; overflow-wrap: anywhere; }
    li.user { margin-left: auto; background: #4f46e5; color: #fff; }
    li.agent { background: #e5e7eb; }
    li.empty { max-width: none; color: #666; text-align: center; background: none; }
    .status { margin: 0; padding: 4px 10px; color: #b91c1c; font-size: 12px; }
    .status:empty { display: none; }
    form { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e5e7eb; }
    input { flex: 1; padding: 8px; border: 1px solid #ccc; border-radius: 8px; }
    button[type=submit] { border: 0; border-radius: 8px; padding: 0 14px; cursor: pointer;
      background: #4f46e5; color: #fff; }
  `;

  function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props: Partial<HTMLElementTagNameMap[K]> = {},
    children: Node[] = [],
  ): HTMLElementTagNameMap[K] {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  }

  /** The launcher and the conversation, inside a shadow root so page styles stay out. */
  class ChatWidget {
    readonly host = el('div', { id: 'hissuno-widget' });
    private readonly panel = el('section', { className: 'panel', hidden: true });
    private readonly launcher = el('button', { className: 'launcher', textContent: 'Chat' });
    private readonly list = el('ol');
    private readonly status = el('p', { className: 'status' });
    private readonly input = el('input', { placeholder: 'Write a message…', maxLength: 4000 });
    private sessionId: string | null = null;
    private loaded = false;
    private poll: number | undefined;

    constructor(
      private readonly client: WidgetClient,
      private readonly identity: Identity,
      private readonly options: HissunoWidgetOptions,
      private readonly onRefused: (refusal: Refusal) => void,
    ) {
      const root = this.host.attachShadow({ mode: 'open' });
      // A constructed sheet is not inline style, so a strict style-src on the page allows it.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
      const who = identity.verified
        ? `Signed in as ${identity.userMetadata?.name ?? identity.userId}`
        : 'We usually answer within a day';
      const form = el('form', {}, [
        this.input,
        el('button', { type: 'submit', textContent: 'Send' }),
      ]);
      this.panel.setAttribute('role', 'dialog');
      this.panel.setAttribute('aria-label', 'Chat');
      this.panel.append(
        el('header', {}, [
          el('strong', { textContent: 'Chat with us' }),
          el('small', { textContent: who }),
        ]),
        this.list,
        this.status,
        form,
      );
      this.launcher.setAttribute('aria-expanded', 'false');
      root.append(this.panel, this.launcher);
      this.launcher.addEventListener('click', () => this.toggle());
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void this.send();
      });
    }

    destroy(): void {
      window.clearInterval(this.poll);
      this.host.remove();
    }

    private toggle(): void {
      const open = this.panel.hidden;
      this.panel.hidden = !open;
      this.launcher.setAttribute('aria-expanded', String(open));
      window.clearInterval(this.poll);
      if (!open) return;
      this.input.focus();
      void this.guard(() => this.refresh());
      this.poll = window.setInterval(() => void this.guard(() => this.refresh()), POLL_MS);
    }

    /** Resumes the latest conversation of this visitor, then keeps its messages current. */
    private async refresh(): Promise<void> {
      if (!this.loaded) {
        const history = await this.client.call<Page<{ id: string }>>(
          'GET',
          this.query('/sessions'),
        );
        this.sessionId = items(history)[0]?.id ?? null;
        this.loaded = true;
      }
      if (!this.sessionId) return this.render([]);
      const path = `/sessions/${this.sessionId}/messages?limit=100`;
      this.render(items(await this.client.call<Page<Message>>('GET', this.query(path))));
    }

    private async send(): Promise<void> {
      const content = this.input.value.trim();
      if (!content) return;
      await this.guard(async () => {
        if (!this.sessionId) {
          const anonymous = this.identity.verified
            ? {}
            : { userId: this.options.userId, userMetadata: this.options.userMetadata };
          const body = { ...anonymous, pageUrl: location.href, pageTitle: document.title };
          const created = await this.client.call<{ sessionId: string }>('POST', '/sessions', body);
          this.sessionId = created.sessionId;
          this.loaded = true;
        }
        // An anonymous visitor names its userId on every call: it is part of its identity.
        const path = this.query(`/sessions/${this.sessionId}/messages`);
        await this.client.call('POST', path, { content });
        this.input.value = '';
        await this.refresh();
      }, 'Not sent, your message is kept: ');
    }

    /** Runs a step; a refusal (origin, token, project) ends the widget, others are shown. */
    private async guard(step: () => Promise<void>, failed = ''): Promise<void> {
      try {
        await step();
        this.status.textContent = '';
      } catch (error) {
        const refusal =
          error instanceof Refusal ? error : new Refusal('error', String(error), false);
        if (refusal.fatal) return this.onRefused(refusal);
        this.status.textContent = failed + refusal.message;
      }
    }

    private query(path: string): string {
      if (this.identity.verified || !this.options.userId) return path;
      const sep = path.includes('?') ? '&' : '?';
      return `${path}${sep}userId=${encodeURIComponent(this.options.userId)}`;
    }

    private render(messages: Message[]): void {
      const rows = messages.map((m) => el('li', { className: m.role, textContent: m.content }));
      if (rows.length === 0) {
        rows.push(el('li', { className: 'empty', textContent: 'Ask us anything.' }));
      }
      this.list.replaceChildren(...rows);
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  function items<T>(page: Page<T>): T[] {
    return Array.isArray(page) ? page : page.items;
  }

  type State = { widget: ChatWidget | null; client: WidgetClient | null; refused: boolean };
  let current: State | null = null;

  async function init(options: HissunoWidgetOptions): Promise<boolean> {
    destroy();
    const state: State = { widget: null, client: null, refused: false };
    current = state;
    // One warning per page load, however many requests were in flight when it was refused.
    const refuse = (refusal: Refusal): void => {
      if (state.refused || current !== state) return;
      state.refused = true;
      state.widget?.destroy();
      state.widget = null;
      // eslint-disable-next-line no-console -- the product's contract: a refused widget says why in the console.
      console.warn(`Hissuno widget not shown (${refusal.code}): ${refusal.message}`);
    };
    const apiBase = options.apiBase ?? scriptOrigin ?? location.origin;
    const client = new WidgetClient({ ...options, apiBase });
    state.client = client;
    try {
      const { identity } = await client.start();
      await domReady();
      if (current !== state) return false;
      state.widget = new ChatWidget(client, identity, options, refuse);
      document.body.append(state.widget.host);
      return true;
    } catch (error) {
      refuse(error instanceof Refusal ? error : new Refusal('error', String(error)));
      return false;
    }
  }

  function destroy(): void {
    current?.widget?.destroy();
    current = null;
  }

  function domReady(): Promise<void> {
    if (document.readyState !== 'loading') return Promise.resolve();
    return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve()));
  }

  const script = document.currentScript as HTMLScriptElement | null;
  const scriptOrigin = script?.src ? new URL(script.src).origin : null;
  const setToken = (token: string): void => current?.client?.setToken(token);
  const api: HissunoWidgetApi = { init, destroy, setToken };
  Object.assign(window, { HissunoWidget: api });

  const data: DOMStringMap = script?.dataset ?? {};
  if (data.projectId) {
    const callbackName = data.tokenCallback;
    // Looked up when the token is needed, so the page may define it after this tag.
    const getToken = callbackName
      ? () => {
          const fn = (window as unknown as Record<string, unknown>)[callbackName];
          if (typeof fn !== 'function') {
            throw new Error(`data-token-callback names window.${callbackName}, not a function`);
          }
          return (fn as () => unknown)();
        }
      : undefined;
    void init({
      projectId: data.projectId,
      apiBase: data.apiBase,
      getToken,
      userId: data.userId,
    });
  }
})();
