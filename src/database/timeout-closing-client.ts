import { Client } from 'pg';

/** node-postgres's error when a query outlives `query_timeout`. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * node-postgres gives up on a query after `query_timeout` but keeps the connection
 * as it is: the query may still be in flight, even inside a transaction, and the
 * next borrower of that connection would queue behind it (and could commit it).
 * This client closes its connection instead; the pool then drops it, and the server
 * rolls back whatever the connection had open.
 */
export class TimeoutClosingClient extends Client {}

/** pg's own query, looked up at each call so that a wrapper installed later (the bench's SQL counter, a test's spy) sees this client's queries too. */
const query = (client: Client, args: unknown[]): unknown =>
  (Client.prototype.query as (this: Client, ...a: unknown[]) => unknown).apply(client, args);

function closeOnTimeout(client: Client, error: unknown): void {
  if ((error as Error | null)?.message !== QUERY_READ_TIMEOUT) return;
  (
    client as unknown as { connection: { stream: { destroy(): void } } }
  ).connection.stream.destroy();
}

TimeoutClosingClient.prototype.query = function (this: Client, ...args: unknown[]): unknown {
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    args[args.length - 1] = (error: unknown, result: unknown) => {
      closeOnTimeout(this, error);
      (last as (e: unknown, r: unknown) => void)(error, result);
    };
    return query(this, args);
  }
  const result = query(this, args);
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      closeOnTimeout(this, error);
      throw error;
    });
  }
  return result;
} as Client['query'];
