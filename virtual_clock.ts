/**
 * `VirtualClock`: time for tests that only moves when the loop has nothing else to do (Trio's
 * `MockClock(autojump_threshold=0)`).
 *
 * Give it to `newEventLoop({ clock })`: when the loop is idle — nothing ready to run — it jumps straight to the
 * next timer's deadline instead of waiting for it. A test of a 10-minute timeout then runs in microseconds, and
 * the order of events is exactly what the deadlines say, whatever else the machine is doing.
 *
 * @example A one-hour sleep, instantly
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * await loop.runUntilComplete(async () => await sleep(3_600_000));
 * assert.equal(loop.time(), 3_600_000);
 * loop.close();
 * ```
 *
 * @module
 */

/** A source of loop time in milliseconds. */
export interface Clock {
  /** The current time in milliseconds (any origin; only differences matter). */
  now(): number;
  /**
   * Present on virtual clocks: the loop calls it, when idle, with the deadline of the next timer, and the clock
   * moves there instead of the loop waiting.
   */
  jumpTo?(when: number): void;
}

/**
 * A clock whose time moves only when the loop is idle, and then straight to the next timer.
 *
 * @example Time moves only when told
 * ```ts
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = new VirtualClock();
 * assert.equal(clock.now(), 0);
 * clock.advance(250);
 * assert.equal(clock.now(), 250);
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;

  /**
   * Makes a clock.
   *
   * @param start The time it starts at, in ms (default 0).
   * @throws {RangeError} If `start` is not a finite number.
   */
  constructor(start = 0) {
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new RangeError(`Cannot start a virtual clock at ${String(start)}: expected a finite number of ms`);
    }
    this.#now = start;
  }

  /**
   * The current virtual time.
   *
   * @returns Milliseconds.
   *
   * @example A clock that starts at 10
   * ```ts
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new VirtualClock(10).now(), 10);
   * ```
   */
  now(): number {
    return this.#now;
  }

  /**
   * Moves the clock forward to `when` (never backwards); the loop calls this when it is idle.
   *
   * @param when The time to jump to, in ms.
   *
   * @example Jumps forward, never back
   * ```ts
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const clock = new VirtualClock(100);
   * clock.jumpTo(50);
   * assert.equal(clock.now(), 100);
   * clock.jumpTo(150);
   * assert.equal(clock.now(), 150);
   * ```
   */
  jumpTo(when: number): void {
    if (when > this.#now) this.#now = when;
  }

  /**
   * Moves the clock forward by `ms`, as a test does by hand.
   *
   * @param ms How far to move, in ms.
   * @throws {RangeError} If `ms` is negative or not a finite number.
   *
   * @example Advance by 5 ms
   * ```ts
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const clock = new VirtualClock();
   * clock.advance(5);
   * assert.equal(clock.now(), 5);
   * ```
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot advance a virtual clock by ${String(ms)}: expected a finite number of ms >= 0`);
    }
    this.#now += ms;
  }
}
