/**
 * The asyncio queues (Python's `asyncio.Queue`, `PriorityQueue`, `LifoQueue`, as of CPython 3.13 with
 * `shutdown()`): hand items between tasks, with back-pressure when a bounded queue is full and `join()` to wait
 * until every item put has been processed.
 *
 * `put()`, `get()` and `join()` wait in both kinds of coroutine: `await queue.get()` in an async function,
 * `yield* queue.get()` in a generator. Each returns an awaitable that is lazy like a Python coroutine: nothing is
 * taken or added until a task awaits it, so an item leaves the queue only for a waiter that will see it — a
 * `get()` handed to `waitFor(…, 0)`, to a task cancelled before its first step or to a gather that is cancelled
 * takes nothing. When no wait is needed (an item to get, room to put), the awaiting task does not suspend, as
 * CPython's `await queue.get()` on a non-empty queue never yields to the loop. Each awaitable can be awaited once.
 *
 * @example A producer and a consumer
 * ```ts
 * import { Queue } from "./queue.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const queue = new Queue<number>({ maxsize: 2 });
 * const seen: number[] = [];
 * const consumer = loop.createTask(async () => {
 *   for await (const item of queue) {
 *     seen.push(item);
 *     queue.taskDone();
 *   }
 * });
 * await loop.runUntilComplete(async () => {
 *   for (let i = 0; i < 5; i++) await queue.put(i);
 *   await queue.join();
 *   queue.shutdown();
 *   await consumer;
 * });
 * assert.deepEqual(seen, [0, 1, 2, 3, 4]);
 * loop.close();
 * ```
 *
 * @module
 */

import { GET, JOIN, type OperationKind, PUT, QueueOperation } from "./_queue_operation.ts";
import { Deque, Heap, type ItemStore, Stack } from "./_queue_stores.ts";
import { describe } from "./_describe.ts";
import type { Awaitable, Future } from "./future.ts";
import { getRunningLoop } from "./loop.ts";

/**
 * Raised by `getNowait()` when the queue is empty (Python's `asyncio.QueueEmpty`).
 *
 * @example getNowait() on an empty queue
 * ```ts
 * import { Queue, QueueEmpty } from "./queue.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new Queue().getNowait(), QueueEmpty);
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Makes the error.
   *
   * @param message What was empty.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueEmpty";
  }
}

/**
 * Raised by `putNowait()` when the queue is full (Python's `asyncio.QueueFull`).
 *
 * @example putNowait() on a full queue
 * ```ts
 * import { Queue, QueueFull } from "./queue.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<string>({ maxsize: 1 });
 * queue.putNowait("a");
 * assert.throws(() => queue.putNowait("b"), QueueFull);
 * ```
 */
export class QueueFull extends Error {
  /**
   * Makes the error.
   *
   * @param message What was full.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueFull";
  }
}

/**
 * Raised by `put()` / `putNowait()` on a shut-down queue, and by `get()` / `getNowait()` once a shut-down queue
 * is empty (Python 3.13's `asyncio.QueueShutDown`).
 *
 * @example putNowait() on a shut-down queue
 * ```ts
 * import { Queue, QueueShutDown } from "./queue.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<string>();
 * queue.shutdown();
 * assert.throws(() => queue.putNowait("late"), QueueShutDown);
 * ```
 */
export class QueueShutDown extends Error {
  /**
   * Makes the error.
   *
   * @param message What was refused.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueShutDown";
  }
}

/** Options of `new Queue()` and `new LifoQueue()`. */
export interface QueueOptions {
  /** The most items the queue holds before `put()` waits: an integer ≥ 0; 0 (the default) means unbounded. */
  maxsize?: number;
}

/**
 * Options of `new PriorityQueue()`.
 *
 * @typeParam T The type of the items.
 */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders the items, as `Array.prototype.sort`'s comparator: negative when `a` comes out before `b`. Default:
   * the `<` order, smallest first (Python's `heapq`).
   */
  compare?: (a: T, b: T) => number;
}

// `for await (const item of queue)`: gets until the queue is shut down and empty. Written by hand rather than as an
// async generator: no generator state to leave suspended on `break`, and no extra await per item at `yield`.
class QueueIterator<T> implements AsyncIterableIterator<T> {
  #queue: Queue<T>;
  constructor(queue: Queue<T>) {
    this.#queue = queue;
  }
  async next(): Promise<IteratorResult<T, undefined>> {
    try {
      return { value: await this.#queue.get(), done: false };
    } catch (error) {
      if (error instanceof QueueShutDown) return { value: undefined, done: true };
      throw error;
    }
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

function checkMaxsize(kind: string, options: QueueOptions | undefined): number {
  if (options === undefined) return 0;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot make a ${kind}: options must be an object, received ${describe(options)}`);
  }
  const maxsize = options.maxsize ?? 0;
  if (typeof maxsize !== "number") {
    throw new TypeError(`Cannot make a ${kind}: maxsize must be a number, received ${describe(maxsize)}`);
  }
  if (!Number.isInteger(maxsize)) {
    throw new RangeError(
      `Cannot make a ${kind}: maxsize must be an integer (0 or less means unbounded), received ${describe(maxsize)}`,
    );
  }
  return maxsize;
}

/**
 * A first-in first-out queue for tasks (Python's `asyncio.Queue`, with 3.13's `shutdown()`).
 *
 * Blocked `get()`s are served first-come first-served, and so are blocked `put()`s: in the order they began to
 * wait. Cancelling a task blocked in `get()` or `put()` loses no item and never strands the others: a waiter
 * woken just as it is cancelled hands its wake-up to the next in line. A `get()` or `put()` acts only when a task
 * awaits it, so one that is cancelled or times out before — `waitFor(queue.get(), 0)`, a task cancelled before its
 * first step, a cancelled `gather(queue.get())` — took or put nothing; one that got its item is never undone by a
 * cancel that arrives after it (the cancel is raised at the task's next suspension, as in CPython). It is
 * async-iterable: `for await (const item of queue)` gets items until the queue is shut down and empty (it does not
 * call `taskDone()` for you). In generator coroutines, loop on `yield* queue.get()` and catch `QueueShutDown`.
 *
 * As in CPython, a `maxsize` of 0 or less means unbounded. Awaiting `get()` in an async function unwraps an item
 * that is itself a promise or Future (JavaScript's `await` flattens thenables); `yield* queue.get()` returns the
 * item as it is.
 *
 * @typeParam T The type of the items.
 *
 * @example Back-pressure: put() waits while the queue is full
 * ```ts
 * import { Queue } from "./queue.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const queue = new Queue<string>({ maxsize: 1 });
 * loop.createTask(async () => {
 *   await sleep(100);
 *   assert.equal(await queue.get(), "first");
 * });
 * await loop.runUntilComplete(function* () {
 *   yield* queue.put("first");
 *   yield* queue.put("second"); // waits until the consumer makes room
 * }());
 * assert.equal(loop.time(), 100);
 * assert.equal(queue.getNowait(), "second");
 * loop.close();
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  #maxsize: number;
  #items: ItemStore<T>;
  #getters = new Deque<Future<void>>();
  #putters = new Deque<Future<void>>();
  #joiners: Future<void>[] = [];
  #unfinishedTasks = 0;
  #isShutdown = false;

  /**
   * Makes an empty queue.
   *
   * @param options `maxsize`: the most items it holds before `put()` waits (default 0: unbounded).
   * @throws {TypeError} If `options` is not an object or `maxsize` not a number.
   * @throws {RangeError} If `maxsize` is not an integer.
   */
  constructor(options?: QueueOptions) {
    this.#maxsize = checkMaxsize(new.target.name, options);
    this.#items = this._makeStore(options);
  }

  /**
   * @ignore The storage of the items, in the order they come out (CPython's `_init`); subclasses override it.
   */
  protected _makeStore(_options: QueueOptions | undefined): ItemStore<T> {
    return new Deque<T>();
  }

  /**
   * The most items the queue holds; 0 means unbounded.
   *
   * @example Bounded and unbounded
   * ```ts
   * import { Queue } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue({ maxsize: 3 }).maxsize, 3);
   * assert.equal(new Queue().maxsize, 0);
   * ```
   */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * How many items are in the queue.
   *
   * @returns The number of items.
   *
   * @example Count the items
   * ```ts
   * import { Queue } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * queue.putNowait(2);
   * assert.equal(queue.qsize(), 2);
   * ```
   */
  qsize(): number {
    return this.#items.size;
  }

  /**
   * Whether the queue has no items.
   *
   * @returns True if `qsize()` is 0.
   *
   * @example Empty until an item is put
   * ```ts
   * import { Queue } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * assert.equal(queue.empty(), true);
   * queue.putNowait(1);
   * assert.equal(queue.empty(), false);
   * ```
   */
  empty(): boolean {
    return this.#items.size === 0;
  }

  /**
   * Whether the queue holds `maxsize` items, so that `put()` would wait. An unbounded queue is never full.
   *
   * @returns True if bounded and at capacity.
   *
   * @example Full at maxsize
   * ```ts
   * import { Queue } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>({ maxsize: 1 });
   * assert.equal(queue.full(), false);
   * queue.putNowait(1);
   * assert.equal(queue.full(), true);
   * ```
   */
  full(): boolean {
    return this.#maxsize > 0 && this.#items.size >= this.#maxsize;
  }

  /**
   * Puts an item into the queue, waiting while it is full (Python's `Queue.put`). Nothing happens until the result
   * is awaited (see the module's documentation): `waitFor(queue.put(x), 0)` that times out leaves `x` out.
   *
   * @param item The item.
   * @returns An awaitable that settles once the item is in the queue: `await queue.put(x)` or
   * `yield* queue.put(x)`.
   * @throws {QueueShutDown} (when awaited) If the queue is shut down, or gets shut down while this waits.
   *
   * @example Put from an async function
   * ```ts
   * import { Queue } from "./queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const queue = new Queue<string>();
   * await loop.runUntilComplete(async () => await queue.put("job"));
   * assert.equal(queue.getNowait(), "job");
   * loop.close();
   * ```
   */
  put(item: T): Awaitable<void> {
    return new QueueOperation<T, void>(this, PUT, item);
  }

  /**
   * Puts an item into the queue without waiting (Python's `Queue.put_nowait`), and wakes the longest-waiting
   * `get()`.
   *
   * @param item The item.
   * @throws {QueueShutDown} If the queue is shut down.
   * @throws {QueueFull} If the queue is full.
   *
   * @example A full queue refuses
   * ```ts
   * import { Queue, QueueFull } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>({ maxsize: 1 });
   * queue.putNowait(1);
   * assert.throws(() => queue.putNowait(2), QueueFull);
   * ```
   */
  putNowait(item: T): void {
    if (this.#isShutdown) throw new QueueShutDown(`Cannot put into ${this}: it is shut down`);
    if (this.full()) throw new QueueFull(`Cannot put into ${this}: it is full`);
    this.#putNow(item);
  }

  // putNowait() once its checks passed (put() has made them already).
  #putNow(item: T): void {
    this.#items.push(item);
    this.#unfinishedTasks++;
    if (this.#getters.size > 0) wakeUpNext(this.#getters);
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty (Python's `Queue.get`). The item is taken
   * when the result is awaited, for the task that awaits it (see the module's documentation).
   *
   * @returns An awaitable of the item: `await queue.get()` or `yield* queue.get()`.
   * @throws {QueueShutDown} (when awaited) If the queue is shut down and empty, or gets shut down while this
   * waits on an empty queue.
   *
   * @example Get with yield* in a generator coroutine
   * ```ts
   * import { Queue } from "./queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const queue = new Queue<string>();
   * loop.callSoon(() => queue.putNowait("hello"));
   * assert.equal(await loop.runUntilComplete(function* () {
   *   return yield* queue.get();
   * }()), "hello");
   * loop.close();
   * ```
   */
  get(): Awaitable<T> {
    return new QueueOperation<T, T>(this, GET, undefined);
  }

  /**
   * Removes and returns the next item without waiting (Python's `Queue.get_nowait`), and wakes the
   * longest-waiting `put()`.
   *
   * @returns The item.
   * @throws {QueueShutDown} If the queue is empty and shut down.
   * @throws {QueueEmpty} If the queue is empty.
   *
   * @example An empty queue refuses
   * ```ts
   * import { Queue, QueueEmpty } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<string>();
   * queue.putNowait("a");
   * assert.equal(queue.getNowait(), "a");
   * assert.throws(() => queue.getNowait(), QueueEmpty);
   * ```
   */
  getNowait(): T {
    if (this.#items.size === 0) {
      if (this.#isShutdown) throw new QueueShutDown(`Cannot get from ${this}: it is shut down and empty`);
      throw new QueueEmpty(`Cannot get from ${this}: it is empty`);
    }
    return this.#takeNow();
  }

  // getNowait() once the queue is known not to be empty (get() has checked).
  #takeNow(): T {
    const item = this.#items.take();
    if (this.#putters.size > 0) wakeUpNext(this.#putters);
    return item;
  }

  /**
   * Marks one item got from the queue as processed (Python's `Queue.task_done`). When every item put has been
   * marked, the waiting `join()`s finish.
   *
   * @throws {RangeError} If called more times than items were put.
   *
   * @example One taskDone() per item
   * ```ts
   * import { Queue } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<string>();
   * queue.putNowait("job");
   * queue.getNowait();
   * queue.taskDone();
   * assert.throws(() => queue.taskDone(), RangeError);
   * ```
   */
  taskDone(): void {
    if (this.#unfinishedTasks <= 0) throw new RangeError("taskDone() called too many times");
    this.#unfinishedTasks--;
    if (this.#unfinishedTasks === 0) this.#wakeJoiners();
  }

  /**
   * Waits until every item put into the queue has been got and marked with `taskDone()` (Python's
   * `Queue.join`). Finishes at once when there is nothing unfinished.
   *
   * @returns An awaitable that settles when the count of unfinished items reaches zero.
   *
   * @example Wait until every item is processed
   * ```ts
   * import { Queue } from "./queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { sleep } from "./sleep.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * loop.createTask(async () => {
   *   await queue.get();
   *   await sleep(50);
   *   queue.taskDone();
   * });
   * await loop.runUntilComplete(async () => await queue.join());
   * assert.equal(loop.time(), 50);
   * loop.close();
   * ```
   */
  join(): Awaitable<void> {
    return new QueueOperation<T, void>(this, JOIN, undefined);
  }

  /**
   * Shuts the queue down (Python 3.13's `Queue.shutdown`): `put()` and `putNowait()` then throw `QueueShutDown`,
   * and so do `get()` and `getNowait()` once the queue is empty. Every blocked `put()` and `get()` wakes up and
   * re-checks. With `immediate`, the remaining items are dropped at once — each counted as done, which may finish
   * the waiting `join()`s — so `get()` throws straight away.
   *
   * @param immediate Drop the remaining items instead of letting them be got (default false).
   * @throws {TypeError} If `immediate` is not a boolean.
   *
   * @example The remaining items can still be got
   * ```ts
   * import { Queue, QueueShutDown } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<string>();
   * queue.putNowait("last");
   * queue.shutdown();
   * assert.equal(queue.getNowait(), "last");
   * assert.throws(() => queue.getNowait(), QueueShutDown);
   * ```
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== "boolean") {
      throw new TypeError(`Cannot shut down ${this}: immediate must be a boolean, received ${describe(immediate)}`);
    }
    this.#isShutdown = true;
    if (immediate) {
      const dropped = this.#items.size;
      this.#items.clear();
      this.#unfinishedTasks = Math.max(0, this.#unfinishedTasks - dropped);
      if (this.#unfinishedTasks === 0) this.#wakeJoiners();
    }
    // Every blocked getter and putter re-checks the queue, and so sees the shutdown.
    for (const waiters of [this.#getters, this.#putters]) {
      while (waiters.size > 0) {
        const waiter = waiters.take();
        if (!waiter.done()) waiter.setResult(undefined);
      }
    }
  }

  /**
   * Gets items until the queue is shut down and empty: `for await (const item of queue)`. The loop ends without
   * an error at shutdown; it does not call `taskDone()`.
   *
   * @returns An async iterator of the items.
   *
   * @example for await until shutdown
   * ```ts
   * import { Queue } from "./queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const queue = new Queue<number>();
   * [1, 2, 3].forEach((n) => queue.putNowait(n));
   * queue.shutdown();
   * const seen = await loop.runUntilComplete(async () => {
   *   const items: number[] = [];
   *   for await (const item of queue) items.push(item);
   *   return items;
   * });
   * assert.deepEqual(seen, [1, 2, 3]);
   * loop.close();
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new QueueIterator(this);
  }

  /**
   * A readable description, as CPython's repr: `<Queue maxsize=0 qsize=2 getters=1 tasks=2>`.
   *
   * @returns The description.
   *
   * @example A queue's description
   * ```ts
   * import { Queue } from "./queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>({ maxsize: 5 });
   * queue.putNowait(1);
   * assert.equal(String(queue), "<Queue maxsize=5 qsize=1 tasks=1>");
   * ```
   */
  toString(): string {
    let text = `<${this.constructor.name} maxsize=${this.#maxsize}`;
    if (this.#items.size > 0) text += ` qsize=${this.#items.size}`;
    if (this.#getters.size > 0) text += ` getters=${this.#getters.size}`;
    if (this.#putters.size > 0) text += ` putters=${this.#putters.size}`;
    if (this.#unfinishedTasks > 0) text += ` tasks=${this.#unfinishedTasks}`;
    if (this.#isShutdown) text += " shutdown";
    return `${text}>`;
  }

  /** @ignore Whether `get()`, `put()` or `join()` can finish without waiting (see `WaitingSteps`). */
  _canFinish(kind: OperationKind): boolean {
    if (kind === GET) return this.#items.size > 0;
    if (kind === PUT) return !this.full();
    return this.#unfinishedTasks === 0;
  }

  /** @ignore Finishes `get()`, `put()` or `join()` once `_canFinish(kind)` (may throw QueueShutDown). */
  _finish(kind: OperationKind, item: T | undefined): unknown {
    if (kind === GET) return this.getNowait();
    if (kind === PUT) this.putNowait(item as T);
    return undefined;
  }

  /**
   * @ignore A waiter future for one wait of `get()`, `put()` or `join()`, in line with the others; a
   * get or put on a shut-down queue has nothing to wait for and throws QueueShutDown instead.
   */
  _enqueueWaiter(kind: OperationKind): Future<void> {
    if (kind === GET && this.#isShutdown) {
      throw new QueueShutDown(`Cannot get from ${this}: it is shut down and empty`);
    }
    if (kind === PUT && this.#isShutdown) throw new QueueShutDown(`Cannot put into ${this}: it is shut down`);
    const waiter = getRunningLoop().createFuture<void>();
    if (kind === GET) this.#getters.push(waiter);
    else if (kind === PUT) this.#putters.push(waiter);
    else this.#joiners.push(waiter);
    return waiter;
  }

  /**
   * @ignore A wait ended with an error (a cancel, mostly): takes the waiter out of line and, if it had been woken
   * already, hands its wake-up to the next waiter — or the item (the room) would sit unused while others wait.
   */
  _abandonWaiter(kind: OperationKind, waiter: Future<void>): void {
    waiter.cancel();
    if (kind === JOIN) {
      const index = this.#joiners.indexOf(waiter);
      if (index >= 0) this.#joiners.splice(index, 1);
      return;
    }
    const waiters = kind === GET ? this.#getters : this.#putters;
    // Already gone if a putNowait()/getNowait() or shutdown() took it off the line.
    waiters.remove(waiter);
    if (!waiter.cancelled() && this._canFinish(kind)) wakeUpNext(waiters);
  }

  #wakeJoiners(): void {
    const joiners = this.#joiners;
    if (joiners.length === 0) return;
    this.#joiners = [];
    for (const joiner of joiners) if (!joiner.done()) joiner.setResult(undefined);
  }
}

// Wakes the first waiter that is still waiting; cancelled ones are dropped (CPython's `_wakeup_next`).
function wakeUpNext(waiters: Deque<Future<void>>): void {
  while (waiters.size > 0) {
    const waiter = waiters.take();
    if (!waiter.done()) {
      waiter.setResult(undefined);
      return;
    }
  }
}

function defaultCompare(a: unknown, b: unknown): number {
  // deno-lint-ignore no-explicit-any
  return (a as any) < (b as any) ? -1 : (b as any) < (a as any) ? 1 : 0;
}

/**
 * A queue that gives the smallest item first (Python's `asyncio.PriorityQueue`), kept in a binary heap. Items
 * that compare equal come out in the order they were put (first-in first-out) — a guarantee CPython's `heapq`
 * does not give. Put `[priority, data]` pairs with a `compare` on the priority, or items with a natural `<` order.
 *
 * @typeParam T The type of the items.
 *
 * @example Smallest first, ties in put order
 * ```ts
 * import { PriorityQueue } from "./queue.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new PriorityQueue<[number, string]>({ compare: (a, b) => a[0] - b[0] });
 * queue.putNowait([2, "low"]);
 * queue.putNowait([1, "urgent"]);
 * queue.putNowait([2, "low, later"]);
 * const order = [queue.getNowait(), queue.getNowait(), queue.getNowait()].map(([, name]) => name);
 * assert.deepEqual(order, ["urgent", "low", "low, later"]);
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * Makes an empty priority queue.
   *
   * @param options `maxsize` (default 0: unbounded) and `compare` (default: the `<` order).
   * @throws {TypeError} If `options` is not an object, `maxsize` not a number or `compare` not a function.
   * @throws {RangeError} If `maxsize` is not an integer.
   */
  constructor(options?: PriorityQueueOptions<T>) {
    super(options);
  }

  /** @ignore A heap ordered by `options.compare`. */
  protected override _makeStore(options: PriorityQueueOptions<T> | undefined): ItemStore<T> {
    const compare = options?.compare ?? defaultCompare;
    if (typeof compare !== "function") {
      throw new TypeError(`Cannot make a PriorityQueue: compare must be a function, received ${describe(compare)}`);
    }
    return new Heap<T>(compare);
  }
}

/**
 * A queue that gives the most recently put item first (Python's `asyncio.LifoQueue`).
 *
 * @typeParam T The type of the items.
 *
 * @example Last in, first out
 * ```ts
 * import { LifoQueue } from "./queue.ts";
 * import assert from "node:assert/strict";
 *
 * const stack = new LifoQueue<number>();
 * stack.putNowait(1);
 * stack.putNowait(2);
 * assert.equal(stack.getNowait(), 2);
 * assert.equal(stack.getNowait(), 1);
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /**
   * Makes an empty LIFO queue.
   *
   * @param options `maxsize`: the most items it holds before `put()` waits (default 0: unbounded).
   * @throws {TypeError} If `options` is not an object or `maxsize` not a number.
   * @throws {RangeError} If `maxsize` is not an integer.
   */
  constructor(options?: QueueOptions) {
    super(options);
  }

  /** @ignore A stack. */
  protected override _makeStore(): ItemStore<T> {
    return new Stack<T>();
  }
}
