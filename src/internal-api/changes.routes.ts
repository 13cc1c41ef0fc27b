import type { FastifyInstance } from 'fastify';
import type { ChangeFeed } from './change-feed';
import { GUARD_PREFIX } from './state.routes';

/**
 * GET …/changes: the server-sent event stream of security-state changes (API.md §10). Each
 * event is `id: <sequence>` + `data: {"projectId","version"[,"deleted":true]}`; a client that
 * reconnects with Last-Event-ID resumes after it, else the first event is `event: reset`.
 */
export function registerChangesRoute(server: FastifyInstance, feed: ChangeFeed): void {
  server.get(`${GUARD_PREFIX}/changes`, async (request, reply) => {
    const lastEventId = request.headers['last-event-id'];
    // Before any byte is sent: a refusal (too many streams, no database) is a JSON 503.
    const plan = await feed.plan(typeof lastEventId === 'string' ? lastEventId : undefined);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // nginx and similar proxies must pass each event on at once.
      'X-Accel-Buffering': 'no',
      'X-Request-Id': request.id,
    });
    raw.write('retry: 1000\n\n');
    const stream = feed.attach(raw, plan);
    raw.once('close', () => stream.gone());
  });
}
