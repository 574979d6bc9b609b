/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Cleanups to run after a test file, newest first. Each runs even if another failed, and none may
 * hold the run for more than `timeoutMs`: a stuck one (a thread that never stops) is left behind.
 */
export function cleanupList(timeoutMs = 5_000) {
  const cleanups: Array<() => Promise<void> | void> = [];
  return {
    add(...added: Array<() => Promise<void> | void>): void {
      cleanups.push(...added);
    },
    async run(): Promise<void> {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await Promise.race([
          Promise.resolve().then(cleanup).catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
        ]);
      }
    },
  };
}
