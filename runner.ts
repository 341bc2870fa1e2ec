/**
 * `run()` and `Runner`: the entry points of an asyncio program (Python's `asyncio.run` and `asyncio.Runner`).
 *
 * A fresh loop runs the main coroutine; then the tasks it left behind are cancelled and awaited, executors and
 * loop threads are shut down, and the loop is closed. A first Ctrl+C (SIGINT) cancels the main task, so its
 * `finally` blocks run; if the main task does not handle that cancel, the process exits with code 130, as a
 * Python program interrupted by Ctrl+C. In debug mode (`run(main, { debug: true })`) that first Ctrl+C first prints
 * the call graph of every live task to stderr (see call_graph.ts): what a hung program waits on.
 *
 * @example Run a main coroutine
 * ```ts
 * import { run } from "./runner.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const result = await run(async () => {
 *   await sleep(1);
 *   return "done";
 * });
 * assert.equal(result, "done");
 * ```
 *
 * @module
 */

import { CancelledError, InvalidStateError } from "./errors.ts";
import { runLoopShutdownHooks } from "./_loop_shutdown.ts";
import { type Future, isFuture } from "./future.ts";
import { _peekEventLoop, type EventLoop, type EventLoopOptions, newEventLoop, setEventLoop } from "./loop.ts";
import { runningLoop } from "./_current.ts";
import { allTasks, type Coroutine, type Task } from "./task.ts";
import { formatCallGraph } from "./call_graph.ts";

/** Options of `run()` and `new Runner()`. */
export interface RunnerOptions {
  /**
   * Run the loop in debug mode (see `EventLoop.setDebug`): tasks record where they suspend, and the first Ctrl+C
   * prints the call graph of every live task before cancelling the main task.
   */
  debug?: boolean;
  /** Makes the loop (default: `newEventLoop()`); e.g. `() => newEventLoop({ clock: new VirtualClock() })`. */
  loopFactory?: (options?: EventLoopOptions) => EventLoop;
  /** Cancel the main task on SIGINT (Ctrl+C), as CPython. Default true on the main thread. */
  handleSigint?: boolean;
}

/**
 * What `Runner.run` throws when Ctrl+C cancelled the main task and the task did not handle it (Python's
 * `KeyboardInterrupt`). `run()` turns it into exit code 130.
 *
 * @example The error's name
 * ```ts
 * import { KeyboardInterrupt } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new KeyboardInterrupt().name, "KeyboardInterrupt");
 * ```
 */
export class KeyboardInterrupt extends Error {
  /**
   * Makes the error.
   *
   * @param message Defaults to "Interrupted by SIGINT".
   * @param options The standard error options (`cause`: the main task's CancelledError).
   */
  constructor(message = "Interrupted by SIGINT", options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyboardInterrupt";
  }
}

const onMainThread = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "undefined" ||
  !(globalThis instanceof (globalThis as unknown as { WorkerGlobalScope: typeof Object }).WorkerGlobalScope);

/**
 * Runs coroutines on one loop that it owns (Python's `asyncio.Runner`): `run()` may be called several times, and
 * `close()` (or `await using`) cancels what is left and closes the loop.
 *
 * @example Two runs on one loop
 * ```ts
 * import { Runner } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using runner = new Runner();
 * assert.equal(await runner.run(async () => 1), 1);
 * assert.equal(await runner.run(async () => 2), 2);
 * assert.equal(runner.getLoop().isClosed(), false);
 * ```
 */
export class Runner {
  #options: RunnerOptions;
  #loop: EventLoop | null = null;
  #closed = false;
  #interrupts = 0;

  /**
   * Makes a runner; the loop is made on first use.
   *
   * @param options `debug`, `loopFactory`, `handleSigint`.
   */
  constructor(options?: RunnerOptions) {
    this.#options = options ?? {};
  }

  /**
   * Runs `main` to completion on the runner's loop and returns its result.
   *
   * @typeParam T The result type.
   * @param main A coroutine (generator object or `() => promise`), or a Future of the runner's loop.
   * @returns The result of `main`.
   * @throws {InvalidStateError} If the runner is closed or a loop is already running on this thread.
   * @throws {KeyboardInterrupt} If Ctrl+C cancelled `main` and it did not handle the cancel.
   *
   * @example Run a generator coroutine
   * ```ts
   * import { Runner } from "./runner.ts";
   * import assert from "node:assert/strict";
   *
   * const runner = new Runner();
   * assert.equal(await runner.run(function* () { return "from a generator"; }()), "from a generator");
   * await runner.close();
   * ```
   */
  async run<T>(main: Coroutine<T> | Future<T>): Promise<T> {
    if (this.#closed) throw new InvalidStateError("Runner is closed");
    if (runningLoop !== null) {
      throw new InvalidStateError("run() cannot be called while another event loop is running on this thread");
    }
    const loop = this.getLoop();
    const task = (isFuture(main) ? main : loop.createTask(main as Coroutine<T>)) as Task<T>;
    this.#interrupts = 0;
    const handleSigint = (this.#options.handleSigint ?? onMainThread) && typeof Deno?.addSignalListener === "function";
    const onSigint = () => {
      this.#interrupts++;
      if (this.#interrupts === 1 && !task.done()) {
        // In debug mode, first what every live task waits on: a hung program shows where it hangs.
        if (!loop.isClosed() && loop.getDebug()) console.error(liveCallGraphs(loop));
        task.cancel();
        // Wake the loop even if it idles; the cancel is delivered on its next iteration.
        if (!loop.isClosed()) loop.callSoonThreadsafe(() => {});
        return;
      }
      // A second Ctrl+C: stop waiting for a main task that ignores cancellation (CPython raises
      // KeyboardInterrupt at once).
      Deno.exit(130);
    };
    if (handleSigint) Deno.addSignalListener("SIGINT", onSigint);
    try {
      return await loop.runUntilComplete(task);
    } catch (error) {
      if (error instanceof CancelledError && this.#interrupts > 0 && typeof task.uncancel === "function") {
        if (task.uncancel() === 0) throw new KeyboardInterrupt(undefined, { cause: error });
      }
      throw error;
    } finally {
      if (handleSigint) Deno.removeSignalListener("SIGINT", onSigint);
    }
  }

  /**
   * The runner's loop, made (and set as the thread's event loop) on first use.
   *
   * @returns The loop.
   * @throws {InvalidStateError} If the runner is closed.
   *
   * @example The runner's loop, in debug mode
   * ```ts
   * import { Runner } from "./runner.ts";
   * import assert from "node:assert/strict";
   *
   * const runner = new Runner({ debug: true });
   * assert.equal(runner.getLoop().getDebug(), true);
   * await runner.close();
   * ```
   */
  getLoop(): EventLoop {
    if (this.#closed) throw new InvalidStateError("Runner is closed");
    if (this.#loop === null) {
      const factory = this.#options.loopFactory ?? newEventLoop;
      this.#loop = factory();
      if (this.#options.debug !== undefined) this.#loop.setDebug(this.#options.debug);
      setEventLoop(this.#loop);
    }
    return this.#loop;
  }

  /**
   * Cancels the tasks still pending and waits for them, shuts down the default executor, closes the loop and
   * forgets it as the thread's event loop. A second close does nothing.
   *
   * @returns A promise that resolves once everything is closed.
   *
   * @example Close cancels what is left, once
   * ```ts
   * import { Runner } from "./runner.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * const runner = new Runner();
   * const loop = runner.getLoop();
   * const leftover = loop.createTask(async () => await sleep(60_000));
   * await runner.run(async () => {});
   * await runner.close();
   * assert.equal(leftover.cancelled(), true);
   * assert.equal(loop.isClosed(), true);
   * await runner.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loop = this.#loop;
    if (loop === null) return;
    try {
      await cancelAllTasks(loop);
      // Loop threads and worker pools started during the run end with it (CPython has no loop threads; this is
      // its shutdown of the default executor, extended to them).
      await runLoopShutdownHooks(loop);
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    } finally {
      if (_peekEventLoop() === loop) setEventLoop(null);
      loop.close();
      this.#loop = null;
    }
  }

  /**
   * `await using runner = new Runner()` closes it at the end of the scope.
   *
   * @returns The promise of `close()`.
   *
   * @example An await using block closes the runner and its loop
   * ```ts
   * import { Runner } from "./runner.ts";
   * import type { EventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * let loop: EventLoop;
   * {
   *   await using runner = new Runner();
   *   loop = runner.getLoop();
   *   assert.equal(await runner.run(async () => "ran"), "ran");
   * }
   * assert.equal(loop.isClosed(), true);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// CPython's `_cancel_all_tasks`: cancel every pending task, run the loop until they are all done, and report
// those that ended with an exception nobody will ever see.
async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const pending = loop._pendingTasks();
  if (pending.length === 0) return;
  for (const task of pending) task.cancel();
  const allDone = loop.createFuture<void>();
  let remaining = pending.length;
  const onDone = () => {
    if (--remaining === 0 && !allDone.done()) allDone.setResult(undefined);
  };
  for (const task of pending) task.addDoneCallback(onDone);
  await loop.runUntilComplete(allDone);
  for (const task of pending) {
    if (task.cancelled()) continue;
    const exception = task.exception();
    if (exception !== undefined) {
      loop.callExceptionHandler({
        message: "unhandled exception during run() shutdown",
        exception,
        task,
      });
    }
  }
}

/**
 * Runs `main` on a new event loop and closes it (Python's `asyncio.run`): the tasks left pending are cancelled
 * and awaited, executors and loop threads shut down. Ctrl+C cancels `main`; unhandled, the process exits with 130.
 *
 * @typeParam T The result type.
 * @param main A coroutine: a generator object, or a function returning a promise.
 * @param options `debug`, `loopFactory`, `handleSigint`.
 * @returns The result of `main`.
 * @throws {InvalidStateError} If a loop is already running on this thread.
 *
 * @example The main coroutine's result
 * ```ts
 * import { run } from "./runner.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await run(async () => await sleep(1, "hello")), "hello");
 * ```
 */
export async function run<T>(main: Coroutine<T>, options?: RunnerOptions): Promise<T> {
  if (runningLoop !== null) {
    throw new InvalidStateError("run() cannot be called from a running event loop");
  }
  const runner = new Runner(options);
  try {
    return await runner.run(main);
  } catch (error) {
    if (error instanceof KeyboardInterrupt) {
      await runner.close();
      console.error("KeyboardInterrupt");
      Deno.exit(130);
    }
    throw error;
  } finally {
    await runner.close();
  }
}

// The call graph of each live task of `loop`, for the first Ctrl+C in debug mode.
function liveCallGraphs(loop: EventLoop): string {
  const tasks = [...allTasks(loop)];
  const graphs = tasks.map((task) => formatCallGraph(task));
  return [`Interrupted (debug mode): the call graphs of the ${tasks.length} live tasks`, ...graphs].join("\n");
}
