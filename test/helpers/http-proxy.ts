import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy hop on loopback, as a load balancer is in front of the service: it
 * forwards each request to the target and appends the address of the peer it saw to
 * `X-Forwarded-For` (what nginx's `$proxy_add_x_forwarded_for` does).
 */
export class ForwardingProxy {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<ForwardingProxy> {
    const server = createServer((incoming, outgoing) => {
      const peer = incoming.socket.remoteAddress ?? '';
      const before = incoming.headers['x-forwarded-for'];
      const forwarded = before ? `${String(before)}, ${peer}` : peer;
      const upstream = request(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, 'x-forwarded-for': forwarded },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.writeHead(502).end());
      incoming.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ForwardingProxy(server, (server.address() as AddressInfo).port);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any route
  body: any;
}

/**
 * One HTTP request from a chosen loopback address (`localAddress`: 127.0.0.2, 127.0.0.3…
 * are all this machine on Linux), so that two test clients are two peers to whoever
 * answers them.
 */
export function sendFrom(
  localAddress: string,
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: unknown },
): Promise<RawAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: options.method ?? 'GET',
        path: options.path,
        agent: false,
        headers: {
          ...options.headers,
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body });
        });
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
