import type { FastifyReply } from 'fastify';

/** Sets a decision's headers on the reply; `Vary` is merged with what is already there. */
export function setWidgetHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'Vary') {
      reply.header(name, value);
      continue;
    }
    const existing = reply.getHeader('vary');
    if (existing === undefined || existing === '') {
      reply.header('Vary', value); // the usual case: nothing to merge with
      continue;
    }
    const present = String(existing)
      .split(',')
      .map((v) => v.trim().toLowerCase());
    if (!present.includes(value.toLowerCase()) && !present.includes('*')) {
      reply.header('Vary', `${String(existing)}, ${value}`);
    }
  }
}
