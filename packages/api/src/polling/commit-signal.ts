/**
 * Wakes long polls and live streams when messages may have been committed: the ingest of this
 * process, and in PostgreSQL mode every process's commits through LISTEN. A wake only says "read
 * again"; readers also re-read on a timer, so a missed wake delays a message, never loses it.
 */
export class CommitSignal {
  private waiters = new Set<(woken: boolean) => void>();

  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake(true);
  }

  /** Resolves at the next notify (true), or false after `timeoutMs` or when `abort` fires, whichever comes first. */
  wait(timeoutMs: number, abort?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (abort?.aborted) return resolve(false);
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(done);
        abort?.removeEventListener('abort', stop);
        resolve(woken);
      };
      const stop = () => done(false);
      const timer = setTimeout(stop, Math.max(0, timeoutMs));
      this.waiters.add(done);
      abort?.addEventListener('abort', stop, { once: true });
    });
  }
}
