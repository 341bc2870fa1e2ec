// An awaitable written once, as a generator, that both kinds of coroutine can wait on: `yield*` delegates to the
// generator directly, `await` drives it with an async function running in the awaiting task's context — so every
// Future it waits on is the task's waiter, and a cancel reaches it at exactly the same point in both kinds.
//
// Locks, queues and the combinators use it for operations that must run code after a wait (CPython's
// `acquire()` re-checks the lock after its future is woken; a cancelled waiter hands its wake-up on).

import { countDrivenStep } from "./_current.ts";
import { describe } from "./_describe.ts";
import { isThenable } from "./_awaitable_like.ts";
import type { Awaitable } from "./future.ts";
import { sleep } from "./task.ts";

/** A generator function that waits with `yield*` on Futures, the form of every library operation that waits. */
export type Steps<T> = () => Generator<unknown, T, unknown>;

/**
 * Makes an awaitable from `steps`. Like a Python coroutine it is lazy — nothing runs until it is awaited — and it
 * can be awaited once.
 */
export function awaitable<T>(steps: Steps<T>): Awaitable<T> {
  return new GeneratorAwaitable(steps);
}

class GeneratorAwaitable<T> implements Awaitable<T> {
  #steps: Steps<T> | null;

  constructor(steps: Steps<T>) {
    this.#steps = steps;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
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
