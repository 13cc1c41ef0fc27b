import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { pollUntil } from './poll';

/** One server-sent event block: its fields, or a comment line. */
export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
  /** When it arrived (performance.now()). */
  at: number;
}

/** A minimal EventSource over node:http that records every block it receives. */
export class SseClient {
  readonly blocks: SseEvent[] = [];
  /** Change events (no `event:` field) received so far; cheap to poll. */
  changeCount = 0;
  private buffer = '';

  private constructor(
    readonly response: IncomingMessage,
    private readonly request: ClientRequest,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.receive(chunk));
  }

  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = get(url, { headers }, (response) =>
        resolve(new SseClient(response, request)),
      );
      request.on('error', reject);
    });
  }

  /** Events proper (not comments, not the retry hint). */
  get events(): SseEvent[] {
    return this.blocks.filter((b) => b.comment === undefined && b.data !== undefined);
  }

  get comments(): string[] {
    return this.blocks.flatMap((b) => (b.comment === undefined ? [] : [b.comment]));
  }

  /** Change events, parsed. */
  changes(): { id: number; data: { projectId: string; version: number; deleted?: true } }[] {
    return this.events
      .filter((e) => e.event === undefined)
      .map((e) => ({ id: Number(e.id), data: JSON.parse(e.data!) }));
  }

  async waitFor(
    what: string,
    predicate: (client: SseClient) => boolean,
    deadlineMs = 5_000,
  ): Promise<void> {
    await pollUntil(what, deadlineMs, async () => predicate(this), 5);
  }

  /** Stops reading: the server's writes pile up in the socket, then in its own buffer. */
  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.request.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const block: SseEvent = { at: performance.now() };
      for (const line of text.split('\n')) {
        if (line.startsWith(':')) block.comment = line.slice(1).trim();
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const field = line.slice(0, colon) as 'id' | 'event' | 'data' | 'retry';
        block[field] = line.slice(colon + 1).replace(/^ /, '');
      }
      this.blocks.push(block);
      if (block.data !== undefined && block.event === undefined && block.comment === undefined) {
        this.changeCount += 1;
      }
    }
  }
}
