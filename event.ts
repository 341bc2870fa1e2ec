/**
 * `Event`: a flag tasks can wait for (Python's `asyncio.Event`).
 *
 * @example One task waits until another sets the event
 * ```ts
 * import { Event } from "./event.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const ready = new Event();
 * loop.callLater(50, () => ready.set());
 * await loop.runUntilComplete(async () => {
 *   assert.equal(await ready.wait(), true);
 * });
 * assert.equal(loop.time(), 50);
 * loop.close();
 * ```
 *
 * @module
 */

import type { Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { boundLoop } from "./_loop_bound.ts";
import { ReadyOrWait } from "./_ready_or_wait.ts";

/**
 * A flag that starts false; `set()` makes it true and wakes every task waiting for it, `clear()` makes it false
 * again (Python's `asyncio.Event`).
 *
 * @example Waiting in both kinds of coroutine
 * ```ts
 * import { Event } from "./event.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const event = new Event();
 * const fromAsync = loop.createTask(async () => await event.wait());
 * const fromGenerator = loop.createTask(function* () {
 *   return yield* event.wait();
 * }());
 * loop.callSoon(() => event.set());
 * await loop.runUntilComplete(async () => {
 *   assert.deepEqual([await fromAsync, await fromGenerator], [true, true]);
 * });
 * loop.close();
 * ```
 */
export class Event {
  #value = false;
  #waiters: Set<Future<boolean>> = new Set();
  #loop: EventLoop | null = null;
  #waiter: ReadyOrWait<true> | null = null;

  /**
   * Whether the flag is set (Python's `is_set`).
   *
   * @returns True between `set()` and `clear()`.
   *
   * @example Set or not
   * ```ts
   * import { Event } from "./event.ts";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * assert.equal(event.isSet(), false);
   * event.set();
   * assert.equal(event.isSet(), true);
   * ```
   */
  isSet(): boolean {
    return this.#value;
  }

  /**
   * Sets the flag and wakes every task waiting for it; until `clear()`, `wait()` returns at once.
   *
   * @example A set event's wait() finishes at once
   * ```ts
   * import { Event } from "./event.ts";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * assert.equal(await event.wait(), true);
   * ```
   */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    for (const waiter of this.#waiters) if (!waiter.done()) waiter.setResult(true);
  }

  /**
   * Clears the flag: later `wait()` calls wait for the next `set()`. Tasks already woken by a `set()` still return
   * from their `wait()`.
   *
   * @example Clear a set event
   * ```ts
   * import { Event } from "./event.ts";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * event.clear();
   * assert.equal(event.isSet(), false);
   * ```
   */
  clear(): void {
    this.#value = false;
  }

  /**
   * Waits until the flag is set; returns at once, without suspending the task, if it is set. Awaitable in both
   * kinds of coroutine: `await event.wait()`, `yield* event.wait()`. Cancelling the waiting task only takes it
   * out of the waiters.
   *
   * @returns An awaitable of `true`.
   * @throws {InvalidStateError} When awaited, if it must wait and no event loop is running, or the event already
   * made tasks of another loop wait.
   *
   * @example A task waits until the event is set
   * ```ts
   * import { Event } from "./event.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * const event = new Event();
   * const waiter = loop.createTask(async () => await event.wait());
   * await loop.runUntilComplete(async () => {
   *   await sleep(10);
   *   assert.equal(waiter.done(), false);
   *   event.set();
   *   assert.equal(await waiter, true);
   * });
   * loop.close();
   * ```
   */
  wait(): Awaitable<true> {
    return this.#waiter ??= new ReadyOrWait<true>(() => this.#value, true, () => this.#wait(), "event.wait()");
  }

  /**
   * A readable description, as CPython's repr: `<Event [unset]>`, `<Event [set]>`, `<Event [unset, waiters:1]>`.
   *
   * @returns The description.
   *
   * @example Unset, then set
   * ```ts
   * import { Event } from "./event.ts";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * assert.equal(String(event), "<Event [unset]>");
   * event.set();
   * assert.equal(String(event), "<Event [set]>");
   * ```
   */
  toString(): string {
    const waiting = this.#waiters.size;
    return `<Event [${this.#value ? "set" : "unset"}${waiting > 0 ? `, waiters:${waiting}` : ""}]>`;
  }

  *#wait(): Generator<unknown, true, unknown> {
    const loop = this.#loop = boundLoop(this.#loop, this);
    const waiter = loop.createFuture<boolean>();
    this.#waiters.add(waiter);
    try {
      yield* waiter;
      return true;
    } finally {
      this.#waiters.delete(waiter);
    }
  }
}
