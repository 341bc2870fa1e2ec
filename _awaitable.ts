// An awaitable written once, as a generator, that both kinds of coroutine can wait on: `yield*` delegates to the
// generator directly, `await` drives it with an async function running in the awaiting task's context — so every
// Future it waits on is the task's waiter, and a cancel reaches it at exactly the same point in both kinds.
//
// Locks, queues and the combinators use it for operations that must run code after a wait (CPython's
// `acquire()` re-checks the lock after its future is woken; a cancelled waiter hands its wake-up on).

import { countDrivenStep, runningLoop } from "./_current.ts";
import { noRunningLoopError } from "./_no_running_loop.ts";
import { taskContext } from "./_task_context.ts";
import { describe } from "./_describe.ts";
import { isThenable } from "./_coroutine_kind.ts";
import type { Awaitable } from "./future.ts";
import { sleep } from "./sleep.ts";

/** A generator function that waits with `yield*` on Futures, the form of every library operation that waits. */
export type Steps<T> = () => Generator<unknown, T, unknown>;

/**
 * Makes an awaitable from `steps`. Like a Python coroutine it is lazy — nothing runs until it is awaited — and it
 * can be awaited once. An operation that can only finish on a running loop gives `what`, its name
 * (`"queue.get()"`): awaited where no loop runs, it fails at once with an error naming it instead of hanging.
 */
export function awaitable<T>(steps: Steps<T>, what: string | null = null): Awaitable<T> {
  return new GeneratorAwaitable(steps, what);
}

class GeneratorAwaitable<T> implements Awaitable<T> {
  #steps: Steps<T> | null;
  // What the user called, for the error when it is awaited where no loop runs (null: it needs no loop).
  #what: string | null;

  constructor(steps: Steps<T>, what: string | null) {
    this.#steps = steps;
    this.#what = what;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    if (this.#what !== null && runningLoop === null && taskContext.getStore() === undefined) {
      // Top-level code with no loop running: whatever the operation waits on could never finish.
      if (typeof onRejected === "function") onRejected(noRunningLoopError(this.#what));
      return;
    }
    drive(this.#take()).then(onFulfilled, onRejected);
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return this.#take();
  }

  #take(): Generator<unknown, T, unknown> {
    const steps = this.#steps;
    if (steps === null) throw new TypeError("This awaitable was already awaited; call the operation again");
    this.#steps = null;
    return steps();
  }
}

/**
 * Runs a generator coroutine inside an async function, as a task steps a generator: each yielded Future (or other
 * thenable) is awaited — in the caller's task context, so it is the task's waiter and a cancel reaches it — and its
 * outcome sent back in; a bare yield is one pass through the ready queue; anything else is a TypeError at that
 * yield, as a task's "bad yield".
 */
export async function drive<T>(generator: Generator<unknown, T, unknown>): Promise<T> {
  let step = resume(generator, false, undefined);
  while (!step.done) {
    const yielded = step.value;
    let value: unknown;
    try {
      if (yielded === undefined || yielded === null) value = await sleep(0);
      else if (isThenable(yielded)) value = await yielded;
      else throw new TypeError(`Bad yield: ${describe(yielded)}; delegate with yield* to a Future, Task or sleep()`);
    } catch (error) {
      step = resume(generator, true, error);
      continue;
    }
    step = resume(generator, false, value);
  }
  return step.value;
}

// One step, counted as a generator step (see `inGeneratorStep`): what the generator `yield*`s to must be iterable.
function resume<T>(
  generator: Generator<unknown, T, unknown>,
  fail: boolean,
  input: unknown,
): IteratorResult<unknown, T> {
  countDrivenStep(1);
  try {
    return fail ? generator.throw(input) : generator.next(input);
  } finally {
    countDrivenStep(-1);
  }
}
