/**
 * Polls `probe` until it returns a value other than undefined/false, and returns that value;
 * throws after `deadlineMs` with the last value seen. For effects that happen in the
 * background (statistics flushes, exposure writes): no fixed sleeps.
 */
export async function pollUntil<T>(
  what: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined | false>,
  intervalMs = 20,
): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    last = value;
    if (Date.now() - start > deadlineMs) {
      throw new Error(`${what}: not within ${deadlineMs} ms (last: ${JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
