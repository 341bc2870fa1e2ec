// The local side of a job queue's `get()`: jobs that reached this process and wait for a `get`, and the `get`s
// that wait for a job. Both queues (Redis and in-process) hand jobs out through it, so the promise that a
// cancelled `get` loses nothing is kept in one place.
//
// As CPython's `asyncio.Queue.get`, a waiting `get` is only *woken* when a job arrives; it takes the job itself
// once it runs again. A `get` cancelled after its wake-up never took anything, and hands the wake-up on to the
// next waiter — so a job read for a cancelled `get` goes to the next `get`, at once.
//
// A `get` acts when awaited, never when called (as a Python coroutine): `waitFor(queue.get(), 0)` that gives up at
// once must not have taken a job first. Awaited with a job at hand, it takes it without waiting or suspending.

import { awaitable } from "./_awaitable.ts";
import { taskContext } from "./_task_context.ts";
import type { Awaitable, Future } from "./future.ts";
import { getRunningLoop } from "./loop.ts";

/** Jobs waiting for a `get`, and `get`s waiting for a job. */
export class JobBuffer<J> {
  #items: J[] = [];
  #head = 0;
  #waiters: Future<void>[] = [];
  #closedError: Error | null = null;
  #onDemand: () => void;
  #onTake: (job: J) => void;

  /**
   * @param onDemand Called when a `get` starts to wait: the queue should fetch jobs.
   * @param onTake Told of each job handed out.
   */
  constructor(onDemand: () => void, onTake: (job: J) => void) {
    this.#onDemand = onDemand;
    this.#onTake = onTake;
  }

  /** How many jobs wait for a `get`. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** How many `get`s wait for a job. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Adds jobs at the end and wakes as many waiting `get`s. */
  push(jobs: readonly J[]): void {
    for (const job of jobs) this.#items.push(job);
    for (let i = 0; i < jobs.length && this.#waiters.length > 0; i++) this.#wakeNext();
  }

  /** Takes every buffered job out (to hand them back to the server when closing). */
  drain(): J[] {
    const jobs = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return jobs;
  }

  /** Hands out the next job, or returns undefined. */
  take(): J | undefined {
    if (this.#head === this.#items.length) return undefined;
    const job = this.#items[this.#head];
    this.#items[this.#head++] = undefined as unknown as J;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#onTake(job);
    return job;
  }

  /** A `get`: an awaitable that takes a job when awaited, waiting for one if need be. */
  get(): Awaitable<J> {
    return new JobGet(this);
  }

  /** @ignore The closed queue's error, or null. */
  get _closedError(): Error | null {
    return this.#closedError;
  }

  /** @ignore The generator a `get` runs when it must wait. */
  _wait(): Generator<unknown, J, unknown> {
    return this.#wait();
  }

  /** Fails every waiting and later `get` with `error` (the queue is closed). */
  close(error: Error): void {
    this.#closedError = error;
    for (const waiter of this.#waiters.splice(0)) if (!waiter.done()) waiter.setException(error);
  }

  *#wait(): Generator<unknown, J, unknown> {
    for (;;) {
      if (this.#closedError !== null) throw this.#closedError;
      const job = this.take();
      if (job !== undefined) return job;
      const waiter = getRunningLoop().createFuture<void>();
      this.#waiters.push(waiter);
      if (this.#waiters.length === 1 || this.length === 0) this.#onDemand();
      try {
        yield* waiter;
      } catch (error) {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        // Woken, then cancelled before it could take the job: the job stays here, and the wake-up goes on.
        if (waiter.done() && !waiter.cancelled() && this.length > 0 && this.#waiters.length > 0) this.#wakeNext();
        throw error;
      }
    }
  }

  #wakeNext(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters.shift()!;
      if (!waiter.done()) {
        waiter.setResult(undefined);
        return;
      }
    }
  }
}

// One `get()`: lazy, awaitable once, its own iterator (so that taking a buffered job allocates nothing else).
class JobGet<J> implements Awaitable<J>, Iterator<unknown, J, unknown> {
  #buffer: JobBuffer<J>;
  #used = false;
  #waiting: Iterator<unknown, J, unknown> | null = null;

  constructor(buffer: JobBuffer<J>) {
    this.#buffer = buffer;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: J) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    this.#claim();
    // A cancel that reached the task before this await began surfaces now, before a job is taken.
    const task = taskContext.getStore();
    if (task !== undefined && typeof onRejected === "function" && task._deliverPendingCancel(onRejected)) return;
    const closed = this.#buffer._closedError;
    if (closed !== null) {
      if (typeof onRejected === "function") onRejected(closed);
      return;
    }
    const job = this.#buffer.take();
    if (job !== undefined) {
      if (typeof onFulfilled === "function") onFulfilled(job);
      return;
    }
    awaitable(() => this.#buffer._wait()).then(
      onFulfilled as (value: J) => unknown,
      onRejected as (reason: unknown) => unknown,
    );
  }

  [Symbol.iterator](): Iterator<unknown, J, unknown> {
    this.#claim();
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, J> {
    if (this.#waiting === null) {
      const closed = this.#buffer._closedError;
      if (closed !== null) throw closed;
      const job = this.#buffer.take();
      if (job !== undefined) return { value: job, done: true };
      this.#waiting = this.#buffer._wait();
    }
    return this.#waiting.next(value);
  }

  throw(error: unknown): IteratorResult<unknown, J> {
    if (this.#waiting === null) throw error;
    return this.#waiting.throw!(error);
  }

  return(value: J): IteratorResult<unknown, J> {
    if (this.#waiting === null) return { value, done: true };
    return this.#waiting.return!(value);
  }

  #claim(): void {
    if (this.#used) throw new TypeError("This get() was already awaited; call get() again");
    this.#used = true;
  }
}
