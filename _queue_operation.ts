// The awaitables of a queue's `put()`, `get()` and `join()`: act at once when the queue allows it, else wait in line
// — as a generator for `yield*`, as callbacks in an async function's task, driven by `awaitable()` elsewhere. One
// small class serves the three operations; the queue (queue.ts) supplies the steps (`WaitingSteps`) over its state.

import { awaitable } from "./_awaitable.ts";
import { isThenable } from "./_coroutine_kind.ts";
import { taskContext } from "./_task_context.ts";
import type { Awaitable, Future } from "./future.ts";
import type { Task } from "./task.ts";

/** What a queue operation does: `get()`. */
export const GET = 0;
/** What a queue operation does: `put()`. */
export const PUT = 1;
/** What a queue operation does: `join()`. */
export const JOIN = 2;
/** What a queue operation does (the `kind` of the queue's waiting steps). */
export type OperationKind = typeof GET | typeof PUT | typeof JOIN;
const OPERATION_NAMES = ["queue.get()", "queue.put()", "queue.join()"];

/**
 * The steps of a queue's operations, which the queue implements over its private state (queue.ts): this module
 * drives them without importing the queue.
 *
 * @typeParam T The type of the items.
 */
export interface WaitingSteps<T> {
  /** Whether the operation can finish without waiting. */
  _canFinish(kind: OperationKind): boolean;
  /** Finishes the operation once `_canFinish(kind)` (may throw QueueShutDown). */
  _finish(kind: OperationKind, item: T | undefined): unknown;
  /** A waiter future for one wait, in line with the others (throws QueueShutDown when there is nothing to wait for). */
  _enqueueWaiter(kind: OperationKind): Future<void>;
  /** A wait ended with an error: takes the waiter out of line and hands on a wake-up it had received. */
  _abandonWaiter(kind: OperationKind, waiter: Future<void>): void;
}

/**
 * The waiting part of `get()`, `put()` or `join()` for generator code: CPython's loop in `Queue.get` /
 * `Queue.put`, and `Event.wait` on `_finished`. Async functions run the same steps as callbacks (see `AsyncWait`).
 */
function* waitThenFinish<T>(
  queue: WaitingSteps<T>,
  kind: OperationKind,
  item: T | undefined,
): Generator<unknown, unknown, unknown> {
  while (!queue._canFinish(kind)) {
    const waiter = queue._enqueueWaiter(kind);
    try {
      yield* waiter;
    } catch (error) {
      queue._abandonWaiter(kind, waiter);
      throw error;
    }
    if (kind === JOIN) return undefined;
  }
  return queue._finish(kind, item);
}

/**
 * One call of put(), get() or join(): lazy like a Python coroutine — nothing happens until a task awaits it — and
 * awaitable once. When the operation can finish at once (an item to get, room to put) it does so in `then` / the
 * first `next`, without suspending the task — as CPython's `await queue.get()` on a non-empty queue never yields
 * to the loop. Otherwise it waits: delegated to with `yield*`, it runs `waitThenFinish`; awaited in an async
 * function's task, an `AsyncWait` runs the same steps as callbacks, the task waiting on each waiter future (so a
 * cancel reaches it); awaited anywhere else, `awaitable()` drives the generator. The object is its own iterator,
 * and one class serves the three kinds, so the no-wait path allocates one small object.
 *
 * @typeParam T The type of the queue's items.
 * @typeParam R What the operation resolves to: the item for `get()`, nothing for `put()` and `join()`.
 */
export class QueueOperation<T, R> implements Awaitable<R>, Iterator<unknown, R, unknown> {
  #queue: WaitingSteps<T>;
  #kind: OperationKind;
  #item: T | undefined;
  #used = false;
  #waiting: Iterator<unknown, R, unknown> | null = null;

  constructor(queue: WaitingSteps<T>, kind: OperationKind, item: T | undefined) {
    this.#queue = queue;
    this.#kind = kind;
    this.#item = item;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: R) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    this.#claim();
    // `await` calls `then` one microtask after the async function's step: a cancel that arrived in between
    // surfaces here, before the operation does anything, so a task that ends cancelled never took or put an item.
    const task = taskContext.getStore();
    if (task !== undefined && typeof onRejected === "function" && task._deliverPendingCancel(onRejected)) return;
    const queue = this.#queue;
    const kind = this.#kind;
    if (queue._canFinish(kind)) {
      let value: R;
      try {
        value = queue._finish(kind, this.#item) as R;
      } catch (error) {
        if (typeof onRejected === "function") onRejected(error);
        return;
      }
      if (typeof onFulfilled === "function") onFulfilled(value);
      return;
    }
    if (task !== undefined && typeof onFulfilled === "function" && typeof onRejected === "function") {
      new AsyncWait(queue, kind, this.#item, task, onFulfilled, onRejected).wait();
      return;
    }
    // (Thenable's `then` types its callbacks as required; GeneratorAwaitable hands missing ones to Promise#then.)
    awaitable(() => this.#wait(), OPERATION_NAMES[kind]).then(
      onFulfilled as (value: R) => unknown,
      onRejected as (reason: unknown) => unknown,
    );
  }

  [Symbol.iterator](): Iterator<unknown, R, unknown> {
    this.#claim();
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, R> {
    if (this.#waiting === null) {
      const queue = this.#queue;
      if (queue._canFinish(this.#kind)) return { value: queue._finish(this.#kind, this.#item) as R, done: true };
      this.#waiting = this.#wait();
    }
    return this.#waiting.next(value);
  }

  throw(error: unknown): IteratorResult<unknown, R> {
    if (this.#waiting === null) throw error;
    return this.#waiting.throw!(error);
  }

  return(value: R): IteratorResult<unknown, R> {
    if (this.#waiting === null) return { value, done: true };
    return this.#waiting.return!(value);
  }

  // The generator that waits, then finishes it.
  #wait(): Generator<unknown, R, unknown> {
    return waitThenFinish(this.#queue, this.#kind, this.#item) as Generator<unknown, R, unknown>;
  }

  #claim(): void {
    if (this.#used) throw new TypeError("This queue operation was already awaited; call it again");
    this.#used = true;
  }
}

// The waiting part of a queue operation awaited in an async function's task, as callbacks: the steps of
// `waitThenFinish` without a generator and an async function to drive it. Each wait is the task's own await of a
// waiter future — the task's waiter, which its cancel cancels — and the task's wake-up comes back here to re-check
// the queue before the function resumes.
class AsyncWait<T> {
  #queue: WaitingSteps<T>;
  #kind: OperationKind;
  #item: T | undefined;
  #task: Task<unknown>;
  // deno-lint-ignore no-explicit-any
  #onFulfilled: (value: any) => unknown;
  // deno-lint-ignore no-explicit-any
  #onRejected: (reason: any) => unknown;
  #waiter: Future<void> | null = null;
  #woken = (outcome: unknown): void => this.#resumed(outcome);

  constructor(
    queue: WaitingSteps<T>,
    kind: OperationKind,
    item: T | undefined,
    task: Task<unknown>,
    // deno-lint-ignore no-explicit-any
    onFulfilled: (value: any) => unknown,
    // deno-lint-ignore no-explicit-any
    onRejected: (reason: any) => unknown,
  ) {
    this.#queue = queue;
    this.#kind = kind;
    this.#item = item;
    this.#task = task;
    this.#onFulfilled = onFulfilled;
    this.#onRejected = onRejected;
  }

  wait(): void {
    let waiter: Future<void>;
    try {
      waiter = this.#queue._enqueueWaiter(this.#kind);
    } catch (error) {
      this.#onRejected(error);
      return;
    }
    this.#waiter = waiter;
    // The task's own await of the waiter, resumed through #woken. (Registered with the task directly: a re-wait
    // happens in the task's wake-up, a loop callback outside the task's async context.)
    const task = this.#task;
    if (task._awaitFuture(waiter as Future<unknown>, this.#woken, this.#woken)) return;
    // The task waits on something else too (`Promise.all([queue.get(), …])`): a cancel of the task must reach
    // this waiter as well.
    if (!task.done()) task._alsoWaitOn(waiter as Future<unknown>);
    waiter._addCallback(wokenByCallback, this);
  }

  /** Resumes after a plain done-callback of the waiter (see `wait`). */
  _wokenByCallback(): void {
    this.#resumed(undefined);
  }

  // The task woke: its waiter is done, or the task is cancelled. The task hands in the waiter's outcome, or a
  // thenable that rejects with the error to raise (see Task#_wakeAsyncFunction); a plain callback (the task waited
  // on something else too) hands in the result or the error.
  #resumed(outcome: unknown): void {
    const waiter = this.#waiter!;
    // What is resolved here resumes the async function in microtasks: the loop completes that step first.
    waiter.getLoop()._noteMicrotasks();
    let error: unknown = NO_ERROR;
    if (isThenable(outcome)) {
      (outcome as PromiseLike<unknown>).then(undefined, (reason: unknown) => void (error = reason));
    } else if (waiter.cancelled()) {
      error = waiter._makeCancelledError();
    }
    const queue = this.#queue;
    const kind = this.#kind;
    if (error !== NO_ERROR) {
      queue._abandonWaiter(kind, waiter);
      this.#onRejected(error);
      return;
    }
    if (kind === JOIN || queue._canFinish(kind)) {
      let value: unknown;
      try {
        value = queue._finish(kind, this.#item);
      } catch (finishError) {
        this.#onRejected(finishError);
        return;
      }
      this.#onFulfilled(value);
      return;
    }
    // Woken, but another took the item (or the room) first, or the queue shut down: wait again.
    this.wait();
  }
}

function wokenByCallback<T>(wait: AsyncWait<T>): void {
  wait._wokenByCallback();
}

// Marks "no error" in AsyncWait (undefined is a valid thing to throw).
const NO_ERROR = Symbol("no error");
