// What an event loop reports through its exception handler, and in what words: a callback that threw, and in debug
// mode a slow callback and, at close, the tasks still pending and the exceptions never retrieved; and the text the
// default handler prints. loop.ts decides when to report; this says what.

import { Future } from "./future.ts";
import { Handle } from "./handle.ts";
import type { EventLoop, ExceptionContext } from "./loop.ts";
import { Task } from "./task.ts";

/** A callback of the ready queue threw `error`. */
export function callbackErrorReport(
  callback: (arg: never) => void,
  argument: unknown,
  error: unknown,
): ExceptionContext {
  return { message: `Exception in callback ${describeCallback(callback, argument)}`, exception: error };
}

/** (Debug mode.) A callback of the ready queue ran for `took` ms, longer than the loop's `slowCallbackDuration`. */
export function slowCallbackReport(callback: (arg: never) => void, argument: unknown, took: number): ExceptionContext {
  return {
    message: `Executing ${describeCallback(callback, argument)} took ${took.toFixed(1)} ms`,
    handle: argument instanceof Handle ? argument : undefined,
    task: argument instanceof Task ? argument : undefined,
  };
}

/** (Debug mode, at close.) Reports the tasks still pending and the futures whose exception nobody retrieved. */
export function reportLeftovers(loop: EventLoop, pending: Task<unknown>[], unretrieved: Set<Future<unknown>>): void {
  for (const task of pending) loop.callExceptionHandler({ message: "Task was destroyed but it is pending!", task });
  for (const future of unretrieved) {
    const what = future instanceof Task ? "Task" : "Future";
    let exception: unknown;
    try {
      exception = future.exception();
    } catch (error) {
      exception = error;
    }
    loop.callExceptionHandler({ message: `${what} exception was never retrieved`, exception, future });
  }
}

/** What the default exception handler prints: the message, the other context fields, the exception's stack. */
export function formatReport(context: ExceptionContext): string {
  const lines = [context.message || "Unhandled exception in event loop"];
  for (const [key, value] of Object.entries(context)) {
    if (key === "message" || key === "exception") continue;
    lines.push(`${key}: ${String(value)}`);
  }
  const exception = context.exception;
  if (exception !== undefined) {
    lines.push(exception instanceof Error ? (exception.stack ?? String(exception)) : String(exception));
  }
  return lines.join("\n");
}

// A task step or a handle is shown as itself (`<Task pending name='w' coro=work()>`), a loop-internal callback by
// its function's name.
function describeCallback(callback: (arg: never) => void, argument: unknown): string {
  if (argument instanceof Handle || argument instanceof Future) return String(argument);
  return callback.name || "anonymous callback";
}
