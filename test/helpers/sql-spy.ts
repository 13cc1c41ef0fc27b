import { Client } from 'pg';

/**
 * Every SQL text the app sends while `body` runs. The pool's TimeoutClosingClient calls
 * pg's Client.prototype.query at each call, so one spy there sees every client class.
 */
export async function sqlDuring(body: () => Promise<void>): Promise<string[]> {
  const queries: string[] = [];
  const original = Client.prototype.query;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
    this: Client,
    ...args: unknown[]
  ) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    queries.push(String(text));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return queries;
}
