/**
 * `EventLoop`: runs callbacks, timers and tasks (Python's asyncio event loop), plus the functions that find the
 * thread's loop.
 *
 * One loop iteration, as CPython's `_run_once`: move the timers that are due into the ready queue, then run
 * exactly the callbacks that were ready when the iteration began — callbacks scheduled meanwhile run in the next
 * iteration. Between iterations the loop gives the thread back to Deno (a macrotask, or after a short chain of
 * iterations), so host timers, I/O and worker messages are never starved; all pending timers share one host timer,
 * set for the earliest deadline (how the loop waits on the host is `_host_pacing.ts`). Callbacks only run while the
 * loop runs (`runUntilComplete`, `runForever`).
 *
 * Durations are milliseconds; `time()` is the loop's clock in milliseconds.
 *
 * @example Callbacks and timers
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const order: string[] = [];
 * loop.callLater(20, () => { order.push("later"); loop.stop(); });
 * loop.callSoon(() => order.push("soon"));
 * await loop.runForever();
 * assert.deepEqual(order, ["soon", "later"]);
 * loop.close();
 * ```
 *
 * @module
 */

import {
  currentLoop,
  currentOrNewLoop,
  loopIdBase,
  runningLoop,
  setCurrentLoop,
  setLoopFactory,
  setRunningLoop,
} from "./_current.ts";
import { describe } from "./_describe.ts";
import { HostPacing } from "./_host_pacing.ts";
import { callbackErrorReport, formatReport, reportLeftovers, slowCallbackReport } from "./_loop_reports.ts";
import { runMicrotasks } from "./_microtask_checkpoint.ts";
import { makeDefaultExecutor, submitAs } from "./_executor_hooks.ts";
import { type TimerEntry, TimerHeap } from "./_timer_heap.ts";
import { InvalidStateError } from "./errors.ts";
import { Future, type Thenable, wrapFuture } from "./future.ts";
import { Handle, TimerHandle } from "./handle.ts";
import { type Coroutine, ensureFuture, Task, type TaskFactory, type TaskOptions } from "./task.ts";
import type { Clock } from "./virtual_clock.ts";

/** Options of `newEventLoop()`. */
export interface EventLoopOptions {
  /** The clock the loop reads (default: `performance.now()`); a `VirtualClock` makes time jump when idle. */
  clock?: Clock;
  /** Start in debug mode (see `setDebug`). */
  debug?: boolean;
}

/** What the exception handler is told (Python's exception-handler context). */
export interface ExceptionContext {
  /** What happened. */
  message: string;
  /** The exception, when there is one. */
  exception?: unknown;
  /** The future concerned, if any. */
  future?: Future<unknown>;
  /** The task concerned, if any. */
  task?: Task<unknown>;
  /** The handle concerned, if any. */
  handle?: Handle;
  /** Anything else a caller adds. */
  [key: string]: unknown;
}

/** A loop's exception handler: `handler(loop, context)`. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/** Something that runs functions elsewhere: what `runInExecutor` hands work to (threads.ts provides pools). */
export interface Executor {
  /** Starts `fn(...args)` and returns an awaitable of its result. */
  // deno-lint-ignore no-explicit-any
  submit(fn: any, ...args: any[]): PromiseLike<unknown>;
  /** Stops accepting work; with `wait`, resolves once running work has finished. */
  shutdown(options?: { wait?: boolean; cancelFutures?: boolean }): unknown;
}

const systemClock: Clock = { now: () => performance.now() };

// The clock's resolution: a timer due within this much of now counts as due, as CPython's `_clock_resolution`.
const CLOCK_RESOLUTION_MS = 0.001;

// Timers cancelled in bulk are removed from the heap all at once when they outnumber the live ones (CPython's
// `_MIN_SCHEDULED_TIMER_HANDLES` / `_MIN_CANCELLED_TIMER_HANDLES_FRACTION`).
const MIN_CANCELLED_TIMERS_FOR_CLEANUP = 100;

let nextLoopId = 1;

/**
 * An asyncio event loop.
 *
 * @example Run a coroutine to completion
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const task = loop.createTask(async () => "OK");
 * assert.equal(await loop.runUntilComplete(task), "OK");
 * assert.equal(task.done(), true);
 * loop.close();
 * ```
 */
export class EventLoop {
  /**
   * A number that identifies the loop in messages (Python's `id(loop)` in the tutorial's output), distinct across
   * threads: a loop thread's loops count from a million times the thread's id.
   */
  readonly id: number = loopIdBase + nextLoopId++;
  /** In debug mode, a callback that runs longer than this (ms) is reported. Default 100 ms, as CPython. */
  slowCallbackDuration = 100;

  #clock: Clock;
  // The ready queue as flat (function, argument) pairs: no Handle is allocated for the loop's own callbacks
  // (task steps, wake-ups), only for user `callSoon`s. Two arrays swap roles each iteration.
  #ready: unknown[] = [];
  #spare: unknown[] = [];
  #timers = new TimerHeap();
  #cancelledTimers = 0;
  #running = false;
  #stopping = false;
  #closed = false;
  #inIteration = false;
  #debug = false;
  #exceptionHandler: ExceptionHandler | null = null;
  // How the loop waits on the host between iterations (a macrotask, a host timer, or the next iteration at once).
  #pacing = new HostPacing((afterHostTurn) => this.#runOnce(afterHostTurn));
  // Set when a callback resumed or started an async function, or ran user code: its microtasks must run before
  // the next callback, as a coroutine's step completes within CPython's callback (see _microtask_checkpoint.ts).
  #microtasksMatter = false;
  #runFinished: (() => void) | null = null;
  #defaultExecutor: Executor | null = null;
  #unretrieved = new Set<Future<unknown>>();
  // The pending tasks, as an intrusive doubly linked list through the tasks themselves: registering and
  // unregistering a task is two pointer writes, where a Set would hash every task on the hot path.
  #firstTask: Task<unknown> | null = null;
  #taskOptions: TaskOptions = { loop: this };
  #taskFactory: TaskFactory | null = null;

  /**
   * Makes a loop; `newEventLoop()` is the usual way.
   *
   * @param options `clock` and `debug`.
   */
  constructor(options?: EventLoopOptions) {
    const clock = options?.clock ?? systemClock;
    if (clock === null || typeof clock !== "object" || typeof clock.now !== "function") {
      throw new TypeError(`Cannot make an event loop: clock must have a now() method, received ${describe(clock)}`);
    }
    this.#clock = clock;
    this.#debug = options?.debug === true;
  }

  /**
   * The loop's time in milliseconds, from its clock (monotonic; only differences matter).
   *
   * @returns The current loop time.
   *
   * @example The time of a virtual clock
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock(7) });
   * assert.equal(loop.time(), 7);
   * loop.close();
   * ```
   */
  time(): number {
    return this.#clock.now();
  }

  /**
   * Schedules `callback(...args)` for the next loop iteration. Callbacks run in the order they were scheduled.
   *
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A handle to cancel the call.
   * @throws {TypeError} If `callback` is not a function.
   * @throws {InvalidStateError} If the loop is closed.
   *
   * @example A callback with arguments
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const seen: number[] = [];
   * loop.callSoon((a: number, b: number) => seen.push(a, b), 1, 2);
   * loop.callSoon(() => loop.stop());
   * await loop.runForever();
   * assert.deepEqual(seen, [1, 2]);
   * loop.close();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  callSoon<A extends any[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this.#checkCallback(callback, "callSoon");
    this.#checkOpen();
    const handle = new Handle(callback as (...args: never[]) => unknown, args, this);
    this._schedule(runHandle, handle);
    return handle;
  }

  /**
   * The same as `callSoon`; safe from any host callback of this thread (a worker message, an I/O callback). Other
   * threads reach a loop through threads.ts.
   *
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A handle to cancel the call.
   * @throws {TypeError} If `callback` is not a function.
   * @throws {InvalidStateError} If the loop is closed.
   *
   * @example Stop the loop from a host timer
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * setTimeout(() => loop.callSoonThreadsafe(() => loop.stop()), 1);
   * await loop.runForever();
   * assert.equal(loop.isRunning(), false);
   * loop.close();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  callSoonThreadsafe<A extends any[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoon(callback, ...args);
  }

  /**
   * Schedules `callback(...args)` to run `delayMs` milliseconds from now. A negative delay means now, as in
   * CPython (deadlines computed as `when - now` go negative in real code). Timers due at the same time run in
   * the order they were scheduled.
   *
   * @param delayMs The delay in ms.
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A timer handle to cancel the call.
   * @throws {TypeError} If `delayMs` is not a number or `callback` not a function.
   * @throws {RangeError} If `delayMs` is NaN.
   * @throws {InvalidStateError} If the loop is closed.
   *
   * @example A timer on virtual time
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * loop.callLater(100, () => loop.stop());
   * await loop.runForever();
   * assert.equal(loop.time(), 100);
   * loop.close();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  callLater<A extends any[]>(delayMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkTime(delayMs, "callLater", "delay");
    this.#checkCallback(callback, "callLater");
    return this.#addTimerHandle(this.#clock.now() + delayMs, callback, args);
  }

  /**
   * Schedules `callback(...args)` at loop time `whenMs` (compare `time()`).
   *
   * @param whenMs The loop time, in ms.
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A timer handle to cancel the call.
   * @throws {TypeError} If `whenMs` is not a number or `callback` not a function.
   * @throws {RangeError} If `whenMs` is NaN.
   * @throws {InvalidStateError} If the loop is closed.
   *
   * @example A callback at a given loop time
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * let at = -1;
   * loop.callAt(30, () => { at = loop.time(); loop.stop(); });
   * await loop.runForever();
   * assert.equal(at, 30);
   * loop.close();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  callAt<A extends any[]>(whenMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkTime(whenMs, "callAt", "time");
    this.#checkCallback(callback, "callAt");
    return this.#addTimerHandle(whenMs, callback, args);
  }

  // deno-lint-ignore no-explicit-any
  #addTimerHandle(whenMs: number, callback: (...args: any[]) => unknown, args: unknown[]): TimerHandle {
    this.#checkOpen();
    const timer = new TimerHandle(whenMs, callback as (...args: never[]) => unknown, args, this);
    this._addTimer(timer, whenMs);
    return timer;
  }

  /**
   * Makes a pending `Future` of this loop.
   *
   * @typeParam T The type of its result.
   * @returns The future.
   *
   * @example A future of this loop
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.createFuture().getLoop(), loop);
   * loop.close();
   * ```
   */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Wraps a coroutine in a `Task` of this loop and schedules its first step.
   *
   * @typeParam T The type of the coroutine's result.
   * @param coro A generator object, or a function returning a promise (`() => work(x)`).
   * @param options `name`.
   * @returns The task.
   * @throws {TypeError} If `coro` is not a coroutine (a bare promise is refused with a hint).
   *
   * @example A named task
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const task = loop.createTask(async () => 1 + 1, { name: "adder" });
   * assert.equal(task.getName(), "adder");
   * assert.equal(await loop.runUntilComplete(task), 2);
   * loop.close();
   * ```
   */
  createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    this.#checkOpen();
    const factory = this.#taskFactory;
    if (factory === null) return new Task(coro, options === undefined ? this.#taskOptions : { ...options, loop: this });
    const task: unknown = factory(this, coro, options);
    if (!(task instanceof Future)) {
      throw new TypeError(`The task factory of ${this} returned ${describe(task)}, not a Task`);
    }
    return task as Task<T>;
  }

  /**
   * Sets the function that makes this loop's tasks (Python's `loop.set_task_factory`): `loop.createTask`,
   * `createTask` and `ensureFuture` call `factory(loop, coro, options)`. `null` restores the default. Use
   * `eagerTaskFactory` (eager_tasks.ts) for CPython 3.12's eager tasks.
   *
   * @param factory The factory, or null.
   * @throws {TypeError} If `factory` is neither a function nor null.
   *
   * @example Eager tasks for a whole loop
   * ```ts
   * import { eagerTaskFactory } from "./eager_tasks.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * loop.setTaskFactory(eagerTaskFactory);
   * assert.equal(loop.getTaskFactory(), eagerTaskFactory);
   * const done = await loop.runUntilComplete(async () => loop.createTask(function* () {}()).done());
   * assert.equal(done, true); // it ran inside createTask
   * loop.setTaskFactory(null);
   * assert.equal(loop.getTaskFactory(), null);
   * loop.close();
   * ```
   */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") {
      throw new TypeError(`A task factory must be a function or null, received ${describe(factory)}`);
    }
    this.#taskFactory = factory;
  }

  /**
   * The loop's task factory (Python's `loop.get_task_factory`).
   *
   * @returns The factory set with `setTaskFactory`, or null for the default.
   *
   * @example No factory by default
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.getTaskFactory(), null);
   * loop.close();
   * ```
   */
  getTaskFactory(): TaskFactory | null {
    return this.#taskFactory;
  }

  /**
   * Runs the loop until `awaitable` is done and returns its result (Python's `run_until_complete`). A coroutine
   * is wrapped in a task first. Returns a promise: JavaScript cannot block the thread that runs the loop.
   *
   * @typeParam T The result type.
   * @param awaitable A future, task, coroutine or promise.
   * @returns The awaitable's result.
   * @throws {InvalidStateError} If the loop is closed or already running, or another loop runs on this thread,
   * or the loop was stopped before the awaitable finished.
   *
   * @example Run until a sleep is over
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(await loop.runUntilComplete(sleep(1, "slept")), "slept");
   * loop.close();
   * ```
   */
  async runUntilComplete<T>(awaitable: Coroutine<T> | PromiseLike<T> | Iterable<unknown>): Promise<T> {
    this.#checkOpen();
    this.#checkNotRunning();
    const future = ensureFuture<T>(awaitable as Coroutine<T>, this);
    const stopWhenDone = () => this.stop();
    future._addCallback(stopWhenDone, undefined);
    try {
      await this.runForever();
    } finally {
      future._removeCallback(stopWhenDone, undefined);
    }
    if (!future.done()) throw new InvalidStateError("Event loop stopped before Future completed.");
    return future.result();
  }

  /**
   * Runs the loop until `stop()` is called (Python's `run_forever`); the promise resolves then.
   *
   * @returns A promise that resolves when the loop stops.
   * @throws {InvalidStateError} If the loop is closed or already running, or another loop runs on this thread.
   *
   * @example Run until a callback stops the loop
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * loop.callSoon(() => loop.stop());
   * await loop.runForever();
   * assert.equal(loop.isRunning(), false);
   * loop.close();
   * ```
   */
  runForever(): Promise<void> {
    try {
      this.#checkOpen();
      this.#checkNotRunning();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#running = true;
    setRunningLoop(this);
    return new Promise<void>((resolve) => {
      this.#runFinished = resolve;
      this.#requestIteration();
    });
  }

  /**
   * Stops the loop after the current iteration (Python's `stop`): the callbacks already ready still run. Called
   * before the loop runs, the next run does one iteration and stops.
   *
   * @example The callbacks already ready still run
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const order: string[] = [];
   * loop.callSoon(() => { loop.stop(); order.push("a"); });
   * loop.callSoon(() => order.push("b"));
   * await loop.runForever();
   * assert.deepEqual(order, ["a", "b"]);
   * loop.close();
   * ```
   */
  stop(): void {
    this.#stopping = true;
    if (this.#running) this.#requestIteration();
  }

  /**
   * Whether the loop is running.
   *
   * @returns True between the start of `runForever`/`runUntilComplete` and its end.
   *
   * @example Running only inside runUntilComplete
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.isRunning(), false);
   * assert.equal(await loop.runUntilComplete(async () => loop.isRunning()), true);
   * loop.close();
   * ```
   */
  isRunning(): boolean {
    return this.#running;
  }

  /**
   * Closes the loop: pending callbacks and timers are dropped and the default executor is shut down (without
   * waiting). A closed loop cannot run or schedule again. Closing twice does nothing. In debug mode, tasks still
   * pending and futures whose exception was never retrieved are reported to the exception handler.
   *
   * @throws {InvalidStateError} If the loop is running.
   *
   * @example A closed loop schedules nothing
   * ```ts
   * import { InvalidStateError } from "./errors.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * loop.close();
   * assert.equal(loop.isClosed(), true);
   * assert.throws(() => loop.callSoon(() => {}), InvalidStateError);
   * ```
   */
  close(): void {
    if (this.#running) throw new InvalidStateError("Cannot close a running event loop");
    if (this.#closed) return;
    if (this.#debug) reportLeftovers(this, this._pendingTasks(), this.#unretrieved);
    this.#closed = true;
    this.#ready = [];
    this.#spare = [];
    this.#timers.clear();
    this.#unretrieved.clear();
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = null;
    executor?.shutdown({ wait: false });
  }

  /**
   * Whether the loop was closed.
   *
   * @returns True after `close()`.
   *
   * @example Closed after close()
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.isClosed(), false);
   * loop.close();
   * assert.equal(loop.isClosed(), true);
   * ```
   */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sets the function that receives errors nobody else could handle (`null`: the default handler).
   *
   * @param handler `handler(loop, context)`, or `null`.
   * @throws {TypeError} If `handler` is neither a function nor null.
   *
   * @example Receive a callback's error
   * ```ts
   * import { newEventLoop, type ExceptionContext } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const seen: ExceptionContext[] = [];
   * loop.setExceptionHandler((_loop, context) => seen.push(context));
   * loop.callSoon(() => { throw new Error("boom"); });
   * loop.callSoon(() => loop.stop());
   * await loop.runForever();
   * assert.match(String((seen[0].exception as Error).message), /boom/);
   * loop.close();
   * ```
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(
        `Cannot set the exception handler: expected a function or null, received ${describe(handler)}`,
      );
    }
    this.#exceptionHandler = handler;
  }

  /**
   * The exception handler set with `setExceptionHandler`, or `null`.
   *
   * @returns The handler.
   *
   * @example No handler by default
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.getExceptionHandler(), null);
   * loop.close();
   * ```
   */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /**
   * Reports an error to the exception handler (or the default one). An error thrown by the handler itself is
   * reported by the default handler, never lost.
   *
   * @param context `message`, and `exception`, `future`, `task`, `handle` where they apply.
   *
   * @example Report to the handler set
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * let message = "";
   * loop.setExceptionHandler((_loop, context) => { message = context.message; });
   * loop.callExceptionHandler({ message: "something odd" });
   * assert.equal(message, "something odd");
   * loop.close();
   * ```
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler;
    if (handler === null) {
      this.defaultExceptionHandler(context);
      return;
    }
    try {
      handler(this, context);
    } catch (error) {
      this.defaultExceptionHandler({
        message: "Unhandled error in exception handler",
        exception: error,
        context,
      });
    }
  }

  /**
   * The default exception handler: prints the message, the exception's stack and the other context fields to
   * the console's error stream.
   *
   * @param context What `callExceptionHandler` received.
   *
   * @example What the default handler prints
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const original = console.error;
   * let printed = "";
   * console.error = (text: string) => { printed = text; };
   * try {
   *   loop.defaultExceptionHandler({ message: "Exception in callback", exception: new Error("boom") });
   * } finally {
   *   console.error = original;
   * }
   * assert.match(printed, /Exception in callback[\s\S]*boom/);
   * loop.close();
   * ```
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    console.error(formatReport(context));
  }

  /**
   * Turns debug mode on or off. In debug mode the loop reports, through the exception handler: callbacks slower
   * than `slowCallbackDuration`, futures and tasks whose exception was never retrieved, and tasks still pending
   * when it closes.
   *
   * @param enabled Whether debug mode is on.
   *
   * @example Turn debug mode on
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * loop.setDebug(true);
   * assert.equal(loop.getDebug(), true);
   * loop.close();
   * ```
   */
  setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
  }

  /**
   * Whether debug mode is on.
   *
   * @returns The debug flag.
   *
   * @example Debug mode from the options
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ debug: true });
   * assert.equal(loop.getDebug(), true);
   * loop.close();
   * ```
   */
  getDebug(): boolean {
    return this.#debug;
  }

  /**
   * Runs `fn(...args)` in `executor` (or the loop's default executor when `null`) and returns a future of its
   * result. With `null` and no default executor yet, one is made and kept, as CPython does: a `WorkerPoolExecutor`
   * (worker_pool.ts, loaded by mod.ts and threads.ts), which takes `workerModule()` references.
   *
   * @typeParam R The result type.
   * @param executor An executor, or `null` for the default.
   * @param fn The function (as the executor accepts it).
   * @param args Its arguments.
   * @returns A future of this loop.
   * @throws {InvalidStateError} If `executor` is null, the loop has no default executor and worker_pool.ts is not
   *   loaded.
   *
   * @example An executor that runs the function inline
   * ```ts
   * import { newEventLoop, type Executor } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * // An executor that runs the function right here, to show the protocol.
   * const inline: Executor = {
   *   submit: (fn: (...a: number[]) => number, ...args: number[]) => Promise.resolve(fn(...args)),
   *   shutdown: () => {},
   * };
   * const loop = newEventLoop();
   * const sum = await loop.runUntilComplete(loop.runInExecutor(inline, (a: number, b: number) => a + b, 2, 3));
   * assert.equal(sum, 5);
   * loop.close();
   * ```
   */
  // deno-lint-ignore no-explicit-any
  runInExecutor<R>(executor: Executor | null, fn: any, ...args: any[]): Future<R> {
    this.#checkOpen();
    // As CPython's, the default executor is made on first use: a WorkerPoolExecutor, registered by worker_pool.ts.
    const target = executor ?? (this.#defaultExecutor ??= makeDefaultExecutor());
    if (target === null) {
      throw new InvalidStateError(
        "Cannot runInExecutor(null): this loop has no default executor, and worker_pool.ts (which makes one) is not loaded",
      );
    }
    // As CPython's wrap_future: cancelling the returned future cancels the submitted work where it can be.
    return wrapFuture(submitAs(target, "runInExecutor", fn, args) as Thenable<R>, this);
  }

  /**
   * Sets the executor `runInExecutor(null, …)` uses (Python's `set_default_executor`).
   *
   * @param executor The executor, or null.
   *
   * @example Set the default executor
   * ```ts
   * import { type Executor, newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const inline: Executor = { submit: (fn: () => unknown) => Promise.resolve(fn()), shutdown: () => {} };
   * const loop = newEventLoop();
   * loop.setDefaultExecutor(inline);
   * assert.equal(loop.getDefaultExecutor(), inline);
   * assert.equal(await loop.runUntilComplete(loop.runInExecutor(null, () => "inline")), "inline");
   * loop.close();
   * ```
   */
  setDefaultExecutor(executor: Executor | null): void {
    this.#defaultExecutor = executor;
  }

  /**
   * The executor `runInExecutor(null, …)` uses, or null when none is set.
   *
   * @returns The default executor.
   *
   * @example No default executor until one is needed
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.equal(loop.getDefaultExecutor(), null);
   * loop.close();
   * ```
   */
  getDefaultExecutor(): Executor | null {
    return this.#defaultExecutor;
  }

  /**
   * Shuts the default executor down and waits for its work to finish (Python's `shutdown_default_executor`).
   *
   * @returns A promise that resolves once the executor has shut down.
   *
   * @example Shut down the default executor, waiting for its work
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const shutdowns: unknown[] = [];
   * const loop = newEventLoop();
   * loop.setDefaultExecutor({ submit: () => Promise.resolve(), shutdown: (options) => shutdowns.push(options) });
   * await loop.shutdownDefaultExecutor();
   * assert.deepEqual(shutdowns, [{ wait: true }]);
   * assert.equal(loop.getDefaultExecutor(), null);
   * loop.close();
   * ```
   */
  async shutdownDefaultExecutor(): Promise<void> {
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = null;
    if (executor !== null) await executor.shutdown({ wait: true });
  }

  /**
   * A readable description: `<EventLoop id=1 running=false closed=false debug=false>`.
   *
   * @returns The description.
   *
   * @example A loop's description
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * assert.match(String(loop), /^<EventLoop id=\d+ running=false closed=false debug=false>$/);
   * loop.close();
   * ```
   */
  toString(): string {
    return `<EventLoop id=${this.id} running=${this.#running} closed=${this.#closed} debug=${this.#debug}>`;
  }

  // ---- The engine: what futures and tasks call. -------------------------------------------------------------

  /**
   * @ignore Schedules `callback(argument)` for the next iteration without allocating a Handle: the path of
   * every task step and done-callback.
   */
  _schedule(callback: (arg: never) => void, argument: unknown): void {
    if (this.#closed) {
      throw new InvalidStateError(`Cannot schedule ${callback.name || "a callback"}: the event loop is closed`);
    }
    this.#ready.push(callback, argument);
    if (this.#running && !this.#inIteration && !this.#pacing.pending) this.#requestIteration();
  }

  /** @ignore Puts a timer in the heap and moves the host timer earlier if it is the new first one. */
  _addTimer(timer: TimerEntry, when: number): void {
    timer._scheduled = true;
    this.#timers.push(timer, when);
    if (this.#running && !this.#inIteration && when < this.#pacing.timerDeadline) this.#scheduleNext();
  }

  /** @ignore Running, between iterations, with nothing ready: a task started now runs as it would next. */
  _isIdle(): boolean {
    return this.#running && !this.#inIteration && this.#ready.length === 0 && !this.#stopping;
  }

  /** @ignore Counts a cancelled timer that still sits in the heap. */
  _timerCancelled(): void {
    this.#cancelledTimers++;
  }

  /** @ignore Adds a new task to the pending tasks. */
  _registerTask(task: Task<unknown>): void {
    const first = this.#firstTask;
    task._nextTask = first;
    if (first !== null) first._previousTask = task;
    this.#firstTask = task;
  }

  /** @ignore Removes a finished task from the pending tasks. */
  _unregisterTask(task: Task<unknown>): void {
    const previous = task._previousTask;
    const next = task._nextTask;
    if (previous !== null) previous._nextTask = next;
    else if (this.#firstTask === task) this.#firstTask = next;
    if (next !== null) next._previousTask = previous;
    task._previousTask = null;
    task._nextTask = null;
  }

  /** @ignore The pending tasks, oldest first. */
  _pendingTasks(): Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let task = this.#firstTask; task !== null; task = task._nextTask) tasks.push(task);
    return tasks.reverse();
  }

  /**
   * @ignore For code that runs in a host callback (a worker message), where no microtask of the loop's can be
   * pending: the next iteration may follow without waiting for the host's next turn. Deno delivers messages in a
   * microtask, where no microtask checkpoint can run (see _microtask_checkpoint.ts); with checkpoints the iteration
   * therefore runs in the next host macrotask, as usual, and only without them right after the message.
   */
  _iterateFromHostCallback(): void {
    if (!this.#running || this.#inIteration || this.#ready.length === 0 || runMicrotasks !== null) return;
    this.#pacing.iterateSoon();
  }

  /** @ignore Notes that the running callback started work that continues in microtasks (see #runBatch). */
  _noteMicrotasks(): void {
    this.#microtasksMatter = true;
  }

  /** @ignore Tracks (debug mode) futures whose exception was not retrieved, to report them at close. */
  _trackUnretrieved(future: Future<unknown>, add: boolean): void {
    if (add) {
      if (this.#debug) this.#unretrieved.add(future);
    } else if (this.#unretrieved.size > 0) {
      this.#unretrieved.delete(future);
    }
  }

  // One iteration: due timers into the ready queue, then exactly the callbacks that were ready at its start.
  #runOnce(afterHostTurn: boolean): void {
    if (!this.#running) return;
    this.#inIteration = true;
    this.#microtasksMatter = false;
    const timers = this.#timers;
    if (this.#cancelledTimers > MIN_CANCELLED_TIMERS_FOR_CLEANUP && this.#cancelledTimers * 2 > timers.size) {
      timers.removeCancelled();
      this.#cancelledTimers = 0;
    } else {
      while (timers.size > 0 && timers.peek()!._isCancelled()) {
        timers.pop()!._scheduled = false;
        this.#cancelledTimers--;
      }
    }
    const clock = this.#clock;
    // Virtual time jumps only after a host turn: then every microtask has run, so the loop is truly idle (an async
    // function's next await may still be on its way in the microtask queue of a chained iteration).
    if (
      afterHostTurn && this.#ready.length === 0 && !this.#stopping && timers.size > 0 && clock.jumpTo !== undefined
    ) {
      // A timer at Infinity never comes due: time must not jump there.
      const next = timers.peekWhen()!;
      if (next !== Infinity) clock.jumpTo(next);
    }
    // (The clock is read only when there are timers: reading it is an op call, and chained iterations of generator
    // tasks run millions of times a second.)
    const endTime = timers.size > 0 ? clock.now() + CLOCK_RESOLUTION_MS : 0;
    while (timers.size > 0) {
      if (timers.peekWhen()! > endTime) break;
      const timer = timers.pop()!;
      timer._scheduled = false;
      if (timer._isCancelled()) this.#cancelledTimers--;
      else this.#ready.push(fireTimer, timer);
    }

    const batch = this.#ready;
    this.#ready = this.#spare;
    if (this.#debug) this.#runBatchTimed(batch);
    else this.#runBatch(batch);
    batch.length = 0;
    this.#spare = batch;
    // What the iteration's code left in the microtask queue (a generator step's promise, say) belongs to it, as it
    // would run before the host's next turn.
    if (runMicrotasks !== null) runMicrotasks();
    if (this.#stopping) {
      this.#inIteration = false;
      this.#finishRun();
    } else {
      this.#scheduleNext();
      this.#inIteration = false;
    }
  }

  #runBatch(batch: unknown[]): void {
    const length = batch.length;
    let index = 0;
    // One try region around the whole batch; a throwing callback is reported and the batch goes on after it.
    while (index < length) {
      try {
        for (; index < length; index += 2) {
          (batch[index] as (arg: unknown) => void)(batch[index + 1]);
          // An async function's step (or user code's promises) continues in microtasks: complete it before the
          // next callback, as CPython's step completes within its callback.
          if (this.#microtasksMatter && runMicrotasks !== null) {
            this.#microtasksMatter = false;
            runMicrotasks();
          }
        }
      } catch (error) {
        this.#reportCallbackError(batch[index] as (arg: unknown) => void, batch[index + 1], error);
        index += 2;
      }
    }
  }

  #runBatchTimed(batch: unknown[]): void {
    for (let index = 0; index < batch.length; index += 2) {
      const callback = batch[index] as (arg: unknown) => void;
      const argument = batch[index + 1];
      const start = performance.now();
      try {
        callback(argument);
      } catch (error) {
        this.#reportCallbackError(callback, argument, error);
      }
      if (this.#microtasksMatter && runMicrotasks !== null) {
        this.#microtasksMatter = false;
        runMicrotasks();
      }
      const took = performance.now() - start;
      if (took >= this.slowCallbackDuration) this.callExceptionHandler(slowCallbackReport(callback, argument, took));
    }
  }

  #reportCallbackError(callback: (arg: unknown) => void, argument: unknown, error: unknown): void {
    this.callExceptionHandler(callbackErrorReport(callback, argument, error));
  }

  // Decides how the loop waits for its next iteration: at once if callbacks are ready (or it is stopping),
  // until the first timer otherwise, and not at all when there is nothing to wait for (a callSoon wakes it).
  #scheduleNext(): void {
    if (this.#ready.length > 0 || this.#stopping) {
      this.#requestIteration();
      return;
    }
    const timers = this.#timers;
    if (timers.size === 0) return;
    const deadline = timers.peekWhen()!;
    if (deadline === Infinity) return;
    if (this.#clock.jumpTo !== undefined) {
      this.#requestIteration();
      return;
    }
    this.#pacing.wakeAt(deadline, this.#clock.now());
  }

  #requestIteration(): void {
    if (this.#pacing.pending) return;
    // Asked at the end of an iteration, the next one may follow at once if everything the iteration started has
    // run: with microtask checkpoints it has (see #runBatch); without them, only if no async function resumed and
    // no user callback ran.
    this.#pacing.request(
      this.#inIteration && (runMicrotasks !== null || !this.#microtasksMatter) && this.#ready.length > 0,
    );
  }

  #finishRun(): void {
    this.#running = false;
    this.#stopping = false;
    this.#pacing.cancel();
    const finished = this.#runFinished;
    this.#runFinished = null;
    // Resolve only after the microtasks of this last iteration: an async function a callback resumed runs to its
    // next await (or its end) first, as the coroutine would have within CPython's iteration. Otherwise code after
    // `await loop.runForever()` could close the loop under a task that is still finishing.
    // Until then this loop stays the thread's running loop: those microtasks belong to its last iteration.
    this.#pacing.afterHostTurn(() => {
      if (runningLoop === this && !this.#running) setRunningLoop(null);
      finished?.();
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new InvalidStateError("Event loop is closed");
  }

  #checkNotRunning(): void {
    if (this.#running) throw new InvalidStateError("This event loop is already running");
    if (runningLoop !== null && runningLoop !== this) {
      throw new InvalidStateError(`Cannot run ${this} while another loop is running on this thread`);
    }
  }

  #checkCallback(callback: unknown, method: string): void {
    if (typeof callback !== "function") {
      throw new TypeError(`Cannot ${method}(): the callback must be a function, received ${describe(callback)}`);
    }
  }
}

function runHandle(handle: Handle): void {
  handle.run();
}

function fireTimer(timer: TimerEntry): void {
  timer._fire();
}

function checkTime(value: unknown, method: string, what: string): void {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${method}(): the ${what} must be a number of ms, received ${describe(value)}`);
  }
  if (Number.isNaN(value)) throw new RangeError(`Cannot ${method}(): the ${what} must be a number of ms, received NaN`);
}

setLoopFactory(() => new EventLoop());

/**
 * A new event loop (Python's `new_event_loop`). It is not made the thread's loop: see `setEventLoop`.
 *
 * @param options `clock` (e.g. a `VirtualClock` for tests) and `debug`.
 * @returns The loop.
 *
 * @example A new loop, not running
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.equal(loop.isRunning(), false);
 * loop.close();
 * ```
 */
export function newEventLoop(options?: EventLoopOptions): EventLoop {
  return new EventLoop(options);
}

/**
 * The running loop if there is one, else this thread's event loop, made on first use (Python's
 * `get_event_loop`).
 *
 * @returns The loop.
 *
 * @example The same loop every time
 * ```ts
 * import { getEventLoop, setEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = getEventLoop();
 * assert.equal(getEventLoop(), loop);
 * loop.close();
 * setEventLoop(null);
 * ```
 */
export function getEventLoop(): EventLoop {
  return currentOrNewLoop();
}

/**
 * Makes `loop` this thread's event loop (`null` forgets it), as Python's `set_event_loop`.
 *
 * @param loop The loop, or null.
 * @throws {TypeError} If `loop` is neither an EventLoop nor null.
 *
 * @example Make a loop the thread's loop
 * ```ts
 * import { getEventLoop, newEventLoop, setEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * setEventLoop(loop);
 * assert.equal(getEventLoop(), loop);
 * setEventLoop(null);
 * loop.close();
 * ```
 */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && !(loop instanceof EventLoop)) {
    throw new TypeError(`Cannot set the event loop: expected an EventLoop or null, received ${describe(loop)}`);
  }
  setCurrentLoop(loop);
}

/**
 * The loop running on this thread (Python's `get_running_loop`).
 *
 * @returns The running loop.
 * @throws {InvalidStateError} If no loop is running.
 *
 * @example Only inside a running loop
 * ```ts
 * import { getRunningLoop, newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.equal(await loop.runUntilComplete(async () => getRunningLoop()), loop);
 * assert.throws(() => getRunningLoop());
 * loop.close();
 * ```
 */
export function getRunningLoop(): EventLoop {
  if (runningLoop === null) throw new InvalidStateError("no running event loop");
  return runningLoop;
}

/** @ignore The thread's event loop without making one (for the Runner). */
export function _peekEventLoop(): EventLoop | null {
  return currentLoop;
}
