/**
 * `gather()`: run awaitables concurrently and collect their results in input order (Python's `asyncio.gather`).
 *
 * @example Three coroutines at once
 * ```ts
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const results = await loop.runUntilComplete(async () =>
 *   await gather(sleep(30, "a"), async () => await sleep(10, "b"), function* () {
 *     return yield* sleep(20, "c");
 *   }())
 * );
 * assert.deepEqual(results, ["a", "b", "c"]);
 * assert.equal(loop.time(), 30);
 * loop.close();
 * ```
 *
 * @module
 */

import { markAwaitedBy } from "./_awaited_by.ts";
import { currentOrNewLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import { checkAwaitable, isAwaitableLike, loopOf } from "./_awaitable_like.ts";
import { CancelledError } from "./errors.ts";
import { Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { type AwaitableLike, ensureFuture } from "./task.ts";

/** Options of `gather(aws, options)`. */
export interface GatherOptions {
  /**
   * Put each child's exception (a `CancelledError` for a cancelled child) in the results instead of failing the
   * gather with the first one. Default false.
   */
  returnExceptions?: boolean;
}

/**
 * The results of awaitables, in input order: maps a tuple of awaitable types to the tuple of their result types.
 *
 * @typeParam T The awaitables.
 */
export type GatherResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: ResultOf<T[K]> };

/**
 * What an awaitable resolves to.
 *
 * @typeParam A The awaitable.
 */
export type ResultOf<A> = A extends Future<infer R> ? R
  : A extends Generator<unknown, infer R, unknown> ? R
  : A extends () => PromiseLike<infer R> ? R
  : A extends PromiseLike<infer R> ? R
  : A extends { then(onFulfilled: (value: infer R) => unknown, onRejected: never): unknown } ? R
  : never;

/**
 * Runs awaitables concurrently and resolves to the list of their results, in input order (Python's
 * `asyncio.gather`). Coroutines are wrapped in tasks (`ensureFuture`); an awaitable given twice runs once and its
 * result appears at each of its positions. The returned Future is CPython's `_GatheringFuture`:
 *
 * - If a child fails, the gather fails with that error at once; the other children are not cancelled and go on.
 *   With `returnExceptions`, errors are results instead.
 * - A child cancelled from outside fails the gather with its `CancelledError` (with `returnExceptions`, the
 *   `CancelledError` is its result). The other children go on.
 * - `cancel()` on the gather cancels every child that is not done. The gather then fails with a `CancelledError` —
 *   at once when a cancelled child reports (without `returnExceptions`), else once every child is done, even if
 *   the children swallowed the cancellation (CPython's `_cancel_requested`, bpo-32684).
 * - Cancelling the task that awaits the gather cancels the gather, hence its children.
 *
 * As in CPython, a gather whose child was cancelled, or that was cancelled itself, *fails* with the
 * `CancelledError`: awaiting it raises that error (so the awaiting task ends cancelled unless it catches it), while
 * `gather.cancelled()` is false and `gather.exception()` returns the error.
 *
 * Call it as `gather(a, b, c)` or `gather(iterable, { returnExceptions })` with an array or a Set. `gather()` of
 * nothing resolves to `[]`.
 *
 * @typeParam T The awaitables' types (inferred).
 * @param aws Futures, tasks, coroutines (generator objects or `() => promise` functions) or promises.
 * @returns A Future of the results.
 * @throws {TypeError} If an argument is not awaitable, or a Future belongs to another loop.
 *
 * @example Results in input order, not completion order
 * ```ts
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const [slow, fast] = await loop.runUntilComplete(async () => await gather(sleep(20, "slow"), sleep(10, "fast")));
 * assert.deepEqual([slow, fast], ["slow", "fast"]);
 * loop.close();
 * ```
 *
 * @example Collecting errors with returnExceptions
 * ```ts
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const results = await loop.runUntilComplete(async () =>
 *   await gather([async () => 1, async () => { throw new RangeError("bad"); }], { returnExceptions: true })
 * );
 * assert.equal(results[0], 1);
 * assert.ok(results[1] instanceof RangeError);
 * loop.close();
 * ```
 */
export function gather<T extends readonly AwaitableLike<unknown>[]>(...aws: T): Future<GatherResults<T>>;
/**
 * Runs the awaitables of an iterable (an array or a Set) concurrently; see the other overload.
 *
 * @typeParam T The result type of the awaitables.
 * @param aws The awaitables.
 * @param options `returnExceptions`: errors become results.
 * @returns A Future of the results in input order (errors among them with `returnExceptions`).
 * @throws {TypeError} If `aws` is not an iterable of awaitables.
 *
 * @example Results in input order
 * ```ts
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const doubled = await loop.runUntilComplete(async () => await gather([1, 2, 3].map((n) => sleep(1, n * 2))));
 * assert.deepEqual(doubled, [2, 4, 6]);
 * loop.close();
 * ```
 */
export function gather<T>(
  aws: Iterable<AwaitableLike<T>>,
  options: GatherOptions & { returnExceptions: true },
): Future<unknown[]>;
/**
 * Runs the awaitables of an iterable (an array or a Set) concurrently; see the first overload.
 *
 * @typeParam T The result type of the awaitables.
 * @param aws The awaitables.
 * @param options `returnExceptions`: errors become results.
 * @returns A Future of the results in input order.
 * @throws {TypeError} If `aws` is not an iterable of awaitables.
 *
 * @example Gather the awaitables of a Set
 * ```ts
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const results = await loop.runUntilComplete(async () => await gather(new Set([Promise.resolve("only")])));
 * assert.deepEqual(results, ["only"]);
 * loop.close();
 * ```
 */
export function gather<T>(aws: Iterable<AwaitableLike<T>>, options?: GatherOptions): Future<T[]>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let items: unknown[] = args;
  let returnExceptions = false;
  const first = args[0];
  if (args.length > 0 && !isAwaitableLike(first)) {
    if (
      first === null || typeof first !== "object" || typeof (first as Iterable<unknown>)[Symbol.iterator] !== "function"
    ) {
      checkAwaitable(first, "gather", 0);
    }
    if (args.length > 2) {
      throw new TypeError(
        `Cannot gather(): pass awaitables, or one iterable of awaitables and options, received ${args.length} ` +
          `arguments starting with ${describe(first)}`,
      );
    }
    const options = args[1];
    if (options !== undefined && (options === null || typeof options !== "object" || isAwaitableLike(options))) {
      throw new TypeError(`Cannot gather(): the options must be an object, received ${describe(options)}`);
    }
    returnExceptions = Boolean((options as GatherOptions | undefined)?.returnExceptions);
    items = Array.from(first as Iterable<unknown>);
  }
  if (items.length === 0) {
    const outer = currentOrNewLoop().createFuture<unknown[]>();
    outer.setResult([]);
    return outer;
  }
  // Every argument is checked before the first task is created, so that a bad one leaves nothing running.
  for (let index = 0; index < items.length; index++) checkAwaitable(items[index], "gather", index);
  // As CPython's `arg_to_fut`: an awaitable given twice is one child, whose result fills both positions.
  const loop = loopOf(items, "gather");
  const argumentToChild = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  for (const item of items) {
    let child = argumentToChild.get(item);
    if (child === undefined) {
      child = ensureFuture(item as AwaitableLike<unknown>, loop);
      argumentToChild.set(item, child);
    }
    children.push(child);
  }
  return new GatheringFuture(children, [...argumentToChild.values()], returnExceptions, loop);
}

// CPython's `_GatheringFuture`: a Future whose cancel() cancels the children rather than itself, and which ends
// cancelled once they report.
class GatheringFuture extends Future<unknown[]> {
  #children: Future<unknown>[];
  #unique: number;
  #finished = 0;
  #returnExceptions: boolean;
  #cancelRequested = false;
  #cancelMessage: string | undefined = undefined;

  constructor(children: Future<unknown>[], unique: Future<unknown>[], returnExceptions: boolean, loop: EventLoop) {
    super({ loop });
    this.#children = children;
    this.#unique = unique.length;
    this.#returnExceptions = returnExceptions;
    const onChildDone = markAwaitedBy((child: Future<unknown>) => this.#childDone(child), this);
    const alreadyDone: Future<unknown>[] = [];
    for (const child of unique) {
      if (child.done()) alreadyDone.push(child);
      else child._addCallback(onChildDone, child);
    }
    // As CPython 3.12: children done already are counted now, so a gather of done futures is done at once.
    for (const child of alreadyDone) this.#childDone(child);
  }

  override cancel(message?: string): boolean {
    if (this.done()) return false;
    let cancelled = false;
    // Every position, as CPython: a child given twice gets two cancel requests.
    for (const child of this.#children) {
      if (child.cancel(message)) cancelled = true;
    }
    if (cancelled) {
      // The gather must end cancelled even if it returns exceptions, or the children swallow the cancel
      // (bpo-32684).
      this.#cancelRequested = true;
      this.#cancelMessage = message;
    }
    return cancelled;
  }

  #childDone(child: Future<unknown>): void {
    this.#finished++;
    if (this.done()) {
      // The gather already failed: a later child's error is not reported as never retrieved.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!this.#returnExceptions) {
      if (child.cancelled()) {
        // As CPython: the gather fails with the child's CancelledError; it is not cancelled itself.
        this._reject(child._makeCancelledError());
        return;
      }
      if (child._failed()) {
        this._reject(child.exception());
        return;
      }
    }
    if (this.#finished < this.#unique) return;
    const children = this.#children;
    const results = new Array<unknown>(children.length);
    for (let index = 0; index < children.length; index++) {
      const each = children[index];
      results[index] = each.cancelled()
        ? each._makeCancelledError()
        : each._failed()
        ? each.exception()
        : each.result();
    }
    if (this.#cancelRequested) {
      const last = children[children.length - 1];
      this._reject(last.cancelled() ? last._makeCancelledError() : new CancelledError(this.#cancelMessage));
    } else {
      this._resolve(results);
    }
  }
}
