/**
 * A meeting point for values that arrive by key from elsewhere (a request on a server, a line from a child
 * process) and the test waiting for them, in either order, every wait bounded.
 */

/** Values by key: `put` once per key, `take` waits (bounded) for it. */
export class Rendezvous<T> {
  private readonly values = new Map<string, T>();
  private readonly waiters = new Map<string, (value: T) => void>();
  private failure: Error | null = null;
  private readonly failureListeners = new Set<(error: Error) => void>();

  /** Hands `value` to the waiter of `key`, or keeps it until one comes. */
  put(key: string, value: T): void {
    const waiter = this.waiters.get(key);
    if (waiter) {
      this.waiters.delete(key);
      waiter(value);
    } else {
      this.values.set(key, value);
    }
  }

  /** The value of `key`; rejects after `timeoutMs`, or at once when {@link fail} was called. */
  take(key: string, timeoutMs: number, what: string): Promise<T> {
    const kept = this.values.get(key);
    if (kept !== undefined) {
      this.values.delete(key);
      return Promise.resolve(kept);
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(key);
        this.failureListeners.delete(onFailure);
      };
      const onFailure = (error: Error): void => {
        done();
        reject(error);
      };
      const timer = setTimeout(() => onFailure(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.failureListeners.add(onFailure);
      this.waiters.set(key, (value) => {
        done();
        resolve(value);
      });
    });
  }

  /** Rejects every waiting and later `take` of a key not yet put (the source is gone). */
  fail(error: Error): void {
    this.failure ??= error;
    for (const listener of [...this.failureListeners]) listener(error);
  }
}
