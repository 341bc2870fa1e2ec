// What kind of thing a task or combinator was handed: a generator object (a generator coroutine), or something with
// a `then` method (a promise, a Future, a library awaitable). A leaf that imports nothing, so that every module —
// task.ts first among them — can ask without importing the modules that import it.

/**
 * Something with a `then` method: the same shape as future.ts's public `Thenable` (TypeScript compares shapes, so
 * the two are interchangeable), declared here so that this module imports nothing.
 */
export interface ThenableShape<T> {
  /** Calls `onFulfilled` with the value, or `onRejected` with the error. */
  // deno-lint-ignore no-explicit-any
  then(onFulfilled: (value: T) => any, onRejected: (reason: any) => any): unknown;
}

/** Whether `value` is a generator object (a generator coroutine). */
export function isGeneratorObject(value: unknown): value is Generator<unknown, unknown, unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as Generator).next === "function" && typeof (value as Generator).throw === "function" &&
    typeof (value as Generator)[Symbol.iterator] === "function";
}

/** Whether `value` has a `then` method. */
export function isThenable(value: unknown): value is ThenableShape<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as ThenableShape<unknown>).then === "function";
}
