/**
 * `waitFor()`: wait for one awaitable with a timeout, cancelling it when time runs out (Python's
 * `asyncio.wait_for`).
 *
 * @example A slow operation times out
 * ```ts
 * import { waitFor } from "./wait_for.ts";
 * import { TimeoutError } from "./errors.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const outcome = await loop.runUntilComplete(async () => {
 *   try {
 *     return await waitFor(sleep(1000, "finished"), 100);
 *   } catch (error) {
 *     return error instanceof TimeoutError ? "timed out" : "other";
 *   }
 * });
 * assert.equal(outcome, "timed out");
 * assert.equal(loop.time(), 100);
 * loop.close();
 * ```
 *
 * @module
 */

import { markAwaitedBy, THE_ARGUMENT } from "./_awaited_by.ts";
import { awaitable } from "./_awaitable.ts";
import { taskContext } from "./_task_context.ts";
import { currentOrNewLoop } from "./_current.ts";
import { checkAwaitable, checkTimeout } from "./_awaitable_like.ts";
import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { CancelledError, TimeoutError } from "./errors.ts";
import { type Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { type AwaitableLike, currentTask, ensureFuture, type Task } from "./task.ts";

/**
 * Waits for `aw` to finish, at most `timeoutMs` (Python 3.12's `asyncio.wait_for`, which is
 * `async with timeout(t): return await aw`). When the time is up, the awaitable is cancelled, `waitFor` waits for
 * it to finish, then throws `TimeoutError` with the `CancelledError` as its `cause` — unless the awaitable caught
 * the cancellation and returned, in which case its result is returned.
 *
 * The deadline cancels the awaiting task, as CPython's timeout does, and `waitFor` turns only that cancellation
 * into `TimeoutError`: a cancel of the awaiting task from elsewhere cancels the awaitable too and propagates as
 * `CancelledError` — even when it arrives in the same loop iteration as the deadline. To keep the awaitable running
 * after a timeout, wrap it in `shield()`.
 *
 * A coroutine or library awaitable (`sleep()`, a lock's `acquire()`) runs inside the awaiting task, as Python
 * awaits a coroutine; a `() => promise` function runs in a task of its own; a promise is wrapped in a Future (a
 * cancel cannot reach inside it, so on timeout it is abandoned).
 *
 * The deadline cancels whatever the awaiting task waits on, so inside one task await one `waitFor` at a time: to
 * time several operations concurrently, give each its own task (`gather(waitFor(a, 10), waitFor(b, 20))`), not
 * `Promise.all` in one async function.
 *
 * @typeParam T The result type.
 * @param aw A Future, a Task, a coroutine, or another awaitable.
 * @param timeoutMs The timeout in ms; `null` waits without limit; ≤ 0 returns the result if `aw` is already done,
 * else cancels it and throws `TimeoutError`.
 * @returns An awaitable of the result, for `await` and `yield*`.
 * @throws {TypeError} If `aw` is not awaitable, or `timeoutMs` is not a number or null.
 * @throws {RangeError} If `timeoutMs` is NaN.
 * @throws {TimeoutError} When awaited, if the time ran out.
 *
 * @example The result when the awaitable is fast enough, in a generator coroutine
 * ```ts
 * import { waitFor } from "./wait_for.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const value = await loop.runUntilComplete(function* () {
 *   return yield* waitFor(sleep(10, "in time"), 100);
 * }());
 * assert.equal(value, "in time");
 * assert.equal(loop.time(), 10);
 * loop.close();
 * ```
 */
export function waitFor<T>(aw: AwaitableLike<T>, timeoutMs: number | null): Awaitable<T> {
  checkAwaitable(aw, "waitFor");
  if (timeoutMs === undefined) {
    throw new TypeError("Cannot waitFor(): the timeout must be a number of ms or null, received undefined");
  }
  checkTimeout(timeoutMs, "waitFor");
  return awaitable(function* waitForSteps(): Generator<unknown, T, unknown> {
    const task = currentTask();
    const loop = task?.getLoop() ?? currentOrNewLoop();
    if (timeoutMs === null) return yield* awaitInTask(aw, loop);
    if (timeoutMs <= 0) return yield* expireNow(aw, loop);
    if (task === null) return yield* withTimeoutOutsideTasks(aw, timeoutMs, loop);
    return yield* withTimeout(aw, timeoutMs, task, loop);
  }, "waitFor()");
}

// CPython's `timeouts.Timeout` around `await aw`: the deadline cancels the task; on the way out, the task's cancel
// count tells whether that was the only cancel. If someone else cancelled the task too, the CancelledError is
// theirs and must propagate (bpo-86296 and friends: a timeout must never swallow an outer cancel).
function* withTimeout<T>(aw: AwaitableLike<T>, timeoutMs: number, task: Task<unknown>, loop: EventLoop) {
  const cancellingAtStart = task.cancelling();
  let expiring = false;
  const deadline = loop.callLater(timeoutMs, () => {
    expiring = true;
    task.cancel();
  });
  let value: T;
  try {
    value = yield* awaitInTask(aw, loop);
  } catch (error) {
    if (expiring && task.uncancel() <= cancellingAtStart && error instanceof CancelledError) {
      throw new TimeoutError(`waitFor() timed out after ${timeoutMs} ms`, { cause: error });
    }
    throw error;
  } finally {
    deadline.cancel();
  }
  // The awaitable swallowed the deadline's cancel and returned: the cancel is withdrawn, the result stands.
  if (expiring) task.uncancel();
  return value;
}

// Awaited outside any task, there is no task to cancel: the deadline cancels the awaitable's Future directly.
function* withTimeoutOutsideTasks<T>(aw: AwaitableLike<T>, timeoutMs: number, loop: EventLoop) {
  const inner = ensureFuture(aw as AwaitableLike<T>, loop);
  let expired = false;
  const deadline = loop.callLater(timeoutMs, () => {
    expired = true;
    inner.cancel();
  });
  try {
    return yield* inner;
  } catch (error) {
    if (expired && error instanceof CancelledError) {
      throw new TimeoutError(`waitFor() timed out after ${timeoutMs} ms`, { cause: error });
    }
    throw error;
  } finally {
    deadline.cancel();
  }
}

// CPython's special case for a timeout ≤ 0: done already → its result; else cancel it, wait until it is done, and
// time out unless it returned anyway.
function* expireNow<T>(aw: AwaitableLike<T>, loop: EventLoop): Generator<unknown, T, unknown> {
  const inner = ensureFuture(aw, loop);
  if (inner.done()) return inner.result();
  yield* cancelAndWait(inner, loop);
  try {
    return inner.result();
  } catch (error) {
    if (error instanceof CancelledError) throw new TimeoutError("waitFor() timed out at once", { cause: error });
    throw error;
  }
}

// CPython's `_cancel_and_wait`: waits on a Future of its own rather than on `inner`, so that cancelling the
// waiting task does not cancel `inner` a second time.
function* cancelAndWait(inner: Future<unknown>, loop: EventLoop): Generator<unknown, void, unknown> {
  const waiter = loop.createFuture<void>();
  inner._addCallback(releaseWaiter, waiter);
  try {
    inner.cancel();
    yield* waiter;
  } finally {
    inner._removeCallback(releaseWaiter, waiter);
  }
}

// (Marked for the call graph: `inner` is awaited by the waiter, which the task awaits.)
const releaseWaiter = markAwaitedBy((waiter: Future<void>): void => {
  if (!waiter.done()) waiter.setResult(undefined);
}, THE_ARGUMENT);

// `await aw` inside the current task. A generator coroutine or a library awaitable runs right here, as Python runs
// an awaited coroutine in the awaiting task; so does an async function awaited from an async function's task (its
// awaits are then the task's own, and a cancel reaches them). A Future is waited on (a cancel of the task cancels
// it); an async function in a generator task, or a promise, gets a Future of its own.
function awaitInTask<T>(aw: AwaitableLike<T>, loop: EventLoop): Iterable<unknown, T, unknown> {
  if (aw instanceof Future) return aw;
  if (isGeneratorObject(aw)) return aw as Generator<unknown, T, unknown>;
  if (isThenable(aw) && typeof (aw as Partial<Iterable<unknown>>)[Symbol.iterator] === "function") {
    return aw as unknown as Iterable<unknown, T, unknown>;
  }
  if (typeof aw === "function" && taskContext.getStore() !== undefined) {
    const produced = (aw as () => unknown)();
    if (isGeneratorObject(produced)) return produced as Generator<unknown, T, unknown>;
    if (isThenable(produced)) return awaitPromise(produced as PromiseLike<T>);
    return returnAtOnce(produced as T);
  }
  return ensureFuture(aw, loop);
}

// Waits on a promise from generator steps that `drive()` runs (in an async function's task context): the promise is
// yielded, and `drive()` awaits it.
function* awaitPromise<T>(promise: PromiseLike<T>): Generator<unknown, T, unknown> {
  return (yield promise) as T;
}

// deno-lint-ignore require-yield
function* returnAtOnce<T>(value: T): Generator<unknown, T, unknown> {
  return value;
}
