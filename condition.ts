/**
 * `Condition`: a lock plus a way to wait, holding it, until another task says something changed (Python's
 * `asyncio.Condition`).
 *
 * @example A consumer waits for an item a producer adds
 * ```ts
 * import { Condition } from "./condition.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const condition = new Condition();
 * const items: string[] = [];
 * const consumer = loop.createTask(async () => {
 *   using _ = await condition.acquire();
 *   await condition.waitFor(() => items.length > 0);
 *   return items.shift();
 * });
 * await loop.runUntilComplete(async () => {
 *   await sleep(10);
 *   using _ = await condition.acquire();
 *   items.push("item");
 *   condition.notify();
 * });
 * assert.equal(await loop.runUntilComplete(consumer), "item");
 * loop.close();
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import { CancelledError, InvalidStateError } from "./errors.ts";
import type { Awaitable, Future } from "./future.ts";
import { Lock } from "./lock.ts";
import type { EventLoop } from "./loop.ts";
import { awaitable } from "./_awaitable.ts";
import { boundLoop } from "./_loop_bound.ts";

/**
 * A condition variable (Python's `asyncio.Condition`): `wait()` releases the lock, waits for a `notify()`, and
 * takes the lock back before it returns — even when the waiting task is cancelled.
 *
 * Waiters are notified in the order they started waiting. A waiter that is notified but then fails to return
 * normally (it was cancelled) passes the notification on to the next waiter, as CPython 3.13 does, so a
 * `notify()` is never lost; the price is a possible spurious wake-up, which is why `waitFor()` re-checks its
 * predicate. (Unlike CPython 3.13, a waiter cancelled before any notification passes nothing on: it had nothing
 * to pass.)
 *
 * @example Waiting in a generator coroutine, notifying from an async function
 * ```ts
 * import { Condition } from "./condition.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const condition = new Condition();
 * let ready = false;
 * const waiter = loop.createTask(function* () {
 *   using _ = yield* condition.acquire();
 *   return yield* condition.waitFor(() => ready);
 * }());
 * await loop.runUntilComplete(async () => {
 *   using _ = await condition.acquire();
 *   ready = true;
 *   condition.notifyAll();
 * });
 * assert.equal(await loop.runUntilComplete(waiter), true);
 * loop.close();
 * ```
 */
export class Condition {
  #lock: Lock;
  #waiters: Set<Future<boolean>> = new Set();
  #loop: EventLoop | null = null;

  /**
   * Makes a condition variable.
   *
   * @param lock The lock it uses (default: a new `Lock`); several conditions may share one lock.
   * @throws {TypeError} If `lock` is given and is not a `Lock`.
   */
  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(`Cannot make a Condition: lock must be a Lock, received ${describe(lock)}`);
    }
    this.#lock = lock ?? new Lock();
  }

  /**
   * Whether the underlying lock is held.
   *
   * @returns True while any task holds the lock.
   *
   * @example Locked with its underlying lock
   * ```ts
   * import { Condition } from "./condition.ts";
   * import { Lock } from "./lock.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const condition = new Condition(lock);
   * await lock.acquire();
   * assert.equal(condition.locked(), true);
   * ```
   */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Takes the underlying lock (see `Lock.acquire`).
   *
   * @returns An awaitable of a `Disposable` that releases the lock, for `using`.
   * @throws {InvalidStateError} When awaited, if it must wait and no event loop is running.
   *
   * @example Released at the end of a using block
   * ```ts
   * import { Condition } from "./condition.ts";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * {
   *   using _ = await condition.acquire();
   *   assert.equal(condition.locked(), true);
   * }
   * assert.equal(condition.locked(), false);
   * ```
   */
  acquire(): Awaitable<Disposable> {
    return this.#lock.acquire();
  }

  /**
   * Releases the underlying lock (see `Lock.release`).
   *
   * @throws {InvalidStateError} If the lock is not held.
   *
   * @example Release by hand
   * ```ts
   * import { Condition } from "./condition.ts";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * await condition.acquire();
   * condition.release();
   * assert.equal(condition.locked(), false);
   * ```
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, waits until notified, then takes the lock back. The lock is taken back even if the task is
   * cancelled while waiting (the `CancelledError` is raised once it holds the lock again), so code after the wait,
   * or its `using` scope, always runs holding the lock. It may return spuriously: re-check the state, or use
   * `waitFor()`.
   *
   * @returns An awaitable of `true`.
   * @throws {InvalidStateError} When awaited, if the lock is not held (CPython's `RuntimeError('cannot wait on
   * un-acquired lock')`), or no event loop is running.
   *
   * @example Woken by notify(), holding the lock again
   * ```ts
   * import { Condition } from "./condition.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const condition = new Condition();
   * const waiter = loop.createTask(async () => {
   *   using _ = await condition.acquire();
   *   await condition.wait();
   *   return condition.locked();
   * });
   * await loop.runUntilComplete(async () => {
   *   using _ = await condition.acquire();
   *   condition.notify();
   * });
   * assert.equal(await loop.runUntilComplete(waiter), true);
   * loop.close();
   * ```
   */
  wait(): Awaitable<true> {
    return awaitable(() => this.#wait(), "condition.wait()");
  }

  /**
   * Waits until `predicate()` is truthy: checks it, and while it is falsy, `wait()`s and checks again. The lock
   * must be held.
   *
   * @typeParam T The predicate's result type.
   * @param predicate Called holding the lock; its last (truthy) result is the result.
   * @returns An awaitable of the predicate's truthy result.
   * @throws {TypeError} If `predicate` is not a function.
   * @throws {InvalidStateError} When awaited, if it must wait and the lock is not held.
   *
   * @example Wait until a predicate holds
   * ```ts
   * import { Condition } from "./condition.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const condition = new Condition();
   * let count = 0;
   * const waiter = loop.createTask(async () => {
   *   using _ = await condition.acquire();
   *   return await condition.waitFor(() => count >= 3 && count);
   * });
   * await loop.runUntilComplete(async () => {
   *   for (let i = 0; i < 3; i++) {
   *     await sleep(0);
   *     using _ = await condition.acquire();
   *     count++;
   *     condition.notifyAll();
   *   }
   * });
   * assert.equal(await loop.runUntilComplete(waiter), 3);
   * loop.close();
   * ```
   */
  waitFor<T>(predicate: () => T): Awaitable<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(`Cannot waitFor(): predicate must be a function, received ${describe(predicate)}`);
    }
    return awaitable(() => this.#waitFor(predicate), "condition.waitFor()");
  }

  /**
   * Wakes up to `n` tasks waiting on this condition, in the order they started waiting. A woken task returns from
   * `wait()` only once it has taken the lock back, so the caller should release the lock soon.
   *
   * @param n How many waiters to wake (an integer ≥ 0, or `Infinity`); default 1.
   * @throws {InvalidStateError} If the lock is not held (CPython's `RuntimeError('cannot notify on un-acquired
   * lock')`).
   * @throws {TypeError} If `n` is not a number.
   * @throws {RangeError} If `n` is negative, NaN or not an integer.
   *
   * @example Notify needs the lock
   * ```ts
   * import { Condition } from "./condition.ts";
   * import { InvalidStateError } from "./errors.ts";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * assert.throws(() => condition.notify(), InvalidStateError);
   * using _ = await condition.acquire();
   * condition.notify(2);
   * ```
   */
  notify(n: number = 1): void {
    if (typeof n !== "number") {
      throw new TypeError(`Cannot notify(): n must be a number of waiters, received ${describe(n)}`);
    }
    if (!(n >= 0) || (!Number.isInteger(n) && n !== Infinity)) {
      throw new RangeError(`Cannot notify(): n must be an integer >= 0, received ${n}`);
    }
    if (!this.locked()) throw new InvalidStateError(`Cannot notify on ${this}: its lock is not acquired`);
    this.#notify(n);
  }

  /**
   * Wakes every task waiting on this condition (Python's `notify_all`).
   *
   * @throws {InvalidStateError} If the lock is not held.
   *
   * @example Wake every waiter
   * ```ts
   * import { Condition } from "./condition.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const condition = new Condition();
   * const waiters = [1, 2, 3].map(() =>
   *   loop.createTask(async () => {
   *     using _ = await condition.acquire();
   *     return await condition.wait();
   *   })
   * );
   * await loop.runUntilComplete(async () => {
   *   await sleep(0);
   *   using _ = await condition.acquire();
   *   condition.notifyAll();
   * });
   * for (const waiter of waiters) assert.equal(await loop.runUntilComplete(waiter), true);
   * loop.close();
   * ```
   */
  notifyAll(): void {
    this.notify(this.#waiters.size);
  }

  /**
   * A readable description, as CPython's repr: `<Condition [unlocked]>`, `<Condition [locked, waiters:1]>`.
   *
   * @returns The description.
   *
   * @example An unlocked condition
   * ```ts
   * import { Condition } from "./condition.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Condition()), "<Condition [unlocked]>");
   * ```
   */
  toString(): string {
    const waiting = this.#waiters.size;
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${waiting > 0 ? `, waiters:${waiting}` : ""}]>`;
  }

  *#wait(): Generator<unknown, true, unknown> {
    if (!this.locked()) throw new InvalidStateError(`Cannot wait on ${this}: its lock is not acquired`);
    // The future is made before the lock is released: if that fails, the caller still holds the lock.
    const loop = this.#loop = boundLoop(this.#loop, this);
    const waiter = loop.createFuture<boolean>();
    this.#lock.release();
    try {
      let failure: unknown = undefined;
      let failed = false;
      this.#waiters.add(waiter);
      try {
        yield* waiter;
      } catch (error) {
        failed = true;
        failure = error;
      } finally {
        this.#waiters.delete(waiter);
      }
      // As CPython's `finally`: the lock is taken back whatever happened, and an error while taking it back
      // replaces the wait's own.
      const cancelled = yield* this.#reacquire();
      if (cancelled !== null) throw cancelled;
      if (failed) throw failure;
      return true;
    } catch (error) {
      // Notified, then cancelled before it could return (or while taking the lock back): another waiter gets the
      // notification instead, so no notify() is lost. CPython 3.13 passes one on after any failure, which also
      // wakes a waiter spuriously when a waiter that was never notified is cancelled; that case is left out.
      if (waiter.done() && !waiter.cancelled()) this.#notify(1);
      throw error;
    }
  }

  // Takes the lock back after a wait, even if the task is cancelled meanwhile: the caller's code after the wait
  // (its `using` scope) releases it. Only a CancelledError is retried; the last one is returned, to be raised
  // once the lock is held.
  *#reacquire(): Generator<unknown, CancelledError | null, unknown> {
    let cancelled: CancelledError | null = null;
    for (;;) {
      try {
        yield* this.#lock.acquire();
        return cancelled;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        cancelled = error;
      }
    }
  }

  *#waitFor<T>(predicate: () => T): Generator<unknown, T, unknown> {
    let result = predicate();
    while (!result) {
      yield* this.#wait();
      result = predicate();
    }
    return result;
  }

  #notify(n: number): void {
    let woken = 0;
    for (const waiter of this.#waiters) {
      if (woken >= n) break;
      if (!waiter.done()) {
        woken++;
        waiter.setResult(false);
      }
    }
  }
}
