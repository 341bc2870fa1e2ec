/**
 * Threads: event loops in workers (`LoopThread`, in loop_thread.ts), worker pools (`WorkerPoolExecutor`, `toThread`,
 * in worker_pool.ts), and typed references to the functions they run (`workerModule`, `call`, `transfer`, in
 * worker_module.ts). This module gathers them, with `ConcurrentFuture` (concurrent_future.ts).
 *
 * JavaScript cannot send a closure to another thread, so a function that runs elsewhere is named by its **module
 * URL and export name**: `workerModule<typeof import("./jobs.ts")>(url)` gives an object whose properties are
 * references to the module's exported functions (`jobs.fib` is a `WorkerFn<typeof fib>`), and TypeScript checks
 * the arguments and the result of every call made through them. The module is imported in the worker on first
 * use; a missing module or export comes back as a `TypeError` in the call's future.
 *
 * Arguments and results are structured-cloned (a `ThreadQueue` crosses as itself, sharing its memory); mark a
 * buffer with `transfer(buffer)` to move it instead of copying it (the sender's copy is detached). A value that
 * cannot be cloned, such as a function, is refused with a `TypeError` naming its kind and the argument's position
 * ("argument 2 of jobs.work: a function cannot be sent to another thread"), or the result. Errors
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
 * import { call, LoopThread, runCoroutineThreadsafe, workerModule } from "./threads.ts";
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

export type { Awaitable, Thenable } from "./future.ts";
export { BrokenThreadError, ConcurrentFuture } from "./concurrent_future.ts";
export * from "./loop_thread.ts";
export * from "./worker_module.ts";
export * from "./worker_pool.ts";
