/**
 * `Task`: a Future that runs a coroutine, with real cancellation (Python's `asyncio.Task`), and the functions
 * around it: `createTask`, `ensureFuture`, `currentTask`, `allTasks`; `sleep` lives in sleep.ts.
 *
 * A coroutine is either a generator object (`function*` delegating with `yield*`) or a function returning a
 * promise (`() => work(x)`), which the task calls on its first step. `task.cancel()` raises `CancelledError`
 * inside the coroutine at the await where it is suspended: anywhere in a generator, and at every await of a
 * library awaitable (Future, Task, sleep, …) in an async function. Foreign promises cannot be cancelled from
 * outside: pass them `task.signal`.
 *
 * The whole path of one task step is in this file: `loop._schedule(stepTask)` → step the coroutine → it awaits a
 * Future (`_awaitFuture` for async functions, `#handleYield` for generators) → the future's done-callback
 * schedules the task again → wake with the future's outcome.
 *
 * @example Cancel a task while it sleeps
 * ```ts
 * import { CancelledError } from "./errors.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const log: string[] = [];
 * const task = loop.createTask(async () => {
 *   try {
 *     await sleep(1000);
 *   } finally {
 *     log.push("cleaned up");
 *   }
 * });
 * loop.callLater(10, () => task.cancel("enough"));
 * await assert.rejects(loop.runUntilComplete(task), CancelledError);
 * assert.deepEqual(log, ["cleaned up"]);
 * assert.equal(task.cancelled(), true);
 * loop.close();
 * ```
 *
 * @module
 */

import { currentOrNewLoop, enterStep, runningLoop, steppingTask } from "./_current.ts";
import { TASK_IN_CONTEXT, taskContext } from "./_task_context.ts";
import { NO_ERROR, TaskExtras } from "./_task_extras.ts";
import { defaultTaskName, numberedTaskName, takeTaskNumberBits } from "./_task_number.ts";
import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { FULFILLED, settledPromise } from "./_promise_state.ts";
import { Rejection } from "./_rejection.ts";
import {
  awaitProblem,
  badYieldError,
  checkCoroutine,
  checkTaskName,
  markFinished,
  notAPromiseError,
  reportFinishedAfterClose,
  runningElsewhereError,
} from "./_task_checks.ts";
import { describe } from "./_describe.ts";
import { CancelledError, InvalidStateError } from "./errors.ts";
import { Future, type FutureState, takeStrayResume, type Thenable, wrapFuture } from "./future.ts";
import type { EventLoop } from "./loop.ts";

// `import { sleep } from "./task.ts"` stays valid (the agreed surface lists sleep with the task functions, and the
// `./task` subpath had it); sleep.ts is where it is defined.
export { sleep } from "./sleep.ts";

/**
 * What a task runs: a generator object (from a `function*` that awaits with `yield*`), or a function returning a
 * promise (an async function with its arguments bound: `() => work(x)`).
 *
 * @typeParam T The coroutine's result type.
 */
export type Coroutine<T> = Generator<unknown, T, unknown> | (() => PromiseLike<T>);

/**
 * Anything the combinators accept and turn into a Future with `ensureFuture`: a `Future` or `Task`, a coroutine (a
 * generator object, or a function returning a promise), or any other awaitable (a promise, `sleep()`, a lock's
 * `acquire()`).
 *
 * @typeParam T The type it resolves to.
 *
 * @example Three things a combinator accepts
 * ```ts
 * import { sleep } from "./sleep.ts";
 * import type { AwaitableLike } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const accepted: AwaitableLike<number>[] = [Promise.resolve(1), sleep(1, 2), async () => 3];
 * assert.equal(accepted.length, 3);
 * ```
 */
export type AwaitableLike<T> = Future<T> | Coroutine<T> | Thenable<T>;

/** Options of `createTask()`. */
export interface TaskOptions {
  /** The task's name (default `Task-<n>`). */
  name?: string;
  /** The loop (default: the running loop). */
  loop?: EventLoop;
  /**
   * Start the coroutine at once, inside the task's creation, when the loop is running (CPython 3.12's
   * `eager_start`; see eager_tasks.ts). Default false: the first step is scheduled.
   */
  eagerStart?: boolean;
}

/**
 * Makes the tasks of a loop (CPython's task factory, set with `loop.setTaskFactory`): called as
 * `factory(loop, coro, options)` by `loop.createTask`, `createTask` and `ensureFuture`, it returns the task.
 *
 * @example A factory that names every task
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { Task, type TaskFactory } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const named: TaskFactory = (loop, coro, options) => new Task(coro, { ...options, loop, name: "made" });
 * const loop = newEventLoop();
 * loop.setTaskFactory(named);
 * assert.equal(await loop.runUntilComplete(loop.createTask(async () => 1)), 1);
 * assert.equal(loop.createTask(async () => {}).getName(), "made");
 * loop.close();
 * ```
 */
export type TaskFactory = <T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions) => Task<T>;

// What a task waits on besides a Future: one pass through the ready queue (`sleep(0)`, a bare `yield`).
const YIELD = Symbol("yield");

// Bits of `Task.#flags`.
const GENERATOR = 1; // the coroutine is a generator object (else a function returning a promise)
const STARTED = 2; // the first step ran
const MUST_CANCEL = 4; // a cancel waits to be thrown into the coroutine at its next step or await
const EAGER = 8; // the async function is being called inside createTask (an eager start)
// Above the flag bits, `#flags` holds the task's number (see `_task_number.ts`).

/**
 * A coroutine running on an event loop (Python's `asyncio.Task`). A task is a `Future` of the coroutine's result.
 *
 * @typeParam T The coroutine's result type.
 *
 * @example States of a task
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const started = loop.createFuture<string>();
 * const task = loop.createTask(async () => await started);
 * assert.equal(task.state, "pending");
 * await loop.runUntilComplete(sleep(0));
 * assert.equal(task.state, "running"); // suspended on `started`, whatever the clock says
 * started.setResult("OK");
 * assert.equal(await loop.runUntilComplete(task), "OK");
 * assert.equal(task.state, "done");
 * loop.close();
 * ```
 */
export class Task<T = unknown> extends Future<T> {
  // A task is kept small — nine fields besides the Future's, counting the context brand — because benchmarks and
  // servers park hundreds of thousands of them: what only cancelled, named or debugged tasks need lives in
  // `#extras`, made on demand.
  #coro: Coroutine<T>;
  #flags: number;
  // What the task is suspended on — CPython's `_fut_waiter`: the one place cancellation goes through.
  #waiter: Future<unknown> | typeof YIELD | null = null;
  // For async-function tasks, how to resume the parked await: the resolve function the engine handed to `then`.
  // The reject function is not kept (a field and a 64-byte function less per parked task); an error is thrown in
  // by resolving with a `Rejection`, at the cost of one more microtask on that rarer path.
  #resolveAwait: ((value: unknown) => void) | null = null;
  #extras: TaskExtras | null = null;
  /**
   * @ignore The task itself, under the key by which an async context names its task: a field (rather than a
   * getter) so that Deno's `AsyncLocalStorage.run()`, which copies the current context's own properties into a new
   * one, carries it along (see `_task_context.ts`).
   */
  readonly [TASK_IN_CONTEXT]: Task<unknown> = this as Task<unknown>;
  /** @ignore Links of the loop's list of pending tasks. */
  _previousTask: Task<unknown> | null = null;
  /** @ignore Links of the loop's list of pending tasks. */
  _nextTask: Task<unknown> | null = null;

  /**
   * Wraps a coroutine in a task and schedules its first step. `loop.createTask()` and `createTask()` are the
   * usual ways.
   *
   * @param coro A generator object, or a function returning a promise.
   * @param options `name`, `loop`.
   * @throws {TypeError} If `coro` is not a coroutine; a promise is refused with the `() => …` form to use.
   */
  constructor(coro: Coroutine<T>, options?: TaskOptions) {
    const loop = options?.loop ?? currentOrNewLoop();
    super({ loop });
    const kind = checkCoroutine(coro) ? GENERATOR : 0;
    this.#coro = coro;
    const name = options?.name;
    checkTaskName(name);
    const numberBits = name === undefined ? takeTaskNumberBits() : 0;
    this.#flags = kind | numberBits;
    if (numberBits === 0) Task.#extrasOrNew(this).name = name ?? numberedTaskName();
    const context = taskContext.capture();
    if (context !== undefined) Task.#extrasOrNew(this).context = context;
    loop._registerTask(this as Task<unknown>);
    if (options?.eagerStart === true && loop.isRunning()) Task.#startEagerly(this);
    else loop._schedule(stepTask, this);
  }

  // CPython's `__eager_start`: the first step runs now, as the task being created is the current task; a
  // coroutine that ends without suspending leaves the task done before `createTask` returns.
  static #startEagerly<T>(self: Task<T>): void {
    self.#flags |= STARTED;
    if ((self.#flags & GENERATOR) !== 0) {
      Task.#stepGenerator(self, self.#coro as Generator<unknown, T, unknown>, true);
      return;
    }
    // The creator may be a generator task being stepped: the function is not part of that step.
    const previous = enterStep(null);
    try {
      self.#flags |= EAGER;
      Task.#startAsyncFunction(self);
    } finally {
      self.#flags &= ~EAGER;
      enterStep(previous);
    }
  }

  /**
   * The task's name.
   *
   * @returns The name given at creation or with `setName`, else `Task-<n>`.
   *
   * @example A task named at creation
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => {}, { name: "worker" });
   * assert.equal(task.getName(), "worker");
   * task.cancel();
   * loop.close();
   * ```
   */
  getName(): string {
    return this.#extras?.name ?? defaultTaskName(this.#flags);
  }

  /**
   * Renames the task.
   *
   * @param name The new name (converted to a string, as CPython).
   *
   * @example Rename a task
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => {});
   * task.setName("renamed");
   * assert.equal(task.getName(), "renamed");
   * task.cancel();
   * loop.close();
   * ```
   */
  setName(name: unknown): void {
    Task.#extrasOrNew(this).name = String(name);
  }

  /**
   * The coroutine the task runs: the generator object, or the function.
   *
   * @returns The coroutine given at creation.
   *
   * @example The function a task runs
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const work = async () => 1;
   * const task = loop.createTask(work);
   * assert.equal(task.getCoro(), work);
   * task.cancel();
   * loop.close();
   * ```
   */
  getCoro(): Coroutine<T> {
    return this.#coro;
  }

  /**
   * `"pending"` before the first step, `"running"` once the coroutine has started, then `"done"` or
   * `"cancelled"` — the four states of the tutorial we follow.
   *
   * @example Pending, then cancelled
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => {});
   * assert.equal(task.state, "pending");
   * task.cancel();
   * await loop.runUntilComplete(async () => {});
   * assert.equal(task.state, "cancelled");
   * loop.close();
   * ```
   */
  override get state(): FutureState {
    const state = super.state;
    return state === "pending" && (this.#flags & STARTED) !== 0 ? "running" : state;
  }

  /**
   * An `AbortSignal` aborted (with a `CancelledError`) when the task is cancelled: pass it to foreign promises
   * (`fetch`, Deno APIs) that a cancel cannot otherwise reach.
   *
   * @example Aborted by cancel()
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => {});
   * const signal = task.signal;
   * assert.equal(signal.aborted, false);
   * task.cancel();
   * assert.equal(signal.aborted, true);
   * loop.close();
   * ```
   */
  get signal(): AbortSignal {
    // Made on first use: most tasks never need one, and an AbortController per task would be on the hot path.
    return Task.#extrasOrNew(this).signal(this.cancelled());
  }

  /**
   * Requests cancellation (Python's `Task.cancel`): the coroutine gets a `CancelledError` at the await where it
   * is suspended — if that await is on a task, that task is cancelled too. A task not started yet never runs.
   * The coroutine may catch the error; unless it re-throws, the task goes on (see `uncancel`).
   *
   * @param message The message of the `CancelledError`.
   * @returns False if the task is already done, true otherwise.
   *
   * @example Cancel a sleeping task with a message
   * ```ts
   * import { CancelledError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => await sleep(60_000));
   * loop.callSoon(() => task.cancel("shutting down"));
   * await assert.rejects(loop.runUntilComplete(task), (e) => e instanceof CancelledError && e.message === "shutting down");
   * loop.close();
   * ```
   */
  override cancel(message?: string): boolean {
    if (this.done()) return false;
    if (message !== undefined && typeof message !== "string") message = String(message);
    const extras = Task.#extrasOrNew(this);
    // A future awaited besides the waiter (`Promise.all`) that the cancel reached wakes the task, unless the waiter
    // does.
    if (extras.requestCancel(message) && (this.#waiter === null || this.#waiter === YIELD)) return true;
    const waiter = this.#waiter;
    if (waiter !== null && waiter !== YIELD && waiter.cancel(message)) {
      // The waiter's done-callback wakes the task with the CancelledError.
      return true;
    }
    // Nothing to cancel right now (not started, a bare yield, a foreign promise, a waiter that was already
    // done): the next step throws CancelledError into the coroutine.
    this.#flags |= MUST_CANCEL;
    extras.cancelMessage = message;
    return true;
  }

  /**
   * How many cancellation requests are pending: `cancel()` adds one, `uncancel()` removes one.
   *
   * @returns The count.
   *
   * @example Two cancel requests
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => {});
   * task.cancel();
   * task.cancel();
   * assert.equal(task.cancelling(), 2);
   * loop.close();
   * ```
   */
  cancelling(): number {
    return this.#extras?.cancelRequests ?? 0;
  }

  /**
   * Withdraws one cancellation request (Python 3.11+ `Task.uncancel`), as structured-concurrency code does after
   * it handled a cancel it caused. At zero, a cancel not yet delivered is dropped.
   *
   * @returns The remaining count.
   *
   * @example Withdraw a cancel before it is delivered
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => "still runs");
   * task.cancel();
   * assert.equal(task.uncancel(), 0);
   * assert.equal(await loop.runUntilComplete(task), "still runs");
   * loop.close();
   * ```
   */
  uncancel(): number {
    const extras = this.#extras;
    if (extras === null) return 0;
    if (extras.cancelRequests > 0) {
      extras.cancelRequests--;
      if (extras.cancelRequests === 0) this.#flags &= ~MUST_CANCEL;
    }
    return extras.cancelRequests;
  }

  /**
   * Where the task is suspended, as stack frame lines. In debug mode (`loop.setDebug(true)`, `run(main, { debug:
   * true })`) a task records the stack where it suspends: an async-function task at each await of a library
   * awaitable (with the `async` frames of its callers), a generator task where it yields a future (its `yield*`
   * chain). Outside debug mode, and once the task is done, the list is empty.
   *
   * @returns Stack frame lines, innermost first.
   *
   * @example Frame lines, empty outside debug mode
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => {});
   * assert.ok(Array.isArray(task.getStack()));
   * task.cancel();
   * loop.close();
   * ```
   */
  getStack(): string[] {
    const extras = this.#extras;
    return extras === null || this.done() ? [] : extras.stackFrames();
  }

  /**
   * Tasks are finished by their coroutine only.
   *
   * @param _value Ignored.
   * @throws {InvalidStateError} Always, as CPython's `Task.set_result`.
   *
   * @example A task refuses a result from outside
   * ```ts
   * import { InvalidStateError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => 1);
   * assert.throws(() => task.setResult(2), InvalidStateError);
   * task.cancel();
   * loop.close();
   * ```
   */
  override setResult(_value: T): never {
    throw new InvalidStateError(`${this} does not support setResult(): a task ends when its coroutine does`);
  }

  /**
   * Tasks are finished by their coroutine only.
   *
   * @param _exception Ignored.
   * @throws {InvalidStateError} Always, as CPython's `Task.set_exception`.
   *
   * @example A task refuses an exception from outside
   * ```ts
   * import { InvalidStateError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => 1);
   * assert.throws(() => task.setException(new Error("x")), InvalidStateError);
   * task.cancel();
   * loop.close();
   * ```
   */
  override setException(_exception: unknown): never {
    throw new InvalidStateError(`${this} does not support setException(): a task ends when its coroutine does`);
  }

  /**
   * A readable description, as CPython's repr: `<Task pending name='Task-1' coro=work()>`.
   *
   * @returns The description.
   *
   * @example A task's description
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async function work() {}, { name: "w" });
   * assert.equal(String(task), "<Task pending name='w' coro=work()>");
   * task.cancel();
   * loop.close();
   * ```
   */
  override toString(): string {
    const coro = this.#coro as { name?: string; constructor?: { name?: string } };
    const coroName = typeof coro === "function" ? coro.name || "anonymous" : "generator";
    return `<Task ${
      this.state === "running" ? "pending" : this._describeState()
    } name='${this.getName()}' coro=${coroName}()>`;
  }

  // ---- The engine. ----------------------------------------------------------------------------------------

  /** @ignore One step: the first call of the coroutine, or a generator resumed after what it waited on. */
  _step(): void {
    if (this.done()) return;
    const flags = this.#flags;
    this.#flags = flags | STARTED;
    if ((flags & GENERATOR) !== 0) {
      Task.#stepGenerator(this, this.#coro as Generator<unknown, T, unknown>, (flags & STARTED) === 0);
    } else {
      Task.#startAsyncFunction(this);
    }
  }

  static #stepGenerator<T>(self: Task<T>, generator: Generator<unknown, T, unknown>, firstStep: boolean): void {
    // What to send into the coroutine: the outcome of what it waited on, or a CancelledError.
    let error: unknown = NO_ERROR;
    let value: unknown = undefined;
    const waiter = self.#waiter;
    self.#waiter = null;
    const extras = self.#extras;
    if ((self.#flags & MUST_CANCEL) !== 0) {
      self.#flags &= ~MUST_CANCEL;
      error = Task.#makeCancelledError(self);
    } else if (extras !== null && extras.stepError !== NO_ERROR) {
      error = extras.stepError;
      extras.stepError = NO_ERROR;
    } else if (waiter === YIELD) {
      value = Task.#takeYieldValue(self);
    } else if (waiter !== null) {
      if (waiter.cancelled()) error = waiter._makeCancelledError();
      else if (waiter._failed()) error = waiter.exception();
      else value = waiter.result();
    }
    const context = extras?.context;
    const previousContext = context === undefined ? undefined : taskContext.enter(context);
    const previous = enterStep(self as Task<unknown>);
    let result: IteratorResult<unknown, T>;
    let other: Task<unknown> | null;
    try {
      result = error === NO_ERROR ? generator.next(value) : generator.throw(error);
    } catch (thrown) {
      enterStep(previous);
      if (context !== undefined) taskContext.restore(previousContext);
      markFinished(generator);
      Task.#finishWithError(self, thrown);
      return;
    }
    enterStep(previous);
    if (context !== undefined) taskContext.restore(previousContext);
    if (result.done) {
      markFinished(generator);
      Task.#finishWithValue(self, result.value);
    } else if (firstStep && (other = takeStrayResume()) !== null) {
      // Its first step resumed a generator that another task is running (suspended in it): CPython's
      // "coroutine is being awaited already". The other task keeps it; this one ends.
      Task.#finishWithError(self, runningElsewhereError(other));
    } else {
      Task.#handleYield(self, result.value);
    }
  }

  // A generator yielded: a Future to wait on, or nothing (one pass through the ready queue).
  static #handleYield<T>(self: Task<T>, yielded: unknown): void {
    if (yielded === undefined || yielded === null) {
      self.#waiter = YIELD;
      self.getLoop()._schedule(stepTask, self);
      return;
    }
    if (yielded instanceof Future) {
      const problem = awaitProblem(self as Task<unknown>, yielded);
      if (problem !== null) {
        Task.#extrasOrNew(self).stepError = problem;
        self.getLoop()._schedule(stepTask, self);
        return;
      }
      self.#waiter = yielded;
      yielded._addCallback(stepTask, self);
      if ((self.#flags & MUST_CANCEL) !== 0 && yielded.cancel(self.#extras?.cancelMessage)) {
        self.#flags &= ~MUST_CANCEL;
      }
      return;
    }
    Task.#extrasOrNew(self).stepError = badYieldError(self as Task<unknown>, yielded);
    self.getLoop()._schedule(stepTask, self);
  }

  static #startAsyncFunction<T>(self: Task<T>): void {
    if ((self.#flags & MUST_CANCEL) !== 0) {
      // Cancelled before its first step: the function is never called, as a coroutine never started.
      self.#flags &= ~MUST_CANCEL;
      Task.#finishWithError(self, Task.#makeCancelledError(self));
      return;
    }
    self.getLoop()._noteMicrotasks();
    taskContext.run(self as Task<unknown>, callAsyncFunction, self.#extras?.context);
  }

  /** @ignore Calls the async function; runs inside the task's async context (see `_task_context.ts`). */
  _callAsyncFunction(): void {
    // (No `enterStep` here: the async context already names this task, for currentTask() as for every await.)
    let promise: unknown;
    try {
      promise = (this.#coro as () => PromiseLike<T>)();
    } catch (error) {
      Task.#finishWithError(this, error);
      return;
    }
    if (promise instanceof Promise) {
      if ((this.#flags & EAGER) !== 0 && Task.#endedAtOnce(this, promise)) return;
      // The reactions are shared functions that find their task in the async context: no closure per task.
      promise.then(asyncFunctionReturned, asyncFunctionThrew);
    } else if (isThenable(promise)) {
      Promise.resolve(promise).then(asyncFunctionReturned, asyncFunctionThrew);
    } else {
      Task.#finishWithError(this, notAPromiseError(this as Task<unknown>, promise));
    }
  }

  /**
   * @ignore `await future` inside this task's async function (called from `Future.then`). Returns false when the
   * await is not the task's own (the task already waits on something, as in `Promise.all([a, b])`): the caller
   * then registers a plain callback instead.
   */
  _awaitFuture(
    future: Future<unknown>,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ): boolean {
    if ((this.#flags & GENERATOR) !== 0 || this.#waiter !== null || this.done()) return false;
    const problem = awaitProblem(this as Task<unknown>, future);
    if (problem !== null) {
      reject(problem);
      return true;
    }
    if ((this.#flags & MUST_CANCEL) !== 0) {
      // A cancel arrived while the function ran (it may have cancelled itself) or awaited a foreign promise: it
      // surfaces at this await. A pending future is cancelled and waited for, as CPython's step passes a pending
      // cancel on to the future the coroutine yields (bpo-34872): the CancelledError comes with its done-callback,
      // one loop iteration later, as in CPython.
      if (future.done()) {
        this.#flags &= ~MUST_CANCEL;
        reject(Task.#makeCancelledError(this));
        return true;
      }
      this.#waiter = future;
      this.#resolveAwait = resolve;
      future._addCallback(wakeAsyncFunction, this);
      if (future.cancel(this.#extras?.cancelMessage)) this.#flags &= ~MUST_CANCEL;
      return true;
    }
    if (future.done()) {
      // As in CPython, awaiting a done future does not suspend the task.
      if (future.cancelled()) reject(future._makeCancelledError());
      else if (future._failed()) reject(future.exception());
      else resolve(future.result());
      return true;
    }
    this.#waiter = future;
    this.#resolveAwait = resolve;
    if (this.getLoop().getDebug()) Task.#extrasOrNew(this).recordStack();
    future._addCallback(wakeAsyncFunction, this);
    return true;
  }

  /**
   * @ignore Calls `hook` as soon as the task ends, in the step that ends it, instead of a loop iteration later
   * as a done-callback: the worker bootstrap replies to the calling thread this way without a loop hop.
   */
  _onFinished(hook: () => void): void {
    Task.#extrasOrNew(this).finishedHook = hook;
  }

  /** @ignore Records where the task suspends now (debug mode: see `getStack`). */
  _recordStack(): void {
    Task.#extrasOrNew(this).recordStack();
  }

  /** @ignore Notes a future the task awaits besides its waiter (see `Future.then`). */
  _alsoWaitOn(future: Future<unknown>): void {
    Task.#extrasOrNew(this).alsoWaitOn(future);
    future._addCallback(forgetOtherWaiter, this);
  }

  /** @ignore The future is done: a cancel need not reach it any more. */
  _forgetOtherWaiter(): void {
    this.#extras?.forgetDoneWaiters();
  }

  /**
   * @ignore `await sleep(ms)` with a cancel pending: no timer is started, and the cancel is raised after one pass
   * through the ready queue, when CPython's task would have cancelled the sleep's future and been woken by it.
   */
  _awaitSleepWithPendingCancel(resolve: (value: unknown) => void): boolean {
    const flags = this.#flags;
    if ((flags & GENERATOR) !== 0 || (flags & MUST_CANCEL) === 0 || this.#waiter !== null || this.done()) {
      return false;
    }
    this.#waiter = YIELD;
    this.#resolveAwait = resolve;
    this.getLoop()._schedule(wakeAsyncFunction, this);
    return true;
  }

  /** @ignore Raises a pending cancel at an await that has not started waiting yet (see `Queue.get`). */
  _deliverPendingCancel(reject: (reason: unknown) => void): boolean {
    const flags = this.#flags;
    if ((flags & GENERATOR) !== 0 || (flags & MUST_CANCEL) === 0 || this.#waiter !== null || this.done()) {
      return false;
    }
    this.#flags = flags & ~MUST_CANCEL;
    reject(Task.#makeCancelledError(this));
    return true;
  }

  /**
   * @ignore `await sleep(0)` inside this task's async function: one pass through the ready queue. A pending cancel
   * is raised when it wakes, as CPython's next step throws it in after the bare yield.
   */
  _awaitYield(resolve: (value: unknown) => void, _reject: (reason: unknown) => void, value: unknown): boolean {
    if ((this.#flags & GENERATOR) !== 0 || this.#waiter !== null || this.done()) return false;
    this.#waiter = YIELD;
    if (value !== undefined) Task.#extrasOrNew(this).yieldValue = value;
    this.#resolveAwait = resolve;
    this.getLoop()._schedule(wakeAsyncFunction, this);
    return true;
  }

  /** @ignore Resumes the async function's await with the outcome of its waiter, or with a CancelledError. */
  _wakeAsyncFunction(): void {
    this.getLoop()._noteMicrotasks();
    const waiter = this.#waiter;
    const resolve = this.#resolveAwait!;
    this.#waiter = null;
    this.#resolveAwait = null;
    if ((this.#flags & MUST_CANCEL) !== 0) {
      this.#flags &= ~MUST_CANCEL;
      resolve(new Rejection(Task.#makeCancelledError(this)));
    } else if (waiter === YIELD) {
      resolve(Task.#takeYieldValue(this));
    } else if (waiter!.cancelled()) {
      resolve(new Rejection(waiter!._makeCancelledError()));
    } else if (waiter!._failed()) {
      resolve(new Rejection(waiter!.exception()));
    } else {
      resolve(waiter!.result());
    }
  }

  /** @ignore The async function returned. */
  _asyncFunctionReturned(value: T): void {
    if (!this.done()) Task.#finishWithValue(this, value);
  }

  /** @ignore The async function threw. */
  _asyncFunctionThrew(error: unknown): void {
    if (!this.done()) Task.#finishWithError(this, error);
  }

  // An eager async function that returned without awaiting has a settled promise already: where the host shows
  // a promise's state (Deno), the task ends now, "done on return" as CPython's eager task, not a microtask later.
  static #endedAtOnce<T>(self: Task<T>, promise: Promise<unknown>): boolean {
    const settled = settledPromise(promise);
    if (settled === null) return false;
    if (settled[0] === FULFILLED) {
      Task.#finishWithValue(self, settled[1] as T);
    } else {
      promise.catch(ignoreRejection); // handled here: no unhandled-rejection report for it
      Task.#finishWithError(self, settled[1]);
    }
    return true;
  }

  static #finishWithValue<T>(self: Task<T>, value: T): void {
    self.getLoop()._unregisterTask(self as Task<unknown>);
    try {
      // Cancelled during its last step, the task ends cancelled, as CPython's `__step` ("Task is cancelled right
      // before coro stops").
      if ((self.#flags & MUST_CANCEL) !== 0) {
        self._markCancelled(self.#extras?.cancelMessage);
      } else {
        self._resolve(value);
      }
    } catch (error) {
      reportFinishedAfterClose(self as Task<unknown>, error);
    }
    self.#extras?.finishedHook?.();
  }

  static #finishWithError<T>(self: Task<T>, error: unknown): void {
    self.getLoop()._unregisterTask(self as Task<unknown>);
    try {
      if (error instanceof CancelledError) self._markCancelled(error.message, error);
      else self._reject(error);
    } catch (scheduleError) {
      reportFinishedAfterClose(self as Task<unknown>, scheduleError);
    }
    self.#extras?.finishedHook?.();
  }

  static #makeCancelledError<T>(self: Task<T>): CancelledError {
    return new CancelledError(self.#extras?.cancelMessage);
  }

  static #extrasOrNew<T>(self: Task<T>): TaskExtras {
    return self.#extras ??= new TaskExtras();
  }

  static #takeYieldValue<T>(self: Task<T>): unknown {
    const extras = self.#extras;
    return extras === null ? undefined : extras.takeYieldValue();
  }
}

function ignoreRejection(): void {}

function stepTask(task: Task<unknown>): void {
  task._step();
}

function forgetOtherWaiter(task: Task<unknown>): void {
  task._forgetOtherWaiter();
}

function wakeAsyncFunction(task: Task<unknown>): void {
  task._wakeAsyncFunction();
}

function callAsyncFunction(task: Task<unknown>): void {
  task._callAsyncFunction();
}

function asyncFunctionReturned(value: unknown): void {
  taskContext.getStore()!._asyncFunctionReturned(value);
}

function asyncFunctionThrew(error: unknown): void {
  taskContext.getStore()!._asyncFunctionThrew(error);
}

/**
 * Wraps a coroutine in a task on the running loop (Python's `asyncio.create_task`).
 *
 * @typeParam T The coroutine's result type.
 * @param coro A generator object, or a function returning a promise (`() => work(x)`).
 * @param options `name`, and `loop` to use another than the running loop.
 * @returns The task.
 * @throws {TypeError} If `coro` is not a coroutine; a promise is refused with the `() => …` form to use.
 * @throws {InvalidStateError} If no loop is running and none is given.
 *
 * @example A child task of the running loop
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { createTask } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const result = await loop.runUntilComplete(async () => {
 *   const child = createTask(async () => "child done", { name: "child" });
 *   return await child;
 * });
 * assert.equal(result, "child done");
 * loop.close();
 * ```
 */
export function createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
  const loop = options?.loop ?? runningLoop;
  if (loop === null || loop === undefined) {
    throw new InvalidStateError("Cannot createTask(): no running event loop; use loop.createTask() or ensureFuture()");
  }
  return loop.createTask(coro, options);
}

/**
 * Makes sure of a Future (Python's `asyncio.ensure_future`): a Future or Task is returned as it is, a coroutine is
 * wrapped in a task, an iterable awaitable (`sleep()`) in a task that delegates to it, and a promise in a Future
 * (`wrapFuture`) — cancelling that Future cannot reach inside the promise, which goes on.
 *
 * @typeParam T The result type.
 * @param awaitable A Future, a coroutine, or an awaitable.
 * @param loop The loop (default: the running loop, else the thread's event loop).
 * @returns A Future of the loop.
 * @throws {TypeError} If `awaitable` is none of these, or a Future of another loop.
 *
 * @example A task for a coroutine, a Future for a promise
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { ensureFuture, Task } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fromCoroutine = ensureFuture(async () => "coroutine", loop);
 * assert.ok(fromCoroutine instanceof Task);
 * assert.equal(ensureFuture(fromCoroutine, loop), fromCoroutine);
 * const fromPromise = ensureFuture(Promise.resolve("promise"), loop);
 * assert.equal(await loop.runUntilComplete(fromPromise), "promise");
 * assert.equal(await loop.runUntilComplete(fromCoroutine), "coroutine");
 * loop.close();
 * ```
 */
export function ensureFuture<T>(
  awaitable: Coroutine<T> | Future<T> | Thenable<T> | Iterable<unknown, T, unknown>,
  loop?: EventLoop,
): Future<T> {
  if (awaitable instanceof Future) {
    if (loop !== undefined && awaitable.getLoop() !== loop) {
      throw new TypeError(`Cannot ensureFuture(${awaitable}): it belongs to another loop than ${loop}`);
    }
    return awaitable;
  }
  const target = loop ?? currentOrNewLoop();
  if (typeof awaitable === "function" || isGeneratorObject(awaitable)) {
    return target.createTask(awaitable as Coroutine<T>);
  }
  if (awaitable !== null && typeof awaitable === "object" && Symbol.iterator in awaitable) {
    const iterable = awaitable as Iterable<unknown, T, unknown>;
    return target.createTask((function* awaitIterable() {
      return yield* iterable;
    })());
  }
  if (isThenable(awaitable)) {
    // Wrapped at once, so that a promise that already failed is handled (no unhandled rejection); cancelling the
    // wrapper cannot reach inside the promise, which goes on.
    return wrapFuture(awaitable as Thenable<T>, target);
  }
  throw new TypeError(
    `ensureFuture() needs a Future, a coroutine or an awaitable, received ${describe(awaitable)}`,
  );
}

/**
 * The task whose code is running now, or `null` outside tasks (Python's `asyncio.current_task`).
 *
 * @param loop Only a task of this loop counts (default: any).
 * @returns The current task, or null.
 *
 * @example The task running now
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { currentTask, type Task } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * // (A task's function cannot return the task itself: an async function adopts a returned thenable.)
 * const task: Task<boolean> = loop.createTask(async (): Promise<boolean> => currentTask() === task);
 * assert.equal(await loop.runUntilComplete(task), true);
 * assert.equal(currentTask(), null);
 * loop.close();
 * ```
 */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  let task = steppingTask;
  if (task === null) {
    const stored = taskContext.getStore();
    if (stored !== undefined && !stored.done()) task = stored;
  }
  if (task !== null && loop !== undefined && task.getLoop() !== loop) return null;
  return task;
}

/**
 * The tasks of a loop that are not done yet (Python's `asyncio.all_tasks`).
 *
 * @param loop The loop (default: the running loop).
 * @returns A new Set of the pending tasks.
 * @throws {InvalidStateError} If no loop is given and none is running.
 *
 * @example Pending tasks only
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { allTasks } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const sleeper = loop.createTask(async () => await sleep(5));
 * assert.ok(allTasks(loop).has(sleeper));
 * await loop.runUntilComplete(sleeper);
 * assert.equal(allTasks(loop).size, 0);
 * loop.close();
 * ```
 */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  const target = loop ?? runningLoop;
  if (target === null) throw new InvalidStateError("Cannot list tasks: no running event loop and none given");
  return new Set(target._pendingTasks());
}
