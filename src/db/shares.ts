import { serverBusy } from '../graphql/errors';

/**
 * Fair sharing of the database pool between networks: at most `perKey` transactions of one network hold a
 * connection at once (DB_MAX_CONNECTIONS_PER_NETWORK), so one network saturating its share leaves the rest of
 * the pool to the others. A caller over its share waits in its network's own queue (first come, first served)
 * for at most the timeout, then gets `SERVER_BUSY` (retryable). The pool itself still bounds the total; its
 * own wait has the same timeout (pg's `connectionTimeoutMillis`).
 *
 * Written here rather than taken from a library: what is needed is a keyed counting semaphore with a FIFO
 * queue and a timeout per waiter, a few lines; the semaphore packages on npm are unkeyed or lack timeouts.
 */
export class PoolShares {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Array<{ grant: () => void }>>();

  constructor(
    readonly perKey: number,
    readonly timeoutMs: number,
  ) {}

  /** Connections held by `key`'s transactions right now. */
  inUse(key: string): number {
    return this.active.get(key) ?? 0;
  }

  /** Transactions waiting for their network's share right now (all networks). */
  get waitingCount(): number {
    let n = 0;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }

  /** Waits for one of `key`'s share (at most `timeoutMs`); resolves to the function that gives it back (once). */
  acquire(key: string, timeoutMs = this.timeoutMs): Promise<() => void> {
    const held = this.active.get(key) ?? 0;
    if (held < this.perKey) {
      this.active.set(key, held + 1);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      let queue = this.waiting.get(key);
      if (!queue) this.waiting.set(key, (queue = []));
      const waiter = {
        // The releasing caller hands its place over directly: the count stays as it is.
        grant: () => {
          clearTimeout(timer);
          resolve(this.releaser(key));
        },
      };
      const timer = setTimeout(() => {
        const q = this.waiting.get(key);
        const i = q ? q.indexOf(waiter) : -1;
        if (i >= 0) q!.splice(i, 1);
        if (q && q.length === 0) this.waiting.delete(key);
        reject(serverBusy());
      }, timeoutMs);
      queue.push(waiter);
    });
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.waiting.get(key);
      const next = queue?.shift();
      if (queue && queue.length === 0) this.waiting.delete(key);
      if (next) return next.grant();
      const held = (this.active.get(key) ?? 1) - 1;
      if (held > 0) this.active.set(key, held);
      else this.active.delete(key);
    };
  }
}
