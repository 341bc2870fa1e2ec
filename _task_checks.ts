// What a task refuses to run or to await, and the messages that say why — kept out of the engine in task.ts, which
// only asks.

import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { describe } from "./_describe.ts";
import { InvalidStateError } from "./errors.ts";
import { Future } from "./future.ts";
import type { Task } from "./task.ts";

// Marks a generator object that a task ran to its end, so that a second task given it refuses it (CPython's
// "cannot reuse already awaited coroutine") instead of finishing at once with `undefined`. Only finished
// generators carry the mark: a parked task costs nothing more.
const FINISHED_COROUTINE = Symbol("asyncio.finishedCoroutine");

/** Marks a generator that a task ran to its end (see `checkCoroutine`). */
export function markFinished(generator: Generator<unknown, unknown, unknown>): void {
  (generator as unknown as Record<symbol, boolean>)[FINISHED_COROUTINE] = true;
}

/**
 * Whether `coro` is a generator coroutine (true) or a function (false); anything else is refused with a message
 * that names it and says what to do instead.
 */
export function checkCoroutine(coro: unknown): boolean {
  if (typeof coro === "function") return false;
  if (!isGeneratorObject(coro)) throw new TypeError(notACoroutineMessage(coro));
  if (FINISHED_COROUTINE in coro) {
    throw new InvalidStateError(
      "Cannot reuse an already awaited coroutine: this generator object already ran to its end in a task; " +
        "call its generator function again for a new one",
    );
  }
  return true;
}

function notACoroutineMessage(value: unknown): string {
  if (value instanceof Future) {
    return `A coroutine was expected, received ${value}; a Future is already scheduled: await it, or use ensureFuture()`;
  }
  if (value !== null && typeof value === "object" && Symbol.iterator in value) {
    return `A coroutine was expected, received ${describe(value)}, an awaitable; await it inside a coroutine, ` +
      `or wrap it in a task with ensureFuture()`;
  }
  if (isThenable(value)) {
    return `A coroutine was expected, received ${describe(value)}, which is already running and cannot be ` +
      `cancelled; pass a function instead: createTask(() => work(args))`;
  }
  return `A coroutine was expected (a generator object, or a function returning a promise), received ${
    describe(value)
  }`;
}

/** Throws unless `name` is a string or undefined. */
export function checkTaskName(name: unknown): void {
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`Cannot name a task ${describe(name)}: expected a string`);
  }
}

/** Why `task` cannot await `future` (itself, or a future of another loop), or null if it can. */
export function awaitProblem(task: Task<unknown>, future: Future<unknown>): TypeError | null {
  if (future === task) return new TypeError(`${task} cannot await itself`);
  if (future.getLoop() !== task.getLoop()) {
    return new TypeError(`${task} got ${future} attached to a different loop (${future.getLoop()})`);
  }
  return null;
}

/** A generator task's coroutine yielded something that is neither a Future nor nothing. */
export function badYieldError(task: Task<unknown>, yielded: unknown): TypeError {
  return new TypeError(
    `${task} got bad yield: ${describe(yielded)}; delegate with yield* to a Future, Task or sleep()`,
  );
}

/** An async-function task's function returned something other than a promise. */
export function notAPromiseError(task: Task<unknown>, returned: unknown): TypeError {
  return new TypeError(
    `${task} expected its function to return a promise, received ${describe(returned)}; use an async function`,
  );
}

/** A task's first step resumed a generator that `other` is running (CPython's "coroutine is being awaited already"). */
export function runningElsewhereError(other: Task<unknown>): InvalidStateError {
  return new InvalidStateError(
    `Cannot run a coroutine in two tasks: this generator object is being awaited already by ${other}`,
  );
}

/**
 * A task's function can settle after its loop closed (a cancel delivered in the loop's last iteration): the task
 * still ends, but its done-callbacks can no longer run. That is reported, never thrown into a promise reaction
 * where it would crash the program; on an open loop, `error` is thrown on.
 */
export function reportFinishedAfterClose(task: Task<unknown>, error: unknown): void {
  const loop = task.getLoop();
  if (!loop.isClosed()) throw error;
  loop.defaultExceptionHandler({
    message: `${task} finished after its event loop was closed; its done-callbacks will not run`,
    task,
  });
}
