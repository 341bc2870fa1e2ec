// Errors that cross threads. Structured clone keeps an Error's message but not its class (a CancelledError would
// arrive as a plain Error), and not every runtime keeps `cause`; so errors travel as explicit records — name,
// message, stack (the remote frames), cause, an AggregateError's errors, and any cloneable own fields such as
// `code` — and are rebuilt on arrival with the right class when it is one of ours or a built-in one.

import { BrokenBarrierError } from "./barrier.ts";
import { describeUncloneable, findUncloneable, type Uncloneable } from "./_uncloneable.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "./errors.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./queue.ts";

/** An error as it travels between threads. */
export interface SerializedError {
  /** The class's name as the error reports it (`error.name`). */
  name: string;
  message: string;
  stack?: string;
  /** `cause`, serialized the same way; absent when the error had none. */
  cause?: SerializedError;
  /** An AggregateError's errors. */
  errors?: SerializedError[];
  /** Other own fields that could be cloned (`code`, `errno`, …). */
  fields?: Record<string, unknown>;
  /** Set when what was thrown is not an Error (`throw "text"`): the value itself, or its text. */
  thrown?: { value: unknown };
}

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

// Classes rebuilt by name. Others arrive as an Error whose `name` is the remote one.
const errorClasses = new Map<string, ErrorClass>([
  ["Error", Error],
  ["TypeError", TypeError],
  ["RangeError", RangeError],
  ["SyntaxError", SyntaxError],
  ["ReferenceError", ReferenceError],
  ["EvalError", EvalError],
  ["URIError", URIError],
  ["CancelledError", CancelledError],
  ["InvalidStateError", InvalidStateError],
  ["TimeoutError", TimeoutError],
  ["QueueEmpty", QueueEmpty],
  ["QueueFull", QueueFull],
  ["QueueShutDown", QueueShutDown],
  ["BrokenBarrierError", BrokenBarrierError],
]);

/** Lets another module's error class (e.g. `BrokenThreadError`) be rebuilt as itself. */
export function registerErrorClass(name: string, errorClass: ErrorClass): void {
  errorClasses.set(name, errorClass);
}

// DOMException names (InvalidStateError is not among them: that name is ours).
const DOM_EXCEPTION_NAMES = new Set([
  "AbortError",
  "DataCloneError",
  "NetworkError",
  "NotFoundError",
  "NotSupportedError",
  "QuotaExceededError",
  "SecurityError",
]);

const MAX_DEPTH = 8;
const OWN_KEYS = new Set(["name", "message", "stack", "cause", "errors"]);

/** Turns anything thrown into a record that postMessage can carry. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error) && !(error instanceof DOMException)) {
    return { name: "Error", message: String(error), thrown: { value: cloneableOrText(error) } };
  }
  const record: SerializedError = {
    name: String(error.name),
    message: String(error.message),
    stack: typeof error.stack === "string" ? error.stack : undefined,
  };
  if (depth < MAX_DEPTH) {
    if ("cause" in error && error.cause !== undefined) record.cause = serializeError(error.cause, depth + 1);
    if (error instanceof AggregateError && Array.isArray(error.errors)) {
      record.errors = error.errors.map((inner) => serializeError(inner, depth + 1));
    }
  }
  for (const key of Object.keys(error)) {
    if (OWN_KEYS.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (!isCloneable(value)) continue;
    (record.fields ??= {})[key] = value;
  }
  return record;
}

/** Rebuilds what `serializeError` made, with the original class when it is known here. */
export function deserializeError(record: SerializedError): unknown {
  if (record.thrown !== undefined) return record.thrown.value;
  const options = record.cause === undefined ? undefined : { cause: deserializeError(record.cause) };
  let error: Error;
  if (record.name === "AggregateError") {
    error = new AggregateError((record.errors ?? []).map(deserializeError), record.message, options);
  } else if (isDomExceptionName(record.name)) {
    error = new DOMException(record.message, record.name) as unknown as Error;
    if (options !== undefined) defineField(error, "cause", options.cause);
  } else {
    const ErrorClass = errorClasses.get(record.name);
    error = ErrorClass === undefined ? new Error(record.message, options) : new ErrorClass(record.message, options);
    if (error.name !== record.name) defineField(error, "name", record.name);
  }
  // The remote frames say where it really happened; the local ones would only show the message plumbing.
  if (record.stack !== undefined) defineField(error, "stack", record.stack);
  if (record.fields !== undefined) {
    for (const [key, value] of Object.entries(record.fields)) defineField(error, key, value, true);
  }
  return error;
}

/**
 * The error for a value postMessage refused: a TypeError that says which value (`labels[i]`, e.g. "argument 2 of
 * jobs.work"; empty for the only value) could not be sent, what it is and where it sits inside the value (a function,
 * a symbol, a WeakMap…), after `context` ("Cannot submit() to <WorkerPoolExecutor …>"), with the DataCloneError as
 * its cause. Only called after a postMessage failed, so the search costs nothing on the normal path.
 */
export function cloneFailure(
  values: readonly unknown[],
  labels: readonly string[],
  context: string,
  failure: unknown,
): TypeError {
  for (let index = 0; index < values.length; index++) {
    const found = findUncloneable(values[index]);
    if (found === null) continue;
    return new TypeError(`${context}: ${labels[index] ? `${labels[index]}: ` : ""}${notSendable(found)}`, {
      cause: failure,
    });
  }
  return new TypeError(`${context}: ${(failure as Error)?.message ?? failure}`, { cause: failure });
}

/** "a function (onDone) at .options cannot be sent to another thread", with the way out for a function. */
export function notSendable(found: Uncloneable): string {
  const hint = found.kind.startsWith("a function")
    ? " (export it from a module and pass its workerModule() reference)"
    : "";
  return `${describeUncloneable(found)} cannot be sent to another thread${hint}`;
}

function isDomExceptionName(name: string): boolean {
  return DOM_EXCEPTION_NAMES.has(name);
}

function isCloneable(value: unknown): boolean {
  if (value === null || typeof value !== "object" && typeof value !== "function") return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function cloneableOrText(value: unknown): unknown {
  return isCloneable(value) ? value : String(value);
}

function defineField(target: object, key: string, value: unknown, enumerable = false): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable });
}
