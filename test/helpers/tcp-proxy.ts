import { connect, createServer, type Server, type Socket } from 'node:net';

type Mode = 'pass' | 'cut' | 'stall';

/**
 * A loopback TCP proxy to a database server, so that one instance can lose its database
 * while another keeps it: `cut()` resets every connection and refuses new ones (a partition
 * the client notices), `stall()` keeps connections open but lets no byte through (a network
 * black hole: nothing answers, nothing closes), `heal()` lets traffic through again.
 * `latency(ms)` delays every chunk by `ms` in each direction (a slow or distant database).
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private mode: Mode = 'pass';
  private delayMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.accept(client, targetPort));
    return proxy;
  }

  cut(): void {
    this.mode = 'cut';
    this.dropAll();
  }

  /** Every chunk, both ways, from now on reaches the other side `ms` later (order kept). */
  latency(ms: number): void {
    this.delayMs = ms;
  }

  stall(): void {
    this.mode = 'stall';
  }

  /** Back to normal; connections that lost bytes in a stall are reset (their stream is broken). */
  heal(): void {
    if (this.mode === 'stall') this.dropAll();
    this.mode = 'pass';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    this.sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => this.sockets.delete(client));
    if (this.mode === 'stall') return; // accepted, never answered
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      from.on('data', (chunk: Buffer) => {
        if (this.mode !== 'pass') return;
        if (this.delayMs === 0) to.write(chunk);
        else
          setTimeout(() => this.mode === 'pass' && !to.destroyed && to.write(chunk), this.delayMs);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
