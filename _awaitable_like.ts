// The checks by which the combinators (gather, wait, waitFor, asCompleted, shield) accept an `AwaitableLike` (the
// public type, in task.ts) and refuse the rest with a message naming the offending value — before any task is
// created, so a bad argument leaves nothing running behind it.

import { currentOrNewLoop } from "./_current.ts";
import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { describe } from "./_describe.ts";
import { Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import type { AwaitableLike } from "./task.ts";

/** Whether `value` is something the combinators accept (see `AwaitableLike`). */
export function isAwaitableLike(value: unknown): value is AwaitableLike<unknown> {
  return value instanceof Future || typeof value === "function" || isGeneratorObject(value) || isThenable(value);
}

/** Throws a TypeError naming `value` unless it is awaitable. */
export function checkAwaitable(value: unknown, operation: string, position?: number): void {
  if (isAwaitableLike(value)) return;
  const where = position === undefined ? "" : ` at index ${position}`;
  throw new TypeError(
    `Cannot ${operation}(): expected an awaitable (a Future, a Task, a coroutine or a promise), received ${
      describe(value)
    }${where}`,
  );
}

/**
 * The awaitables of an iterable such as an array or a Set, each checked. A single awaitable (or a generator object,
 * which is a coroutine) is refused, as CPython refuses a future or a coroutine in place of a collection.
 */
export function awaitablesOf(aws: unknown, operation: string): unknown[] {
  if (
    isAwaitableLike(aws) || aws === null || typeof aws !== "object" ||
    typeof (aws as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot ${operation}(): expected an iterable of awaitables (an array or a Set), received ${describe(aws)}`,
    );
  }
  const items = Array.from(aws as Iterable<unknown>);
  for (let index = 0; index < items.length; index++) checkAwaitable(items[index], operation, index);
  return items;
}

/**
 * The loop the combinator's Futures live on: `loop` if given, else that of the first item — its own if it is a
 * Future, else the running loop — as CPython's `ensure_future` chain picks it. A Future of another loop is refused
 * before any task is created for the others.
 */
export function loopOf(items: unknown[], operation: string, loop?: EventLoop): EventLoop {
  const first = items[0];
  const target = loop ?? (first instanceof Future ? first.getLoop() : currentOrNewLoop());
  for (const item of items) {
    if (item instanceof Future && item.getLoop() !== target) {
      throw new TypeError(`Cannot ${operation}(): ${item} belongs to another event loop than ${target}`);
    }
  }
  return target;
}

/** Throws unless `timeout` is a number of ms or null/undefined (no timeout). */
export function checkTimeout(timeout: unknown, operation: string): void {
  if (timeout === null || timeout === undefined) return;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `Cannot ${operation}(): the timeout must be a number of ms or null, received ${describe(timeout)}`,
    );
  }
  if (Number.isNaN(timeout)) {
    throw new RangeError(`Cannot ${operation}(): the timeout must be a number of ms or null, received NaN`);
  }
}
