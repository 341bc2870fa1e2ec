/**
 * `LoopThread`: an event loop running forever in a worker thread (Python's `Thread(target=loop.run_forever)` with a
 * `new_event_loop()`), fed from other threads with `callSoonThreadsafe` (plain callbacks) and
 * `runCoroutineThreadsafe` (coroutines, as tasks, reporting through a `ConcurrentFuture`). `thread.loop` is a handle
 * to that loop, so code reads as CPython's: `runCoroutineThreadsafe(call(jobs.doSleep, 6, queue), newLoop)`.
 *
 * @example A coroutine on another thread's loop, in CPython's order
 * ```ts
 * import { LoopThread, runCoroutineThreadsafe } from "./loop_thread.ts";
 * import { call, workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start({ name: "io" });
 * const cf = runCoroutineThreadsafe(call(jobs.slowAdd, 2, 3, 1), thread.loop);
 * assert.equal(cf.result(5_000), 5); // blocks this thread until the other one answers
 * await thread.stop();
 * ```
 *
 * @module
 */

import { runningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import { addLoopShutdownHook } from "./_loop_shutdown.ts";
import { blockUntil, type CallTarget, checkTarget, newBell, prepareArgs, WorkerLink } from "./_worker_link.ts";
import { type _ConcurrentSource, ConcurrentFuture } from "./concurrent_future.ts";
import { EventLoop } from "./loop.ts";
import type { CoroutineResult, RemoteCall, WorkerFn, WorkerFunction } from "./worker_module.ts";
import { isRemoteCall } from "./worker_module.ts";

/** Options of `LoopThread.start()`. */
export interface LoopThreadOptions {
  /** The thread's name (the worker's `name`, and how errors name it). Default `LoopThread-<n>`. */
  name?: string;
  /** Debug mode for the thread's loop, and a warning at exit if the thread was never stopped. Default: the
   * running loop's debug mode. */
  debug?: boolean;
}

/**
 * A callback scheduled in another thread with `callSoonThreadsafe` (Python's `Handle`): `cancel()` drops it if it
 * has not run yet.
 *
 * @example A handle of a callback sent to a loop thread
 * ```ts
 * import { LoopThread } from "./loop_thread.ts";
 * import { workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start();
 * const handle = thread.callSoonThreadsafe(jobs.record, "hello");
 * assert.equal(handle.cancelled(), false);
 * await thread.stop();
 * ```
 */
export class ThreadHandle {
  #cancelRemote: () => void;
  #cancelled = false;

  /**
   * Made by `callSoonThreadsafe`.
   *
   * @param cancelRemote Tells the other thread to drop the callback.
   */
  constructor(cancelRemote: () => void) {
    this.#cancelRemote = cancelRemote;
  }

  /**
   * Drops the callback if it has not run yet (it cannot be stopped once running).
   *
   * @example Drop a callback before it runs
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * const handle = thread.callSoonThreadsafe(jobs.record, "maybe");
   * handle.cancel();
   * assert.equal(handle.cancelled(), true);
   * await thread.stop();
   * ```
   */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#cancelRemote();
  }

  /**
   * Whether `cancel()` was called.
   *
   * @returns True after `cancel()`.
   *
   * @example A new handle is not cancelled
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * assert.equal(thread.callSoonThreadsafe(jobs.record, "x").cancelled(), false);
   * await thread.stop();
   * ```
   */
  cancelled(): boolean {
    return this.#cancelled;
  }
}

// Settles the blocking waits and remote cancels of one call's future.
class CallSource implements _ConcurrentSource {
  constructor(readonly bell: Int32Array, readonly drain: () => void, readonly link: WorkerLink, readonly id: number) {}

  waitUntilDone(future: ConcurrentFuture<unknown>, deadline: number): void {
    blockUntil(this.bell, this.drain, () => future.done(), deadline);
  }

  cancelRemote(): void {
    this.link.cancel(this.id);
  }
}

let threadCount = 0;
const unstopped = new Set<LoopThread>();
let exitWarningInstalled = false;

/**
 * A thread running its own event loop forever (Python's `Thread(target=loop.run_forever)` with a
 * `new_event_loop()`), in a worker. `getEventLoop()` there is that thread's loop. Send it plain callbacks with
 * `callSoonThreadsafe` (they run one after another and block its loop while they run) and coroutines with
 * `runCoroutineThreadsafe` (they run concurrently, as tasks, and report through a `ConcurrentFuture`).
 *
 * `stop()` stops its loop: the tasks still running are cancelled (their `finally` blocks run there) and awaited,
 * then the loop closes and the worker ends.
 *
 * @example Run a coroutine on a thread's own loop
 * ```ts
 * import { LoopThread } from "./loop_thread.ts";
 * import { workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start({ name: "worker-loop" });
 * assert.equal(thread.name, "worker-loop");
 * assert.equal(await thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 2, 0), 3);
 * await thread.stop();
 * assert.equal(thread.isAlive(), false);
 * ```
 */
export class LoopThread {
  #name: string;
  #link: WorkerLink;
  #bell: Int32Array;
  #drain: () => void;
  #debug: boolean;
  #stopRequested = false;
  #unregister: (() => void) | null = null;
  #remoteLoop: RemoteLoop | null = null;

  private constructor(name: string, link: WorkerLink, bell: Int32Array, debug: boolean) {
    this.#name = name;
    this.#link = link;
    this.#bell = bell;
    this.#debug = debug;
    this.#drain = () => link.drain();
  }

  /**
   * Starts a thread and resolves once its loop runs.
   *
   * @param options `name`, `debug`.
   * @returns The running thread.
   * @throws {TypeError} If `name` is not a string.
   * @throws {BrokenThreadError} If the worker failed to start.
   *
   * @example Start a thread and stop it
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start({ name: "io" });
   * assert.equal(thread.isAlive(), true);
   * await thread.stop();
   * ```
   */
  static async start(options?: LoopThreadOptions): Promise<LoopThread> {
    const name = options?.name ?? `LoopThread-${++threadCount}`;
    if (typeof name !== "string") {
      throw new TypeError(`Cannot LoopThread.start(): name must be a string, received ${describe(name)}`);
    }
    const debug = options?.debug ?? runningLoop?.getDebug() ?? false;
    const bell = newBell();
    const link = new WorkerLink({ name, description: `LoopThread "${name}"`, bell, debug });
    const thread = new LoopThread(name, link, bell, debug);
    // Started during a run: run() stops it at the end, as everything the run started.
    const loop = runningLoop;
    if (loop !== null) thread.#unregister = addLoopShutdownHook(loop, () => thread.stop());
    unstopped.add(thread);
    if (debug) installExitWarning();
    link.exited.then(() => unstopped.delete(thread));
    link.hold();
    try {
      await link.ready;
    } catch (error) {
      thread.#unregister?.();
      throw error;
    } finally {
      link.release();
    }
    return thread;
  }

  /**
   * The thread's name.
   *
   * @returns The name given to `start()`, or `LoopThread-<n>`.
   *
   * @example A thread's name
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start({ name: "named" });
   * assert.equal(thread.name, "named");
   * await thread.stop();
   * ```
   */
  get name(): string {
    return this.#name;
  }

  /**
   * Schedules `fn(...args)` as a plain callback on the thread's loop (Python's `loop.call_soon_threadsafe`).
   * Callbacks run in the order they were sent, one after another: a long one blocks that loop. An error it
   * throws goes to that loop's exception handler.
   *
   * @typeParam F The function's type.
   * @param fn A reference from `workerModule()`.
   * @param args Its arguments (structured-cloned).
   * @returns A handle to cancel the call before it runs.
   * @throws {TypeError} If `fn` is not a `WorkerFn`, or an argument cannot be cloned.
   * @throws {InvalidStateError} If the thread is stopping or ended.
   *
   * @example Plain callbacks run in the order they were sent
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * thread.callSoonThreadsafe(jobs.record, "first");
   * thread.callSoonThreadsafe(jobs.record, "second");
   * assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["first", "second"]);
   * await thread.stop();
   * ```
   */
  callSoonThreadsafe<F extends WorkerFunction>(fn: WorkerFn<F>, ...args: Parameters<F>): ThreadHandle {
    checkTarget(fn, "callSoonThreadsafe");
    const link = this.#link;
    const id = link.call("soon", fn, prepareArgs(args), null, "callSoonThreadsafe");
    return new ThreadHandle(() => link.cancel(id));
  }

  /**
   * Runs the coroutine `fn(...args)` as a task of the thread's loop (Python's `run_coroutine_threadsafe`). `fn`
   * is an async function or a generator function; tasks run concurrently.
   *
   * @typeParam F The function's type.
   * @param fn A reference from `workerModule()`.
   * @param args Its arguments (structured-cloned).
   * @returns A `ConcurrentFuture` of its result; `cancel()` on it cancels the task there.
   * @throws {TypeError} If `fn` is not a `WorkerFn`, or an argument cannot be cloned.
   * @throws {InvalidStateError} If the thread is stopping or ended.
   *
   * @example Block until the thread's task returns
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * const cf = thread.runCoroutineThreadsafe(jobs.slowAdd, 40, 2, 10);
   * assert.equal(cf.result(), 42);
   * await thread.stop();
   * ```
   */
  runCoroutineThreadsafe<F extends WorkerFunction>(
    fn: WorkerFn<F>,
    ...args: Parameters<F>
  ): ConcurrentFuture<CoroutineResult<ReturnType<F>>> {
    checkTarget(fn, "runCoroutineThreadsafe");
    return this._runCoroutine(fn, args, "runCoroutineThreadsafe") as ConcurrentFuture<CoroutineResult<ReturnType<F>>>;
  }

  /**
   * A handle to the thread's event loop, for code written as CPython's: `newLoop.callSoonThreadsafe(…)` and
   * `runCoroutineThreadsafe(call(…), newLoop)`, where `newLoop` is the loop another thread runs.
   *
   * @returns The handle (the same object every time).
   *
   * @example The loop of another thread, and its id
   * ```ts
   * import { LoopThread, runCoroutineThreadsafe } from "./loop_thread.ts";
   * import { call, workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * const newLoop = thread.loop;
   * assert.equal(await runCoroutineThreadsafe(call(jobs.loopId), newLoop), newLoop.id);
   * await thread.stop();
   * ```
   */
  get loop(): RemoteLoop {
    return this.#remoteLoop ??= new RemoteLoop(this, this.#link.loopId());
  }

  /**
   * @ignore Checks a remote call and where it is to run — a `LoopThread` or its loop — with the TypeErrors that say
   * what to pass instead (`caller`: what the user called, for the message), and returns the thread.
   */
  static _threadFor(coro: unknown, loop: unknown, caller: string): LoopThread {
    if (!isRemoteCall(coro)) {
      const hint = typeof coro === "function" || (coro !== null && typeof coro === "object")
        ? " (a coroutine of this thread cannot be sent to another thread: bind a workerModule() reference to its " +
          "arguments with call(jobs.fn, ...args))"
        : "";
      throw new TypeError(
        `${caller}: expected a remote call made by call(), received ${describe(coro)}${hint}`,
      );
    }
    const thread = loop instanceof RemoteLoop ? loop.thread : loop;
    if (!(thread instanceof LoopThread)) {
      const hint = loop instanceof EventLoop
        ? " (an EventLoop of this thread: run the coroutine there with loop.createTask(); another thread's loop is " +
          "reached through its LoopThread)"
        : "";
      throw new TypeError(
        `${caller}: expected a LoopThread or its loop (thread.loop), received ${describe(loop)}${hint}`,
      );
    }
    return thread;
  }

  /** @ignore Runs a coroutine call there; `caller` is the function the user called, for messages. */
  _runCoroutine(target: CallTarget, args: readonly unknown[], caller: string): ConcurrentFuture<unknown> {
    const future = new ConcurrentFuture<unknown>();
    const id = this.#link.call("coroutine", target, prepareArgs(args), future, caller);
    future._setSource(new CallSource(this.#bell, this.#drain, this.#link, id));
    return future;
  }

  /**
   * Stops the thread's loop: its remaining tasks are cancelled and awaited there, the loop closes, and the
   * worker ends. Calls made afterwards are refused.
   *
   * @returns A promise that resolves once the thread has ended (as `join()`).
   *
   * @example Stop a thread
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start();
   * await thread.stop();
   * assert.equal(thread.isAlive(), false);
   * ```
   */
  stop(): Promise<void> {
    if (!this.#stopRequested) {
      this.#stopRequested = true;
      this.#unregister?.();
      this.#link.stop();
    }
    return this.join();
  }

  /**
   * Waits until the thread has ended (Python's `Thread.join`). Without `stop()` the loop runs forever, so this
   * waits forever, as in Python.
   *
   * @returns A promise that resolves once the worker has exited.
   *
   * @example Wait for a stopped thread to end
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start();
   * thread.stop();
   * await thread.join();
   * assert.equal(thread.isAlive(), false);
   * ```
   */
  join(): Promise<void> {
    const link = this.#link;
    if (link.isEnded()) return link.exited;
    link.hold();
    return link.exited.finally(() => link.release());
  }

  /**
   * Ends the worker at once (`Worker.terminate()`): nothing more runs there, not even `finally` blocks, and
   * every pending future fails with `BrokenThreadError`.
   *
   * @returns A promise that resolves once the worker has exited.
   *
   * @example End a worker at once
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start();
   * await thread.terminate();
   * assert.equal(thread.isAlive(), false);
   * ```
   */
  terminate(): Promise<void> {
    this.#stopRequested = true;
    this.#unregister?.();
    return this.#link.terminate();
  }

  /**
   * Whether the worker still runs (Python's `is_alive`).
   *
   * @returns False once it has ended.
   *
   * @example A running thread is alive
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start();
   * assert.equal(thread.isAlive(), true);
   * await thread.stop();
   * ```
   */
  isAlive(): boolean {
    return !this.#link.isEnded();
  }

  /**
   * A readable description: `<LoopThread "io" running>`.
   *
   * @returns The description.
   *
   * @example A thread's description
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start({ name: "io" });
   * assert.equal(String(thread), '<LoopThread "io" running>');
   * await thread.stop();
   * ```
   */
  toString(): string {
    const state = this.#link.isEnded() ? "ended" : this.#stopRequested ? "stopping" : "running";
    return `<LoopThread "${this.#name}" ${state}>`;
  }

  /** @ignore Whether `stop()` or `terminate()` was called. */
  _stopRequested(): boolean {
    return this.#stopRequested;
  }

  /** @ignore Whether the thread was forgotten: still alive, never stopped, and started in debug mode. */
  _forgotten(): boolean {
    return this.#debug && !this.#stopRequested && !this.#link.isEnded();
  }
}

function installExitWarning(): void {
  if (exitWarningInstalled) return;
  exitWarningInstalled = true;
  globalThis.addEventListener("unload", () => {
    for (const thread of unstopped) {
      if (thread._forgotten()) {
        console.warn(`${thread} was never stopped: it ends with the process (call stop() before exiting)`);
      }
    }
  });
}

/**
 * The event loop of a `LoopThread`, as other threads see it (`thread.loop`): what CPython code holds as `new_loop`
 * after starting `Thread(target=start_loop, args=(new_loop,))`. It can schedule callbacks there and be the target
 * of `runCoroutineThreadsafe(call(…), newLoop)`; the loop object itself lives in the other thread.
 *
 * @example Schedule a callback on another thread's loop
 * ```ts
 * import { LoopThread } from "./loop_thread.ts";
 * import { workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start({ name: "io" });
 * const newLoop = thread.loop;
 * newLoop.callSoonThreadsafe(jobs.record, "from the main thread");
 * assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["from the main thread"]);
 * assert.match(String(newLoop), /^<RemoteLoop id=\d+ of LoopThread "io">$/);
 * await thread.stop();
 * ```
 */
export class RemoteLoop {
  /** The thread that runs the loop. */
  readonly thread: LoopThread;
  /** The loop's `id` (Python's `id(loop)`), as `getRunningLoop().id` reads in that thread. */
  readonly id: number;

  /**
   * Made by `LoopThread.loop`.
   *
   * @param thread The thread that runs the loop.
   * @param id The loop's id.
   */
  constructor(thread: LoopThread, id: number) {
    this.thread = thread;
    this.id = id;
  }

  /**
   * Schedules `fn(...args)` as a plain callback on that loop (Python's `loop.call_soon_threadsafe`): the same as
   * `thread.callSoonThreadsafe(fn, ...args)`.
   *
   * @typeParam F The function's type.
   * @param fn A reference from `workerModule()`.
   * @param args Its arguments (structured-cloned).
   * @returns A handle to cancel the call before it runs.
   * @throws {TypeError} If `fn` is not a `WorkerFn`, or an argument cannot be sent.
   * @throws {InvalidStateError} If the thread is stopping or ended.
   *
   * @example Callbacks run there in the order they were sent
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * thread.loop.callSoonThreadsafe(jobs.record, "a");
   * thread.loop.callSoonThreadsafe(jobs.record, "b");
   * assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["a", "b"]);
   * await thread.stop();
   * ```
   */
  callSoonThreadsafe<F extends WorkerFunction>(fn: WorkerFn<F>, ...args: Parameters<F>): ThreadHandle {
    return this.thread.callSoonThreadsafe(fn, ...args);
  }

  /**
   * Whether the loop still runs: its thread is alive and was not told to stop.
   *
   * @returns True while it runs.
   *
   * @example A stopped thread's loop no longer runs
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start();
   * assert.equal(thread.loop.isRunning(), true);
   * await thread.stop();
   * assert.equal(thread.loop.isRunning(), false);
   * ```
   */
  isRunning(): boolean {
    return this.thread.isAlive() && !this.thread._stopRequested();
  }

  /**
   * A readable description: `<RemoteLoop id=2000001 of LoopThread "io">`.
   *
   * @returns The description.
   *
   * @example The description names the loop's id and its thread
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import assert from "node:assert/strict";
   *
   * const thread = await LoopThread.start({ name: "db" });
   * assert.equal(String(thread.loop), `<RemoteLoop id=${thread.loop.id} of LoopThread "db">`);
   * await thread.stop();
   * ```
   */
  toString(): string {
    return `<RemoteLoop id=${this.id} of LoopThread "${this.thread.name}">`;
  }
}

/**
 * Runs a remote call as a task of another thread's loop and returns a `ConcurrentFuture` of its result (Python's
 * `asyncio.run_coroutine_threadsafe(coro, loop)`, in the same order): `coro` is `call(jobs.fn, ...args)` — the
 * coroutine function and its arguments, since a coroutine object cannot cross threads — and `loop` the `LoopThread`
 * or its loop handle (`thread.loop`). Cancelling the future cancels the task there.
 *
 * @typeParam R The call's result type.
 * @param coro The remote call, made by `call()`.
 * @param loop The `LoopThread` to run it on, or its `RemoteLoop`.
 * @returns A `ConcurrentFuture` of its result: `result(timeoutMs)` blocks, `await` does not.
 * @throws {TypeError} If `coro` is not a remote call (a coroutine of this thread cannot be sent: make one with
 *   `call()`), `loop` is not a `LoopThread` or `RemoteLoop`, or an argument cannot be sent.
 * @throws {InvalidStateError} If the thread is stopping or ended.
 *
 * @example The seed's `run_coroutine_threadsafe(do_sleep(x, q), new_loop)`
 * ```ts
 * import { LoopThread, runCoroutineThreadsafe } from "./loop_thread.ts";
 * import { call, workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start();
 * const newLoop = thread.loop;
 * const cf = runCoroutineThreadsafe(call(jobs.sleepThenRecord, 5, "slept"), newLoop);
 * assert.equal(await cf, "slept");
 * await thread.stop();
 * ```
 */
export function runCoroutineThreadsafe<R>(coro: RemoteCall<R>, loop: LoopThread | RemoteLoop): ConcurrentFuture<R> {
  const thread = LoopThread._threadFor(coro, loop, "Cannot runCoroutineThreadsafe()");
  checkTarget(coro.fn, "runCoroutineThreadsafe");
  return thread._runCoroutine(coro.fn, coro.args, "runCoroutineThreadsafe") as ConcurrentFuture<R>;
}
