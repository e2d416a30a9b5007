/**
 * One subscription's events, queued until its delivery loop takes them: at most `max` wait. A subscriber
 * that falls further behind (its deliveries cannot keep up, or its socket does not drain) is a slow
 * consumer: the stream ends and `onOverflow` is told, rather than memory growing without bound.
 *
 * Written by hand rather than as an async generator: `return()` must end a stream that is waiting for its
 * next event at once (a generator suspended in `await` only returns after that await settles).
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  /** True once the stream ended because more than `max` events were waiting. */
  overflowed = false;
  /** Called once when the stream overflows. */
  onOverflow: (() => void) | undefined;

  constructor(
    private readonly max: number,
    private readonly cleanup: () => void,
  ) {}

  push(value: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else if (this.queue.length >= this.max) {
      this.overflowed = true;
      this.end();
      this.onOverflow?.();
    } else {
      this.queue.push(value);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.cleanup();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
