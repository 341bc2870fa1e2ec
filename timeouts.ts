/**
 * Timeout scopes (Python's `asyncio.timeout`, `asyncio.timeout_at` and `asyncio.Timeout`): run a body in the
 * current task and cancel it when a deadline passes. The expired scope turns the body's `CancelledError` into a
 * `TimeoutError` (its `cause` is the cancel); a cancel from elsewhere goes through unchanged.
 *
 * `timeout(ms, body)` is `async with asyncio.timeout(s):` written as a call: the body receives the scope (to read or
 * move its deadline) and may be an async function or a generator function, in both kinds of coroutine:
 * `await timeout(100, async (scope) => …)` and `yield* timeout(100, function* (scope) { … })`. The scope must be
 * awaited inside a task: on expiry it cancels the task that entered it.
 *
 * @example Give up on a slow operation
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { timeout } from "./timeouts.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const outcome = await loop.runUntilComplete(async () => {
 *   try {
 *     return await timeout(100, async () => await sleep(60_000, "finished"));
 *   } catch (error) {
 *     if (error instanceof TimeoutError) return "gave up";
 *     throw error;
 *   }
 * });
 * assert.equal(outcome, "gave up");
 * assert.equal(loop.time(), 100);
 * loop.close();
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import { scoped } from "./_scope.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "./errors.ts";
import type { Awaitable } from "./future.ts";
import type { Handle, TimerHandle } from "./handle.ts";
import type { Task } from "./task.ts";

/**
 * The body of a timeout scope: an async function or a generator function receiving the scope. Its result is the
 * scope's result.
 *
 * @typeParam T The body's result type.
 */
export type TimeoutBody<T> = (scope: Timeout) => PromiseLike<T> | Generator<unknown, T, unknown> | T;

type TimeoutState = "created" | "active" | "expiring" | "expired" | "finished";

// The scope's steps that only this module may take (CPython's `__aenter__` / `__aexit__`), set in the class's
// static block so that they can reach its private fields.
let enterTimeout: (scope: Timeout, task: Task<unknown>) => void;
let makeTimeout: (when: number | null) => Timeout;
// Only `makeTimeout` may construct (see the constructor).
let constructing = false;
let exitTimeout: (scope: Timeout, failed: boolean, error: unknown) => null;
let expire: (scope: Timeout) => void;

/**
 * A timeout scope (Python's `asyncio.Timeout`): the object a `timeout()` / `timeoutAt()` body receives, to read
 * and move the deadline. `null` means no deadline.
 *
 * There is no public constructor and no `await using` form: `timeout(ms, body)` is CPython's `async with
 * asyncio.timeout(ms):` block. JavaScript's disposers cannot see the error that leaves the block, so a scope could
 * not turn the body's `CancelledError` into a `TimeoutError`, and an error thrown from a disposer reaches the
 * caller wrapped in a `SuppressedError`. `new Timeout()` therefore throws a `TypeError` that shows the `timeout()`
 * form.
 *
 * @example Move the deadline from inside the body
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { timeout } from "./timeouts.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const result = await loop.runUntilComplete(async () =>
 *   await timeout(10, async (scope) => {
 *     scope.reschedule(scope.when()! + 1000);
 *     await sleep(500);
 *     return scope.expired();
 *   })
 * );
 * assert.equal(result, false);
 * loop.close();
 * ```
 */
export class Timeout {
  #state: TimeoutState = "created";
  #when: number | null;
  #task: Task<unknown> | null = null;
  #cancellingAtEnter = 0;
  #handle: Handle | TimerHandle | null = null;

  static {
    enterTimeout = (scope, task) => scope.#enter(task);
    exitTimeout = (scope, failed, error) => scope.#exit(failed, error);
    expire = (scope) => scope.#expire();
    makeTimeout = (when) => {
      constructing = true;
      try {
        return new Timeout(when);
      } finally {
        constructing = false;
      }
    };
  }

  // Private: only `timeout()` / `timeoutAt()` make scopes (see the class documentation); plain JavaScript that
  // calls it anyway gets a TypeError that shows the way.
  private constructor(when: number | null) {
    if (!constructing) {
      throw new TypeError(
        "Timeout has no public constructor: use `await timeout(ms, async (scope) => { … })`, CPython's " +
          "`async with asyncio.timeout(delay) as scope:` block (there is no `await using` form)",
      );
    }
    this.#when = when;
  }

  /**
   * The current deadline.
   *
   * @returns The deadline in loop time (ms), or null for none.
   *
   * @example The deadline of a timeoutAt() scope
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { timeoutAt } from "./timeouts.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * assert.equal(await loop.runUntilComplete(async () => await timeoutAt(250, async (scope) => scope.when())), 250);
   * loop.close();
   * ```
   */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline (Python's `Timeout.reschedule`). A deadline not later than now expires the scope on the
   * loop's next iteration; null removes the deadline.
   *
   * @param when The new deadline in loop time (ms), or null for none.
   * @throws {InvalidStateError} If the scope is not active: not entered, expiring, expired or finished.
   * @throws {TypeError} If `when` is neither a number nor null.
   * @throws {RangeError} If `when` is NaN.
   *
   * @example Remove the deadline
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import { timeout } from "./timeouts.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * const result = await loop.runUntilComplete(function* () {
   *   return yield* timeout(5, function* (scope) {
   *     scope.reschedule(null);
   *     return yield* sleep(1000, "no deadline");
   *   });
   * }());
   * assert.equal(result, "no deadline");
   * loop.close();
   * ```
   */
  reschedule(when: number | null): void {
    checkWhen(when, "reschedule a Timeout", "deadline");
    if (this.#state !== "active") {
      if (this.#state === "created") throw new InvalidStateError("Timeout has not been entered");
      throw new InvalidStateError(`Cannot change state of ${this.#state} Timeout`);
    }
    this.#when = when;
    this.#handle?.cancel();
    if (when === null) {
      this.#handle = null;
      return;
    }
    const loop = this.#task!.getLoop();
    // A deadline already past expires the scope on the next iteration, never synchronously (CPython's call_soon).
    this.#handle = when <= loop.time() ? loop.callSoon(expire, this) : loop.callAt(when, expire, this);
  }

  /**
   * Whether the deadline passed while the scope was active (Python's `Timeout.expired`).
   *
   * @returns True once the scope cancelled its task.
   *
   * @example Expired after the time-out
   * ```ts
   * import { TimeoutError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import { type Timeout, timeout } from "./timeouts.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * let seen: Timeout | null = null;
   * await assert.rejects(
   *   loop.runUntilComplete(async () =>
   *     await timeout(10, async (scope) => {
   *       seen = scope;
   *       await sleep(100);
   *     })
   *   ),
   *   TimeoutError,
   * );
   * assert.equal(seen!.expired(), true);
   * loop.close();
   * ```
   */
  expired(): boolean {
    return this.#state === "expiring" || this.#state === "expired";
  }

  /**
   * A readable description, as CPython's repr: `<Timeout [active] when=100>`.
   *
   * @returns The description.
   *
   * @example An active scope
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { timeout } from "./timeouts.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * const seen = await loop.runUntilComplete(async () => await timeout(5, async (scope) => String(scope)));
   * assert.equal(seen, "<Timeout [active] when=5>");
   * loop.close();
   * ```
   */
  toString(): string {
    return this.#state === "active" ? `<Timeout [active] when=${this.#when}>` : `<Timeout [${this.#state}]>`;
  }

  #enter(task: Task<unknown>): void {
    if (this.#state !== "created") throw new InvalidStateError("Timeout has already been entered");
    this.#state = "active";
    this.#task = task;
    // Cancels already requested of the task are not this scope's to turn into a TimeoutError.
    this.#cancellingAtEnter = task.cancelling();
    this.reschedule(this.#when);
  }

  // The deadline passed: cancel the task that entered the scope.
  #expire(): void {
    this.#handle = null;
    if (this.#state !== "active") return;
    this.#task!.cancel();
    this.#state = "expiring";
  }

  #exit(failed: boolean, error: unknown): null {
    this.#handle?.cancel();
    this.#handle = null;
    if (this.#state === "expiring") {
      this.#state = "expired";
      // The scope withdraws the cancel it made. More cancels left than at enter means one came from outside the
      // scope (another task, an outer scope expiring too): that one must go on as a CancelledError, not be
      // mistaken for this timeout.
      if (this.#task!.uncancel() <= this.#cancellingAtEnter && failed && error instanceof CancelledError) {
        throw new TimeoutError(`The timeout expired (deadline ${this.#when} ms in loop time)`, { cause: error });
      }
    } else if (this.#state === "active") {
      this.#state = "finished";
    }
    return null;
  }
}

function checkWhen(value: unknown, operation: string, what: string): asserts value is number | null {
  if (value === null) return;
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${operation}: the ${what} must be a number of ms or null, received ${describe(value)}`);
  }
  if (Number.isNaN(value)) {
    throw new RangeError(`Cannot ${operation}: the ${what} must be a number of ms, received NaN`);
  }
}

function checkBody(body: unknown, operation: string): void {
  if (typeof body !== "function") {
    throw new TypeError(
      `Cannot ${operation}: the body must be a function (async or function*) receiving the scope, received ${
        describe(body)
      }`,
    );
  }
}

function exitScope(scope: Timeout, failed: boolean, error: unknown): null {
  return exitTimeout(scope, failed, error);
}

function enterScope(scope: Timeout, task: Task<unknown> | null): Timeout {
  if (task === null) throw new InvalidStateError("Timeout should be used inside a task");
  enterTimeout(scope, task);
  return scope;
}

/**
 * Runs `body` with a deadline `ms` from now (Python's `asyncio.timeout`): when it passes, the current task is
 * cancelled, and the `CancelledError` leaving the body becomes a `TimeoutError`. The deadline is taken when the
 * scope is entered (awaited), in the loop's time.
 *
 * Awaited inside a task, in both kinds of coroutine: `await timeout(ms, async (scope) => …)` and
 * `yield* timeout(ms, function* (scope) { … })`. In a generator coroutine an async body runs as a child task that
 * the scope waits on (a cancel reaches it through that wait).
 *
 * @typeParam T The body's result type.
 * @param ms The delay in ms (≤ 0 expires on the next iteration), or null for no deadline.
 * @param body The code to run; it receives the scope, to read or move the deadline.
 * @returns An awaitable of the body's result, to await once.
 * @throws {TypeError} If `ms` is neither a number nor null, or `body` is not a function.
 * @throws {RangeError} If `ms` is NaN.
 * @throws {TimeoutError} (when awaited) If the deadline passed and the body ended with the scope's cancel.
 * @throws {InvalidStateError} (when awaited) Outside a task.
 *
 * @example A slow body times out; a fast one returns its result
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { timeout } from "./timeouts.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const fast = await loop.runUntilComplete(async () => await timeout(100, async () => await sleep(10, "fast")));
 * assert.equal(fast, "fast");
 * await assert.rejects(
 *   loop.runUntilComplete(function* () {
 *     yield* timeout(100, function* () {
 *       yield* sleep(1000);
 *     });
 *   }()),
 *   (error) => error instanceof TimeoutError && error.cause instanceof Error && error.cause.name === "CancelledError",
 * );
 * loop.close();
 * ```
 */
export function timeout<T>(ms: number | null, body: TimeoutBody<T>): Awaitable<T> {
  checkWhen(ms, "make a timeout()", "delay");
  checkBody(body, "make a timeout()");
  return scoped(
    "timeout()",
    (task) => {
      const when = ms === null || task === null ? null : task.getLoop().time() + ms;
      return enterScope(makeTimeout(when), task);
    },
    exitScope,
    body,
  );
}

/**
 * Runs `body` with a deadline at loop time `when` (Python's `asyncio.timeout_at`); otherwise as `timeout()`.
 *
 * @typeParam T The body's result type.
 * @param when The deadline in loop time (ms, as `loop.time()`), or null for none.
 * @param body The code to run; it receives the scope, to read or move the deadline.
 * @returns An awaitable of the body's result, to await once.
 * @throws {TypeError} If `when` is neither a number nor null, or `body` is not a function.
 * @throws {RangeError} If `when` is NaN.
 * @throws {TimeoutError} (when awaited) If the deadline passed and the body ended with the scope's cancel.
 * @throws {InvalidStateError} (when awaited) Outside a task.
 *
 * @example A deadline in loop time
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { timeoutAt } from "./timeouts.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * await assert.rejects(
 *   loop.runUntilComplete(async () => await timeoutAt(loop.time() + 50, async () => await sleep(1000))),
 *   TimeoutError,
 * );
 * assert.equal(loop.time(), 50);
 * loop.close();
 * ```
 */
export function timeoutAt<T>(when: number | null, body: TimeoutBody<T>): Awaitable<T> {
  checkWhen(when, "make a timeoutAt()", "deadline");
  checkBody(body, "make a timeoutAt()");
  return scoped("timeoutAt()", (task) => enterScope(makeTimeout(when), task), exitScope, body);
}
