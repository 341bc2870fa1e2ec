/**
 * Threads: event loops in workers (`LoopThread`), worker pools (`WorkerPoolExecutor`, `toThread`), and typed
 * references to the functions they run (`workerModule`).
 *
 * JavaScript cannot send a closure to another thread, so a function that runs elsewhere is named by its **module
 * URL and export name**: `workerModule<typeof import("./jobs.ts")>(url)` gives an object whose properties are
 * references to the module's exported functions (`jobs.fib` is a `WorkerFn<typeof fib>`), and TypeScript checks
 * the arguments and the result of every call made through them. The module is imported in the worker on first
 * use; a missing module or export comes back as a `TypeError` in the call's future.
 *
 * Arguments and results are structured-cloned (a `ThreadQueue` crosses as itself, sharing its memory); mark a
 * buffer with `transfer(buffer)` to move it instead of copying it (the sender's copy is detached). A value that
 * cannot be cloned, such as a function, is refused with a `TypeError` naming the argument or the result. Errors
 * thrown in another thread arrive with their class (for the library's and the built-in ones), `name`,
 * `message`, `stack` (the remote frames) and `cause`. A worker that crashes, closes itself or is terminated
 * fails every pending call with `BrokenThreadError`.
 *
 * Workers keep the process alive only while a call is pending or something waits for them (`start()`,
 * `stop()`, `join()`, `shutdown({ wait: true })`): a program that forgets to stop a LoopThread still exits, as
 * with Python's daemon threads (in debug mode it is told so at exit). `run()` stops the loop threads and shuts
 * down the pools started while it ran.
 *
 * @example Run a coroutine in a thread with its own event loop
 * ```ts
 * import { LoopThread, workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start({ name: "io" });
 * const cf = thread.runCoroutineThreadsafe(jobs.slowAdd, 2, 3, 1);
 * assert.equal(cf.result(5_000), 5); // blocks this thread until the other one answers
 * await thread.stop();
 * ```
 *
 * @module
 */

import { runningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import { addLoopShutdownHook } from "./_loop_shutdown.ts";
import { markTransfer } from "./_transfer.ts";
import {
  blockUntil,
  type CallMode,
  newBell,
  prepareArgs,
  type PreparedArgs,
  snapshotArgs,
  WorkerLink,
} from "./_worker_link.ts";
import { type _ConcurrentSource, ConcurrentFuture } from "./concurrent_future.ts";
import { InvalidStateError, TimeoutError } from "./errors.ts";
import type { Awaitable } from "./future.ts";
import { getRunningLoop } from "./loop.ts";
import { QueueFull } from "./queue.ts";

export type { Awaitable, Thenable } from "./future.ts";
export { BrokenThreadError, ConcurrentFuture } from "./concurrent_future.ts";

/** The functions a worker can call: any function (its module exports it; see `WorkerFn`). */
// deno-lint-ignore no-explicit-any
export type WorkerFunction = (...args: any[]) => any;

/**
 * A reference to a function exported by a module, which a worker imports and calls: the module's URL and the
 * export's name. Made by `workerModule()`; a plain object, so it can itself be passed to another thread.
 *
 * @typeParam F The function's type (used by TypeScript only, to check arguments and results).
 *
 * @example
 * ```ts
 * import { workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * assert.equal(jobs.fib.exportName, "fib");
 * assert.match(jobs.fib.moduleUrl, /thread_jobs\.ts$/);
 * ```
 */
export interface WorkerFn<F extends WorkerFunction> {
  /** The absolute URL of the module that exports the function. */
  readonly moduleUrl: string;
  /** The name it is exported under. */
  readonly exportName: string;
  /** Never set: carries the function's type for TypeScript. */
  readonly fnType?: F;
}

/**
 * What `workerModule<M>()` returns: a `WorkerFn` for each function `M` exports.
 *
 * @typeParam M The module's type (`typeof import("./jobs.ts")`).
 */
export type WorkerModule<M> = {
  readonly [K in keyof M as M[K] extends WorkerFunction ? K : never]: M[K] extends WorkerFunction ? WorkerFn<M[K]>
    : never;
};

/**
 * The result of calling a function of type `R`'s return: a generator's return value, or what a promise
 * resolves to, or the value itself.
 *
 * @typeParam R What the function returns.
 */
export type CoroutineResult<R> = R extends Generator<unknown, infer T, unknown> ? T : Awaited<R>;

/**
 * Typed references to the functions a module exports, for calling them in other threads (see `WorkerFn`). The
 * module is not imported here — use a type-only `typeof import(...)` — but in each worker, on first use.
 *
 * @typeParam M The module's type: `typeof import("./jobs.ts")`.
 * @param url The module's absolute URL, usually `new URL("./jobs.ts", import.meta.url)`.
 * @returns An object whose properties are `WorkerFn`s.
 * @throws {TypeError} If `url` is not an absolute URL.
 *
 * @example
 * ```ts
 * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 * assert.equal(await pool.submit(jobs.fib, 20), 6765);
 * ```
 */
export function workerModule<M>(url: string | URL): WorkerModule<M> {
  let href: string;
  try {
    href = new URL(url instanceof URL ? url.href : String(url)).href;
  } catch {
    throw new TypeError(
      `Cannot make a worker module: expected an absolute URL such as new URL("./jobs.ts", import.meta.url), ` +
        `received ${describe(url)}`,
    );
  }
  const references = new Map<string, WorkerFn<WorkerFunction>>();
  return new Proxy({}, {
    get(_target, key) {
      if (typeof key !== "string") return undefined;
      let reference = references.get(key);
      if (reference === undefined) {
        reference = Object.freeze({ moduleUrl: href, exportName: key });
        references.set(key, reference);
      }
      return reference;
    },
  }) as WorkerModule<M>;
}

/**
 * Marks `value` to be moved, not copied, when it is sent to another thread as an argument or returned as a result:
 * the buffers in `transferList` (by default the value itself if it is an `ArrayBuffer` or `MessagePort`, or a typed
 * array's buffer) go to the receiver, and are detached (empty) on the sender's side. The mark is used once.
 *
 * @typeParam T The value's type.
 * @param value The argument or result to send.
 * @param transferList What to move; required unless `value` is a buffer, a typed array or a port.
 * @returns `value` itself, marked.
 * @throws {TypeError} If `value` is not an object, or the list is missing for a value that is not transferable.
 *
 * @example
 * ```ts
 * import { transfer, WorkerPoolExecutor, workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 * const bytes = new Uint8Array([1, 2, 3]);
 * const sum = pool.submit(jobs.sumBytes, transfer(bytes));
 * assert.equal(bytes.byteLength, 0); // moved to the worker
 * assert.equal(await sum, 6);
 * ```
 */
export function transfer<T>(value: T, transferList?: Transferable[]): T {
  if (value === null || typeof value !== "object") {
    throw new TypeError(`Cannot transfer ${describe(value)}: only objects can be moved to another thread`);
  }
  let list = transferList;
  if (list === undefined) {
    if (value instanceof ArrayBuffer || value instanceof MessagePort) list = [value];
    else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) list = [value.buffer];
    else {
      throw new TypeError(
        `Cannot transfer ${describe(value)} without a transferList: pass the buffers to move, e.g. ` +
          `transfer(message, [message.data.buffer])`,
      );
    }
  } else if (!Array.isArray(list)) {
    throw new TypeError(`Cannot transfer: transferList must be an array, received ${describe(list)}`);
  }
  markTransfer(value, list);
  return value;
}

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
 * @example
 * ```ts
 * import { LoopThread, workerModule } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread, workerModule } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread, workerModule } from "./threads.ts";
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
 * @example
 * ```ts
 * import { LoopThread, workerModule } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
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
      throw new TypeError(`Cannot start a LoopThread: name must be a string, received ${describe(name)}`);
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
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread, workerModule } from "./threads.ts";
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
    const id = link.call("soon", fn, prepareArgs(args), null, labelOf(fn));
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
   * @example
   * ```ts
   * import { LoopThread, workerModule } from "./threads.ts";
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
    const future = new ConcurrentFuture<CoroutineResult<ReturnType<F>>>();
    const id = this.#link.call("coroutine", fn, prepareArgs(args), future as ConcurrentFuture<unknown>, labelOf(fn));
    future._setSource(new CallSource(this.#bell, this.#drain, this.#link, id));
    return future;
  }

  /**
   * Stops the thread's loop: its remaining tasks are cancelled and awaited there, the loop closes, and the
   * worker ends. Calls made afterwards are refused.
   *
   * @returns A promise that resolves once the thread has ended (as `join()`).
   *
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
   *
   * const thread = await LoopThread.start();
   * thread.stop();
   * await thread.join();
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
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
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
   * @example
   * ```ts
   * import { LoopThread } from "./threads.ts";
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

/** Options of `new WorkerPoolExecutor()`. */
export interface WorkerPoolOptions {
  /** The most workers the pool runs at once (an integer ≥ 1). Default: `navigator.hardwareConcurrency`. */
  maxWorkers?: number;
  /** The most jobs that may wait for a worker (an integer ≥ 0, or `Infinity`, the default, as CPython's
   * unbounded queue); `submit()` throws `QueueFull` beyond it. */
  maxQueue?: number;
  /** The pool's name, for its workers' names and for messages. Default `WorkerPoolExecutor-<n>`. */
  name?: string;
}

/** Options of `WorkerPoolExecutor.shutdown()`. */
export interface ShutdownOptions {
  /** Resolve only once every job has finished and every worker has ended (default true). */
  wait?: boolean;
  /** Cancel the jobs still waiting for a worker (default false). */
  cancelFutures?: boolean;
}

/** Options of `WorkerPoolExecutor.map()`. */
export interface MapOptions {
  /** A limit in ms for the whole iteration, counted from the `map()` call; past it, iterating throws
   * `TimeoutError`. */
  timeout?: number;
}

// One job of a pool: queued, then run by a worker.
class PoolJob implements _ConcurrentSource {
  link: WorkerLink | null = null;
  id = 0;
  constructor(
    readonly pool: WorkerPoolExecutor,
    readonly future: ConcurrentFuture<unknown>,
    readonly target: WorkerFn<WorkerFunction>,
    public prepared: PreparedArgs,
    readonly label: string,
    readonly snapshotted: boolean,
  ) {}

  waitUntilDone(future: ConcurrentFuture<unknown>, deadline: number): void {
    this.pool._block(() => future.done(), deadline);
  }

  cancelRemote(): void {
    this.pool._dequeue(this);
  }
}

let poolCount = 0;

/**
 * A pool of workers that run functions (Python's `ThreadPoolExecutor`; a worker is a thread with its own
 * memory). `submit(fn, ...args)` returns a `ConcurrentFuture`; `fn` may be a plain function, an async function
 * or a generator function (each worker has an event loop). Workers start on demand, up to `maxWorkers`, and a
 * worker runs one job at a time.
 *
 * Jobs wait in a queue while every worker is busy. Unlike CPython's unbounded queue, it can be bounded with
 * `maxQueue`: `submit()` on a full queue throws `QueueFull` at once — it neither blocks the calling thread (which
 * may be running an event loop) nor silently buffers without limit; the caller decides whether to wait for a
 * result and retry. `map()` never throws it: it submits its items as room frees up.
 *
 * A job's arguments are copied when it is submitted (and buffers marked with `transfer()` detached then), even if
 * it waits in the queue. As in CPython, a job can be cancelled while it waits, not once it runs. A worker that
 * crashes fails its job with `BrokenThreadError`; the pool goes on with new workers.
 *
 * Use it as a loop's default executor with `loop.setDefaultExecutor(pool)` (then `loop.runInExecutor(null, fn,
 * ...args)` and `toThread` use it); `await using pool = new WorkerPoolExecutor()` shuts it down at scope end.
 *
 * @example
 * ```ts
 * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const pool = new WorkerPoolExecutor({ maxWorkers: 2 });
 * const results = [];
 * for await (const value of pool.map(jobs.fib, [10, 20, 30])) results.push(value);
 * assert.deepEqual(results, [55, 6765, 832040]);
 * await pool.shutdown();
 * ```
 */
export class WorkerPoolExecutor {
  #name: string;
  #maxWorkers: number;
  #maxQueue: number;
  #debug: boolean;
  #bell = newBell();
  #links = new Set<WorkerLink>();
  // Workers known to be gone (a crash) whose exit has not been seen yet: shutdown waits for them too.
  #dying = new Set<WorkerLink>();
  #idle: WorkerLink[] = [];
  #queue: PoolJob[] = [];
  // Jobs of map() that wait for room in the queue (not counted against maxQueue, not yet copied).
  #overflow: PoolJob[] = [];
  #workerCount = 0;
  #shutdown = false;
  #unregister: (() => void) | null = null;
  #drainAll = (): void => {
    for (const link of this.#links) link.drain();
  };

  /**
   * Makes a pool; workers start when jobs arrive.
   *
   * @param options `maxWorkers`, `maxQueue`, `name`.
   * @throws {RangeError} If `maxWorkers` is not an integer ≥ 1 or `maxQueue` not an integer ≥ 0 (or Infinity).
   * @throws {TypeError} If `name` is not a string.
   */
  constructor(options?: WorkerPoolOptions) {
    const maxWorkers = options?.maxWorkers ?? Math.max(1, navigator.hardwareConcurrency || 1);
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw new RangeError(
        `Cannot make a WorkerPoolExecutor: maxWorkers must be an integer >= 1, received ${describe(maxWorkers)}`,
      );
    }
    const maxQueue = options?.maxQueue ?? Infinity;
    if (!(maxQueue === Infinity || Number.isInteger(maxQueue) && maxQueue >= 0)) {
      throw new RangeError(
        `Cannot make a WorkerPoolExecutor: maxQueue must be an integer >= 0 or Infinity, received ${
          describe(maxQueue)
        }`,
      );
    }
    const name = options?.name ?? `WorkerPoolExecutor-${++poolCount}`;
    if (typeof name !== "string") {
      throw new TypeError(`Cannot make a WorkerPoolExecutor: name must be a string, received ${describe(name)}`);
    }
    this.#name = name;
    this.#maxWorkers = maxWorkers;
    this.#maxQueue = maxQueue;
    this.#debug = runningLoop?.getDebug() ?? false;
    const loop = runningLoop;
    if (loop !== null) this.#unregister = addLoopShutdownHook(loop, () => this.shutdown({ wait: true }));
  }

  /**
   * The most workers the pool runs at once.
   *
   * @returns `maxWorkers`.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const pool = new WorkerPoolExecutor({ maxWorkers: 3 });
   * assert.equal(pool.maxWorkers, 3);
   * await pool.shutdown();
   * ```
   */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /**
   * The most jobs that may wait for a worker.
   *
   * @returns `maxQueue` (`Infinity` when unbounded).
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const pool = new WorkerPoolExecutor({ maxQueue: 10 });
   * assert.equal(pool.maxQueue, 10);
   * await pool.shutdown();
   * ```
   */
  get maxQueue(): number {
    return this.#maxQueue;
  }

  /**
   * Runs `fn(...args)` in a worker (Python's `submit`). A plain function's return value, an async function's
   * promise or a generator function's coroutine all give the future its result.
   *
   * @typeParam F The function's type.
   * @param fn A reference from `workerModule()`.
   * @param args Its arguments (copied now; buffers marked with `transfer()` are moved).
   * @returns A `ConcurrentFuture` of the result.
   * @throws {TypeError} If `fn` is not a `WorkerFn`, or an argument cannot be cloned.
   * @throws {QueueFull} If every worker is busy and `maxQueue` jobs already wait.
   * @throws {InvalidStateError} If the pool was shut down.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
   * const cf = pool.submit(jobs.fib, 25);
   * assert.equal(cf.result(), 75025);
   * await pool.shutdown();
   * ```
   */
  submit<F extends WorkerFunction>(
    fn: WorkerFn<F>,
    ...args: Parameters<F>
  ): ConcurrentFuture<CoroutineResult<ReturnType<F>>> {
    if (this.#shutdown) throw new InvalidStateError(`Cannot submit to ${this}: it was shut down`);
    checkTarget(fn, "submit");
    const future = new ConcurrentFuture<CoroutineResult<ReturnType<F>>>();
    const job = new PoolJob(this, future as ConcurrentFuture<unknown>, fn, prepareArgs(args), labelOf(fn), false);
    future._setSource(job);
    const link = this.#takeWorker();
    if (link !== null) {
      try {
        this.#start(link, job);
      } catch (error) {
        this.#workerFree(link);
        throw error;
      }
      return future;
    }
    if (this.#queue.length >= this.#maxQueue) {
      throw new QueueFull(
        `Cannot submit ${job.label} to ${this}: its ${this.#maxWorkers} workers are busy and ${this.#maxQueue} ` +
          `jobs already wait (maxQueue); wait for a result and retry, or raise maxQueue`,
      );
    }
    job.prepared = snapshotArgs(job.prepared, job.label, String(this));
    this.#queue.push(job);
    return future;
  }

  /**
   * Runs `fn(item)` for every item (Python's `Executor.map`): the items are read at once and submitted as room
   * allows; the results come in input order, by blocking iteration (`for … of`, each step blocks until that
   * result is ready) or without blocking (`for await … of`). If an item fails, iterating throws its error; if the
   * iteration stops early, the jobs not yet started are cancelled.
   *
   * @typeParam A The item type.
   * @typeParam R What `fn` returns.
   * @param fn A reference from `workerModule()`, taking one argument.
   * @param items The items.
   * @param options `timeout`: a limit in ms for the whole iteration.
   * @returns The results, iterable and async-iterable.
   * @throws {TypeError} If `fn` is not a `WorkerFn` or `items` is not iterable.
   * @throws {InvalidStateError} If the pool was shut down.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const pool = new WorkerPoolExecutor({ maxWorkers: 2, maxQueue: 1 });
   * assert.deepEqual([...pool.map(jobs.fib, [1, 2, 3, 4, 5, 6])], [1, 1, 2, 3, 5, 8]);
   * await pool.shutdown();
   * ```
   */
  map<A, R>(fn: WorkerFn<(item: A) => R>, items: Iterable<A>, options?: MapOptions): PoolMap<CoroutineResult<R>> {
    if (this.#shutdown) throw new InvalidStateError(`Cannot map on ${this}: it was shut down`);
    checkTarget(fn, "map");
    if (items === null || typeof (items as Iterable<A>)?.[Symbol.iterator] !== "function") {
      throw new TypeError(`Cannot map on ${this}: items must be iterable, received ${describe(items)}`);
    }
    const timeout = options?.timeout;
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0)) {
      throw new RangeError(`Cannot map on ${this}: timeout must be a number of ms >= 0, received ${describe(timeout)}`);
    }
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    const label = labelOf(fn);
    const futures: ConcurrentFuture<CoroutineResult<R>>[] = [];
    for (const item of items) {
      const future = new ConcurrentFuture<CoroutineResult<R>>();
      const job = new PoolJob(this, future as ConcurrentFuture<unknown>, fn, prepareArgs([item]), label, false);
      future._setSource(job);
      futures.push(future);
      this.#overflow.push(job);
    }
    this.#fill();
    return new PoolMap(futures, deadline);
  }

  /**
   * Stops accepting jobs and ends the workers once the queue is empty (Python's `shutdown`). With
   * `cancelFutures`, the jobs still waiting are cancelled first. A second call only waits.
   *
   * @param options `wait` (default true): resolve once every job has finished and every worker has ended;
   *   `cancelFutures` (default false).
   * @returns A promise that resolves when done waiting (at once with `wait: false`).
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
   * const first = pool.submit(jobs.fib, 15);
   * const second = pool.submit(jobs.fib, 16);
   * await pool.shutdown({ cancelFutures: true });
   * assert.equal(first.result(), 610);
   * assert.equal(second.cancelled(), true);
   * ```
   */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    if (!this.#shutdown) {
      this.#shutdown = true;
      this.#unregister?.();
      if (options?.cancelFutures === true) {
        for (const job of [...this.#overflow, ...this.#queue]) job.future.cancel();
        this.#overflow.length = 0;
        this.#queue.length = 0;
      }
      for (const link of this.#idle) link.stop();
      this.#idle.length = 0;
    }
    if (options?.wait === false) return;
    while (this.#links.size > 0 || this.#dying.size > 0) {
      await Promise.all([...this.#links, ...this.#dying].map((link) => {
        link.hold();
        return link.exited.finally(() => link.release());
      }));
    }
  }

  /**
   * `await using pool = new WorkerPoolExecutor()` shuts it down (waiting) at the end of the scope.
   *
   * @returns The promise of `shutdown()`.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor } from "./threads.ts";
   *
   * await using _pool = new WorkerPoolExecutor();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * A readable description: `<WorkerPoolExecutor "name" workers=1/4 queued=0>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const pool = new WorkerPoolExecutor({ name: "cpu", maxWorkers: 4 });
   * assert.equal(String(pool), '<WorkerPoolExecutor "cpu" workers=0/4 queued=0>');
   * await pool.shutdown();
   * ```
   */
  toString(): string {
    return `<WorkerPoolExecutor "${this.#name}" workers=${this.#links.size}/${this.#maxWorkers} queued=${
      this.#queue.length + this.#overflow.length
    }>`;
  }

  /** @ignore Blocks until `isDone()`, draining every worker of the pool (a queued job needs any to free up). */
  _block(isDone: () => boolean, deadline: number): void {
    blockUntil(this.#bell, this.#drainAll, isDone, deadline);
  }

  /** @ignore A cancelled job leaves the queue (a running one cannot be cancelled: the future refused). */
  _dequeue(job: PoolJob): void {
    for (const list of [this.#queue, this.#overflow]) {
      const index = list.indexOf(job);
      if (index >= 0) list.splice(index, 1);
    }
    this.#fill();
  }

  // An idle worker, or a new one if the pool may grow; null when all are busy.
  #takeWorker(): WorkerLink | null {
    while (this.#idle.length > 0) {
      const link = this.#idle.pop()!;
      if (link.isOpen()) return link;
    }
    if (this.#links.size >= this.#maxWorkers) return null;
    const index = ++this.#workerCount;
    const link = new WorkerLink({
      name: `${this.#name}-${index}`,
      description: `worker ${index} of ${this}`,
      bell: this.#bell,
      debug: this.#debug,
      onCallDone: (done) => this.#workerFree(done),
      onBroken: (broken) => this.#workerGone(broken, false),
      onExit: (exited) => this.#workerGone(exited, true),
    });
    this.#links.add(link);
    return link;
  }

  #start(link: WorkerLink, job: PoolJob): void {
    job.id = link.call("job" satisfies CallMode, job.target, job.prepared, job.future, job.label);
    job.link = link;
    job.future.setRunningOrNotifyCancel();
  }

  // A worker finished a job: give it the next one, or let it idle (or end, once the pool is shut down).
  #workerFree(link: WorkerLink): void {
    if (!link.isOpen() || link.pendingCalls() > 0) return;
    this.#idle.push(link);
    this.#fill();
    if (this.#shutdown && this.#queue.length === 0 && this.#overflow.length === 0) {
      for (const idle of this.#idle) idle.stop();
      this.#idle.length = 0;
    }
  }

  #workerGone(link: WorkerLink, exited: boolean): void {
    if (exited) this.#dying.delete(link);
    const index = this.#idle.indexOf(link);
    if (index >= 0) this.#idle.splice(index, 1);
    if (!this.#links.delete(link)) return;
    if (!exited) this.#dying.add(link);
    // Its jobs failed with BrokenThreadError (see WorkerLink); the queue goes on with a new worker.
    this.#fill();
  }

  // Moves waiting jobs to free workers, and map()'s jobs into the queue as room frees up.
  #fill(): void {
    while (this.#queue.length > 0 || this.#overflow.length > 0) {
      if (this.#queue.length === 0 || this.#overflow.length > 0 && this.#queue.length < this.#maxQueue) {
        // An overflow job enters the queue (its arguments are copied now).
        const job = this.#overflow.shift()!;
        try {
          job.prepared = snapshotArgs(job.prepared, job.label, String(this));
        } catch (error) {
          job.future.setException(error);
          continue;
        }
        this.#queue.push(job);
        continue;
      }
      const link = this.#takeWorker();
      if (link === null) return;
      const job = this.#queue.shift()!;
      try {
        this.#start(link, job);
      } catch (error) {
        if (!job.future.done()) job.future.setException(error);
        this.#idle.push(link);
      }
    }
  }
}

/**
 * The results of `WorkerPoolExecutor.map()`, in input order: iterate with `for … of` (blocking) or `for await …
 * of` (not blocking). Leaving the iteration early cancels the jobs not yet started.
 *
 * @typeParam R The result type.
 *
 * @example
 * ```ts
 * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
 * const results = pool.map(jobs.fib, [7, 8]);
 * assert.equal(results.futures.length, 2);
 * assert.deepEqual([...results], [13, 21]);
 * ```
 */
export class PoolMap<R> implements Iterable<R>, AsyncIterable<R> {
  /** The futures, one per item, in input order. */
  readonly futures: readonly ConcurrentFuture<R>[];
  #deadline: number;

  /**
   * Made by `map()`.
   *
   * @param futures The futures, in input order.
   * @param deadline When the iteration times out (a `performance.now()` time).
   */
  constructor(futures: readonly ConcurrentFuture<R>[], deadline: number) {
    this.futures = futures;
    this.#deadline = deadline;
  }

  /**
   * Blocking iteration: each step waits (blocking this thread) for the next result.
   *
   * @returns An iterator over the results.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
   * const [first] = pool.map(jobs.fib, [10, 11, 12]);
   * assert.equal(first, 55);
   * ```
   */
  *[Symbol.iterator](): Iterator<R> {
    let index = 0;
    try {
      for (; index < this.futures.length; index++) {
        yield this.futures[index].result(Math.max(0, this.#deadline - performance.now()));
      }
    } finally {
      for (; index < this.futures.length; index++) this.futures[index].cancel();
    }
  }

  /**
   * Iteration without blocking: each step awaits the next result.
   *
   * @returns An async iterator over the results.
   *
   * @example
   * ```ts
   * import { WorkerPoolExecutor, workerModule } from "./threads.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
   * const seen: number[] = [];
   * for await (const value of pool.map(jobs.fib, [3, 4])) seen.push(value);
   * assert.deepEqual(seen, [2, 3]);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<R> {
    let index = 0;
    try {
      for (; index < this.futures.length; index++) {
        yield await this.#within(this.futures[index]);
      }
    } finally {
      for (; index < this.futures.length; index++) this.futures[index].cancel();
    }
  }

  #within(future: ConcurrentFuture<R>): Promise<R> {
    if (this.#deadline === Infinity || future.done()) return Promise.resolve(future);
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`map() results not ready in time: ${future} is still pending`)),
        Math.max(0, this.#deadline - performance.now()),
      );
      future.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }
}

/**
 * Runs `fn(...args)` in a worker of the running loop's default executor and returns a future of its result
 * (Python's `asyncio.to_thread`). If the loop has no default executor yet, a `WorkerPoolExecutor` is made and set
 * as its default (the runner shuts it down at the end of `run()`).
 *
 * @typeParam F The function's type.
 * @param fn A reference from `workerModule()`.
 * @param args Its arguments.
 * @returns An asyncio `Future` of the running loop (await it, or `yield*` it), typed as an awaitable.
 * @throws {InvalidStateError} If no event loop is running.
 * @throws {TypeError} If `fn` is not a `WorkerFn`, or an argument cannot be cloned.
 *
 * @example
 * ```ts
 * import { run } from "./runner.ts";
 * import { toThread, workerModule } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * assert.equal(await run(async () => await toThread(jobs.fib, 20)), 6765);
 * ```
 */
export function toThread<F extends WorkerFunction>(
  fn: WorkerFn<F>,
  ...args: Parameters<F>
): Awaitable<CoroutineResult<ReturnType<F>>> {
  const loop = getRunningLoop();
  checkTarget(fn, "toThread");
  // Without a default executor, make one, as CPython's run_in_executor does on first use.
  if (loop.getDefaultExecutor() === null && !loop.isClosed()) {
    loop.setDefaultExecutor(new WorkerPoolExecutor({ name: "default" }));
  }
  return loop.runInExecutor<CoroutineResult<ReturnType<F>>>(null, fn, ...args);
}

function checkTarget(fn: unknown, method: string): asserts fn is WorkerFn<WorkerFunction> {
  const target = fn as WorkerFn<WorkerFunction> | null;
  if (
    target !== null && typeof target === "object" && typeof target.moduleUrl === "string" &&
    typeof target.exportName === "string"
  ) return;
  const hint = typeof fn === "function"
    ? " (a function cannot cross threads: name it by module and export, as workerModule(url).name)"
    : "";
  throw new TypeError(
    `Cannot ${method}(): expected a function reference from workerModule(), received ${describe(fn)}${hint}`,
  );
}

function labelOf(fn: WorkerFn<WorkerFunction>): string {
  const file = fn.moduleUrl.slice(fn.moduleUrl.lastIndexOf("/") + 1) || fn.moduleUrl;
  return `${fn.exportName}() from ${file}`;
}
