/**
 * The error classes of asyncio: the conditions a caller catches.
 *
 * @example Catching a cancellation
 * ```ts
 * import { CancelledError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new CancelledError("stop");
 * assert.equal(error.name, "CancelledError");
 * assert.equal(error.message, "stop");
 * ```
 *
 * @module
 */

/**
 * Raised inside a task's coroutine, at the await where it is suspended, when the task is cancelled (Python's
 * `asyncio.CancelledError`). Catch it to clean up, and re-throw it: a swallowed cancellation makes the task go on.
 *
 * @example The message given to `cancel()` is the error's message
 * ```ts
 * import { CancelledError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new CancelledError() instanceof Error);
 * assert.equal(new CancelledError("bye").message, "bye");
 * ```
 */
export class CancelledError extends Error {
  /**
   * Makes a cancellation error.
   *
   * @param message The cancel message (`task.cancel(msg)`), empty when none was given.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CancelledError";
  }
}

/**
 * Raised when an operation is not allowed in the object's current state (Python's `asyncio.InvalidStateError`):
 * setting the result of a future twice, reading the result of a pending one, running a closed loop.
 *
 * @example The error's name
 * ```ts
 * import { InvalidStateError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new InvalidStateError("Result is not set").name, "InvalidStateError");
 * ```
 */
export class InvalidStateError extends Error {
  /**
   * Makes the error.
   *
   * @param message What is not allowed, and why.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidStateError";
  }
}

/**
 * Raised when an operation runs out of time (Python's `TimeoutError`): `waitFor`, `timeout()` scopes and the
 * blocking `result(timeoutMs)` of a concurrent future.
 *
 * @example The error's name
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TimeoutError().name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Makes the error.
   *
   * @param message What timed out.
   * @param options The standard error options (`cause`: the `CancelledError` a timeout turned into this).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}
