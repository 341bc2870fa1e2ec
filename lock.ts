/**
 * `Lock`: mutual exclusion between tasks (Python's `asyncio.Lock`), fair and cancellation-safe.
 *
 * `acquire()` resolves to a `Disposable`, so `using _ = await lock.acquire();` (or `using _ = yield*
 * lock.acquire();` in a generator coroutine) releases the lock at the end of the scope, as Python's
 * `async with lock:`.
 *
 * @example Two tasks take turns
 * ```ts
 * import { Lock } from "./lock.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const lock = new Lock();
 * const log: string[] = [];
 * const worker = async (name: string) => {
 *   using _ = await lock.acquire();
 *   log.push(`${name} in`);
 *   await sleep(10);
 *   log.push(`${name} out`);
 * };
 * await loop.runUntilComplete(async () => {
 *   const a = loop.createTask(() => worker("a"));
 *   const b = loop.createTask(() => worker("b"));
 *   await a;
 *   await b;
 * });
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * assert.equal(lock.locked(), false);
 * loop.close();
 * ```
 *
 * @module
 */

import { CancelledError, InvalidStateError } from "./errors.ts";
import type { Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { boundLoop } from "./_loop_bound.ts";
import { ReadyOrWait } from "./_ready_or_wait.ts";

/**
 * A lock between tasks (Python's `asyncio.Lock`): not owned by a task, so any task may release it.
 *
 * Fair: waiters get the lock in the order they asked for it, and a new `acquire()` never jumps ahead of them.
 * Cancellation-safe: a waiter cancelled while waiting leaves the queue without taking the lock, and a waiter
 * cancelled after `release()` chose it (before it could run) hands the lock on to the next waiter.
 *
 * @example `using` releases the lock at the end of the scope, in both kinds of coroutine
 * ```ts
 * import { Lock } from "./lock.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const lock = new Lock();
 * await loop.runUntilComplete(async () => {
 *   using _ = await lock.acquire();
 *   assert.equal(lock.locked(), true);
 * });
 * await loop.runUntilComplete(function* () {
 *   using _ = yield* lock.acquire();
 *   assert.equal(lock.locked(), true);
 * }());
 * assert.equal(lock.locked(), false);
 * loop.close();
 * ```
 */
export class Lock {
  #locked = false;
  // Insertion-ordered, with O(1) removal of a waiter from the middle (CPython's deque + remove).
  #waiters: Set<Future<boolean>> | null = null;
  #loop: EventLoop | null = null;
  #acquirer: ReadyOrWait<Disposable> | null = null;
  #hold: Disposable | null = null;

  /**
   * Whether the lock is held.
   *
   * @returns True between an `acquire()` and its `release()`.
   *
   * @example Locked between acquire and release
   * ```ts
   * import { Lock } from "./lock.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(lock.locked(), false);
   * await lock.acquire();
   * assert.equal(lock.locked(), true);
   * lock.release();
   * assert.equal(lock.locked(), false);
   * ```
   */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * Takes the lock, waiting (in FIFO order) while another task holds it or others wait for it. Awaitable in both
   * kinds of coroutine: `await lock.acquire()`, `yield* lock.acquire()`. As a Python coroutine it does nothing
   * until awaited; an uncontended acquire completes without suspending the task.
   *
   * @returns An awaitable of a `Disposable` whose `[Symbol.dispose]()` calls `release()`, for `using`.
   * @throws {InvalidStateError} When awaited, if it must wait and no event loop is running, or the lock already
   * made tasks of another loop wait.
   *
   * @example Waiters get the lock in the order they asked
   * ```ts
   * import { Lock } from "./lock.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const lock = new Lock();
   * const order: number[] = [];
   * await loop.runUntilComplete(async () => {
   *   await lock.acquire();
   *   const waiters = [1, 2, 3].map((n) =>
   *     loop.createTask(async () => {
   *       using _ = await lock.acquire();
   *       order.push(n);
   *     })
   *   );
   *   await sleep(0);
   *   lock.release();
   *   for (const waiter of waiters) await waiter;
   * });
   * assert.deepEqual(order, [1, 2, 3]);
   * loop.close();
   * ```
   */
  acquire(): Awaitable<Disposable> {
    return this.#acquirer ??= new ReadyOrWait(
      () => this._tryAcquire(),
      this.#releaser(),
      () => this.#wait(),
      "lock.acquire()",
    );
  }

  /**
   * Releases the lock; the first waiter, if any, gets it next.
   *
   * @throws {InvalidStateError} If the lock is not held (CPython's `RuntimeError('Lock is not acquired.')`).
   *
   * @example Releasing an unlocked lock throws
   * ```ts
   * import { InvalidStateError } from "./errors.ts";
   * import { Lock } from "./lock.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * await lock.acquire();
   * lock.release();
   * assert.throws(() => lock.release(), InvalidStateError);
   * ```
   */
  release(): void {
    if (!this.#locked) throw new InvalidStateError(`Cannot release ${this}: it is not acquired`);
    this.#locked = false;
    this.#wakeUpFirst();
  }

  /**
   * A readable description, as CPython's repr: `<Lock [unlocked]>`, `<Lock [locked, waiters:2]>`.
   *
   * @returns The description.
   *
   * @example Unlocked, then locked
   * ```ts
   * import { Lock } from "./lock.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(String(lock), "<Lock [unlocked]>");
   * await lock.acquire();
   * assert.equal(String(lock), "<Lock [locked]>");
   * ```
   */
  toString(): string {
    const waiting = this.#waiters?.size ?? 0;
    return `<Lock [${this.#locked ? "locked" : "unlocked"}${waiting > 0 ? `, waiters:${waiting}` : ""}]>`;
  }

  /**
   * @ignore Takes the lock if that needs no wait: it is free and nobody (not cancelled) waits for it — fairness:
   * a newcomer never jumps the queue; jumping a queue of cancelled waiters is an optimisation, as in CPython.
   */
  _tryAcquire(): boolean {
    if (this.#locked) return false;
    const waiters = this.#waiters;
    if (waiters !== null && waiters.size > 0) {
      for (const waiter of waiters) if (!waiter.cancelled()) return false;
    }
    this.#locked = true;
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
        // Removed before the wake-up below, so that a cancelled waiter never wakes itself.
        waiters.delete(waiter);
      }
    } catch (error) {
      // Cancelled, possibly just after release() chose this waiter: if nobody holds the lock, the waiter now at
      // the head must run, or the lock stays free with tasks waiting for it.
      if (error instanceof CancelledError && !this.#locked) this.#wakeUpFirst();
      throw error;
    }
    this.#locked = true;
    return this.#releaser();
  }

  // Wakes the waiter at the head of the queue. If it is already done — woken and not yet run, or cancelled and
  // not yet run — nothing is done: that waiter will take the lock, or, cancelled, hand the wake-up on.
  #wakeUpFirst(): void {
    const waiters = this.#waiters;
    if (waiters === null || waiters.size === 0) return;
    const first = waiters.values().next().value!;
    if (!first.done()) first.setResult(true);
  }

  #releaser(): Disposable {
    return this.#hold ??= { [Symbol.dispose]: () => this.release() };
  }
}
