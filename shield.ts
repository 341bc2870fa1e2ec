/**
 * `shield()`: protect an awaitable from the cancellation of whoever awaits it (Python's `asyncio.shield`).
 *
 * @example The waiter is cancelled, the shielded work goes on
 * ```ts
 * import { shield } from "./shield.ts";
 * import { CancelledError } from "./errors.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { createTask } from "./task.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * await loop.runUntilComplete(async () => {
 *   const work = createTask(async () => await sleep(50, "saved"));
 *   const waiter = createTask(async () => await shield(work));
 *   await sleep(10);
 *   waiter.cancel();
 *   await assert.rejects(Promise.resolve(waiter), CancelledError);
 *   assert.equal(await work, "saved");
 * });
 * loop.close();
 * ```
 *
 * @module
 */

import { markAwaitedBy } from "./_awaited_by.ts";
import { checkAwaitable } from "./_awaitable_like.ts";
import type { Future } from "./future.ts";
import { type AwaitableLike, ensureFuture } from "./task.ts";

/**
 * Waits for `aw` without letting a cancel through (Python's `asyncio.shield`): `await shield(work)` is
 * `await work`, except that cancelling the awaiting task (or the returned Future) does not cancel `work`. The
 * returned outer Future gets the inner's result or error — unless the outer was cancelled first; if the inner is
 * cancelled by other means, the outer is cancelled too. A coroutine is wrapped in a task (`ensureFuture`); keep a
 * reference to it if it must finish. When the inner is already done, it is returned itself (CPython's shortcut).
 *
 * @typeParam T The result type.
 * @param aw A Future, a Task, a coroutine or another awaitable.
 * @returns A Future of the inner's outcome.
 * @throws {TypeError} If `aw` is not awaitable.
 *
 * @example Cancelling the shield's Future leaves the inner running
 * ```ts
 * import { shield } from "./shield.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { createTask } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * await loop.runUntilComplete(async () => {
 *   const inner = createTask(async () => await sleep(5, "done anyway"));
 *   const outer = shield(inner);
 *   assert.equal(outer.cancel(), true);
 *   assert.equal(await inner, "done anyway");
 *   assert.equal(outer.cancelled(), true);
 * });
 * loop.close();
 * ```
 */
export function shield<T>(aw: AwaitableLike<T>): Future<T> {
  checkAwaitable(aw, "shield");
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = inner.getLoop().createFuture<T>();
  const onInnerDone = (): void => {
    if (outer.cancelled()) {
      // Nobody will read the inner's error through the outer: mark it retrieved, as CPython.
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) outer.cancel();
    else if (inner._failed()) outer._reject(inner.exception());
    else outer._resolve(inner.result());
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner._removeCallback(onInnerDone, undefined);
  };
  inner._addCallback(markAwaitedBy(onInnerDone, outer), undefined);
  outer._addCallback(onOuterDone, undefined);
  return outer;
}
