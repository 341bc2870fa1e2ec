// The body of a scope — a `timeout()` or a `taskGroup()` — runs in the task that awaits the scope, as the block of
// CPython's `async with` runs in the task that enters it: that is what lets a scope cancel "the code inside it" by
// cancelling the task (CPython's `Timeout` and `TaskGroup` both work that way).
//
// The scope's own steps (enter, then exit with the body's outcome) are written once; what differs between the two
// kinds of coroutine is how the body is waited on:
// - `await scope`: an async function running in the awaiting task's context calls the body. An async body's
//   awaits are then the task's own; a generator body is driven here, each yielded Future awaited by the task.
// - `yield* scope`: a generator delegating to the body. A generator body is delegated to; an async body cannot run
//   inside a generator task's steps (JavaScript cannot suspend a generator on a promise's inner awaits), so it runs
//   as a child task the scope waits on. A cancel of the task reaches it through that wait, as CPython's `await`
//   of a task does; only `currentTask()` inside the body is that child. Any other function is called right in the
//   task's step, as CPython's block runs: one that throws at once leaves the scope in that same step (a task group
//   then cancels the children it made before they ever run); one that returns a promise is waited on as a
//   foreign promise (write such bodies as async functions to make their awaits cancellable).

import { drive } from "./_awaitable.ts";
import { runningLoop } from "./_current.ts";
import { noRunningLoopError } from "./_no_running_loop.ts";
import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { type Awaitable, wrapFuture } from "./future.ts";
import { currentTask, type Task } from "./task.ts";

/**
 * What a scope's body may return: a promise (an async function), a generator object (a `function*`), or a value
 * (a body that does not wait).
 */
export type ScopeBody<S, T> = (scope: S) => PromiseLike<T> | Generator<unknown, T, unknown> | T;

/** Enters the scope in `task` (null outside tasks: the scope throws) and returns the object the body receives. */
export type EnterScope<S> = (task: Task<unknown> | null) => S;

/**
 * Leaves the scope with the body's outcome. Returns null when it need not wait, else the steps that wait. Returning
 * (or finishing the steps) lets the outcome through; throwing replaces it.
 */
export type ExitScope<S> = (scope: S, failed: boolean, error: unknown) => Generator<unknown, void, unknown> | null;

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as GeneratorFunctionConstructor;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as (...args: never[]) => unknown;

/**
 * Makes the awaitable of a scope. Like a Python coroutine it is lazy (nothing runs until it is awaited) and it can
 * be awaited once.
 */
export function scoped<S, T>(
  operation: string,
  enter: EnterScope<S>,
  exit: ExitScope<S>,
  body: ScopeBody<S, T>,
): Awaitable<T> {
  return new ScopeAwaitable(operation, enter, exit, body);
}

class ScopeAwaitable<S, T> implements Awaitable<T> {
  #operation: string;
  #enter: EnterScope<S>;
  #exit: ExitScope<S>;
  #body: ScopeBody<S, T> | null;

  constructor(operation: string, enter: EnterScope<S>, exit: ExitScope<S>, body: ScopeBody<S, T>) {
    this.#operation = operation;
    this.#enter = enter;
    this.#exit = exit;
    this.#body = body;
  }

  // deno-lint-ignore no-explicit-any
  then(onFulfilled?: ((value: T) => any) | null, onRejected?: ((reason: any) => any) | null): void {
    if (runningLoop === null && currentTask() === null) {
      // Top-level code with no loop running: there is no task for the scope to belong to, and never will be.
      if (typeof onRejected === "function") onRejected(noRunningLoopError(this.#operation));
      return;
    }
    runAwaited(this.#enter, this.#exit, this.#take()).then(onFulfilled, onRejected);
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return runDelegated(this.#enter, this.#exit, this.#take());
  }

  #take(): ScopeBody<S, T> {
    const body = this.#body;
    if (body === null) {
      throw new TypeError(`This ${this.#operation} was already awaited; call ${this.#operation} again`);
    }
    this.#body = null;
    return body;
  }
}

// `await scope`: runs in the awaiting task's async context (the engine calls `then` there).
async function runAwaited<S, T>(enter: EnterScope<S>, exit: ExitScope<S>, body: ScopeBody<S, T>): Promise<T> {
  const scope = enter(currentTask());
  let result: T;
  try {
    const produced = body(scope);
    result = isGeneratorObject(produced) ? await drive(produced) : await produced;
  } catch (error) {
    const exiting = exit(scope, true, error);
    if (exiting !== null) await drive(exiting);
    throw error;
  }
  const exiting = exit(scope, false, undefined);
  if (exiting !== null) await drive(exiting);
  return result;
}

// `yield* scope`: runs in the steps of the delegating generator's task.
function* runDelegated<S, T>(
  enter: EnterScope<S>,
  exit: ExitScope<S>,
  body: ScopeBody<S, T>,
): Generator<unknown, T, unknown> {
  const task = currentTask();
  const scope = enter(task);
  let result: T;
  try {
    if (body instanceof GeneratorFunction) {
      result = yield* (body(scope) as Generator<unknown, T, unknown>);
    } else if (body instanceof AsyncFunction) {
      result = yield* task!.getLoop().createTask(() => runInChild(body, scope));
    } else {
      const produced = body(scope);
      if (isGeneratorObject(produced)) result = yield* (produced as Generator<unknown, T, unknown>);
      else if (isThenable(produced)) result = yield* wrapFuture(produced as PromiseLike<T>, task!.getLoop());
      else result = produced as T;
    }
  } catch (error) {
    const exiting = exit(scope, true, error);
    if (exiting !== null) yield* exiting;
    throw error;
  }
  const exiting = exit(scope, false, undefined);
  if (exiting !== null) yield* exiting;
  return result;
}

async function runInChild<S, T>(body: ScopeBody<S, T>, scope: S): Promise<T> {
  const produced = body(scope);
  return isGeneratorObject(produced) ? await drive(produced) : await produced;
}
