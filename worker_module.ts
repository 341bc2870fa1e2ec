/**
 * Naming the functions that run in other threads: `workerModule()` hands out typed references to a module's
 * exports, `call()` binds one to its arguments (a *remote call*, what `runCoroutineThreadsafe(call(…), thread)` runs),
 * and `transfer()` marks a buffer to be moved rather than copied.
 *
 * JavaScript cannot send a closure to another thread, so a function that runs elsewhere is named by its module URL
 * and export name. TypeScript still checks every call: `jobs.fib` is a `WorkerFn<typeof fib>`.
 *
 * @example Typed references, and a remote call with its arguments bound
 * ```ts
 * import { call, workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const remote = call(jobs.slowAdd, 2, 3, 1);
 * assert.equal(remote.fn.exportName, "slowAdd");
 * assert.deepEqual(remote.args, [2, 3, 1]);
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import { markTransfer } from "./_transfer.ts";
import { checkTarget } from "./_worker_link.ts";

/** The functions a worker can call: any function (its module exports it; see `WorkerFn`). */
// deno-lint-ignore no-explicit-any
export type WorkerFunction = (...args: any[]) => any;

/**
 * A reference to a function exported by a module, which a worker imports and calls: the module's URL and the
 * export's name. Made by `workerModule()`; a plain object, so it can itself be passed to another thread.
 *
 * @typeParam F The function's type (used by TypeScript only, to check arguments and results).
 *
 * @example A reference names its module and export
 * ```ts
 * import { workerModule } from "./worker_module.ts";
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
 * @example Call a module's function in a worker pool
 * ```ts
 * import { workerModule } from "./worker_module.ts";
 * import { WorkerPoolExecutor } from "./worker_pool.ts";
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
      `Cannot workerModule(): expected an absolute URL such as new URL("./jobs.ts", import.meta.url), ` +
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
 * @example Move a buffer to a worker instead of copying it
 * ```ts
 * import { transfer, workerModule } from "./worker_module.ts";
 * import { WorkerPoolExecutor } from "./worker_pool.ts";
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
    throw new TypeError(`Cannot transfer(): only objects can be moved to another thread, received ${describe(value)}`);
  }
  let list = transferList;
  if (list === undefined) {
    if (value instanceof ArrayBuffer || value instanceof MessagePort) list = [value];
    else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) list = [value.buffer];
    else {
      throw new TypeError(
        `Cannot transfer() ${describe(value)} without a transferList: pass the buffers to move, e.g. ` +
          `transfer(message, [message.data.buffer])`,
      );
    }
  } else if (!Array.isArray(list)) {
    throw new TypeError(`Cannot transfer(): transferList must be an array, received ${describe(list)}`);
  }
  markTransfer(value, list);
  return value;
}

/**
 * A call of a worker function with its arguments bound (Python's coroutine object `do_sleep(x, q)`), made by
 * `call()` and run in another thread by `runCoroutineThreadsafe(remoteCall, thread)`. A plain frozen object: the
 * arguments are sent (structured-cloned, or moved if marked with `transfer()`) each time it is run, so unlike a
 * Python coroutine it can be run more than once.
 *
 * @typeParam R What the call's result is (used by TypeScript only).
 *
 * @example A remote call keeps the function and its arguments
 * ```ts
 * import { call, type RemoteCall, workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const remote: RemoteCall<number> = call(jobs.fib, 10);
 * assert.equal(remote.fn, jobs.fib);
 * assert.ok(Object.isFrozen(remote));
 * ```
 */
export interface RemoteCall<R = unknown> {
  /** The function to call, a reference from `workerModule()`. */
  readonly fn: WorkerFn<WorkerFunction>;
  /** Its arguments. */
  readonly args: readonly unknown[];
  /** Never set: carries the result's type for TypeScript. */
  readonly resultType?: R;
}

/**
 * Binds a worker function to its arguments: the remote call `runCoroutineThreadsafe(remoteCall, thread)` runs
 * there, as Python's `run_coroutine_threadsafe(do_sleep(x, q), loop)` runs the coroutine object. TypeScript checks
 * the arguments against the function's parameters.
 *
 * @typeParam F The function's type.
 * @param fn A reference from `workerModule()`.
 * @param args Its arguments.
 * @returns The remote call, typed by the function's result.
 * @throws {TypeError} If `fn` is not a reference from `workerModule()`.
 *
 * @example Run a remote call on a loop thread
 * ```ts
 * import { LoopThread, runCoroutineThreadsafe } from "./loop_thread.ts";
 * import { call, workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * const thread = await LoopThread.start();
 * assert.equal(await runCoroutineThreadsafe(call(jobs.slowAdd, 20, 22, 1), thread), 42);
 * await thread.stop();
 * ```
 */
export function call<F extends WorkerFunction>(
  fn: WorkerFn<F>,
  ...args: Parameters<F>
): RemoteCall<CoroutineResult<ReturnType<F>>> {
  checkTarget(fn, "call");
  return Object.freeze({ fn, args: Object.freeze([...args]) });
}

/**
 * Whether `value` is a remote call made by `call()` (or has its shape: a function reference and an arguments array).
 *
 * @param value Anything.
 * @returns True for a remote call.
 *
 * @example Tell a remote call from a function reference
 * ```ts
 * import { call, isRemoteCall, workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * assert.equal(isRemoteCall(call(jobs.fib, 3)), true);
 * assert.equal(isRemoteCall(jobs.fib), false);
 * ```
 */
export function isRemoteCall(value: unknown): value is RemoteCall {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Partial<RemoteCall>;
  const fn = candidate.fn as Partial<WorkerFn<WorkerFunction>> | undefined;
  return Array.isArray(candidate.args) && fn !== null && typeof fn === "object" &&
    typeof fn.moduleUrl === "string" && typeof fn.exportName === "string";
}
