import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { Gauge } from 'prom-client';
import { AppConfig } from '../config';
import { PROJECT_CHANGES_CHANNEL } from '../database/project-changes';
import { MetricsService } from '../metrics/metrics.service';

interface Subscriber {
  onChange(projectId: string): void;
  onResync(): void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * Hears the change notices other instances send (`pg_notify` on PROJECT_CHANGES_CHANNEL)
 * over one dedicated connection, outside the pool. Server mode only: embedded PGlite has a
 * single session and a single instance, so the local notices of ProjectChanges suffice.
 *
 * A dropped connection is re-opened with backoff; every (re)connect tells subscribers to
 * resync, since notices sent while nobody listened are lost. Meanwhile the guard cache's
 * periodic re-check bounds staleness.
 */
@Injectable()
export class ProjectSecurityListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('WidgetSecurityListener');
  private readonly subscribers = new Set<Subscriber>();
  private client: Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    // Server mode only (embedded has no LISTEN connection to lose): 1 while listening.
    if (!this.enabled) return;
    const listener = (): boolean => this.listening;
    new Gauge({
      name: 'widget_security_listener_up',
      help: 'Whether the LISTEN connection for cross-instance change notices is open (1) or not (0)',
      registers: [metrics.registry],
      collect() {
        this.set(listener() ? 1 : 0);
      },
    });
  }

  get enabled(): boolean {
    return !this.config.embedded;
  }

  /** True while a LISTEN connection is open. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** The server process id of the LISTEN connection (tests terminate it), else null. */
  get backendPid(): number | null {
    return (this.client as (Client & { processID?: number }) | null)?.processID ?? null;
  }

  /** Waits for the first connection, so an instance that has started hears every change. */
  async onModuleInit(): Promise<void> {
    if (this.enabled) await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  subscribe(onChange: (projectId: string) => void, onResync: () => void): () => void {
    const subscriber = { onChange, onResync };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl!,
      application_name: 'hissuno-widget-listener',
      keepAlive: true,
      connectionTimeoutMillis: 3_000,
    });
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client));
    client.on('notification', (notice) => this.notify(notice));
    try {
      await client.connect();
      await client.query(`LISTEN ${PROJECT_CHANGES_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.retry(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.logger.log('listening for widget security changes again');
    this.failures = 0;
    for (const subscriber of this.subscribers) subscriber.onResync();
  }

  private notify(notice: Notification): void {
    if (notice.channel !== PROJECT_CHANGES_CHANNEL || !notice.payload) return;
    for (const subscriber of this.subscribers) subscriber.onChange(notice.payload);
  }

  private dropped(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.retry(error ?? new Error('the LISTEN connection ended'));
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    if (this.failures === 0) {
      this.logger.warn({ err: error }, 'not listening for widget security changes; reconnecting');
    }
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.failures, MAX_RETRY_MS);
    this.failures += 1;
    this.retryTimer = setTimeout(() => void this.connect(), delay * (0.5 + Math.random() / 2));
    this.retryTimer.unref();
  }
}
