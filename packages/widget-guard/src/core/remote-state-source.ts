import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CONSOLE_GUARD_LOGGER, type WidgetGuardLogger } from './guard-logger';
import { compileOriginPolicy } from './origin-policy';
import {
  WidgetSecurityStateSource,
  type WidgetSecurityState,
  type WidgetStateChangeListener,
} from './widget-security-state';

export interface RemoteStateSourceOptions {
  /** The settings API's internal listener (API.md §10), e.g. `http://127.0.0.1:4001`. */
  baseUrl: string;
  /** One of its INTERNAL_API_TOKENS. Never logged. */
  serviceToken: string;
  /** Per state or versions request; default 2000 ms (a slower answer counts as a failure). */
  requestTimeoutMs?: number;
  /** Wait before reconnecting a lost change stream; default 1000 ms (the server's retry). */
  reconnectMs?: number;
  logger?: WidgetGuardLogger;
}

/** The state document of §10 (secret keys in clear: never logged, never cached). */
interface StateDocument {
  projectId: string;
  version: number;
  keyEpoch: number;
  requireToken: boolean;
  allowedOrigins: string[];
  maxTokenLifetimeSeconds: number | null;
  keys: {
    current: { epoch: number; secretKey: string };
    previous: { epoch: number; secretKey: string; expiresAt: string } | null;
    retired: { epoch: number; secretKey: string }[];
  };
}

const PREFIX = '/internal/v1/widget-guard';
const MAX_VERSION_IDS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function toState(doc: StateDocument): WidgetSecurityState {
  const { current, previous, retired } = doc.keys;
  return {
    projectId: doc.projectId,
    version: doc.version,
    keyEpoch: doc.keyEpoch,
    requireToken: doc.requireToken,
    // The settings API saved these with the same parser: what it saved is what is matched here.
    originPolicy: compileOriginPolicy(doc.allowedOrigins),
    keys: {
      current: { epoch: current.epoch, secret: current.secretKey },
      previous: previous && {
        epoch: previous.epoch,
        secret: previous.secretKey,
        expiresAtMs: Date.parse(previous.expiresAt),
      },
      retired: retired.map((key) => ({ epoch: key.epoch, secret: key.secretKey })),
    },
    maxTokenLifetimeSeconds: doc.maxTokenLifetimeSeconds,
  };
}

/**
 * A state source for services that do not share the settings API's database: it pulls a
 * project's state from the internal API and follows its change stream (server-sent events;
 * resumes with Last-Event-ID, `reset` → the cache drops everything). Staleness needs nothing
 * more here: the cache re-checks `versions` on its own clock whether the stream is up or not,
 * and fails closed (503) on a project it could not confirm within its staleness bound.
 */
export class RemoteWidgetStateSource extends WidgetSecurityStateSource {
  private readonly base: string;
  private readonly logger: WidgetGuardLogger;

  constructor(private readonly options: RemoteStateSourceOptions) {
    super();
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.logger = options.logger ?? CONSOLE_GUARD_LOGGER;
  }

  /** Project ids are UUIDs; any other id is answered 404 without a request. */
  override canonicalId(projectId: string): string | null {
    const id = projectId.toLowerCase();
    return UUID.test(id) ? id : null;
  }

  async load(projectId: string): Promise<WidgetSecurityState | null> {
    const response = await this.get(`/projects/${projectId}/state`);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`the settings API answered ${response.status} for a state`);
    return toState((await response.json()) as StateDocument);
  }

  async versions(projectIds: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < projectIds.length; i += MAX_VERSION_IDS) {
      const ids = projectIds.slice(i, i + MAX_VERSION_IDS).join(',');
      const response = await this.get(`/versions?ids=${ids}`);
      if (!response.ok)
        throw new Error(`the settings API answered ${response.status} for versions`);
      const { versions } = (await response.json()) as { versions: Record<string, number> };
      for (const [id, version] of Object.entries(versions)) found.set(id, version);
    }
    return found;
  }

  override subscribe(onChange: WidgetStateChangeListener, onResync: () => void): () => void {
    let stopped = false;
    let abort: AbortController | null = null;
    let lastEventId: string | undefined;
    let down = false;
    const onEvent = (event: EventSourceMessage) => {
      if (event.id) lastEventId = event.id;
      if (event.event === 'reset') return onResync();
      const { projectId } = JSON.parse(event.data) as { projectId?: unknown };
      if (typeof projectId === 'string') onChange(projectId);
    };
    const follow = async () => {
      abort = new AbortController();
      const response = await fetch(`${this.base}${PREFIX}/changes`, {
        headers: {
          'X-Hissuno-Service-Token': this.options.serviceToken,
          Accept: 'text/event-stream',
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        },
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new Error(`change stream: ${response.status}`);
      if (down) this.logger.log('widget state change stream works again');
      down = false;
      const parser = createParser({ onEvent });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    };
    const run = async () => {
      while (!stopped) {
        try {
          await follow();
        } catch (error) {
          if (stopped) return;
          if (!down)
            this.logger.warn({ err: error }, 'widget state change stream lost; re-checks go on');
          down = true;
        }
        if (stopped) return;
        await new Promise((resolve) =>
          setTimeout(resolve, this.options.reconnectMs ?? 1000).unref(),
        );
      }
    };
    void run();
    return () => {
      stopped = true;
      abort?.abort();
    };
  }

  private get(path: string): Promise<Response> {
    return fetch(`${this.base}${PREFIX}${path}`, {
      headers: { 'X-Hissuno-Service-Token': this.options.serviceToken },
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 2000),
    });
  }
}
