/**
 * `Handle` and `TimerHandle`: what `callSoon`, `callLater` and `callAt` return, to cancel the call.
 *
 * @example Cancel a scheduled call
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const calls: string[] = [];
 * const handle = loop.callSoon(() => calls.push("never"));
 * handle.cancel();
 * loop.callSoon(() => loop.stop());
 * await loop.runForever();
 * assert.deepEqual(calls, []);
 * loop.close();
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import type { EventLoop } from "./loop.ts";

/**
 * A callback scheduled with `loop.callSoon` (Python's `asyncio.Handle`).
 *
 * @example Cancel a scheduled callback
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const handle = loop.callSoon(() => {});
 * assert.equal(handle.cancelled(), false);
 * handle.cancel();
 * assert.equal(handle.cancelled(), true);
 * loop.close();
 * ```
 */
export class Handle {
  #callback: ((...args: never[]) => unknown) | null;
  #args: unknown[];
  #cancelled = false;
  #loop: EventLoop;
  #description: string;

  /**
   * Makes a handle; the loop makes them, users get them from `callSoon`.
   *
   * @param callback The function to call.
   * @param args Its arguments.
   * @param loop The loop that will run it.
   */
  constructor(callback: (...args: never[]) => unknown, args: unknown[], loop: EventLoop) {
    this.#callback = callback;
    this.#args = args;
    this.#loop = loop;
    this.#description = callback.name || "anonymous";
  }

  /**
   * Cancels the call: it will not run. Cancelling twice, or after it ran, does nothing.
   *
   * @example Cancel a timer before it fires
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const timer = loop.callLater(10, () => {});
   * timer.cancel();
   * assert.equal(timer.cancelled(), true);
   * loop.close();
   * ```
   */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    // Drop the references so that a cancelled handle waiting in a queue keeps nothing alive.
    this.#callback = null;
    this.#args = [];
  }

  /**
   * Whether the call was cancelled.
   *
   * @returns True after `cancel()`.
   *
   * @example A fresh handle is not cancelled
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.callSoon(() => {}).cancelled(), false);
   * loop.close();
   * ```
   */
  cancelled(): boolean {
    return this.#cancelled;
  }

  /**
   * The loop the handle belongs to.
   *
   * @returns The event loop.
   *
   * @example The loop a handle belongs to
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.callSoon(() => {}).getLoop(), loop);
   * loop.close();
   * ```
   */
  getLoop(): EventLoop {
    return this.#loop;
  }

  /**
   * Runs the callback unless cancelled; an exception goes to the loop's exception handler, as CPython's
   * `Handle._run`.
   *
   * @example Run a handle's callback by hand
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * let ran = 0;
   * loop.callSoon(() => ran++).run();
   * assert.equal(ran, 1);
   * loop.close();
   * ```
   */
  run(): void {
    const callback = this.#callback;
    if (this.#cancelled || callback === null) return;
    // A user callback may start anything, promises included: the loop lets their microtasks run before its
    // next iteration.
    this.#loop._noteMicrotasks();
    try {
      callback(...(this.#args as never[]));
    } catch (error) {
      this.#loop.callExceptionHandler({
        message: `Exception in callback ${this.#description}`,
        exception: error,
        handle: this,
      });
    }
  }

  /**
   * A readable description: `<Handle name>`, as CPython's repr.
   *
   * @returns The description.
   *
   * @example Named after its callback
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(String(loop.callSoon(function tick() {})), "<Handle tick()>");
   * loop.close();
   * ```
   */
  toString(): string {
    const args = this.#args.map((arg) => describe(arg)).join(", ");
    return `<${this.constructor.name}${this.#cancelled ? " cancelled" : ""} ${this.#description}(${args})>`;
  }
}

/**
 * A callback scheduled for a time with `loop.callLater` or `loop.callAt` (Python's `asyncio.TimerHandle`).
 *
 * @example The loop time a timer is due
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const timer = loop.callLater(50, () => {});
 * assert.equal(timer.when(), 50);
 * loop.close();
 * ```
 */
export class TimerHandle extends Handle {
  /** @ignore The deadline (the heap keeps its own copy, beside its other keys). */
  readonly _when: number;
  /** @ignore Whether the timer still sits in its loop's heap (a cancel then counts towards a clean-up). */
  _scheduled = false;

  /**
   * Makes a timer handle; the loop makes them.
   *
   * @param when The loop time (ms) it is due at.
   * @param callback The function to call.
   * @param args Its arguments.
   * @param loop The loop that will run it.
   */
  constructor(
    when: number,
    callback: (...args: never[]) => unknown,
    args: unknown[],
    loop: EventLoop,
  ) {
    super(callback, args, loop);
    this._when = when;
  }

  /**
   * The loop time (ms) the callback is due at.
   *
   * @returns The deadline in the loop's `time()` scale.
   *
   * @example A timer set with callAt
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.callAt(1e12, () => {}).when(), 1e12);
   * loop.close();
   * ```
   */
  when(): number {
    return this._when;
  }

  /** @ignore Whether the heap may drop it. */
  _isCancelled(): boolean {
    return this.cancelled();
  }

  /** @ignore Runs it when due. */
  _fire(): void {
    this.run();
  }

  /**
   * Cancels the call and tells the loop, so that a heap full of cancelled timers gets cleaned up.
   *
   * @example Cancel a timer
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const timer = loop.callLater(1000, () => {});
   * timer.cancel();
   * assert.equal(timer.cancelled(), true);
   * loop.close();
   * ```
   */
  override cancel(): void {
    if (this.cancelled()) return;
    super.cancel();
    if (this._scheduled) this.getLoop()._timerCancelled();
  }

  /**
   * A readable description with the deadline.
   *
   * @returns The description.
   *
   * @example Its due time and callback
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.match(String(loop.callAt(5, function ring() {})), /^<TimerHandle when=5 ring\(\)>$/);
   * loop.close();
   * ```
   */
  override toString(): string {
    return super.toString().replace(/^<TimerHandle/, `<TimerHandle when=${this._when}`);
  }
}
