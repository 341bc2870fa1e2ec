/**
 * `Semaphore` and `BoundedSemaphore`: a counter that limits how many tasks do something at once (Python's
 * `asyncio.Semaphore` and `asyncio.BoundedSemaphore`).
 *
 * @example At most two downloads at a time
 * ```ts
 * import { Semaphore } from "./semaphore.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const slots = new Semaphore(2);
 * let running = 0;
 * let most = 0;
 * const download = async () => {
 *   using _ = await slots.acquire();
 *   most = Math.max(most, ++running);
 *   await sleep(100);
 *   running--;
 * };
 * await loop.runUntilComplete(async () => {
 *   const tasks = [1, 2, 3, 4, 5].map(() => loop.createTask(download));
 *   for (const task of tasks) await task;
 * });
 * assert.equal(most, 2);
 * assert.equal(loop.time(), 300);
 * loop.close();
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import { CancelledError } from "./errors.ts";
import type { Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { boundLoop } from "./_loop_bound.ts";
import { ReadyOrWait } from "./_ready_or_wait.ts";

// Lets BoundedSemaphore read the counter, which is private to Semaphore.
let counterOf: (semaphore: Semaphore) => number;

/**
 * A semaphore (Python's `asyncio.Semaphore`): `acquire()` takes one unit of the counter, waiting while it is zero;
 * `release()` gives one back.
 *
 * Fair: waiters are served in the order they asked, and a new `acquire()` waits behind them even if units are
 * free. Cancellation-safe: a waiter cancelled after `release()` gave it a unit (before it could run) gives the unit
 * back and wakes the next waiter.
 *
 * @example In both kinds of coroutine
 * ```ts
 * import { Semaphore } from "./semaphore.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const semaphore = new Semaphore(1);
 * await loop.runUntilComplete(async () => {
 *   using _ = await semaphore.acquire();
 *   assert.equal(semaphore.locked(), true);
 * });
 * await loop.runUntilComplete(function* () {
 *   using _ = yield* semaphore.acquire();
 *   assert.equal(semaphore.locked(), true);
 * }());
 * assert.equal(semaphore.locked(), false);
 * loop.close();
 * ```
 */
export class Semaphore {
  #value: number;
  #waiters: Set<Future<boolean>> | null = null;
  #loop: EventLoop | null = null;
  #acquirer: ReadyOrWait<Disposable> | null = null;
  #hold: Disposable | null = null;

  static {
    counterOf = (semaphore) => semaphore.#value;
  }

  /**
   * Makes a semaphore.
   *
   * @param value The initial counter: how many `acquire()`s succeed before one must wait (default 1).
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is negative or not an integer.
   */
  constructor(value: number = 1) {
    this.#value = checkValue(value, new.target.name);
  }

  /**
   * Whether `acquire()` would wait: the counter is zero, or tasks (not cancelled) are waiting already.
   *
   * @returns True if an `acquire()` now would not complete at once.
   *
   * @example Locked at zero
   * ```ts
   * import { Semaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(1);
   * assert.equal(semaphore.locked(), false);
   * await semaphore.acquire();
   * assert.equal(semaphore.locked(), true);
   * ```
   */
  locked(): boolean {
    if (this.#value === 0) return true;
    const waiters = this.#waiters;
    if (waiters !== null && waiters.size > 0) {
      for (const waiter of waiters) if (!waiter.cancelled()) return true;
    }
    return false;
  }

  /**
   * Takes one unit, waiting (in FIFO order) while there is none or others wait already. Awaitable in both kinds
   * of coroutine: `await semaphore.acquire()`, `yield* semaphore.acquire()`. As a Python coroutine it does
   * nothing until awaited; when a unit is free it completes without suspending the task.
   *
   * @returns An awaitable of a `Disposable` whose `[Symbol.dispose]()` calls `release()`, for `using`.
   * @throws {InvalidStateError} When awaited, if it must wait and no event loop is running, or the semaphore
   * already made tasks of another loop wait.
   *
   * @example Released at the end of a using block
   * ```ts
   * import { Semaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(2);
   * await semaphore.acquire();
   * {
   *   using _ = await semaphore.acquire();
   *   assert.equal(semaphore.locked(), true);
   * }
   * assert.equal(semaphore.locked(), false);
   * ```
   */
  acquire(): Awaitable<Disposable> {
    return this.#acquirer ??= new ReadyOrWait(
      () => this.#tryAcquire(),
      this.#releaser(),
      () => this.#wait(),
      "semaphore.acquire()",
    );
  }

  /**
   * Gives one unit back, waking the first waiter if any. A plain `Semaphore` does not check that the unit was
   * taken: releasing more than acquiring raises the counter (use `BoundedSemaphore` to catch that).
   *
   * @example Release raises the value
   * ```ts
   * import { Semaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(0);
   * assert.equal(semaphore.locked(), true);
   * semaphore.release();
   * assert.equal(semaphore.locked(), false);
   * ```
   */
  release(): void {
    this.#value++;
    this.#wakeUpNext();
  }

  /**
   * A readable description, as CPython's repr: `<Semaphore [unlocked, value:2]>`, `<Semaphore [locked,
   * waiters:1]>`.
   *
   * @returns The description.
   *
   * @example Unlocked with a value, or locked
   * ```ts
   * import { Semaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Semaphore(2)), "<Semaphore [unlocked, value:2]>");
   * assert.equal(String(new Semaphore(0)), "<Semaphore [locked]>");
   * ```
   */
  toString(): string {
    const waiting = this.#waiters?.size ?? 0;
    const state = this.locked() ? "locked" : `unlocked, value:${this.#value}`;
    return `<${this.constructor.name} [${state}${waiting > 0 ? `, waiters:${waiting}` : ""}]>`;
  }

  #tryAcquire(): boolean {
    if (this.locked()) return false;
    this.#value--;
    return true;
  }

  *#wait(): Generator<unknown, Disposable, unknown> {
    const loop = this.#loop = boundLoop(this.#loop, this);
    const waiters = this.#waiters ??= new Set();
    const waiter = loop.createFuture<boolean>();
    waiters.add(waiter);
    try {
      try {
        yield* waiter;
      } finally {
        waiters.delete(waiter);
      }
    } catch (error) {
      // Woken by release() (which already took the unit for this waiter) and then cancelled before it could
      // run: the unit goes back, and the loop below hands it to the next waiter.
      if (error instanceof CancelledError && waiter.done() && !waiter.cancelled()) this.#value++;
      throw error;
    } finally {
      // Waiters that came while units were free had to queue behind this one (FIFO): wake as many as can go.
      while (this.#value > 0 && this.#wakeUpNext());
    }
    return this.#releaser();
  }

  // Wakes the first waiter not woken yet, taking a unit for it. False if there was none to wake.
  #wakeUpNext(): boolean {
    const waiters = this.#waiters;
    if (waiters === null || waiters.size === 0) return false;
    for (const waiter of waiters) {
      if (!waiter.done()) {
        this.#value--;
        waiter.setResult(true);
        return true;
      }
    }
    return false;
  }

  #releaser(): Disposable {
    return this.#hold ??= { [Symbol.dispose]: () => this.release() };
  }
}

/**
 * A semaphore that refuses to be released more times than it was acquired (Python's
 * `asyncio.BoundedSemaphore`): the counter never goes above its initial value.
 *
 * @example Released more often than acquired
 * ```ts
 * import { BoundedSemaphore } from "./semaphore.ts";
 * import assert from "node:assert/strict";
 *
 * const semaphore = new BoundedSemaphore(1);
 * await semaphore.acquire();
 * semaphore.release();
 * assert.throws(() => semaphore.release(), RangeError);
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  #bound: number;

  /**
   * Makes a bounded semaphore.
   *
   * @param value The initial counter, also its upper bound (default 1).
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is negative or not an integer.
   */
  constructor(value: number = 1) {
    super(value);
    this.#bound = value;
  }

  /**
   * Gives one unit back, waking the first waiter if any.
   *
   * @throws {RangeError} If the counter is already at its initial value (CPython's `ValueError('BoundedSemaphore
   * released too many times')`).
   *
   * @example Not above the initial value
   * ```ts
   * import { BoundedSemaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(2);
   * assert.throws(() => semaphore.release(), /BoundedSemaphore released too many times/);
   * ```
   */
  override release(): void {
    if (counterOf(this) >= this.#bound) throw new RangeError("BoundedSemaphore released too many times");
    super.release();
  }
}

function checkValue(value: unknown, what: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot make a ${what}: value must be an integer >= 0, received ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Cannot make a ${what}: value must be an integer >= 0, received ${value}`);
  }
  return value;
}
