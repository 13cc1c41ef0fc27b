import { Client } from 'pg';
import { TimeoutClosingClient } from '../../src/database/timeout-closing-client';

/**
 * Every SQL text the app sends while `body` runs, whichever client class the pool uses: the
 * plain pg Client, or the TimeoutClosingClient of DATABASE_STATEMENT_TIMEOUT_MS, whose own
 * `query` calls pg's original (a spy on Client.prototype alone would see nothing).
 */
export async function sqlDuring(body: () => Promise<void>): Promise<string[]> {
  const queries: string[] = [];
  const prototypes = [Client.prototype, TimeoutClosingClient.prototype].filter(
    (prototype, i) => i === 0 || Object.hasOwn(prototype, 'query'),
  );
  const spies = prototypes.map((prototype) => {
    const original = prototype.query;
    return jest.spyOn(prototype, 'query').mockImplementation(function (
      this: Client,
      ...args: unknown[]
    ) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      queries.push(String(text));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
  });
  try {
    await body();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return queries;
}
