/**
 * `Barrier`: a meeting point where a fixed number of tasks wait for each other (Python's `asyncio.Barrier`).
 *
 * @example Three tasks meet, then all go on
 * ```ts
 * import { Barrier } from "./barrier.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const barrier = new Barrier(3);
 * const passed: number[] = [];
 * const party = async (delay: number) => {
 *   await sleep(delay);
 *   await barrier.wait();
 *   passed.push(loop.time());
 * };
 * await loop.runUntilComplete(async () => {
 *   const tasks = [10, 20, 30].map((delay) => loop.createTask(() => party(delay)));
 *   for (const task of tasks) await task;
 * });
 * assert.deepEqual(passed, [30, 30, 30]);
 * loop.close();
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import type { Awaitable } from "./future.ts";
import { Condition } from "./condition.ts";
import { Lock } from "./lock.ts";
import { awaitable } from "./_awaitable.ts";
import { Ready } from "./_ready_or_wait.ts";

/**
 * Raised by `Barrier.wait()` when the barrier is aborted, or reset while the task waits in it (Python's
 * `asyncio.BrokenBarrierError`).
 *
 * @example The error's name
 * ```ts
 * import { BrokenBarrierError } from "./barrier.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BrokenBarrierError("Barrier aborted").name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Makes the error.
   *
   * @param message Why the barrier broke.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
  }
}

// CPython's `_BarrierState`. Filling: tasks arrive and wait. Draining: the last party arrived, the waiting tasks
// are leaving; newcomers wait until all have left. Resetting: `reset()` while tasks wait; they leave with
// BrokenBarrierError, newcomers wait until all have left. Broken: `abort()`; every wait fails until `reset()`.
const FILLING = "filling";
const DRAINING = "draining";
const RESETTING = "resetting";
const BROKEN = "broken";
type BarrierState = typeof FILLING | typeof DRAINING | typeof RESETTING | typeof BROKEN;

const DONE: Awaitable<void> = new Ready<void>(undefined);

/**
 * A barrier for `parties` tasks (Python's `asyncio.Barrier`): each `wait()` blocks until `parties` tasks are
 * waiting, then all of them return. The barrier can then be used again.
 *
 * A task cancelled while waiting leaves the barrier (the count of waiting tasks drops) without breaking it, as in
 * CPython.
 *
 * @example Each party gets its own arrival index; a generator coroutine can wait too
 * ```ts
 * import { Barrier } from "./barrier.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const barrier = new Barrier(2);
 * const first = loop.createTask(async () => await barrier.wait());
 * const second = loop.createTask(function* () {
 *   return yield* barrier.wait();
 * }());
 * await loop.runUntilComplete(async () => {
 *   assert.deepEqual([await first, await second].sort(), [0, 1]);
 * });
 * loop.close();
 * ```
 */
export class Barrier {
  #parties: number;
  #lock: Lock = new Lock();
  // Notifies every waiting task when the state changes.
  #condition: Condition = new Condition(this.#lock);
  #state: BarrierState = FILLING;
  // How many tasks are in the barrier: waiting while filling, still leaving while draining or resetting.
  #count = 0;

  /**
   * Makes a barrier.
   *
   * @param parties How many tasks must wait before all of them go on.
   * @throws {TypeError} If `parties` is not a number.
   * @throws {RangeError} If `parties` is not an integer ≥ 1.
   */
  constructor(parties: number) {
    if (typeof parties !== "number") {
      throw new TypeError(`Cannot make a Barrier: parties must be an integer >= 1, received ${describe(parties)}`);
    }
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`Cannot make a Barrier: parties must be an integer >= 1, received ${parties}`);
    }
    this.#parties = parties;
  }

  /**
   * Waits until `parties` tasks are waiting, then returns; all of them return together. If the barrier is
   * draining (its previous round's tasks are still leaving) or resetting, first waits until that is over.
   * Awaitable in both kinds of coroutine: `await barrier.wait()`, `yield* barrier.wait()`.
   *
   * @returns An awaitable of this task's arrival index in its round, from 0 to `parties - 1`.
   * @throws {BrokenBarrierError} When awaited, if the barrier is broken (`abort()`), or is aborted or reset while
   * the task waits.
   * @throws {InvalidStateError} When awaited, if it must wait and no event loop is running.
   *
   * @example A barrier of one party passes at once
   * ```ts
   * import { Barrier } from "./barrier.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const barrier = new Barrier(1);
   * assert.equal(await loop.runUntilComplete(async () => await barrier.wait()), 0);
   * loop.close();
   * ```
   */
  wait(): Awaitable<number> {
    return awaitable(() => this.#wait(), "barrier.wait()");
  }

  /**
   * Puts the barrier back in its initial state. Tasks waiting in it get `BrokenBarrierError`; tasks arriving
   * meanwhile wait until those have left. A broken barrier becomes usable again.
   *
   * CPython's `reset()` is a coroutine only so that it can take the barrier's internal lock, which `wait()` never
   * holds across a suspension: it never waits. This one acts at once and returns an already-completed awaitable,
   * so `await barrier.reset()` and `yield* barrier.reset()` read as in Python, and a forgotten `await` loses
   * nothing.
   *
   * @returns An awaitable that is already complete.
   *
   * @example Reset a broken barrier
   * ```ts
   * import { Barrier } from "./barrier.ts";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * await barrier.abort();
   * assert.equal(barrier.broken, true);
   * await barrier.reset();
   * assert.equal(barrier.broken, false);
   * ```
   */
  reset(): Awaitable<void> {
    this.#holdingLock(() => {
      if (this.#count > 0) {
        // Tasks are in the barrier: they leave with BrokenBarrierError; the last one out sets it filling.
        if (this.#state !== RESETTING) this.#state = RESETTING;
      } else {
        this.#state = FILLING;
      }
      this.#condition.notifyAll();
    });
    return DONE;
  }

  /**
   * Breaks the barrier: tasks waiting in it and every later `wait()` get `BrokenBarrierError`, until `reset()`.
   * Use it when a party fails, so the others do not wait forever. Like `reset()` it acts at once.
   *
   * @returns An awaitable that is already complete.
   *
   * @example Aborting breaks the barrier for its waiters
   * ```ts
   * import { Barrier, BrokenBarrierError } from "./barrier.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const barrier = new Barrier(2);
   * const waiter = loop.createTask(async () => await barrier.wait());
   * loop.callSoon(() => barrier.abort());
   * await assert.rejects(loop.runUntilComplete(waiter), BrokenBarrierError);
   * loop.close();
   * ```
   */
  abort(): Awaitable<void> {
    this.#holdingLock(() => {
      this.#state = BROKEN;
      this.#condition.notifyAll();
    });
    return DONE;
  }

  /**
   * How many tasks must wait before all of them go on.
   *
   * @example How many parties a barrier waits for
   * ```ts
   * import { Barrier } from "./barrier.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(4).parties, 4);
   * ```
   */
  get parties(): number {
    return this.#parties;
  }

  /**
   * How many tasks wait in the barrier now (0 while it drains or resets), Python's `n_waiting`.
   *
   * @example A cancelled waiter leaves the count
   * ```ts
   * import { Barrier } from "./barrier.ts";
   * import { CancelledError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const barrier = new Barrier(3);
   * const waiter = loop.createTask(async () => await barrier.wait());
   * await loop.runUntilComplete(async () => {
   *   await sleep(0);
   *   assert.equal(barrier.nWaiting, 1);
   *   waiter.cancel();
   *   await assert.rejects(async () => await waiter, CancelledError);
   *   assert.equal(barrier.nWaiting, 0);
   * });
   * loop.close();
   * ```
   */
  get nWaiting(): number {
    return this.#state === FILLING ? this.#count : 0;
  }

  /**
   * Whether the barrier is broken (by `abort()`).
   *
   * @example Broken once aborted
   * ```ts
   * import { Barrier } from "./barrier.ts";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * assert.equal(barrier.broken, false);
   * barrier.abort();
   * assert.equal(barrier.broken, true);
   * ```
   */
  get broken(): boolean {
    return this.#state === BROKEN;
  }

  /**
   * A readable description, as CPython's repr: `<Barrier [filling, waiters:1/3]>`, `<Barrier [broken]>`.
   *
   * @returns The description.
   *
   * @example Filling, then broken
   * ```ts
   * import { Barrier } from "./barrier.ts";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(3);
   * assert.equal(String(barrier), "<Barrier [filling, waiters:0/3]>");
   * barrier.abort();
   * assert.equal(String(barrier), "<Barrier [broken]>");
   * ```
   */
  toString(): string {
    const waiting = this.broken ? "" : `, waiters:${this.nWaiting}/${this.#parties}`;
    return `<Barrier [${this.#state}${waiting}]>`;
  }

  *#wait(): Generator<unknown, number, unknown> {
    const condition = this.#condition;
    yield* condition.acquire();
    try {
      yield* this.#block();
      try {
        const index = this.#count++;
        if (index + 1 === this.#parties) this.#release();
        else yield* this.#waitForRelease();
        return index;
      } finally {
        this.#count--;
        this.#exit();
      }
    } finally {
      condition.release();
    }
  }

  // Waits while the previous round drains or a reset finishes; fails if the barrier is broken.
  *#block(): Generator<unknown, void, unknown> {
    yield* this.#condition.waitFor(() => this.#state !== DRAINING && this.#state !== RESETTING);
    if (this.#state === BROKEN) throw new BrokenBarrierError("Barrier aborted");
  }

  // The last party arrived: every waiting task may leave, newcomers wait for the next round.
  #release(): void {
    this.#state = DRAINING;
    this.#condition.notifyAll();
  }

  // Waits until the round is complete; fails if the barrier is aborted or reset meanwhile.
  *#waitForRelease(): Generator<unknown, void, unknown> {
    yield* this.#condition.waitFor(() => this.#state !== FILLING);
    if (this.#state === BROKEN || this.#state === RESETTING) {
      throw new BrokenBarrierError("Abort or reset of barrier");
    }
  }

  // The last task out of a draining or resetting barrier makes it filling again, and wakes the tasks waiting for
  // that.
  #exit(): void {
    if (this.#count !== 0) return;
    if (this.#state === RESETTING || this.#state === DRAINING) this.#state = FILLING;
    this.#condition.notifyAll();
  }

  // CPython's abort() and reset() hold the condition's lock while they change the state. wait() only holds it
  // between two suspensions, never across one, so it is always free when other code runs: taking it never waits.
  #holdingLock(change: () => void): void {
    if (!this.#lock._tryAcquire()) {
      throw new Error(`${this}: its lock is held outside wait(); this is a bug in Barrier`);
    }
    try {
      change();
    } finally {
      this.#lock.release();
    }
  }
}
