/**
 * `asCompleted()`: take the outcomes of awaitables in the order they finish (Python's `asyncio.as_completed`).
 *
 * @example Fastest first, with for-await
 * ```ts
 * import { asCompleted } from "./as_completed.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const order = await loop.runUntilComplete(async () => {
 *   const seen: string[] = [];
 *   for await (const future of asCompleted([sleep(30, "c"), sleep(10, "a"), sleep(20, "b")])) {
 *     seen.push(future.result());
 *   }
 *   return seen;
 * });
 * assert.deepEqual(order, ["a", "b", "c"]);
 * loop.close();
 * ```
 *
 * @module
 */

import { awaitable } from "./_awaitable.ts";
import { awaitablesOf, checkTimeout, loopOf } from "./_awaitable_like.ts";
import { TimeoutError } from "./errors.ts";
import type { Awaitable, Future } from "./future.ts";
import type { TimerHandle } from "./handle.ts";
import { Queue } from "./queue.ts";
import { type AwaitableLike, ensureFuture } from "./task.ts";

/** Options of `asCompleted()`. */
export interface AsCompletedOptions {
  /**
   * The most to wait for all of them, in ms, from the call; `null` or absent waits without limit. When it passes,
   * every remaining item throws `TimeoutError` (nothing is cancelled).
   */
  timeout?: number | null;
}

/**
 * What `asCompleted()` returns: iterate it either way, once.
 *
 * - `for (const next of it)` (Python 3.12's `for f in as_completed(aws)`): each item is an awaitable — `await next`
 *   or `yield* next` — of the next result to come, or throws its error.
 * - `for await (const future of it)` (Python 3.13's `async for`): each item is the next Future to finish, already
 *   done — the Future or Task that was passed in, or the task made for a coroutine.
 *
 * @typeParam T The result type of the awaitables.
 */
export interface AsCompleted<T> extends Iterable<Awaitable<T>>, AsyncIterable<CompletedFuture<T>> {}

/**
 * A Future that `for await (… of asCompleted(…))` hands over: done, so read it with `result()` / `exception()`. At
 * run time it is the Future itself (`=== task` for a task that was passed in); its type leaves out `then` because
 * TypeScript assumes that for-await awaits every value, which it does not for an async iterable.
 *
 * @typeParam T The result type.
 *
 * @example A finished Future handed over by for-await
 * ```ts
 * import { asCompleted, type CompletedFuture } from "./as_completed.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { createTask } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * await loop.runUntilComplete(async () => {
 *   const task = createTask(async () => await sleep(1, "value"));
 *   for await (const future of asCompleted([task])) {
 *     const done: CompletedFuture<string> = future;
 *     assert.equal(done, task);
 *     assert.equal(done.result(), "value");
 *   }
 * });
 * loop.close();
 * ```
 */
export type CompletedFuture<T> = Omit<Future<T>, "then">;

/**
 * Runs awaitables concurrently and hands their outcomes over in the order they finish (Python's
 * `asyncio.as_completed`, with the `async for` form of 3.13). Coroutines and promises are wrapped in tasks/futures
 * at once (`ensureFuture`); an awaitable given twice runs once and is handed over once. On timeout the remaining
 * items throw `TimeoutError`; nothing is ever cancelled.
 *
 * @typeParam T The result type of the awaitables.
 * @param aws An iterable (an array or a Set) of Futures, tasks, coroutines or promises.
 * @param options `timeout` in ms (null: none).
 * @returns An iterable and async-iterable of the outcomes in completion order.
 * @throws {TypeError} If `aws` is not an iterable of awaitables, or `timeout` is not a number or null.
 * @throws {RangeError} If `timeout` is NaN.
 *
 * @example Each item awaited in turn, in a generator coroutine
 * ```ts
 * import { asCompleted } from "./as_completed.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const order = await loop.runUntilComplete(function* () {
 *   const seen: number[] = [];
 *   for (const next of asCompleted([sleep(20, 2), sleep(10, 1)])) seen.push(yield* next);
 *   return seen;
 * }());
 * assert.deepEqual(order, [1, 2]);
 * loop.close();
 * ```
 */
export function asCompleted<T>(aws: Iterable<AwaitableLike<T>>, options?: AsCompletedOptions): AsCompleted<T> {
  const items = awaitablesOf(aws, "asCompleted");
  const timeout = options?.timeout ?? null;
  checkTimeout(timeout, "asCompleted");
  return new AsCompletedIterator<T>(items, timeout);
}

// What an item is called in the error for one awaited where no loop runs (it waits on the queue's getter future).
const AN_ITEM = "an item of asCompleted()";

// CPython 3.13's `_AsCompletedIterator`: every Future reports to `#handleCompletion`, which puts it in a `Queue`;
// each item taken gets the next one from the queue (a cancelled get takes nothing and hands its wake-up on). A
// timeout puts a `null` for every Future not done, so that each remaining item throws TimeoutError.
class AsCompletedIterator<T> implements AsCompleted<T> {
  #todo: Set<Future<T>>;
  #todoLeft: number;
  #done = new Queue<Future<T> | null>();
  #timeoutHandle: TimerHandle | null = null;
  #onCompletion = (future: Future<T>): void => this.#handleCompletion(future);

  constructor(items: unknown[], timeout: number | null) {
    const todo = new Set<Future<T>>();
    const loop = items.length > 0 ? loopOf(items, "asCompleted") : null;
    for (const item of new Set(items)) todo.add(ensureFuture(item as AwaitableLike<T>, loop!));
    for (const future of todo) future._addCallback(this.#onCompletion, future);
    if (todo.size > 0 && timeout !== null) {
      this.#timeoutHandle = loop!.callLater(timeout, () => this.#handleTimeout());
    }
    this.#todo = todo;
    this.#todoLeft = todo.size;
  }

  *[Symbol.iterator](): Iterator<Awaitable<T>> {
    while (this.#todoLeft > 0) {
      this.#todoLeft--;
      yield awaitable(() => this.#waitForOne(), AN_ITEM);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<CompletedFuture<T>> {
    return {
      // Each `next()` is awaited by the for-await loop inside the iterating task, so a cancel of that task reaches
      // the Future it waits on. (An async generator cannot yield a Future: `yield` would await it.)
      next: async (): Promise<IteratorResult<CompletedFuture<T>>> => {
        if (this.#todoLeft === 0) return { value: undefined, done: true };
        this.#todoLeft--;
        return await awaitable(() => this.#nextFinished(), AN_ITEM);
      },
    };
  }

  *#nextFinished(): Generator<unknown, IteratorResult<Future<T>>, unknown> {
    const future = yield* this.#done.get();
    if (future === null) throw new TimeoutError("asCompleted() timed out");
    return { value: future, done: false };
  }

  *#waitForOne(): Generator<unknown, T, unknown> {
    const future = yield* this.#done.get();
    if (future === null) throw new TimeoutError("asCompleted() timed out");
    return future.result();
  }

  #handleCompletion(future: Future<T>): void {
    if (this.#todo.size === 0) return; // The timeout came first.
    this.#todo.delete(future);
    this.#done.putNowait(future);
    if (this.#todo.size === 0) this.#timeoutHandle?.cancel();
  }

  #handleTimeout(): void {
    for (const future of this.#todo) {
      future._removeCallback(this.#onCompletion, future);
      this.#done.putNowait(null);
    }
    this.#todo.clear();
  }
}
