/**
 * `Future`: the small state machine everything else is built on (Python's `asyncio.Future`).
 *
 * A future is pending until it gets a result, an exception, or is cancelled; then it runs its done-callbacks
 * through its loop's `callSoon`, in the order they were added. It is awaitable (`await fut`) in async-function
 * coroutines and iterable (`yield* fut`) in generator coroutines.
 *
 * @example Settle a future from a callback and await it
 * ```ts
 * import { Future } from "./future.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = new Future<string>({ loop });
 * loop.callSoon(() => fut.setResult("ready"));
 * assert.equal(await loop.runUntilComplete(fut), "ready");
 * loop.close();
 * ```
 *
 * @module
 */

import { currentOrNewLoop, steppingTask } from "./_current.ts";
import { noRunningLoopError } from "./_no_running_loop.ts";
import { taskContext } from "./_task_context.ts";
import { describe } from "./_describe.ts";
import { CancelledError, InvalidStateError } from "./errors.ts";
import type { EventLoop } from "./loop.ts";
import type { Task } from "./task.ts";

// The states, with the exception's "retrieved" mark folded in so that a future stays six fields small.
const PENDING = 0;
const FINISHED = 1; // with a result
const FAILED = 2; // with an exception nobody has looked at yet
const FAILED_RETRIEVED = 3; // with an exception that was read (no "never retrieved" report)
const CANCELLED = 4;

/** A done-callback: called with the future once it is done. */
export type DoneCallback<T> = (future: Future<T>) => void;

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop the future belongs to; by default the running loop, else the thread's event loop. */
  loop?: EventLoop;
}

/**
 * Something `await` accepts: a promise, a future, any object with a `then` method.
 *
 * @typeParam T The type it resolves to.
 */
export interface Thenable<T> {
  /** Calls `onFulfilled` with the value, or `onRejected` with the error. */
  // deno-lint-ignore no-explicit-any
  then(onFulfilled: (value: T) => any, onRejected: (reason: any) => any): unknown;
}

/**
 * What both kinds of coroutine can wait on: `await x` in an async function, `yield* x` in a generator. Futures,
 * tasks and `sleep()` are awaitables.
 *
 * @typeParam T The type of the result.
 */
export interface Awaitable<T> extends Thenable<T> {
  /** Lets a generator coroutine delegate to it: `const value = yield* x;`. */
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** The state names a future reports through `state`. */
export type FutureState = "pending" | "running" | "done" | "cancelled";

// A failed future whose exception nobody looked at is reported when it is garbage-collected, as CPython's
// "Future exception was never retrieved" from `__del__`.
interface Unretrieved {
  loop: EventLoop;
  exception: unknown;
  what: string;
}
const unretrievedExceptions = new FinalizationRegistry<Unretrieved>((held) => {
  held.loop.callExceptionHandler({ message: `${held.what} exception was never retrieved`, exception: held.exception });
});

/**
 * The outcome of an asynchronous operation, set once (Python's `asyncio.Future`).
 *
 * Await it in an async function (`await fut`) or delegate to it in a generator coroutine (`yield* fut`). Unlike a
 * promise it can be cancelled, and its callbacks run on its event loop, one loop iteration after it is done.
 *
 * `then` exists so that `await` works; it registers the awaiter and returns nothing. To chain callbacks on a
 * future, use `addDoneCallback`, or `Promise.resolve(fut).then(…)`.
 *
 * @typeParam T The type of the result.
 *
 * @example A future's result, exception and done-callbacks
 * ```ts
 * import { Future } from "./future.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = loop.createFuture<number>();
 * const seen: number[] = [];
 * fut.addDoneCallback((f) => seen.push(f.result()));
 * fut.setResult(42);
 * assert.equal(fut.done(), true);
 * await loop.runUntilComplete(fut);
 * assert.deepEqual(seen, [42]);
 * loop.close();
 * ```
 */
export class Future<T = unknown> implements Awaitable<T> {
  #loop: EventLoop;
  #state: number = PENDING;
  // The result, the exception, or — once cancelled — the cancel message, then the CancelledError made from it.
  #value: unknown = undefined;
  // Done-callbacks as (function, argument) pairs: one pair inline — the function here, its argument in
  // `#argument` — because almost every future has exactly one (the task awaiting it) and an array per future would
  // be garbage on the hot path; from the second on, an array of all the pairs takes the function's place.
  #callbacks: ((arg: never) => void) | unknown[] | null = null;
  #argument: unknown = undefined;

  /**
   * Makes a pending future.
   *
   * @param options `loop`: the loop it belongs to (default: the running loop, else the thread's event loop).
   */
  constructor(options?: FutureOptions) {
    this.#loop = options?.loop ?? currentOrNewLoop();
  }

  /** The loop this future belongs to.
   *
   * @returns The future's event loop.
   *
   * @example The loop a future belongs to
   * ```ts
   * import { Future } from "./future.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(new Future({ loop }).getLoop(), loop);
   * loop.close();
   * ```
   */
  getLoop(): EventLoop {
    return this.#loop;
  }

  /**
   * Whether the future is done: it has a result, an exception, or was cancelled.
   *
   * @returns True once the future left the pending state.
   *
   * @example Done once it has a result
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<number>();
   * assert.equal(fut.done(), false);
   * fut.setResult(1);
   * assert.equal(fut.done(), true);
   * loop.close();
   * ```
   */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /**
   * Whether the future was cancelled.
   *
   * @returns True if `cancel()` ended it.
   *
   * @example Cancelled after cancel()
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture();
   * fut.cancel();
   * assert.equal(fut.cancelled(), true);
   * loop.close();
   * ```
   */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * The state of the future: `"pending"`, `"done"` or `"cancelled"` (a task also reports `"running"` once its
   * coroutine has started).
   *
   * @example Pending, then cancelled
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture();
   * assert.equal(fut.state, "pending");
   * fut.cancel();
   * assert.equal(fut.state, "cancelled");
   * loop.close();
   * ```
   */
  get state(): FutureState {
    return this.#state === PENDING ? "pending" : this.#state === CANCELLED ? "cancelled" : "done";
  }

  /**
   * The result of the future.
   *
   * @returns The value given to `setResult`.
   * @throws {InvalidStateError} If the future is still pending.
   * @throws {CancelledError} If it was cancelled.
   * @throws The exception given to `setException`, if it failed.
   *
   * @example No result until one is set
   * ```ts
   * import { InvalidStateError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<string>();
   * assert.throws(() => fut.result(), InvalidStateError);
   * fut.setResult("ok");
   * assert.equal(fut.result(), "ok");
   * loop.close();
   * ```
   */
  result(): T {
    const state = this.#state;
    if (state === FINISHED) return this.#value as T;
    if (state === FAILED || state === FAILED_RETRIEVED) {
      Future.#markRetrieved(this);
      throw this.#value;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError(`Result is not ready: ${this} is still pending`);
  }

  /**
   * The exception of the future, or `undefined` if it succeeded.
   *
   * @returns The exception given to `setException`, else `undefined`.
   * @throws {InvalidStateError} If the future is still pending.
   * @throws {CancelledError} If it was cancelled.
   *
   * @example The exception a future failed with
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture();
   * fut.setException(new RangeError("bad"));
   * assert.ok(fut.exception() instanceof RangeError);
   * loop.close();
   * ```
   */
  exception(): unknown {
    const state = this.#state;
    if (state === FINISHED) return undefined;
    if (state === FAILED || state === FAILED_RETRIEVED) {
      Future.#markRetrieved(this);
      return this.#value;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError(`Exception is not set: ${this} is still pending`);
  }

  /**
   * Marks the future done with a result and schedules its done-callbacks.
   *
   * @param value The result.
   * @throws {InvalidStateError} If the future is already done.
   *
   * @example A result can be set once
   * ```ts
   * import { InvalidStateError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<number>();
   * fut.setResult(1);
   * assert.throws(() => fut.setResult(2), InvalidStateError);
   * assert.equal(fut.result(), 1);
   * loop.close();
   * ```
   */
  setResult(value: T): void {
    if (this.#state !== PENDING) {
      throw new InvalidStateError(`Cannot set the result of ${this} to ${describe(value)}: it is already done`);
    }
    this._resolve(value);
  }

  /**
   * Marks the future done with an exception and schedules its done-callbacks.
   *
   * @param exception The exception (anything but `undefined`; a `CancelledError` is refused, as in CPython: use
   * `cancel()`).
   * @throws {InvalidStateError} If the future is already done.
   * @throws {TypeError} If the exception is `undefined` or a `CancelledError`.
   *
   * @example result() throws the exception set
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture();
   * fut.setException(new Error("boom"));
   * assert.throws(() => fut.result(), /boom/);
   * loop.close();
   * ```
   */
  setException(exception: unknown): void {
    if (this.#state !== PENDING) {
      throw new InvalidStateError(
        `Cannot set the exception of ${this} to ${describe(exception)}: it is already done`,
      );
    }
    if (exception === undefined) throw new TypeError("Cannot set an exception of undefined: pass an Error");
    if (exception instanceof CancelledError) {
      throw new TypeError("Cannot set a CancelledError as the exception of a future: call cancel() instead");
    }
    this._reject(exception);
  }

  /**
   * Cancels the future: if pending, it becomes cancelled and its done-callbacks are scheduled.
   *
   * @param message The message of the `CancelledError` that awaiting the future will raise.
   * @returns False if the future was already done, true otherwise.
   *
   * @example Cancel with a message, once
   * ```ts
   * import { CancelledError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture();
   * assert.equal(fut.cancel("no longer needed"), true);
   * assert.equal(fut.cancel(), false);
   * assert.throws(() => fut.result(), (e) => e instanceof CancelledError && e.message === "no longer needed");
   * loop.close();
   * ```
   */
  cancel(message?: string): boolean {
    if (this.#state !== PENDING) return false;
    this._markCancelled(message);
    return true;
  }

  /**
   * Adds a callback to run (through `loop.callSoon`) when the future is done; at once-scheduled if it already is.
   * Callbacks run in the order they were added.
   *
   * @param callback Called with the future.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example Done-callbacks run in registration order
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<string>();
   * const order: string[] = [];
   * fut.addDoneCallback(() => order.push("first"));
   * fut.addDoneCallback(() => order.push("second"));
   * fut.setResult("x");
   * await loop.runUntilComplete(fut);
   * assert.deepEqual(order, ["first", "second"]);
   * loop.close();
   * ```
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (typeof callback !== "function") {
      throw new TypeError(`Cannot add a done-callback: expected a function, received ${describe(callback)}`);
    }
    this._addCallback(callback as (arg: never) => void, this);
  }

  /**
   * Removes every registration of `callback`.
   *
   * @param callback The callback given to `addDoneCallback`.
   * @returns How many registrations were removed.
   *
   * @example Remove every registration of a callback
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture();
   * const callback = () => {};
   * fut.addDoneCallback(callback);
   * fut.addDoneCallback(callback);
   * assert.equal(fut.removeDoneCallback(callback), 2);
   * loop.close();
   * ```
   */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const current = this.#callbacks;
    if (current === null) return 0;
    const pairs = typeof current === "function" ? [current, this.#argument] : current;
    const kept: unknown[] = [];
    let removed = 0;
    for (let i = 0; i < pairs.length; i += 2) {
      if (pairs[i] === callback && pairs[i + 1] === this) removed++;
      else kept.push(pairs[i], pairs[i + 1]);
    }
    if (removed > 0) Future.#setCallbacks(this, kept);
    return removed;
  }

  /**
   * Lets `await fut` work. Inside a task it registers the task as waiting on this future (so that cancelling the
   * task cancels this await); elsewhere it calls back once the future is done. It returns nothing: chain with
   * `Promise.resolve(fut).then(…)`.
   *
   * @param onFulfilled Called with the result.
   * @param onRejected Called with the exception (a `CancelledError` if the future was cancelled).
   *
   * @example Awaiting a future
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<number>();
   * const task = loop.createTask(async () => (await fut) + 1);
   * loop.callSoon(() => fut.setResult(1));
   * assert.equal(await loop.runUntilComplete(task), 2);
   * loop.close();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    const task = taskContext.getStore();
    if (task !== undefined && typeof onFulfilled === "function" && typeof onRejected === "function") {
      if (task._awaitFuture(this as Future<unknown>, onFulfilled as (value: unknown) => void, onRejected)) return;
      // The task already waits on something (`await Promise.all([a, b])`): it waits on this future too, so a
      // cancel of the task must reach it as well.
      if (!task.done() && this.#state === PENDING) task._alsoWaitOn(this as Future<unknown>);
    }
    Future.#thenOutsideTask(this, onFulfilled, onRejected);
  }

  static #thenOutsideTask<T>(
    self: Future<T>,
    onFulfilled: ((value: T) => unknown) | null | undefined,
    onRejected: ((reason: unknown) => unknown) | null | undefined,
  ): void {
    const settle = () => {
      self.#loop._noteMicrotasks();
      if (self.#state === FINISHED) {
        if (typeof onFulfilled === "function") onFulfilled(self.#value as T);
        return;
      }
      if (typeof onRejected !== "function") return;
      let reason: unknown;
      try {
        self.result();
      } catch (error) {
        reason = error;
      }
      onRejected(reason);
    };
    if (self.#state !== PENDING) {
      queueMicrotask(settle);
    } else if (self.#loop.isClosed()) {
      const error = new InvalidStateError(`Cannot await ${self}: its event loop is closed, so it can never finish`);
      queueMicrotask(() => typeof onRejected === "function" && onRejected(error));
    } else if (!self.#loop.isRunning()) {
      // Nothing runs its loop now: awaited from top-level code, it would hang (CPython has no such await at all).
      const error = noRunningLoopError(String(self));
      queueMicrotask(() => typeof onRejected === "function" && onRejected(error));
    } else {
      self._addCallback(settle, undefined);
    }
  }

  /**
   * Lets generator coroutines delegate to the future: `const value = yield* fut;`.
   *
   * @returns An iterator that yields the future while it is pending and returns its result.
   *
   * @example Wait on a future with yield* in a generator coroutine
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<number>();
   * const task = loop.createTask(function* () {
   *   return (yield* fut) * 2;
   * }());
   * loop.callSoon(() => fut.setResult(21));
   * assert.equal(await loop.runUntilComplete(task), 42);
   * loop.close();
   * ```
   */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return new FutureIterator(this);
  }

  /**
   * A readable description, as CPython's repr: `<Future pending>`, `<Future finished result=1>`.
   *
   * @returns The description.
   *
   * @example Pending, then finished
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const fut = loop.createFuture<number>();
   * assert.equal(String(fut), "<Future pending>");
   * fut.setResult(1);
   * assert.equal(String(fut), "<Future finished result=1>");
   * loop.close();
   * ```
   */
  toString(): string {
    return `<${this.constructor.name} ${this._describeState()}>`;
  }

  /** @ignore The state part of `toString()`, shared with Task. */
  _describeState(): string {
    const state = this.#state;
    if (state === PENDING) return "pending";
    if (state === CANCELLED) return "cancelled";
    if (state !== FINISHED) return `finished exception=${describeError(this.#value)}`;
    const result = this.#value;
    return `finished result=${typeof result === "string" ? `'${result}'` : describe(result)}`;
  }

  /** @ignore Sets the result without the state check (the check is the caller's). */
  _resolve(value: T): void {
    this.#value = value;
    this.#state = FINISHED;
    Future.#scheduleCallbacks(this);
  }

  /** @ignore Sets the exception without the state check (the check is the caller's). */
  _reject(exception: unknown): void {
    this.#value = exception;
    this.#state = FAILED;
    unretrievedExceptions.register(this, { loop: this.#loop, exception, what: this.constructor.name }, this);
    this.#loop._trackUnretrieved(this as Future<unknown>, true);
    Future.#scheduleCallbacks(this);
  }

  /** @ignore Marks the future cancelled (a task passes the `CancelledError` its coroutine raised). */
  _markCancelled(message: string | undefined, error?: CancelledError): void {
    this.#state = CANCELLED;
    this.#value = error ?? message;
    Future.#scheduleCallbacks(this);
  }

  /** @ignore The `CancelledError` that awaiting this cancelled future raises. */
  _makeCancelledError(): CancelledError {
    if (this.#state !== CANCELLED) return new CancelledError();
    const value = this.#value;
    if (value instanceof CancelledError) return value;
    const error = new CancelledError(value as string | undefined);
    this.#value = error;
    return error;
  }

  /** @ignore Whether the future failed, without marking the exception retrieved. */
  _failed(): boolean {
    return this.#state === FAILED || this.#state === FAILED_RETRIEVED;
  }

  /** @ignore Adds a (function, argument) done-callback: the form tasks and combinators use. */
  _addCallback(callback: (arg: never) => void, argument: unknown): void {
    if (this.#state !== PENDING) {
      this.#loop._schedule(callback, argument);
      return;
    }
    const current = this.#callbacks;
    if (current === null) {
      this.#callbacks = callback;
      this.#argument = argument;
    } else if (typeof current === "function") {
      this.#callbacks = [current, this.#argument, callback, argument];
      this.#argument = undefined;
    } else {
      current.push(callback, argument);
    }
  }

  /** @ignore The done-callbacks as a new array of (function, argument) pairs, for the call graph. */
  _callbackPairs(): unknown[] {
    const current = this.#callbacks;
    if (current === null) return [];
    return typeof current === "function" ? [current, this.#argument] : current.slice();
  }

  /** @ignore Removes one (function, argument) done-callback, as a task does when it stops waiting. */
  _removeCallback(callback: (arg: never) => void, argument: unknown): void {
    const current = this.#callbacks;
    if (current === null) return;
    if (typeof current === "function") {
      if (current === callback && this.#argument === argument) {
        this.#callbacks = null;
        this.#argument = undefined;
      }
      return;
    }
    for (let i = 0; i < current.length; i += 2) {
      if (current[i] === callback && current[i + 1] === argument) {
        current.splice(i, 2);
        return;
      }
    }
  }

  // Stores `pairs` (function, argument, …) in the compact form `#callbacks` describes.
  static #setCallbacks<T>(self: Future<T>, pairs: unknown[]): void {
    if (pairs.length === 0) {
      self.#callbacks = null;
      self.#argument = undefined;
    } else if (pairs.length === 2) {
      self.#callbacks = pairs[0] as (arg: never) => void;
      self.#argument = pairs[1];
    } else {
      self.#callbacks = pairs;
      self.#argument = undefined;
    }
  }

  static #markRetrieved<T>(self: Future<T>): void {
    if (self.#state !== FAILED) return;
    self.#state = FAILED_RETRIEVED;
    unretrievedExceptions.unregister(self);
    self.#loop._trackUnretrieved(self as Future<unknown>, false);
  }

  static #scheduleCallbacks<T>(self: Future<T>): void {
    const current = self.#callbacks;
    if (current === null) return;
    const argument = self.#argument;
    self.#callbacks = null;
    self.#argument = undefined;
    if (typeof current === "function") {
      self.#loop._schedule(current, argument);
      return;
    }
    for (let i = 0; i < current.length; i += 2) {
      self.#loop._schedule(current[i] as (arg: never) => void, current[i + 1]);
    }
  }
}

/** Describes an exception for a repr: its name and message. */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}(${JSON.stringify(error.message)})`;
  return describe(error);
}

// The iterator behind `yield* fut`. While the future is pending it yields the future; once the future is done
// it returns the result — a task only resumes a generator when the future it yielded is done.
const NOT_YIELDED = Symbol("not yielded");
let strayResume: Task<unknown> | null = null;

/**
 * @ignore The task a generator was suspended in, if the step that just ran resumed it from another task (see
 * FutureIterator); null otherwise. Reading it clears it.
 */
export function takeStrayResume(): Task<unknown> | null {
  const owner = strayResume;
  strayResume = null;
  return owner;
}

class FutureIterator<T> implements Iterator<unknown, T, unknown> {
  #future: Future<T>;
  // The task the future was yielded to (null: a generator stepped outside tasks, as `drive()` does); NOT_YIELDED
  // before. Only that task resumes the generator, once the future is done.
  #yieldedTo: Task<unknown> | null | typeof NOT_YIELDED = NOT_YIELDED;
  constructor(future: Future<T>) {
    this.#future = future;
  }
  next(): IteratorResult<unknown, T> {
    const future = this.#future;
    if (!future.done()) {
      const yieldedTo = this.#yieldedTo;
      if (yieldedTo === NOT_YIELDED) {
        this.#yieldedTo = steppingTask;
        // In debug mode, where the generator suspends (its frames are on the stack only now), for the call graph.
        if (steppingTask !== null && future.getLoop().getDebug()) steppingTask._recordStack();
      } // Resumed while the future is pending, by another task: the generator is suspended here in `yieldedTo` and
      // was handed to a second task. Yielding the future again leaves the generator as it was; the stepping task
      // learns of it through `takeStrayResume()` and ends (CPython's "coroutine is being awaited already").
      else if (yieldedTo !== steppingTask) strayResume = yieldedTo;
      return { value: future, done: false };
    }
    return { value: future.result(), done: true };
  }
  // The task resumes a generator with `throw` when the awaited future failed or the task was cancelled; the
  // error must surface at the `yield*` in the generator, so it passes straight through.
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value: T): IteratorResult<unknown, T> {
    return { value, done: true };
  }
}

/**
 * Whether `value` is an asyncio `Future` (a `Task` is one too).
 *
 * @param value Anything.
 * @returns True for futures and tasks.
 *
 * @example A Future, not a promise
 * ```ts
 * import { isFuture } from "./future.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.equal(isFuture(loop.createFuture()), true);
 * assert.equal(isFuture(Promise.resolve(1)), false);
 * loop.close();
 * ```
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/**
 * Wraps an awaitable that is not an asyncio future — a promise, or a concurrent future from another thread — in a
 * `Future` of `loop` (Python's `asyncio.wrap_future`). Cancelling the wrapper calls the source's `cancel()` if it
 * has one. A `Future` is returned as it is.
 *
 * @typeParam T The type of the result.
 * @param source The awaitable to wrap.
 * @param loop The loop of the new future (default: the running loop, else the thread's event loop).
 * @returns A future that settles as the source does.
 * @throws {TypeError} If `source` is not awaitable.
 *
 * @example A promise as a Future of the loop
 * ```ts
 * import { wrapFuture } from "./future.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = wrapFuture(Promise.resolve("from a promise"), loop);
 * assert.equal(await loop.runUntilComplete(fut), "from a promise");
 * loop.close();
 * ```
 */
export function wrapFuture<T>(source: Thenable<T>, loop?: EventLoop): Future<T> {
  if (source instanceof Future) {
    if (loop !== undefined && source.getLoop() !== loop) {
      throw new TypeError(`Cannot wrap ${source}: it belongs to another event loop`);
    }
    return source;
  }
  if (source === null || typeof (source as { then?: unknown })?.then !== "function") {
    throw new TypeError(`Cannot wrap ${describe(source)}: expected a promise or another awaitable`);
  }
  const future = new Future<T>({ loop });
  const target = future.getLoop();
  const cancellable = source as unknown as { cancel?: () => unknown };
  if (typeof cancellable.cancel === "function") {
    future.addDoneCallback((f) => {
      if (f.cancelled()) cancellable.cancel!();
    });
  }
  source.then(
    (value) => {
      if (!future.done() && !target.isClosed()) {
        target.callSoonThreadsafe(() => !future.done() && future.setResult(value));
      }
    },
    (error) => {
      if (future.done() || target.isClosed()) return;
      target.callSoonThreadsafe(() => {
        if (future.done()) return;
        if (error instanceof CancelledError) future.cancel(error.message);
        else future.setException(error);
      });
    },
  );
  return future;
}
