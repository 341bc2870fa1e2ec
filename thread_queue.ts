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

import { deserialize, serialize } from "node:v8";
import { awaitable } from "./_awaitable.ts";
import { describe } from "./_describe.ts";
import { registerWireType, WIRE, type WireForm } from "./_wire.ts";
import type { Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { runningLoop } from "./_current.ts";
import { QueueEmpty, QueueFull } from "./queue.ts";

export { QueueEmpty, QueueFull } from "./queue.ts";
export type { Awaitable, Thenable } from "./future.ts";

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

// ---- The shared memory -------------------------------------------------------------------------------------
//
// One SharedArrayBuffer: a header of Int32 fields, then the ring buffer of records. A record is an Int32 header
// (byte length * 4 + encoding, at a 4-aligned offset so that it never wraps) followed by the encoded item, padded
// to 4 bytes; only the item's bytes may wrap around the end of the ring.
//
// Every field is read and written under the mutex (LOCK), except the counts the inspection methods read. A thread
// that must wait reads a sequence word under the mutex, releases it, and sleeps on that word (Atomics.wait, or
// Atomics.waitAsync for the awaitable forms); whoever changes the condition bumps the word under the mutex and
// notifies it after releasing the mutex. A bump between the release and the sleep makes the sleep return at once,
// so no wake-up is lost.
//
// Blocked getters sleep on their own word and are woken one per item (a woken getter always takes an item or finds
// the queue empty again). Blocked putters are all woken when an item leaves: whether an item fits depends on its
// size. Awaiting tasks never sleep on the getters' word: a task that stops waiting (cancelled, timed out) cannot
// take its sleep back, and a one-per-item wake-up sent to it would be lost for a blocked thread. Instead each
// thread has at most one waitAsync per queue and condition, on words that are notified in full.

const MAGIC = 0x54685175; // "ThQu": a buffer that holds a ThreadQueue
const LOCK = 1; // 0 free, 1 held, 2 held and contended
const COUNT = 2; // items in the queue
const UNFINISHED = 3; // items put and not yet marked done by taskDone()
const HEAD = 4; // byte offset of the oldest record
const TAIL = 5; // byte offset where the next record goes
const USED = 6; // bytes the records take
const MAXSIZE = 7;
const CAPACITY = 8; // bytes of the ring
const NOT_EMPTY = 9; // sequence word of blocked getters
const NOT_EMPTY_ASYNC = 10; // sequence word of awaiting getters
const NOT_FULL = 11; // sequence word of blocked putters
const NOT_FULL_ASYNC = 12; // sequence word of awaiting putters
const ALL_DONE = 13; // sequence word of join() and joinAsync()
const GETTERS = 14; // blocked getters
const GETTERS_ASYNC = 15; // threads with a waitAsync on NOT_EMPTY_ASYNC
const PUTTERS = 16; // blocked putters
const PUTTERS_ASYNC = 17; // threads with a waitAsync on NOT_FULL_ASYNC
const JOINERS = 18; // blocked joiners and threads with a waitAsync on ALL_DONE
const HEADER_BYTES = 80;

const DEFAULT_BUFFER_BYTES = 1 << 20;
const MINIMUM_BUFFER_BYTES = 64;
// A record header is length * 4 + kind in an Int32.
const MAXIMUM_BUFFER_BYTES = 2 ** 29;
const MAXIMUM_MAXSIZE = 0x7fffffff;
const SPINS = 100;

function lock(state: Int32Array): void {
  if (Atomics.compareExchange(state, LOCK, 0, 1) === 0) return;
  // The sections under the lock are copies of a few bytes: spin a little before sleeping.
  for (let spin = 0; spin < SPINS; spin++) {
    if (Atomics.load(state, LOCK) === 0 && Atomics.compareExchange(state, LOCK, 0, 1) === 0) return;
  }
  // Ulrich Drepper's futex mutex ("Futexes Are Tricky", mutex 3): 2 tells the holder someone sleeps.
  let previous = Atomics.exchange(state, LOCK, 2);
  while (previous !== 0) {
    Atomics.wait(state, LOCK, 2);
    previous = Atomics.exchange(state, LOCK, 2);
  }
}

function unlock(state: Int32Array): void {
  if (Atomics.sub(state, LOCK, 1) !== 1) {
    Atomics.store(state, LOCK, 0);
    Atomics.notify(state, LOCK, 1);
  }
}

// What to notify once the mutex is released (bit flags, so the hot path allocates nothing).
const WAKE_GETTER = 1;
const WAKE_ASYNC_GETTERS = 2;
const WAKE_PUTTERS = 4;
const WAKE_ASYNC_PUTTERS = 8;
const WAKE_JOINERS = 16;

function notify(state: Int32Array, wake: number): void {
  if ((wake & WAKE_GETTER) !== 0) Atomics.notify(state, NOT_EMPTY, 1);
  if ((wake & WAKE_ASYNC_GETTERS) !== 0) Atomics.notify(state, NOT_EMPTY_ASYNC);
  if ((wake & WAKE_PUTTERS) !== 0) Atomics.notify(state, NOT_FULL);
  if ((wake & WAKE_ASYNC_PUTTERS) !== 0) Atomics.notify(state, NOT_FULL_ASYNC);
  if ((wake & WAKE_JOINERS) !== 0) Atomics.notify(state, ALL_DONE);
}

// Sleeps on `word` until it is bumped or `deadline` (performance.now() time) passes. Called and returns with the
// mutex held; `waiting` counts the sleepers so that nobody notifies a word nobody sleeps on.
function sleepOn(state: Int32Array, word: number, waiting: number, deadline: number): void {
  state[waiting]++;
  const sequence = Atomics.load(state, word);
  unlock(state);
  Atomics.wait(state, word, sequence, deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now()));
  lock(state);
  state[waiting]--;
}

// ---- Awaiting tasks ----------------------------------------------------------------------------------------

// A task (or, outside any event loop, a plain promise) waiting in putAsync/getAsync/joinAsync.
class Waiter {
  readonly future: Future<void> | null;
  readonly promise: Promise<void> | null;
  #resolve: (() => void) | null = null;
  // Woken by the condition (not by its deadline): a waiter that then gives up must hand the wake-up on.
  woken = false;

  constructor(loop: EventLoop | null) {
    if (loop === null) {
      this.future = null;
      this.promise = new Promise<void>((resolve) => this.#resolve = resolve);
    } else {
      this.future = loop.createFuture<void>();
      this.promise = null;
    }
  }

  // Resumes the waiting task; false if it cannot be resumed (cancelled, its loop closed, already resumed).
  resume(): boolean {
    const future = this.future;
    if (future === null) {
      if (this.#resolve === null) return false;
      this.#resolve();
      this.#resolve = null;
      return true;
    }
    if (future.done() || future.getLoop().isClosed()) return false;
    future.setResult(undefined);
    return true;
  }

  // What the waiting generator yields until it is resumed.
  *wait(): Generator<unknown, void, unknown> {
    if (this.future !== null) yield* this.future;
    else yield this.promise;
  }
}

// The tasks of one thread waiting on one condition of one queue. The thread keeps one Atomics.waitAsync on the
// condition's word while any of them waits; when it fires, the waiters the condition lets through are resumed and
// retry (`howMany` counts them, with the mutex held). While tasks wait, a host timer keeps the thread alive (a
// pending waitAsync does not); once a second it drops the waiters of closed loops, which nothing will resume.
class AsyncWaiters {
  readonly #state: Int32Array;
  readonly #word: number;
  readonly #arms: number;
  readonly #howMany: (state: Int32Array) => number;
  readonly #waiters: Waiter[] = [];
  #armed = false;
  #keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(state: Int32Array, word: number, arms: number, howMany: (state: Int32Array) => number) {
    this.#state = state;
    this.#word = word;
    this.#arms = arms;
    this.#howMany = howMany;
  }

  // Mutex held.
  add(waiter: Waiter): void {
    this.#waiters.push(waiter);
    if (this.#keepAlive === null) this.#keepAlive = setInterval(this.#dropAbandoned, ABANDONED_CHECK_MS);
    if (!this.#armed) this.#arm();
  }

  // A waiter that stopped waiting (resumed by its deadline, cancelled, failed).
  remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    if (this.#waiters.length === 0) this.#release();
  }

  // A waiter resumed by the condition gave up without using it: resume the next one the condition lets through.
  handOn(): void {
    const state = this.#state;
    lock(state);
    this.#resumeSome();
    unlock(state);
  }

  // Mutex held.
  #arm(): void {
    const state = this.#state;
    this.#armed = true;
    state[this.#arms]++;
    const wait = Atomics.waitAsync(state, this.#word, Atomics.load(state, this.#word));
    // The word only changes under the mutex, which this thread holds: the wait cannot fail its comparison.
    if (wait.async) wait.value.then(this.#onNotified);
    else queueMicrotask(this.#onNotified);
  }

  #onNotified = (): void => {
    const state = this.#state;
    lock(state);
    state[this.#arms]--;
    this.#armed = false;
    this.#resumeSome();
    if (this.#waiters.length > 0) this.#arm();
    unlock(state);
    if (this.#waiters.length === 0) this.#release();
  };

  // Mutex held.
  #resumeSome(): void {
    const waiters = this.#waiters;
    let allowed = this.#howMany(this.#state);
    while (allowed > 0 && waiters.length > 0) {
      const waiter = waiters.shift()!;
      if (waiter.resume()) {
        waiter.woken = true;
        allowed--;
      }
    }
  }

  #dropAbandoned = (): void => {
    const waiters = this.#waiters;
    for (let index = waiters.length - 1; index >= 0; index--) {
      if (waiters[index].future?.getLoop().isClosed()) waiters.splice(index, 1);
    }
    if (waiters.length === 0) this.#release();
  };

  #release(): void {
    if (this.#keepAlive !== null) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
  }
}

const ABANDONED_CHECK_MS = 1000;

const itemsAvailable = (state: Int32Array): number => state[COUNT];
const everyone = (): number => Infinity;
const allDone = (state: Int32Array): number => state[UNFINISHED] === 0 ? Infinity : 0;

function runningLoopOrNull(): EventLoop | null {
  return runningLoop;
}

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
 * import { QueueEmpty, QueueFull, ThreadQueue } from "./thread_queue.ts";
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
  #state: Int32Array;
  #ring: Uint8Array;
  // The Int32 view of the ring, for the record headers (length * 4 + kind).
  #headers: Int32Array;
  #readKind = KIND_CLONE;
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
   * @example
   * ```ts
   * import { ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ThreadQueue({ maxsize: 3 }).maxsize, 3);
   * assert.throws(() => new ThreadQueue({ maxsize: -1 }), RangeError);
   * ```
   */
  constructor(options?: ThreadQueueOptions) {
    let buffer = adopted;
    adopted = null;
    if (buffer === null) {
      const { maxsize, bufferBytes } = checkOptions(options);
      buffer = new SharedArrayBuffer(HEADER_BYTES + bufferBytes);
      const state = new Int32Array(buffer, 0, HEADER_BYTES / 4);
      state[MAXSIZE] = maxsize;
      state[CAPACITY] = bufferBytes;
      Atomics.store(state, 0, MAGIC);
    }
    this.buffer = buffer;
    const state = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#state = state;
    this.#capacity = state[CAPACITY];
    this.#maxsize = state[MAXSIZE];
    this.#ring = new Uint8Array(buffer, HEADER_BYTES, this.#capacity);
    this.#headers = new Int32Array(buffer, HEADER_BYTES, this.#capacity / 4);
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
   * @example
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
    if (
      !(buffer instanceof SharedArrayBuffer) || buffer.byteLength < HEADER_BYTES + MINIMUM_BUFFER_BYTES ||
      Atomics.load(new Int32Array(buffer, 0, 1), 0) !== MAGIC
    ) {
      throw new TypeError(
        `Cannot make a ThreadQueue from ${
          describe(shared)
        }: expected a posted ThreadQueue ({ buffer: SharedArrayBuffer }) or its buffer`,
      );
    }
    adopted = buffer;
    return new ThreadQueue<T>();
  }

  /**
   * The most items the queue holds (0: unbounded).
   *
   * @returns The maxsize given to the constructor.
   *
   * @example
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
   * @example
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
   * @example
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
   * @example
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
   * @example
   * ```ts
   * import { QueueFull, ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<Map<string, number>>({ maxsize: 1 });
   * queue.put(new Map([["a", 1]]));
   * assert.throws(() => queue.put(new Map(), { timeout: 5 }), QueueFull);
   * assert.equal(queue.get().get("a"), 1);
   * ```
   */
  put(item: T, options?: PutOptions): void {
    const { block, timeout } = checkWaitOptions(options, "put", this);
    const kind = kindOf(item);
    const bytes = this.#encode(item, kind, false);
    const state = this.#state;
    let deadline = -1; // read the clock only to wait
    lock(state);
    while (!this.#fits(bytes.length)) {
      if (block && deadline < 0) deadline = performance.now() + timeout;
      else if (!block || performance.now() >= deadline) {
        unlock(state);
        throw new QueueFull(`Cannot put into ${this}: ${this.#whyFull(bytes.length)}`);
      }
      sleepOn(state, NOT_FULL, PUTTERS, deadline);
    }
    const wake = this.#write(bytes, kind);
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
   * @example
   * ```ts
   * import { QueueFull, ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<number>({ maxsize: 1 });
   * queue.putNowait(1);
   * assert.throws(() => queue.putNowait(2), QueueFull);
   * ```
   */
  putNowait(item: T): void {
    this.put(item, NOWAIT);
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
   * @example
   * ```ts
   * import { QueueEmpty, ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new ThreadQueue<Uint8Array>();
   * queue.put(new Uint8Array([1, 2, 3]));
   * assert.deepEqual(queue.get(), new Uint8Array([1, 2, 3]));
   * assert.throws(() => queue.get({ timeout: 5 }), QueueEmpty);
   * ```
   */
  get(options?: GetOptions): T {
    const { block, timeout } = checkWaitOptions(options, "get", this);
    const state = this.#state;
    let deadline = -1; // read the clock only to wait
    lock(state);
    while (state[COUNT] === 0) {
      if (block && deadline < 0) deadline = performance.now() + timeout;
      else if (!block || performance.now() >= deadline) {
        unlock(state);
        throw new QueueEmpty(`Cannot get from ${this}: it is empty`);
      }
      sleepOn(state, NOT_EMPTY, GETTERS, deadline);
    }
    const raw = this.#read();
    const wake = this.#afterRead();
    unlock(state);
    if (wake !== 0) notify(state, wake);
    return this.#readKind === KIND_NUMBER ? raw as T : decode(raw as Uint8Array, this.#readKind);
  }

  /**
   * Removes and returns the oldest item if there is one, else throws `QueueEmpty` (`get({ block: false })`).
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   *
   * @example
   * ```ts
   * import { QueueEmpty, ThreadQueue } from "./thread_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new ThreadQueue().getNowait(), QueueEmpty);
   * ```
   */
  getNowait(): T {
    return this.get(NOWAIT);
  }

  /**
   * Puts `item`, suspending the calling task (not the thread) while the queue is full; the awaitable form of
   * `put()`, for `await` and `yield*`. Outside any event loop it waits as a promise. The item is cloned when the
   * result is awaited.
   *
   * @param item The item.
   * @param options `timeout` in ms of the running loop's clock (default: no limit).
   * @returns An awaitable that completes once the item is in the queue.
   * @throws {QueueFull} If there is no room in time.
   * @throws {TypeError} If `item` cannot be structured-cloned, or `timeout` is not a number.
   * @throws {RangeError} If `item` is bigger than the whole buffer, or `timeout` is negative or NaN.
   *
   * @example
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
   * @param options `timeout` in ms of the running loop's clock (default: no limit).
   * @returns An awaitable of the item.
   * @throws {QueueEmpty} If no item comes in time.
   * @throws {TypeError} If `timeout` is not a number.
   * @throws {RangeError} If `timeout` is negative or NaN.
   *
   * @example
   * ```ts
   * import { QueueEmpty, ThreadQueue } from "./thread_queue.ts";
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
   * @example
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
   * @example
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
   * @example
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
   * @example
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
  #encode(item: T, kind: number, keep: boolean): Uint8Array {
    if (kind === KIND_NUMBER) {
      scratchNumber[0] = item as number;
      return keep ? scratchNumberBytes.slice() : scratchNumberBytes;
    }
    if (kind === KIND_STRING) return this.#checkSize(item, utf8Encoder.encode(item as string));
    let bytes: Uint8Array;
    try {
      bytes = serialize(item);
    } catch (error) {
      throw new TypeError(
        `Cannot put ${describe(item)} into ${this}: it cannot be structured-cloned (${(error as Error).message})`,
        { cause: error },
      );
    }
    return this.#checkSize(item, bytes);
  }

  #checkSize(item: T, bytes: Uint8Array): Uint8Array {
    if (recordBytes(bytes.length) > this.#capacity) {
      throw new RangeError(
        `Cannot put ${
          describe(item)
        } into ${this}: its ${bytes.length} bytes do not fit in the ${this.#capacity}-byte buffer (raise bufferBytes)`,
      );
    }
    return bytes;
  }

  // Mutex held.
  #fits(length: number): boolean {
    const state = this.#state;
    if (this.#maxsize > 0 && state[COUNT] >= this.#maxsize) return false;
    return state[USED] + recordBytes(length) <= this.#capacity;
  }

  #whyFull(length: number): string {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize
      ? "it is full"
      : `its buffer has no room for ${length} more bytes`;
  }

  // Mutex held. Appends the record; returns whom to notify.
  #write(bytes: Uint8Array, kind: number): number {
    const state = this.#state;
    const capacity = this.#capacity;
    const length = bytes.length;
    const tail = state[TAIL];
    this.#headers[tail >> 2] = length * 4 + kind;
    let start = tail + 4;
    if (start === capacity) start = 0;
    const room = capacity - start;
    if (length <= room) {
      this.#ring.set(bytes, start);
    } else {
      this.#ring.set(bytes.subarray(0, room), start);
      this.#ring.set(bytes.subarray(room), 0);
    }
    const size = recordBytes(length);
    const next = tail + size;
    state[TAIL] = next >= capacity ? next - capacity : next;
    state[USED] += size;
    state[COUNT]++;
    state[UNFINISHED]++;
    let wake = 0;
    if (state[GETTERS] > 0) {
      Atomics.add(state, NOT_EMPTY, 1);
      wake = WAKE_GETTER;
    }
    if (state[GETTERS_ASYNC] > 0) {
      Atomics.add(state, NOT_EMPTY_ASYNC, 1);
      wake |= WAKE_ASYNC_GETTERS;
    }
    return wake;
  }

  // Mutex held, COUNT > 0. Removes the oldest record; returns the number it holds or a copy of its bytes, and sets
  // #readKind.
  #read(): unknown {
    const state = this.#state;
    const capacity = this.#capacity;
    const head = state[HEAD];
    const header = this.#headers[head >> 2];
    const length = header >>> 2;
    const kind = header & 3;
    this.#readKind = kind;
    let start = head + 4;
    if (start === capacity) start = 0;
    const bytes = kind === KIND_NUMBER ? scratchNumberBytes : new Uint8Array(length);
    const room = capacity - start;
    if (length <= room) {
      bytes.set(this.#ring.subarray(start, start + length));
    } else {
      bytes.set(this.#ring.subarray(start, capacity));
      bytes.set(this.#ring.subarray(0, length - room), room);
    }
    const size = recordBytes(length);
    const next = head + size;
    state[HEAD] = next >= capacity ? next - capacity : next;
    state[USED] -= size;
    state[COUNT]--;
    return kind === KIND_NUMBER ? scratchNumber[0] : bytes;
  }

  // Mutex held, after #read(): whom to notify.
  #afterRead(): number {
    const state = this.#state;
    let wake = 0;
    if (state[PUTTERS] > 0) {
      Atomics.add(state, NOT_FULL, 1);
      wake = WAKE_PUTTERS;
    }
    if (state[PUTTERS_ASYNC] > 0) {
      Atomics.add(state, NOT_FULL_ASYNC, 1);
      wake |= WAKE_ASYNC_PUTTERS;
    }
    return wake;
  }

  *#putSteps(item: T, timeout: number): Generator<unknown, void, unknown> {
    const kind = kindOf(item);
    // Kept across waits: its own copy.
    const bytes = this.#encode(item, kind, true);
    const state = this.#state;
    const loop = runningLoopOrNull();
    const deadline = loop === null ? performance.now() + timeout : loop.time() + timeout;
    for (;;) {
      lock(state);
      if (this.#fits(bytes.length)) {
        const wake = this.#write(bytes, kind);
        unlock(state);
        if (wake !== 0) notify(state, wake);
        return;
      }
      if ((loop === null ? performance.now() : loop.time()) >= deadline) {
        unlock(state);
        throw new QueueFull(`Cannot put into ${this}: ${this.#whyFull(bytes.length)}`);
      }
      yield* this.#waitFor(this.#putters, loop, deadline);
    }
  }

  *#getSteps(timeout: number): Generator<unknown, T, unknown> {
    const state = this.#state;
    const loop = runningLoopOrNull();
    const deadline = loop === null ? performance.now() + timeout : loop.time() + timeout;
    for (;;) {
      lock(state);
      if (state[COUNT] > 0) {
        const raw = this.#read();
        const wake = this.#afterRead();
        unlock(state);
        if (wake !== 0) notify(state, wake);
        return this.#readKind === KIND_NUMBER ? raw as T : decode(raw as Uint8Array, this.#readKind);
      }
      if ((loop === null ? performance.now() : loop.time()) >= deadline) {
        unlock(state);
        throw new QueueEmpty(`Cannot get from ${this}: it is empty`);
      }
      yield* this.#waitFor(this.#getters, loop, deadline);
    }
  }

  *#joinSteps(): Generator<unknown, void, unknown> {
    const state = this.#state;
    const loop = runningLoopOrNull();
    for (;;) {
      lock(state);
      if (state[UNFINISHED] === 0) {
        unlock(state);
        return;
      }
      yield* this.#waitFor(this.#joiners, loop, Infinity);
    }
  }

  // Entered with the mutex held (released here): waits until `waiters` resumes this task or `deadline` passes.
  *#waitFor(waiters: AsyncWaiters, loop: EventLoop | null, deadline: number): Generator<unknown, void, unknown> {
    const waiter = new Waiter(loop);
    waiters.add(waiter);
    unlock(this.#state);
    let timer: { cancel(): unknown } | null = null;
    if (deadline !== Infinity) {
      if (loop !== null) timer = loop.callAt(deadline, () => waiter.resume());
      else {
        const id = setTimeout(() => waiter.resume(), Math.max(0, deadline - performance.now()));
        timer = { cancel: () => clearTimeout(id) };
      }
    }
    try {
      yield* waiter.wait();
    } catch (error) {
      // Cancelled: a wake-up this task got and will not use goes to the next waiting task of this thread.
      if (waiter.woken) waiters.handOn();
      throw error;
    } finally {
      timer?.cancel();
      if (!waiter.woken) waiters.remove(waiter);
    }
  }
}

registerWireType("ThreadQueue", (data) => ThreadQueue.from(data));

// Set by ThreadQueue.from() for the constructor call it makes: the constructor then adopts that memory.
let adopted: SharedArrayBuffer | null = null;

const NOWAIT: GetOptions & PutOptions = Object.freeze({ block: false });

// How an item is stored: numbers as their 8 bytes and well-formed strings as UTF-8 (both many times faster than
// V8's serializer), anything else as a V8 structured clone.
const KIND_CLONE = 0;
const KIND_NUMBER = 1;
const KIND_STRING = 2;
const scratchNumber = new Float64Array(1);
const scratchNumberBytes = new Uint8Array(scratchNumber.buffer);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

function kindOf(item: unknown): number {
  if (typeof item === "number") return KIND_NUMBER;
  // A lone surrogate has no UTF-8 form: such a string goes through the structured clone, which keeps it.
  if (typeof item === "string" && item.isWellFormed()) return KIND_STRING;
  return KIND_CLONE;
}

function decode(bytes: Uint8Array, kind: number): never {
  return (kind === KIND_STRING ? utf8Decoder.decode(bytes) : deserialize(bytes)) as never;
}

function recordBytes(length: number): number {
  return 4 + ((length + 3) & ~3);
}

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
