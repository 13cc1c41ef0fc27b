import type { FastifyReply } from 'fastify';
import { mergeVary } from '../core/widget-http';

/** Sets a decision's headers on the reply; `Vary` is merged with what is already there. */
export function setWidgetHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'Vary') {
      reply.header(name, value);
      continue;
    }
    const existing = reply.getHeader('vary');
    const merged = mergeVary(existing === undefined ? undefined : String(existing), value);
    if (merged !== undefined) reply.header('Vary', merged);
  }
}
