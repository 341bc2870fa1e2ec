/**
 * `sleep()`: suspend the current coroutine for a while (Python's `asyncio.sleep`), and the awaitables behind it —
 * a lazy `Sleep` whose future is its own timer in the loop's heap, and `sleep(0)`'s single pass through the ready
 * queue, which never touches a host timer.
 *
 * @example A sleep on virtual time
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * assert.equal(await loop.runUntilComplete(sleep(1000, "rested")), "rested");
 * assert.equal(loop.time(), 1000);
 * loop.close();
 * ```
 *
 * @module
 */

import { runningLoop, steppingTask } from "./_current.ts";
import { describe } from "./_describe.ts";
import { noRunningLoopError } from "./_no_running_loop.ts";
import { taskContext } from "./_task_context.ts";
import type { TimerEntry } from "./_timer_heap.ts";
import { type Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";

// A generator step's result for a bare yield; shared, since nobody mutates it.
const YIELDED_NOTHING: IteratorResult<undefined, never> = Object.freeze({ value: undefined, done: false });

/**
 * A sleep's future, which is also its own timer in the loop's heap: one object per sleep. Cancelling it leaves a
 * dead entry that the heap drops lazily (and counts towards a clean-up, as a cancelled TimerHandle does).
 */
class SleepFuture<T> extends Future<T> implements TimerEntry {
  _scheduled = false;
  #value: T;
  constructor(loop: EventLoop, ms: number, value: T) {
    super({ loop });
    this.#value = value;
    loop._addTimer(this, loop.time() + ms);
  }
  override cancel(message?: string): boolean {
    const cancelled = super.cancel(message);
    if (cancelled && this._scheduled) this.getLoop()._timerCancelled();
    return cancelled;
  }
  _isCancelled(): boolean {
    return this.done();
  }
  _fire(): void {
    if (!this.done()) this._resolve(this.#value);
  }
}

// `sleep(ms > 0)`: lazy, as a Python coroutine — the timer starts on the loop of whoever first awaits it, so
// `loop.runUntilComplete(sleep(10))` sleeps on `loop` even though `sleep` was called before it ran.
class Sleep<T> implements Awaitable<T> {
  #ms: number;
  #value: T;
  #future: SleepFuture<T> | null = null;
  constructor(ms: number, value: T) {
    this.#ms = ms;
    this.#value = value;
  }
  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    const task = taskContext.getStore();
    // A cancel already pending is raised without starting a timer nobody would wait for.
    if (
      task !== undefined && typeof onFulfilled === "function" &&
      task._awaitSleepWithPendingCancel(onFulfilled as (value: unknown) => void)
    ) return;
    const loop = task?.getLoop() ?? runningLoop;
    if (loop === null) {
      // Top-level code with no loop running: no timer would ever fire.
      if (typeof onRejected === "function") onRejected(noRunningLoopError(`sleep(${this.#ms})`));
      return;
    }
    (this.#future ??= new SleepFuture(loop, this.#ms, this.#value)).then(onFulfilled, onRejected);
  }
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    const loop = steppingTask?.getLoop() ?? runningLoop;
    if (loop === null) throw noRunningLoopError(`sleep(${this.#ms})`);
    return (this.#future ??= new SleepFuture(loop, this.#ms, this.#value))[Symbol.iterator]();
  }
}

// `sleep(0)`: one pass through the ready queue (CPython's bare `yield`), never a host timer.
class YieldOnce<T> implements Awaitable<T> {
  #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    const task = taskContext.getStore();
    if (
      task !== undefined && typeof onFulfilled === "function" && typeof onRejected === "function" &&
      task._awaitYield(onFulfilled as (value: unknown) => void, onRejected, this.#value)
    ) return;
    const value = this.#value;
    const loop = runningLoop;
    if (typeof onFulfilled !== "function") return;
    if (loop !== null) loop.callSoon(onFulfilled, value);
    else queueMicrotask(() => onFulfilled(value));
  }
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return new YieldOnceIterator(this.#value);
  }
}

class YieldOnceIterator<T> implements Iterator<unknown, T, unknown> {
  #value: T;
  #yielded = false;
  constructor(value: T) {
    this.#value = value;
  }
  next(): IteratorResult<unknown, T> {
    if (this.#yielded) return { value: this.#value, done: true };
    this.#yielded = true;
    return YIELDED_NOTHING;
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value: T): IteratorResult<unknown, T> {
    return { value, done: true };
  }
}

const YIELD_NOTHING = new YieldOnce<undefined>(undefined);

/**
 * Suspends the current coroutine for `ms` milliseconds, then resumes it with `result` (Python's `asyncio.sleep`).
 * Works in both coroutine kinds: `await sleep(ms)` and `yield* sleep(ms)`. `sleep(0)` (or any delay ≤ 0) yields
 * once through the ready queue and never uses a host timer, so other tasks run. Like CPython's coroutine, the sleep
 * is lazy: its timer starts when it is first awaited, on the awaiting task's loop, so
 * `loop.runUntilComplete(sleep(10))` sleeps on `loop`, and a sleep never awaited starts nothing. Cancelling the
 * awaiting task cancels its timer.
 *
 * @typeParam T The type of `result`.
 * @param ms How long to sleep, in ms; ≤ 0 means one pass through the loop; `Infinity` sleeps until cancelled.
 * @param result The value the sleep resolves to.
 * @returns An awaitable of `result`.
 * @throws {TypeError} If `ms` is not a number.
 * @throws {RangeError} If `ms` is NaN.
 *
 * @example Sleeping in both kinds of coroutine
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const fromAsync = await loop.runUntilComplete(async () => await sleep(100, "async"));
 * const fromGenerator = await loop.runUntilComplete(function* () {
 *   return yield* sleep(100, "generator");
 * }());
 * assert.deepEqual([fromAsync, fromGenerator, loop.time()], ["async", "generator", 200]);
 * loop.close();
 * ```
 */
export function sleep<T = undefined>(ms: number, result?: T): Awaitable<T> {
  if (typeof ms !== "number") {
    throw new TypeError(`Cannot sleep(): the delay must be a number of ms, received ${describe(ms)}`);
  }
  // Lazy, as CPython's `asyncio.sleep()` coroutine: the timer starts when the sleep is awaited, so a sleep handed
  // to `ensureFuture()` runs in a task of its own (one loop iteration later, as in CPython) and one never awaited
  // starts nothing.
  if (ms > 0) return new Sleep(ms, result as T);
  if (Number.isNaN(ms)) throw new RangeError("Cannot sleep(): the delay must be a number of ms, received NaN");
  return result === undefined ? YIELD_NOTHING as YieldOnce<T> : new YieldOnce(result as T);
}
