/**
 * `ConcurrentFuture`: the outcome of work running in another thread (Python's `concurrent.futures.Future`).
 *
 * `LoopThread.runCoroutineThreadsafe()` and `WorkerPoolExecutor.submit()` return one. Unlike an asyncio `Future`
 * it belongs to no event loop: `result(timeoutMs)` and `exception(timeoutMs)` **block** the calling thread
 * (with `Atomics.wait`, allowed in workers and in Deno's main thread) until the other thread has finished, and
 * throw `TimeoutError` when the time is up. It is also awaitable without blocking (`await cf`), iterable for
 * generator coroutines (`yield* cf`), and `wrapFuture(cf)` makes an asyncio `Future` of the current loop from it
 * (cancelling that future cancels this one).
 *
 * While a thread blocks in `result()`, the replies of the worker it waits for are received synchronously, so the
 * futures of that worker (and their done-callbacks) settle during the wait.
 *
 * @example Settled by hand (what the thread plumbing does when a reply arrives)
 * ```ts
 * import { ConcurrentFuture } from "./concurrent_future.ts";
 * import assert from "node:assert/strict";
 *
 * const cf = new ConcurrentFuture<number>();
 * const seen: number[] = [];
 * cf.addDoneCallback((f) => seen.push(f.result()));
 * cf.setResult(42);
 * assert.equal(cf.result(), 42);
 * assert.deepEqual(seen, [42]);
 * assert.equal(await cf, 42);
 * ```
 *
 * @module
 */

import { runningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "./errors.ts";
import { type Awaitable, type Future, wrapFuture } from "./future.ts";

// Python's states; CANCELLED_AND_NOTIFIED is folded into CANCELLED (callbacks run when cancel() succeeds).
const PENDING = 0;
const RUNNING = 1;
const CANCELLED = 2;
const FINISHED = 3;
const FAILED = 4;
const STATE_NAMES = ["pending", "running", "cancelled", "finished", "finished"];

/** A done-callback of a `ConcurrentFuture`: called with the future once it is done. */
export type ConcurrentDoneCallback<T> = (future: ConcurrentFuture<T>) => void;

/**
 * @ignore What settles a ConcurrentFuture from another thread: the thread plumbing (loop_thread.ts, worker_pool.ts).
 */
export interface _ConcurrentSource {
  /** Blocks this thread until `future` is done or `deadline` (a `performance.now()` time) has passed. */
  waitUntilDone(future: ConcurrentFuture<unknown>, deadline: number): void;
  /** Called once `future` was cancelled here: stop the work behind it (dequeue it, or cancel the remote task). */
  cancelRemote(future: ConcurrentFuture<unknown>): void;
}

// A cell nobody notifies: what a future with no other thread behind it sleeps on until its timeout.
let sleepCell: Int32Array | null = null;

/**
 * The outcome of work in another thread (Python's `concurrent.futures.Future`): blocking `result(timeoutMs)`,
 * `exception(timeoutMs)`, `done()`, `cancelled()`, `running()`, `cancel()`, `addDoneCallback(fn)`; awaitable.
 *
 * Done-callbacks run synchronously in the thread that owns the future, as soon as it is settled there (Python
 * runs them in the thread that completes the future); an exception from one is printed, never raised.
 *
 * @typeParam T The type of the result.
 *
 * @example A blocking wait with a time-out
 * ```ts
 * import { ConcurrentFuture } from "./concurrent_future.ts";
 * import { TimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const cf = new ConcurrentFuture<string>();
 * assert.throws(() => cf.result(10), TimeoutError);
 * cf.setResult("late");
 * assert.equal(cf.result(10), "late");
 * ```
 */
export class ConcurrentFuture<T = unknown> implements Awaitable<T> {
  #state = PENDING;
  #value: unknown = undefined;
  #callbacks: ConcurrentDoneCallback<T>[] | null = null;
  #promise: Promise<T> | null = null;
  #source: _ConcurrentSource | null = null;

  /**
   * Whether the future was cancelled.
   *
   * @returns True once `cancel()` succeeded (or the remote task ended cancelled).
   *
   * @example A cancelled future
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture();
   * cf.cancel();
   * assert.equal(cf.cancelled(), true);
   * ```
   */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * Whether the work is running and can no longer be cancelled (a `WorkerPoolExecutor` job a worker has taken).
   * A `runCoroutineThreadsafe()` future is never "running": as in CPython, it stays pending (and cancellable)
   * until the task ends.
   *
   * @returns True while running.
   *
   * @example A running job can no longer be cancelled
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture();
   * assert.equal(cf.setRunningOrNotifyCancel(), true);
   * assert.equal(cf.running(), true);
   * assert.equal(cf.cancel(), false);
   * ```
   */
  running(): boolean {
    return this.#state === RUNNING;
  }

  /**
   * Whether the future is done: finished with a result or an exception, or cancelled.
   *
   * @returns True once settled.
   *
   * @example Done once settled
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * assert.equal(cf.done(), false);
   * cf.setResult(1);
   * assert.equal(cf.done(), true);
   * ```
   */
  done(): boolean {
    return this.#state >= CANCELLED;
  }

  /**
   * Cancels the work unless it is running or done (Python's `cancel()`): the future ends cancelled at once, its
   * done-callbacks run, and the other thread is told — a queued pool job is dropped, and the task of
   * `runCoroutineThreadsafe()` is cancelled there (its `finally` blocks run in that thread).
   *
   * @returns True if the future is now cancelled, false if it was running or already finished.
   *
   * @example Cancel a pending future
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import { CancelledError } from "./errors.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture();
   * assert.equal(cf.cancel(), true);
   * assert.throws(() => cf.result(), CancelledError);
   * ```
   */
  cancel(): boolean {
    if (this.#state === RUNNING || this.#state === FINISHED || this.#state === FAILED) return false;
    if (this.#state === CANCELLED) return true;
    this.#settle(CANCELLED, undefined);
    this.#source?.cancelRemote(this as ConcurrentFuture<unknown>);
    return true;
  }

  /**
   * The result, waiting for it (blocking this thread) up to `timeoutMs` milliseconds — forever when omitted.
   *
   * @param timeoutMs How long to wait, in ms (`undefined`, `null` or `Infinity`: no limit).
   * @returns The result.
   * @throws {TimeoutError} If the future is not done in time.
   * @throws {CancelledError} If it was cancelled.
   * @throws {InvalidStateError} If it is pending with nothing in another thread to settle it and no time-out
   *   (the wait could never end).
   * @throws {unknown} The exception the work raised.
   *
   * @example A failed future raises its exception
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * cf.setException(new RangeError("too big"));
   * assert.throws(() => cf.result(0), RangeError);
   * ```
   */
  result(timeoutMs?: number | null): T {
    this.#waitDone(timeoutMs, "result");
    if (this.#state === FINISHED) return this.#value as T;
    if (this.#state === CANCELLED) throw this.#cancelledError();
    throw this.#value;
  }

  /**
   * The exception the work raised (`undefined` if it succeeded), waiting for it as `result()` does.
   *
   * @param timeoutMs How long to wait, in ms (`undefined`, `null` or `Infinity`: no limit).
   * @returns The exception, or `undefined`.
   * @throws {TimeoutError} If the future is not done in time.
   * @throws {CancelledError} If it was cancelled.
   * @throws {InvalidStateError} If the wait could never end (see `result()`).
   *
   * @example A successful future has no exception
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * cf.setResult(3);
   * assert.equal(cf.exception(), undefined);
   * ```
   */
  exception(timeoutMs?: number | null): unknown {
    this.#waitDone(timeoutMs, "exception");
    if (this.#state === FINISHED) return undefined;
    if (this.#state === CANCELLED) throw this.#cancelledError();
    return this.#value;
  }

  /**
   * Calls `callback(future)` once the future is done — at once if it already is (Python's
   * `add_done_callback`). Callbacks run in the order they were added; an exception from one is printed.
   *
   * @param callback The function to call.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example Callbacks run at once when already done
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<string>();
   * const seen: boolean[] = [];
   * cf.addDoneCallback((f) => seen.push(f.cancelled()));
   * cf.cancel();
   * cf.addDoneCallback((f) => seen.push(f.cancelled()));
   * assert.deepEqual(seen, [true, true]);
   * ```
   */
  addDoneCallback(callback: ConcurrentDoneCallback<T>): void {
    if (typeof callback !== "function") {
      throw new TypeError(`Cannot addDoneCallback(): expected a function, received ${describe(callback)}`);
    }
    if (this.done()) {
      this.#invoke(callback);
      return;
    }
    (this.#callbacks ??= []).push(callback);
  }

  /**
   * Marks the work as started (Python's `set_running_or_notify_cancel`, for executors): a pending future
   * becomes running and can no longer be cancelled.
   *
   * @returns False if the future was cancelled (the work must not start), true otherwise.
   * @throws {InvalidStateError} If the future is already running or finished.
   *
   * @example A cancelled future must not start
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture();
   * cf.cancel();
   * assert.equal(cf.setRunningOrNotifyCancel(), false);
   * ```
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === CANCELLED) return false;
    if (this.#state !== PENDING) {
      throw new InvalidStateError(`Cannot setRunningOrNotifyCancel() on ${this}: it is not pending`);
    }
    this.#state = RUNNING;
    return true;
  }

  /**
   * Finishes the future with a result and runs its done-callbacks.
   *
   * @param value The result.
   * @throws {InvalidStateError} If the future is already done.
   *
   * @example Set a result
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * cf.setResult(7);
   * assert.equal(cf.result(), 7);
   * ```
   */
  setResult(value: T): void {
    if (this.done()) throw new InvalidStateError(`Cannot setResult() on ${this}: it is already done`);
    this.#settle(FINISHED, value);
  }

  /**
   * Finishes the future with an exception and runs its done-callbacks.
   *
   * @param error The exception.
   * @throws {InvalidStateError} If the future is already done.
   *
   * @example Set an exception
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * cf.setException(new Error("failed"));
   * assert.equal((cf.exception() as Error).message, "failed");
   * ```
   */
  setException(error: unknown): void {
    if (this.done()) throw new InvalidStateError(`Cannot setException() on ${this}: it is already done`);
    this.#settle(FAILED, error);
  }

  /**
   * Lets `await cf` work without blocking: resolves with the result, rejects with the exception (a
   * `CancelledError` if cancelled). Awaiting it does not tie it to a task; inside a task, `await
   * wrapFuture(cf)` makes a cancel of the task cancel `cf` too (as CPython requires `wrap_future`).
   *
   * @typeParam R1 What `onFulfilled` returns.
   * @typeParam R2 What `onRejected` returns.
   * @param onFulfilled Called with the result.
   * @param onRejected Called with the exception.
   * @returns A promise of what the called handler returns.
   *
   * @example Await a future settled by a host timer
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * setTimeout(() => cf.setResult(5), 1);
   * assert.equal(await cf, 5);
   * ```
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= new Promise<T>((resolve, reject) => {
      this.addDoneCallback(() => {
        if (this.#state === FINISHED) resolve(this.#value as T);
        else reject(this.#state === CANCELLED ? this.#cancelledError() : this.#value);
      });
    });
    return this.#promise.then(onFulfilled, onRejected);
  }

  /**
   * Lets generator coroutines wait for it: `const value = yield* cf;` waits through an asyncio `Future` of the
   * running loop (`wrapFuture`), so cancelling the task cancels `cf`.
   *
   * @returns An iterator that yields while the future is pending and returns its result.
   * @throws {InvalidStateError} If no event loop is running.
   *
   * @example Delegate to it from a generator coroutine
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const cf = new ConcurrentFuture<number>();
   * setTimeout(() => cf.setResult(20), 1);
   * const task = loop.createTask(function* () {
   *   return (yield* cf) + 1;
   * }());
   * assert.equal(await loop.runUntilComplete(task), 21);
   * loop.close();
   * ```
   */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    if (runningLoop === null) {
      throw new InvalidStateError(`Cannot yield* ${this} outside a running event loop; await it instead`);
    }
    const future: Future<T> = wrapFuture(this, runningLoop);
    return future[Symbol.iterator]();
  }

  /**
   * A readable description, as Python's repr: `<ConcurrentFuture pending>`, `<ConcurrentFuture finished
   * result=1>`.
   *
   * @returns The description.
   *
   * @example The description follows the state
   * ```ts
   * import { ConcurrentFuture } from "./concurrent_future.ts";
   * import assert from "node:assert/strict";
   *
   * const cf = new ConcurrentFuture<number>();
   * assert.equal(String(cf), "<ConcurrentFuture pending>");
   * cf.setResult(1);
   * assert.equal(String(cf), "<ConcurrentFuture finished result=1>");
   * ```
   */
  toString(): string {
    const state = STATE_NAMES[this.#state];
    if (this.#state === FINISHED) return `<ConcurrentFuture ${state} result=${describe(this.#value)}>`;
    if (this.#state === FAILED) {
      const error = this.#value as { name?: unknown } | null;
      return `<ConcurrentFuture ${state} raised ${error?.name ?? describe(error)}>`;
    }
    return `<ConcurrentFuture ${state}>`;
  }

  /** @ignore Connects the future to the thread plumbing that settles it (blocking waits and remote cancels). */
  _setSource(source: _ConcurrentSource): void {
    this.#source = source;
  }

  /**
   * @ignore Asks the other thread to cancel the work, leaving this future pending until that thread says how the
   * work ended — cancelled, failed, or finished after all — so that nothing it did is lost (a task group's remote
   * child, see _remote_child.ts). False if there is nothing to ask.
   */
  _cancelRemote(): boolean {
    if (this.done() || this.#source === null) return false;
    this.#source.cancelRemote(this as ConcurrentFuture<unknown>);
    return true;
  }

  /** @ignore Ends the future cancelled because the remote task ended cancelled, even if it was running. */
  _remoteCancelled(): void {
    if (!this.done()) this.#settle(CANCELLED, undefined);
  }

  #settle(state: number, value: unknown): void {
    this.#state = state;
    this.#value = value;
    const callbacks = this.#callbacks;
    this.#callbacks = null;
    if (callbacks !== null) { for (const callback of callbacks) this.#invoke(callback); }
  }

  #invoke(callback: ConcurrentDoneCallback<T>): void {
    try {
      callback(this);
    } catch (error) {
      // As Python's "exception calling callback for <Future>": reported, never raised into the settling code.
      console.error(`Exception calling callback for ${this}:`, error);
    }
  }

  #cancelledError(): CancelledError {
    return new CancelledError(`${this} was cancelled`);
  }

  #waitDone(timeoutMs: number | null | undefined, method: string): void {
    if (this.done()) return;
    const limit = checkTimeout(timeoutMs, method);
    const deadline = performance.now() + limit;
    if (this.#source !== null) {
      this.#source.waitUntilDone(this as ConcurrentFuture<unknown>, deadline);
    } else if (limit === Infinity) {
      throw new InvalidStateError(
        `Cannot ${method}() ${this} without a time-out: nothing in another thread will settle it, so the wait ` +
          `would never end`,
      );
    } else if (limit > 0) {
      Atomics.wait(sleepCell ??= new Int32Array(new SharedArrayBuffer(4)), 0, 0, limit);
    }
    if (!this.done()) throw new TimeoutError(`${this} did not finish within ${limit} ms`);
  }
}

function checkTimeout(timeoutMs: unknown, method: string): number {
  if (timeoutMs === undefined || timeoutMs === null) return Infinity;
  if (typeof timeoutMs !== "number") {
    throw new TypeError(`Cannot ${method}(): the time-out must be a number of ms, received ${describe(timeoutMs)}`);
  }
  if (!(timeoutMs >= 0)) {
    throw new RangeError(`Cannot ${method}(): the time-out must be a number of ms >= 0, received ${timeoutMs}`);
  }
  return timeoutMs;
}

/**
 * Raised in every pending `ConcurrentFuture` of a worker that ended before finishing their work: it crashed
 * (an uncaught error — the `cause`), closed itself, or was terminated (Python's `BrokenThreadPool` /
 * `BrokenProcessPool`).
 *
 * @example A thread that ended before its work
 * ```ts
 * import { BrokenThreadError } from "./concurrent_future.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new BrokenThreadError("LoopThread \"io\" was terminated");
 * assert.equal(error.name, "BrokenThreadError");
 * ```
 */
export class BrokenThreadError extends Error {
  /**
   * Makes the error.
   *
   * @param message Which thread ended, and how.
   * @param options The standard error options (`cause`: the worker's uncaught error, when there was one).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenThreadError";
  }
}
