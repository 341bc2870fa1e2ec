/**
 * `wait()`: wait until some or all of a set of awaitables are done, without cancelling any (Python's
 * `asyncio.wait`).
 *
 * @example Handle the first to finish, keep the others
 * ```ts
 * import { FIRST_COMPLETED, wait } from "./wait.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { createTask } from "./task.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * await loop.runUntilComplete(async () => {
 *   const fast = createTask(async () => await sleep(10, "fast"));
 *   const slow = createTask(async () => await sleep(50, "slow"));
 *   const { done, pending } = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
 *   assert.deepEqual([...done], [fast]);
 *   assert.deepEqual([...pending], [slow]);
 *   await slow;
 * });
 * loop.close();
 * ```
 *
 * @module
 */

import { markAwaitedBy } from "./_awaited_by.ts";
import { awaitable } from "./_awaitable.ts";
import { currentOrNewLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import { awaitablesOf, checkTimeout, loopOf } from "./_awaitable_like.ts";
import type { Awaitable, Future } from "./future.ts";
import type { TimerHandle } from "./handle.ts";
import type { EventLoop } from "./loop.ts";
import { type AwaitableLike, ensureFuture } from "./task.ts";

/**
 * `wait()` returns as soon as any awaitable is done or cancelled.
 *
 * @example Return at the first one done
 * ```ts
 * import { FIRST_COMPLETED, wait } from "./wait.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = loop.createFuture<number>();
 * fut.setResult(1);
 * const { done, pending } = await loop.runUntilComplete(wait([fut], { returnWhen: FIRST_COMPLETED }));
 * assert.deepEqual([done.size, pending.size], [1, 0]);
 * loop.close();
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait()` returns as soon as any awaitable fails (a cancelled one does not count), else when all are done.
 *
 * @example Return at the first failure, or when all are done
 * ```ts
 * import { FIRST_EXCEPTION, wait } from "./wait.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = loop.createFuture<number>();
 * fut.setResult(1);
 * const { done, pending } = await loop.runUntilComplete(wait([fut], { returnWhen: FIRST_EXCEPTION }));
 * assert.deepEqual([done.size, pending.size], [1, 0]);
 * loop.close();
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait()` returns when every awaitable is done (the default).
 *
 * @example Return when all are done
 * ```ts
 * import { ALL_COMPLETED, wait } from "./wait.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = loop.createFuture<number>();
 * fut.setResult(1);
 * const { done, pending } = await loop.runUntilComplete(wait([fut], { returnWhen: ALL_COMPLETED }));
 * assert.deepEqual([done.size, pending.size], [1, 0]);
 * loop.close();
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** When `wait()` returns: `FIRST_COMPLETED`, `FIRST_EXCEPTION` or `ALL_COMPLETED`. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of `wait()`. */
export interface WaitOptions {
  /** The most to wait, in ms; `null` or absent waits without limit. On timeout, `wait()` returns (never throws). */
  timeout?: number | null;
  /** When to return (default `ALL_COMPLETED`). */
  returnWhen?: ReturnWhen;
}

/**
 * What `wait()` resolves to: the Futures done and those still pending.
 *
 * @typeParam T The result type of the awaitables.
 */
export interface WaitResult<T> {
  /** The Futures that are done (finished, failed or cancelled). */
  done: Set<Future<T>>;
  /** The Futures that are not done yet. */
  pending: Set<Future<T>>;
}

/**
 * Waits for awaitables until the `returnWhen` condition holds or the timeout passes, and resolves to the sets of
 * done and pending Futures (Python's `asyncio.wait`). Nothing is cancelled — not on timeout, not when the waiting
 * task is cancelled; the Futures are left as they are.
 *
 * An awaitable given twice counts once. Coroutines and promises are wrapped in tasks/futures (`ensureFuture`), as in
 * Python before 3.12; the sets then hold those wrappers, so pass tasks when you need to recognise them.
 *
 * @typeParam T The result type of the awaitables.
 * @param aws An iterable (an array or a Set) of Futures, tasks, coroutines or promises.
 * @param options `timeout` in ms (null: none), `returnWhen`.
 * @returns An awaitable of `{ done, pending }`, for `await` and `yield*`.
 * @throws {TypeError} If `aws` is not an iterable of awaitables, or `returnWhen` or `timeout` is invalid.
 * @throws {RangeError} If `aws` is empty (CPython's `ValueError`), or `timeout` is NaN.
 *
 * @example A timeout leaves the slow ones pending
 * ```ts
 * import { wait } from "./wait.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { createTask } from "./task.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * await loop.runUntilComplete(function* () {
 *   const slow = createTask(async () => await sleep(100));
 *   const { done, pending } = yield* wait([slow], { timeout: 30 });
 *   assert.equal(done.size, 0);
 *   assert.ok(pending.has(slow));
 *   assert.equal(loop.time(), 30);
 *   slow.cancel();
 * }());
 * loop.close();
 * ```
 */
export function wait<T>(aws: Iterable<AwaitableLike<T>>, options?: WaitOptions): Awaitable<WaitResult<T>> {
  const items = awaitablesOf(aws, "wait");
  if (items.length === 0) throw new RangeError("Set of awaitables is empty: wait() needs at least one");
  const returnWhen = options?.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new TypeError(
      `Cannot wait(): returnWhen must be "FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED", received ${
        describe(returnWhen)
      }`,
    );
  }
  const timeout = options?.timeout ?? null;
  checkTimeout(timeout, "wait");
  return awaitable(function* waitSteps() {
    // Made when awaited, as CPython's coroutine: on the loop that runs it.
    const loop = loopOf(items, "wait", currentOrNewLoop());
    const futures = new Set<Future<T>>();
    for (const item of new Set(items)) futures.add(ensureFuture(item as AwaitableLike<T>, loop));
    return yield* waitForFutures(futures, timeout, returnWhen, loop);
  }, "wait()");
}

// CPython's `_wait`: one waiter Future, released by the first done-callback that meets the condition or by the
// timeout. The callbacks are removed however the wait ends, so a cancelled wait leaves nothing behind.
function* waitForFutures<T>(
  futures: Set<Future<T>>,
  timeout: number | null,
  returnWhen: ReturnWhen,
  loop: EventLoop,
): Generator<unknown, WaitResult<T>, unknown> {
  const waiter = loop.createFuture<void>();
  let timeoutHandle: TimerHandle | null = null;
  if (timeout !== null) timeoutHandle = loop.callLater(timeout, releaseWaiter, waiter);
  let counter = futures.size;
  const onCompletion = markAwaitedBy((future: Future<T>) => {
    counter--;
    if (
      counter <= 0 || returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && hasFailed(future))
    ) {
      timeoutHandle?.cancel();
      if (!waiter.done()) waiter.setResult(undefined);
    }
  }, waiter);
  for (const future of futures) future._addCallback(onCompletion, future);
  try {
    yield* waiter;
  } finally {
    timeoutHandle?.cancel();
    for (const future of futures) future._removeCallback(onCompletion, future);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const future of futures) (future.done() ? done : pending).add(future);
  return { done, pending };
}

// Whether the future failed (a cancelled one did not); reading the exception marks it retrieved, as CPython's
// `f.exception() is not None`.
function hasFailed(future: Future<unknown>): boolean {
  if (!future._failed()) return false;
  future.exception();
  return true;
}

function releaseWaiter(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}
