/**
 * `WorkerPoolExecutor`: a pool of workers that run functions (Python's `concurrent.futures.ThreadPoolExecutor`),
 * with `submit`, `map` and `shutdown`; and `toThread` (Python's `asyncio.to_thread`), which runs a function in the
 * running loop's default executor. A loop's default executor is a `WorkerPoolExecutor`, made on first use by
 * `loop.runInExecutor(null, …)` or `toThread`, as CPython makes its `ThreadPoolExecutor`.
 *
 * @example Run CPU-bound work in the default executor without blocking the loop
 * ```ts
 * import { run } from "./runner.ts";
 * import { toThread } from "./worker_pool.ts";
 * import { workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
 *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
 * );
 * assert.deepEqual(await run(async () => [await toThread(jobs.fib, 20), await toThread(jobs.fib, 21)]), [6765, 10946]);
 * ```
 *
 * @module
 */

import { runningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import { makeDefaultExecutor, setDefaultExecutorFactory, SUBMIT_AS, submitAs } from "./_executor_hooks.ts";
import { addLoopShutdownHook } from "./_loop_shutdown.ts";
import {
  blockUntil,
  type CallTarget,
  checkTarget,
  labelOf,
  newBell,
  prepareArgs,
  type PreparedArgs,
  snapshotArgs,
  WorkerLink,
} from "./_worker_link.ts";
import { type _ConcurrentSource, ConcurrentFuture } from "./concurrent_future.ts";
import { InvalidStateError, TimeoutError } from "./errors.ts";
import { type Awaitable, type Thenable, wrapFuture } from "./future.ts";
import { getRunningLoop } from "./loop.ts";
import { QueueFull } from "./queue.ts";
import type { CoroutineResult, WorkerFn, WorkerFunction } from "./worker_module.ts";

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
    readonly target: CallTarget,
    public prepared: PreparedArgs,
    readonly caller: string,
  ) {}

  // For messages only: made when one is needed.
  get label(): string {
    return labelOf(this.target);
  }

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
 * @example Map a function over items in two workers
 * ```ts
 * import { WorkerPoolExecutor } from "./worker_pool.ts";
 * import { workerModule } from "./worker_module.ts";
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
   * @example The most workers a pool runs
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
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
   * @example A bounded job queue
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
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
   * @example Submit a job and block for its result
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
   * import { workerModule } from "./worker_module.ts";
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
    return this.#submit(fn, args, "submit") as ConcurrentFuture<CoroutineResult<ReturnType<F>>>;
  }

  /** @ignore `submit()` on behalf of `caller` (`runInExecutor`, `toThread`), which its messages name. */
  [SUBMIT_AS](caller: string, fn: unknown, args: readonly unknown[]): ConcurrentFuture<unknown> {
    return this.#submit(fn, args, caller);
  }

  #submit(fn: unknown, args: readonly unknown[], caller: string): ConcurrentFuture<unknown> {
    if (this.#shutdown) throw new InvalidStateError(`Cannot ${caller}() on ${this}: it was shut down`);
    checkTarget(fn, caller);
    const future = new ConcurrentFuture<unknown>();
    const job = new PoolJob(this, future, fn, prepareArgs(args), caller);
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
        `Cannot ${caller}(${job.label}) on ${this}: its ${this.#maxWorkers} workers are busy and ${this.#maxQueue} ` +
          `jobs already wait (maxQueue); wait for a result and retry, or raise maxQueue`,
      );
    }
    job.prepared = snapshotArgs(job.prepared, job.label, `Cannot ${caller}() on ${this}`);
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
   * @example Results in input order, blocking
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
   * import { workerModule } from "./worker_module.ts";
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
    const futures: ConcurrentFuture<CoroutineResult<R>>[] = [];
    for (const item of items) {
      const future = new ConcurrentFuture<CoroutineResult<R>>();
      const job = new PoolJob(this, future as ConcurrentFuture<unknown>, fn, prepareArgs([item]), "map");
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
   * @example Cancel the jobs still waiting at shutdown
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
   * import { workerModule } from "./worker_module.ts";
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
   * @example Shut a pool down at scope end
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
   * import assert from "node:assert/strict";
   *
   * let outside: WorkerPoolExecutor;
   * {
   *   await using pool = new WorkerPoolExecutor({ name: "scoped" });
   *   outside = pool;
   * }
   * assert.throws(() => outside.map(undefined as never, []), /was shut down/);
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
   * @example A pool's description
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
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
      description: `worker ${index} of WorkerPoolExecutor "${this.#name}"`,
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
    job.id = link.call("job", job.target, job.prepared, job.future, job.caller);
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
          job.prepared = snapshotArgs(job.prepared, job.label, `Cannot ${job.caller}() on ${this}`);
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
 * @example The results of map(), and their futures
 * ```ts
 * import { WorkerPoolExecutor } from "./worker_pool.ts";
 * import { workerModule } from "./worker_module.ts";
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
   * @example Take the first result only
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
   * import { workerModule } from "./worker_module.ts";
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
   * @example Iterate without blocking
   * ```ts
   * import { WorkerPoolExecutor } from "./worker_pool.ts";
   * import { workerModule } from "./worker_module.ts";
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
 * @example Run a function in the default executor
 * ```ts
 * import { run } from "./runner.ts";
 * import { toThread } from "./worker_pool.ts";
 * import { workerModule } from "./worker_module.ts";
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
  // As CPython's to_thread: loop.run_in_executor(None, …), whose default executor is made on first use.
  let executor = loop.getDefaultExecutor();
  if (executor === null) {
    executor = makeDefaultExecutor()!;
    loop.setDefaultExecutor(executor);
  }
  return wrapFuture(submitAs(executor, "toThread", fn, args) as Thenable<CoroutineResult<ReturnType<F>>>, loop);
}

setDefaultExecutorFactory(() => new WorkerPoolExecutor({ name: "default" }));
