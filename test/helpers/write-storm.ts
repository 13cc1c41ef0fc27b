import { outcomeOf, type WriteLog } from './consistency';
import { call } from './http-client';

/**
 * Concurrent rotations and settings changes against one or more running instances, logged
 * the way clients see them (see WriteLog). Each settings change sets allowedOrigins to one
 * origin of its own, so the audit log can tell every change apart.
 */
export class WriteStorm {
  /** Answers by status (`lost` when no answer came). */
  readonly answers = new Map<string, number>();
  inFlight = 0;
  private stopping = false;
  private workers: Promise<void>[] = [];
  private sent = 0;

  constructor(
    private readonly baseUrls: readonly string[],
    private readonly token: string,
    private readonly projectIds: readonly string[],
    private readonly log: WriteLog,
    private readonly label: string,
  ) {}

  get ok(): number {
    return this.answers.get('200') ?? 0;
  }

  /** Starts `count` workers; each stops at `stop()`, or at its first lost connection if told. */
  start(count: number, stopOnLostConnection: boolean): void {
    for (let w = 0; w < count; w++) this.workers.push(this.work(w, stopOnLostConnection));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  private count(key: string): void {
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }

  private async work(worker: number, stopOnLostConnection: boolean): Promise<void> {
    while (!this.stopping) {
      const n = this.sent++;
      const baseUrl = this.baseUrls[n % this.baseUrls.length];
      const projectId = this.projectIds[n % this.projectIds.length];
      const prefix = `/api/v1/projects/${projectId}/widget`;
      const rotate = Math.random() < 0.5;
      const change = rotate
        ? null
        : {
            projectId,
            origin: `https://${this.label}-w${worker}-${n}.example.com`,
            outcome: outcomeOf(null),
          };
      if (change) this.log.settings.push(change);
      this.inFlight++;
      try {
        const res = rotate
          ? await call(baseUrl, 'POST', `${prefix}/secret-key/rotate`, {
              token: this.token,
              body: { gracePeriodSeconds: Math.random() < 0.5 ? 0 : 30 },
            })
          : await call(baseUrl, 'PATCH', `${prefix}/security`, {
              token: this.token,
              body: { allowedOrigins: [change!.origin] },
            });
        this.count(String(res.status));
        if (change) change.outcome = outcomeOf(res.status);
        // Refusals (503 while the database is down) come fast: pace the retries.
        if (res.status !== 200) await new Promise((resolve) => setTimeout(resolve, 10));
        if (rotate && res.status === 200) {
          this.log.rotations.push({
            projectId,
            keyEpoch: res.body.keyEpoch,
            secretKey: res.body.secretKey,
          });
        }
      } catch {
        this.count('lost');
        if (stopOnLostConnection) return;
      } finally {
        this.inFlight--;
      }
    }
  }
}
