/**
 * A queue between threads (Python's `queue.Queue`): Web Workers and the main thread put and get items through
 * shared memory. Every operation is available in two forms — blocking (`put()`, `get()`, `join()`: the calling
 * thread sleeps, which Deno allows in workers and in the main thread) and awaitable (`putAsync()`, `getAsync()`,
 * `joinAsync()`: the calling task waits and the thread's event loop keeps running).
 *
 * Items are structured-cloned, as `postMessage` clones them: maps, sets, dates, typed arrays, nested objects and
 * errors cross; functions, symbols and class prototypes do not, and a value that cannot be cloned is refused with
 * a `TypeError`. The clones are stored as bytes in a ring buffer of fixed size (`bufferBytes`, 1 MiB by default):
 * when the next item's bytes do not fit, `put()` waits as if the queue were full, and an item bigger than the
 * whole buffer is refused with a `RangeError`.
 *
 * A ThreadQueue reaches another thread as an argument of a worker function of threads.ts, or through a plain
 * `postMessage`: post the queue itself and call `ThreadQueue.from(event.data)` in the other thread.
 *
 * Stop a worker that uses a queue by a message or a sentinel item rather than `worker.terminate()` in the middle of
 * its work: a thread terminated inside a queue operation may leave the queue's lock held, and then every other
 * thread blocks on it (Python threads cannot be killed at all).
 *
 * @example Producer and consumer in one thread
 * ```ts
 * import { ThreadQueue } from "./thread_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new ThreadQueue<{ id: number; at: Date }>({ maxsize: 10 });
 * queue.put({ id: 1, at: new Date(0) });
 * const item = queue.get({ timeout: 100 });
 * assert.equal(item.id, 1);
 * assert.ok(item.at instanceof Date);
 * queue.taskDone();
 * queue.join(); // returns at once: every item was processed
 * ```
 *
 * @example Handing a queue to a worker with postMessage
 * ```ts
 * import { ThreadQueue } from "./thread_queue.ts";
 * import assert from "node:assert/strict";
 *
 * // The worker's module, inline to keep the example in one file (usually `new URL("./worker.ts", import.meta.url)`).
 * const workerSource = `
 *   import { ThreadQueue } from "${import.meta.resolve("./thread_queue.ts")}";
 *   self.onmessage = (event) => ThreadQueue.from(event.data).put("hello from the worker");`;
 * const worker = new Worker(`data:text/javascript,${encodeURIComponent(workerSource)}`, { type: "module" });
 *
 * const queue = new ThreadQueue<string>();
 * worker.postMessage(queue); // arrives as { buffer }: ThreadQueue.from() makes it a queue over the same memory
 * assert.equal(queue.get({ timeout: 10_000 }), "hello from the worker"); // blocks this thread until the worker puts
 * worker.terminate();
 * ```
 *
 * @module
 */

import { awaitable } from "./_awaitable.ts";
import { AsyncWaiters } from "./_async_waiters.ts";
import { runningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import {
  ALL_DONE,
  COUNT,
  decodeItem,
  DEFAULT_BUFFER_BYTES,
  encodeItem,
  GETTERS,
  GETTERS_ASYNC,
  JOINERS,
  KIND_NUMBER,
  kindOf,
  lock,
  MAXIMUM_BUFFER_BYTES,
  MAXIMUM_MAXSIZE,
  MINIMUM_BUFFER_BYTES,
  NOT_EMPTY,
  NOT_EMPTY_ASYNC,
  NOT_FULL,
  NOT_FULL_ASYNC,
  notify,
  PUTTERS,
  PUTTERS_ASYNC,
  recordBytes,
  SharedRing,
  sleepOn,
  UNFINISHED,
  unlock,
  WAKE_JOINERS,
} from "./_shared_ring.ts";
import { notSendable } from "./_thread_errors.ts";
import { findUncloneable } from "./_uncloneable.ts";
import { registerWireType, WIRE, type WireForm } from "./_wire.ts";
import type { Awaitable } from "./future.ts";
import { QueueEmpty, QueueFull } from "./queue.ts";

/** Options of `new ThreadQueue()`. */
export interface ThreadQueueOptions {
  /** The most items the queue holds before `put()` waits: an integer ≥ 0; 0 (the default) means unbounded. */
  maxsize?: number;
  /**
   * The size in bytes of the shared ring buffer that holds the items (default 1 MiB; from 64 to 2^29). An item
   * takes 4 to 7 bytes more than its encoding (8 bytes for a number, UTF-8 for a string, the structured clone for
   * anything else); `put()` waits while the next item does not fit.
   */
  bufferBytes?: number;
}

/** Options of `put()`. */
export interface PutOptions {
  /** Wait while the queue is full (default `true`); `false` throws `QueueFull` at once instead. */
  block?: boolean;
  /** With `block`, the most milliseconds to wait before throwing `QueueFull` (default: no limit). */
  timeout?: number;
}

/** Options of `get()`. */
export interface GetOptions {
  /** Wait while the queue is empty (default `true`); `false` throws `QueueEmpty` at once instead. */
  block?: boolean;
  /** With `block`, the most milliseconds to wait before throwing `QueueEmpty` (default: no limit). */
  timeout?: number;
}

/** Options of `putAsync()` and `getAsync()`. */
export interface AsyncWaitOptions {
  /** The most milliseconds (of the running loop's clock) to wait before throwing (default: no limit). */
  timeout?: number;
}

// How many waiting tasks a notified condition lets through (the mutex held).
const itemsAvailable = (state: Int32Array): number => state[COUNT];
const everyone = (): number => Infinity;
const allDone = (state: Int32Array): number => state[UNFINISHED] === 0 ? Infinity : 0;

// ---- The queue ---------------------------------------------------------------------------------------------

/**
 * A FIFO queue shared between threads (Python's `queue.Queue`), with blocking and awaitable operations.
 *
 * `get()` and `put()` block the calling thread (Python's `block` and `timeout` arguments, the timeout in ms);
 * `getAsync()` and `putAsync()` only suspend the calling task — or, outside any event loop, return a promise — so
 * the rest of the thread goes on. Time-outs throw `QueueEmpty` / `QueueFull`, the classes of queue.ts, so one
 * `catch` serves both kinds of queue.
 *
 * @typeParam T The type of the items (structured-cloneable).
 *
 * @example Blocking and non-blocking forms
 * ```ts
 * import { QueueEmpty, QueueFull } from "./queue.ts";
 * import { ThreadQueue } from "./thread_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new ThreadQueue<number[]>({ maxsize: 1 });
 * queue.putNowait([1, 2]);
 * assert.throws(() => queue.put([3], { timeout: 10 }), QueueFull);
 * assert.deepEqual(queue.getNowait(), [1, 2]);
 * assert.throws(() => queue.get({ block: false }), QueueEmpty);
 * ```
 *
 * @example Awaiting without blocking the event loop
 * ```ts
 * import { ThreadQueue } from "./thread_queue.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new ThreadQueue<string>();
 * const loop = newEventLoop();
 * const getter = loop.createTask(async () => await queue.getAsync({ timeout: 1000 }));
 * loop.callLater(5, () => queue.putNowait("late"));
 * assert.equal(await loop.runUntilComplete(getter), "late");
 * loop.close();
 * ```
 */
export class ThreadQueue<T> {
  /**
   * The shared memory that holds the queue. Posting the queue to another thread posts this buffer;
   * `ThreadQueue.from()` makes a queue over it there.
   */
  readonly buffer: SharedArrayBuffer;
  #ring: SharedRing;
  #state: Int32Array;
  #capacity: number;
  #maxsize: number;
  #getters: AsyncWaiters;
  #putters: AsyncWaiters;
  #joiners: AsyncWaiters;

  /**
   * Makes an empty queue in new shared memory.
   *
   * @param options `maxsize` (0: unbounded) and `bufferBytes` (the size of the shared ring buffer).
   * @throws {TypeError} If an option is not a number.
   * @throws {RangeError} If `maxsize` is not an integer ≥ 0, or `bufferBytes` not an integer from 64 to 2^29.
   *
   * @example A bounded queue, and a bad maxsize
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ThreadQueue({ maxsize: 3 }).maxsize, 3);
   * assert.throws(() => new ThreadQueue({ maxsize: -1 }), RangeError);
   * ```
   */
  constructor(options?: ThreadQueueOptions) {
    let ring = adopted;
    adopted = null;
    if (ring === null) {
      const { maxsize, bufferBytes } = checkOptions(options);
      ring = SharedRing.create(maxsize, bufferBytes);
    }
    this.#ring = ring;
    this.buffer = ring.buffer;
    const state = ring.state;
    this.#state = state;
    this.#capacity = ring.capacity;
    this.#maxsize = ring.maxsize;
    this.#getters = new AsyncWaiters(state, NOT_EMPTY_ASYNC, GETTERS_ASYNC, itemsAvailable);
    this.#putters = new AsyncWaiters(state, NOT_FULL_ASYNC, PUTTERS_ASYNC, everyone);
    this.#joiners = new AsyncWaiters(state, ALL_DONE, JOINERS, allDone);
  }

  /**
   * The queue over shared memory received from another thread: what posting a ThreadQueue delivers (`{ buffer }`),
   * its `buffer`, or a ThreadQueue (returned as is).
   *
   * @typeParam T The type of the items.
   * @param shared What another thread posted.
   * @returns A queue that shares the other thread's memory.
   * @throws {TypeError} If `shared` does not hold a ThreadQueue's memory.
   *
   * @example A queue over the memory another thread posted
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<string>();
   * const received = ThreadQueue.from<string>(structuredClone(queue)); // what postMessage(queue) delivers
   * received.put("shared");
   * assert.equal(queue.get(), "shared");
   * ```
   */
  static from<T>(shared: unknown): ThreadQueue<T> {
    if (shared instanceof ThreadQueue) return shared;
    const buffer = shared instanceof SharedArrayBuffer
      ? shared
      : shared !== null && typeof shared === "object"
      ? (shared as { buffer?: unknown }).buffer
      : undefined;
    const ring = SharedRing.adopt(buffer);
    if (ring === null) {
      throw new TypeError(
        `Cannot ThreadQueue.from(): expected a posted ThreadQueue ({ buffer: SharedArrayBuffer }) or its buffer, ` +
          `received ${describe(shared)}`,
      );
    }
    adopted = ring;
    return new ThreadQueue<T>();
  }

  /**
   * The most items the queue holds (0: unbounded).
   *
   * @returns The maxsize given to the constructor.
   *
   * @example An unbounded queue by default
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ThreadQueue().maxsize, 0);
   * ```
   */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * The number of items in the queue (at the moment of the call: other threads may change it right after).
   *
   * @returns The item count.
   *
   * @example Count the items
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>();
   * queue.put(1);
   * queue.put(2);
   * assert.equal(queue.qsize(), 2);
   * ```
   */
  qsize(): number {
    return Atomics.load(this.#state, COUNT);
  }

  /**
   * Whether the queue has no items (at the moment of the call).
   *
   * @returns True if empty.
   *
   * @example A new queue is empty
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ThreadQueue().empty(), true);
   * ```
   */
  empty(): boolean {
    return Atomics.load(this.#state, COUNT) === 0;
  }

  /**
   * Whether the queue holds `maxsize` items (at the moment of the call); never for an unbounded queue. A `put()`
   * may also wait while the shared buffer has no room for its item's bytes.
   *
   * @returns True if full.
   *
   * @example A bounded queue fills up
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>({ maxsize: 1 });
   * queue.put(1);
   * assert.equal(queue.full(), true);
   * ```
   */
  full(): boolean {
    return this.#maxsize > 0 && Atomics.load(this.#state, COUNT) >= this.#maxsize;
  }

  /**
   * Puts `item` at the end of the queue. When the queue is full (or its buffer has no room for the item's bytes),
   * blocks the calling thread until there is room, at most `timeout` ms; with `block: false` throws at once.
   *
   * @param item The item (structured-cloned now: later changes to it are not seen).
   * @param options `block` (default true) and `timeout` in ms (default: no limit).
   * @throws {QueueFull} If there is no room in time.
   * @throws {TypeError} If `item` cannot be structured-cloned, or an option has the wrong type.
   * @throws {RangeError} If `item` is bigger than the whole buffer, or `timeout` is negative or NaN.
   *
   * @example Put with a time-out on a full queue
   * ```ts
   * import { QueueFull } from "./queue.ts";
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<Map<string, number>>({ maxsize: 1 });
   * queue.put(new Map([["a", 1]]));
   * assert.throws(() => queue.put(new Map(), { timeout: 5 }), QueueFull);
   * assert.equal(queue.get().get("a"), 1);
   * ```
   */
  put(item: T, options?: PutOptions): void {
    this.#put(item, options, "put");
  }

  #put(item: T, options: PutOptions | undefined, method: string): void {
    const { block, timeout } = checkWaitOptions(options, method, this);
    const kind = kindOf(item);
    const bytes = this.#encode(item, kind, false, method);
    const ring = this.#ring;
    const state = this.#state;
    let deadline = -1; // read the clock only to wait
    lock(state);
    while (!ring.fits(bytes.length)) {
      if (block && deadline < 0) deadline = performance.now() + timeout;
      else if (!block || performance.now() >= deadline) {
        unlock(state);
        throw new QueueFull(`Cannot ${method}() into ${this}: ${this.#whyFull(bytes.length)}`);
      }
      sleepOn(state, NOT_FULL, PUTTERS, deadline);
    }
    const wake = ring.write(bytes, kind);
    unlock(state);
    if (wake !== 0) notify(state, wake);
  }

  /**
   * Puts `item` if there is room now, else throws `QueueFull` (`put(item, { block: false })`).
   *
   * @param item The item.
   * @throws {QueueFull} If the queue is full or its buffer has no room for the item.
   * @throws {TypeError} If `item` cannot be structured-cloned.
   * @throws {RangeError} If `item` is bigger than the whole buffer.
   *
   * @example Put without waiting
   * ```ts
   * import { QueueFull } from "./queue.ts";
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>({ maxsize: 1 });
   * queue.putNowait(1);
   * assert.throws(() => queue.putNowait(2), QueueFull);
   * ```
   */
  putNowait(item: T): void {
    this.#put(item, NOWAIT, "putNowait");
  }

  /**
   * Removes and returns the oldest item. When the queue is empty, blocks the calling thread until an item comes,
   * at most `timeout` ms; with `block: false` throws at once.
   *
   * @param options `block` (default true) and `timeout` in ms (default: no limit).
   * @returns The item (a structured clone of what was put).
   * @throws {QueueEmpty} If no item comes in time.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `timeout` is negative or NaN.
   *
   * @example Get with a time-out on an empty queue
   * ```ts
   * import { QueueEmpty } from "./queue.ts";
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<Uint8Array>();
   * queue.put(new Uint8Array([1, 2, 3]));
   * assert.deepEqual(queue.get(), new Uint8Array([1, 2, 3]));
   * assert.throws(() => queue.get({ timeout: 5 }), QueueEmpty);
   * ```
   */
  get(options?: GetOptions): T {
    return this.#get(options, "get");
  }

  #get(options: GetOptions | undefined, method: string): T {
    const { block, timeout } = checkWaitOptions(options, method, this);
    const ring = this.#ring;
    const state = this.#state;
    let deadline = -1; // read the clock only to wait
    lock(state);
    while (state[COUNT] === 0) {
      if (block && deadline < 0) deadline = performance.now() + timeout;
      else if (!block || performance.now() >= deadline) {
        unlock(state);
        throw new QueueEmpty(`Cannot ${method}() from ${this}: it is empty`);
      }
      sleepOn(state, NOT_EMPTY, GETTERS, deadline);
    }
    const raw = ring.read();
    const wake = ring.afterRead();
    unlock(state);
    if (wake !== 0) notify(state, wake);
    const kind = ring.readKind;
    return (kind === KIND_NUMBER ? raw : decodeItem(raw, kind)) as T;
  }

  /**
   * Removes and returns the oldest item if there is one, else throws `QueueEmpty` (`get({ block: false })`).
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   *
   * @example Get without waiting
   * ```ts
   * import { QueueEmpty } from "./queue.ts";
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new ThreadQueue().getNowait(), QueueEmpty);
   * ```
   */
  getNowait(): T {
    return this.#get(NOWAIT, "getNowait");
  }

  /**
   * Puts `item`, suspending the calling task (not the thread) while the queue is full; the awaitable form of
   * `put()`, for `await` and `yield*`. Outside any event loop it waits as a promise. The item is cloned when the
   * result is awaited: as asyncio's `Queue.put()`, nothing happens before, and a put that is cancelled or times out
   * while it waits for room has not put its item (so a retry does not duplicate it).
   *
   * @param item The item.
   * @param options `timeout` in ms of the running loop's clock (default: no limit).
   * @returns An awaitable that completes once the item is in the queue.
   * @throws {QueueFull} If there is no room in time.
   * @throws {TypeError} If `item` cannot be structured-cloned, or `timeout` is not a number.
   * @throws {RangeError} If `item` is bigger than the whole buffer, or `timeout` is negative or NaN.
   *
   * @example Wait for room without blocking the loop
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>({ maxsize: 1 });
   * const loop = newEventLoop();
   * await loop.runUntilComplete(function* () {
   *   yield* queue.putAsync(1);
   *   loop.callLater(5, () => queue.getNowait()); // makes room later
   *   yield* queue.putAsync(2);
   * }());
   * assert.equal(queue.getNowait(), 2);
   * loop.close();
   * ```
   */
  putAsync(item: T, options?: AsyncWaitOptions): Awaitable<void> {
    const timeout = checkAsyncOptions(options, "putAsync", this);
    return awaitable(() => this.#putSteps(item, timeout));
  }

  /**
   * Removes and returns the oldest item, suspending the calling task (not the thread) while the queue is empty;
   * the awaitable form of `get()`, for `await` and `yield*`. Outside any event loop it waits as a promise.
   *
   * As asyncio's `Queue.get()`, it acts only when awaited, and an item leaves the queue only for a task that goes on
   * with it: a get that is cancelled or times out — its task cancelled before it ran, `waitFor(q.getAsync(), ms)`,
   * a `timeout()` scope, a cancelled `gather` — leaves the queue as it was, and a wake-up it got goes to the next
   * waiting task of its thread.
   *
   * @param options `timeout` in ms of the running loop's clock (default: no limit).
   * @returns An awaitable of the item.
   * @throws {QueueEmpty} If no item comes in time.
   * @throws {TypeError} If `timeout` is not a number.
   * @throws {RangeError} If `timeout` is negative or NaN.
   *
   * @example A get that times out on the loop's clock
   * ```ts
   * import { QueueEmpty } from "./queue.ts";
   * import { ThreadQueue } from "./thread_queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { VirtualClock } from "./virtual_clock.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<string>();
   * const loop = newEventLoop({ clock: new VirtualClock() });
   * await assert.rejects(loop.runUntilComplete(async () => await queue.getAsync({ timeout: 50 })), QueueEmpty);
   * assert.equal(loop.time(), 50);
   * loop.close();
   * ```
   */
  getAsync(options?: AsyncWaitOptions): Awaitable<T> {
    const timeout = checkAsyncOptions(options, "getAsync", this);
    return awaitable(() => this.#getSteps(timeout));
  }

  /**
   * Marks one item got from the queue as processed (Python's `task_done()`); when every item put has been
   * processed, `join()` returns in every thread.
   *
   * @throws {RangeError} If called more times than items were put (Python's ValueError).
   *
   * @example Mark more items done than were put
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>();
   * queue.put(1);
   * queue.get();
   * queue.taskDone();
   * assert.throws(() => queue.taskDone(), RangeError);
   * ```
   */
  taskDone(): void {
    const state = this.#state;
    lock(state);
    const unfinished = state[UNFINISHED];
    if (unfinished <= 0) {
      unlock(state);
      throw new RangeError("taskDone() called too many times");
    }
    state[UNFINISHED] = unfinished - 1;
    let wake = 0;
    if (unfinished === 1 && state[JOINERS] > 0) {
      Atomics.add(state, ALL_DONE, 1);
      wake = WAKE_JOINERS;
    }
    unlock(state);
    if (wake !== 0) notify(state, wake);
  }

  /**
   * Blocks the calling thread until every item put has been marked done with `taskDone()` (in any thread).
   *
   * @example Join a queue with nothing to do
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>();
   * queue.join(); // nothing was put: returns at once
   * assert.equal(queue.qsize(), 0);
   * ```
   */
  join(): void {
    const state = this.#state;
    lock(state);
    while (state[UNFINISHED] > 0) sleepOn(state, ALL_DONE, JOINERS, Infinity);
    unlock(state);
  }

  /**
   * Waits, suspending the calling task (not the thread), until every item put has been marked done with
   * `taskDone()`; the awaitable form of `join()`.
   *
   * @returns An awaitable that completes when no item is unfinished.
   *
   * @example Wait, without blocking, until every item is marked done
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import { newEventLoop } from "./loop.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>();
   * queue.put(1);
   * const loop = newEventLoop();
   * loop.callLater(5, () => {
   *   queue.get();
   *   queue.taskDone();
   * });
   * await loop.runUntilComplete(async () => await queue.joinAsync());
   * assert.equal(queue.empty(), true);
   * loop.close();
   * ```
   */
  joinAsync(): Awaitable<void> {
    return awaitable(() => this.#joinSteps());
  }

  /**
   * A readable description, as `<ThreadQueue maxsize=0 qsize=2 tasks=2>`.
   *
   * @returns The description.
   *
   * @example A queue's description
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>({ maxsize: 5 });
   * queue.put(1);
   * assert.equal(String(queue), "<ThreadQueue maxsize=5 qsize=1 tasks=1>");
   * ```
   */
  toString(): string {
    let text = `<ThreadQueue maxsize=${this.#maxsize}`;
    const size = Atomics.load(this.#state, COUNT);
    const unfinished = Atomics.load(this.#state, UNFINISHED);
    if (size > 0) text += ` qsize=${size}`;
    if (unfinished > 0) text += ` tasks=${unfinished}`;
    return `${text}>`;
  }

  /**
   * How the queue crosses threads as an argument of a worker function (threads.ts): its shared memory.
   *
   * @ignore
   */
  [WIRE](): WireForm {
    return { type: "ThreadQueue", data: { buffer: this.buffer } };
  }

  // ---- Internals (the mutex held where noted) ----

  // The bytes of `item` as `kind` says; with `keep` false, numbers use a scratch buffer (valid until the next call).
  #encode(item: T, kind: number, keep: boolean, method: string): Uint8Array {
    // A number's 8 bytes always fit (the ring has at least 64).
    if (kind === KIND_NUMBER) return encodeItem(item, kind, keep);
    let bytes: Uint8Array;
    try {
      bytes = encodeItem(item, kind, keep);
    } catch (error) {
      const found = findUncloneable(item);
      throw new TypeError(
        `Cannot ${method}() into ${this}: ${
          found === null
            ? `${describe(item)} cannot be structured-cloned (${(error as Error).message})`
            : notSendable(found)
        }`,
        { cause: error },
      );
    }
    if (recordBytes(bytes.length) > this.#capacity) {
      throw new RangeError(
        `Cannot ${method}() ${
          describe(item)
        } into ${this}: its ${bytes.length} bytes do not fit in the ${this.#capacity}-byte ` +
          `buffer (raise bufferBytes)`,
      );
    }
    return bytes;
  }

  #whyFull(length: number): string {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize
      ? "it is full"
      : `its buffer has no room for ${length} more bytes`;
  }

  *#putSteps(item: T, timeout: number): Generator<unknown, void, unknown> {
    const kind = kindOf(item);
    // Kept across waits: its own copy.
    const bytes = this.#encode(item, kind, true, "putAsync");
    const ring = this.#ring;
    const state = this.#state;
    const loop = runningLoop;
    const deadline = loop === null ? performance.now() + timeout : loop.time() + timeout;
    for (;;) {
      lock(state);
      if (ring.fits(bytes.length)) {
        const wake = ring.write(bytes, kind);
        unlock(state);
        if (wake !== 0) notify(state, wake);
        return;
      }
      if ((loop === null ? performance.now() : loop.time()) >= deadline) {
        unlock(state);
        throw new QueueFull(`Cannot putAsync() into ${this}: ${this.#whyFull(bytes.length)}`);
      }
      yield* this.#putters.wait(loop, deadline);
    }
  }

  *#getSteps(timeout: number): Generator<unknown, T, unknown> {
    const ring = this.#ring;
    const state = this.#state;
    const loop = runningLoop;
    const deadline = loop === null ? performance.now() + timeout : loop.time() + timeout;
    for (;;) {
      lock(state);
      if (state[COUNT] > 0) {
        const raw = ring.read();
        const wake = ring.afterRead();
        unlock(state);
        if (wake !== 0) notify(state, wake);
        const kind = ring.readKind;
        return (kind === KIND_NUMBER ? raw : decodeItem(raw, kind)) as T;
      }
      if ((loop === null ? performance.now() : loop.time()) >= deadline) {
        unlock(state);
        throw new QueueEmpty(`Cannot getAsync() from ${this}: it is empty`);
      }
      yield* this.#getters.wait(loop, deadline);
    }
  }

  *#joinSteps(): Generator<unknown, void, unknown> {
    const state = this.#state;
    const loop = runningLoop;
    for (;;) {
      lock(state);
      if (state[UNFINISHED] === 0) {
        unlock(state);
        return;
      }
      yield* this.#joiners.wait(loop, Infinity);
    }
  }
}

registerWireType("ThreadQueue", (data) => ThreadQueue.from(data));

// Set by ThreadQueue.from() for the constructor call it makes: the constructor then adopts that memory.
let adopted: SharedRing | null = null;

const NOWAIT: GetOptions & PutOptions = Object.freeze({ block: false });

function checkOptions(options: ThreadQueueOptions | undefined): { maxsize: number; bufferBytes: number } {
  if (options === undefined) return { maxsize: 0, bufferBytes: DEFAULT_BUFFER_BYTES };
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot make a ThreadQueue: options must be an object, received ${describe(options)}`);
  }
  const maxsize = options.maxsize ?? 0;
  if (typeof maxsize !== "number") {
    throw new TypeError(`Cannot make a ThreadQueue: maxsize must be a number, received ${describe(maxsize)}`);
  }
  if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > MAXIMUM_MAXSIZE) {
    throw new RangeError(
      `Cannot make a ThreadQueue: maxsize must be an integer from 0 to 2^31 - 1 (0 means unbounded), received ${
        describe(maxsize)
      }`,
    );
  }
  const bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  if (typeof bufferBytes !== "number") {
    throw new TypeError(`Cannot make a ThreadQueue: bufferBytes must be a number, received ${describe(bufferBytes)}`);
  }
  if (!Number.isInteger(bufferBytes) || bufferBytes < MINIMUM_BUFFER_BYTES || bufferBytes > MAXIMUM_BUFFER_BYTES) {
    throw new RangeError(
      `Cannot make a ThreadQueue: bufferBytes must be an integer from ${MINIMUM_BUFFER_BYTES} to ${MAXIMUM_BUFFER_BYTES}, received ${
        describe(bufferBytes)
      }`,
    );
  }
  // The ring holds 4-aligned records.
  return { maxsize, bufferBytes: (bufferBytes + 3) & ~3 };
}

function checkTimeout(timeout: unknown, method: string, queue: ThreadQueue<unknown>): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `Cannot ${method}() on ${queue}: timeout must be a number of ms, received ${describe(timeout)}`,
    );
  }
  if (!(timeout >= 0)) {
    throw new RangeError(
      `Cannot ${method}() on ${queue}: timeout must be a non-negative number of ms, received ${describe(timeout)}`,
    );
  }
  return timeout;
}

function checkWaitOptions(
  options: PutOptions | GetOptions | undefined,
  method: string,
  queue: ThreadQueue<unknown>,
): { block: boolean; timeout: number } {
  if (options === undefined) return BLOCK_FOREVER;
  if (options === NOWAIT) return NO_BLOCK;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${method}() on ${queue}: options must be an object, received ${describe(options)}`);
  }
  const block = options.block ?? true;
  if (typeof block !== "boolean") {
    throw new TypeError(`Cannot ${method}() on ${queue}: block must be a boolean, received ${describe(block)}`);
  }
  return { block, timeout: checkTimeout(options.timeout, method, queue) };
}

const BLOCK_FOREVER = Object.freeze({ block: true, timeout: Infinity });
const NO_BLOCK = Object.freeze({ block: false, timeout: 0 });

function checkAsyncOptions(options: AsyncWaitOptions | undefined, method: string, queue: ThreadQueue<unknown>): number {
  if (options === undefined) return Infinity;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${method}() on ${queue}: options must be an object, received ${describe(options)}`);
  }
  return checkTimeout(options.timeout, method, queue);
}
