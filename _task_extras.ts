// What only some tasks need — cancelled ones, ones asked for their signal, debugged ones, `Promise.all` awaiters,
// ones created inside a user's AsyncLocalStorage — kept in one object that a task makes on demand (see `Task`), so
// that the hundreds of thousands of tasks a server parks stay small.

import { CancelledError } from "./errors.ts";
import type { Future } from "./future.ts";

/** Marks "no error to throw into the coroutine" (undefined is a valid thing to throw). */
export const NO_ERROR: unique symbol = Symbol("no error");

/** The rarely needed part of a task. */
export class TaskExtras {
  /** The task's name, when given or set (else the task makes `Task-<n>` from its number). */
  name: string | undefined = undefined;
  /** The message of the pending cancel. */
  cancelMessage: string | undefined = undefined;
  /** How many cancels are pending (`cancelling()`). */
  cancelRequests = 0;
  /** Behind `task.signal`, made on first use. */
  abortController: AbortController | null = null;
  /** In debug mode, the stack at the task's last await. */
  stack: string | null = null;
  /** An error a generator must receive at its next step (it yielded something that cannot be awaited). */
  stepError: unknown = NO_ERROR;
  /** Futures awaited besides the waiter, as in `await Promise.all([a, b])`: a cancel reaches them too. */
  otherWaiters: Set<Future<unknown>> | null = null;
  /** What `sleep(0, value)` resumes the task with. */
  yieldValue: unknown = undefined;
  /** Called as soon as the task ends, before its done-callbacks are even scheduled (see `Task._onFinished`). */
  finishedHook: (() => void) | null = null;
  /** The user's AsyncLocalStorage values when the task was created, which it runs in (see `_task_context.ts`). */
  context: unknown = undefined;

  /** The task's AbortSignal, made now if it is the first ask, aborted at once if the task was cancelled already. */
  signal(cancelled: boolean): AbortSignal {
    if (this.abortController === null) {
      this.abortController = new AbortController();
      if (this.cancelRequests > 0 || cancelled) this.abortController.abort(new CancelledError(this.cancelMessage));
    }
    return this.abortController.signal;
  }

  /**
   * Counts a cancel request, aborts the signal, and cancels the futures awaited besides the waiter; returns whether
   * one of those was reached.
   */
  requestCancel(message: string | undefined): boolean {
    this.cancelRequests++;
    if (this.abortController !== null && !this.abortController.signal.aborted) {
      this.abortController.abort(new CancelledError(message));
    }
    const others = this.otherWaiters;
    if (others === null) return false;
    this.otherWaiters = null;
    let reached = false;
    for (const other of others) reached = other.cancel(message) || reached;
    return reached;
  }

  /** Notes a future awaited besides the waiter. */
  alsoWaitOn(future: Future<unknown>): void {
    (this.otherWaiters ??= new Set()).add(future);
  }

  /** Forgets the futures awaited besides the waiter that are done: a cancel need not reach them any more. */
  forgetDoneWaiters(): void {
    const others = this.otherWaiters;
    if (others === null) return;
    for (const other of others) if (other.done()) others.delete(other);
  }

  /** What `sleep(0, value)` resumes the task with, taken once. */
  takeYieldValue(): unknown {
    const value = this.yieldValue;
    this.yieldValue = undefined;
    return value;
  }

  /**
   * Records the stack at an await, deep enough to reach the async function's frames below the loop's own (a
   * microtask checkpoint adds several).
   */
  recordStack(): void {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    this.stack = new Error().stack ?? null;
    Error.stackTraceLimit = limit;
  }

  /** The recorded stack's frame lines, innermost first. */
  stackFrames(): string[] {
    const stack = this.stack;
    if (stack === null) return [];
    return stack.split("\n").slice(1).map((line) => line.trim()).filter((line) => line.startsWith("at "));
  }
}
