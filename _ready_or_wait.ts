// The awaitable of an operation that usually completes without waiting — an uncontended `lock.acquire()`, a
// `event.wait()` on a set event. CPython's coroutine returns before its first `await` then; here each `await` /
// `yield*` first tries the operation and, when it succeeds, resolves with a fixed value without going through the
// generator wrapper, without a Future and without suspending the task. Only when it must wait does it run the
// operation's generator (the `awaitable()` form every waiting operation uses).
//
// One instance per primitive serves every call: the attempt is made when the awaitable is awaited, never when it
// is created, so it is as lazy as a Python coroutine and can be awaited any number of times.

import type { Awaitable } from "./future.ts";
import { taskContext } from "./_task_context.ts";
import { awaitable, type Steps } from "./_awaitable.ts";

/** An awaitable that completes at once with `value` when `tryNow()` succeeds, and otherwise runs `wait`. */
export class ReadyOrWait<T> implements Awaitable<T> {
  #tryNow: () => boolean;
  #wait: Steps<T>;
  #ready: Ready<T>;
  #what: string;

  /**
   * @param tryNow Attempts the operation at once; true if it succeeded (and took effect).
   * @param value What the awaitable resolves to when `tryNow()` succeeded.
   * @param wait The operation when it must wait: a generator that waits with `yield*` on Futures.
   * @param what What the user called (`"lock.acquire()"`), for errors.
   */
  constructor(tryNow: () => boolean, value: T, wait: Steps<T>, what: string) {
    this.#tryNow = tryNow;
    this.#wait = wait;
    this.#ready = new Ready(value);
    this.#what = what;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    // `await` calls `then` one microtask after the await: a cancel that arrived in between surfaces here, before
    // the operation takes effect (a cancelled acquire must not hold the lock).
    const task = taskContext.getStore();
    if (task !== undefined && typeof onRejected === "function" && task._deliverPendingCancel(onRejected)) return;
    if (this.#tryNow()) {
      if (typeof onFulfilled === "function") onFulfilled(this.#ready.value);
      return;
    }
    // deno-lint-ignore no-explicit-any
    awaitable(this.#wait, this.#what).then(onFulfilled as (value: T) => any, onRejected as (reason: any) => any);
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return this.#tryNow() ? this.#ready : this.#wait();
  }
}

/**
 * An awaitable of `value` that never waits (for operations that completed at once). It is its own iterator and
 * its own iterator result — `yield*` gets `{ value, done: true }` from its first `next()` — so a completion costs
 * one small object; it holds nothing else and can be awaited or delegated to any number of times.
 */
export class Ready<T> implements Awaitable<T>, Iterator<unknown, T, unknown>, IteratorReturnResult<T> {
  /** What the awaitable resolves to. */
  readonly value: T;
  /** Always true: as an iterator result, it is the final one. */
  readonly done = true as const;

  /** @param value What the awaitable resolves to. */
  constructor(value: T) {
    this.value = value;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, _onRejected?: ((reason: any) => any) | null): void {
    if (typeof onFulfilled === "function") onFulfilled(this.value);
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return this;
  }

  next(): IteratorReturnResult<T> {
    return this;
  }

  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }

  return(value: T): IteratorResult<unknown, T> {
    return { value, done: true };
  }
}
