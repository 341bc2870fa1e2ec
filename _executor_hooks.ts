// How loop.ts reaches the worker pools without importing them (loop.ts must load without the worker machinery):
// worker_pool.ts registers the factory of the default executor here when it loads, and a pool can be told which
// function the user called, so that its error messages name `runInExecutor` or `toThread` rather than `submit`.

import type { Executor } from "./loop.ts";

/** The method by which an executor takes work on behalf of another function (`caller`, for its messages). */
export const SUBMIT_AS: unique symbol = Symbol.for("@aio/asyncio.submit-as");

/** An executor that knows which function the user called. */
export interface NamedSubmitter {
  // deno-lint-ignore no-explicit-any
  [SUBMIT_AS](caller: string, fn: any, args: readonly unknown[]): PromiseLike<unknown>;
}

let defaultExecutorFactory: (() => Executor) | null = null;

/** Registers how a loop makes its default executor on first use (worker_pool.ts: a `WorkerPoolExecutor`). */
export function setDefaultExecutorFactory(factory: () => Executor): void {
  defaultExecutorFactory = factory;
}

/** A new default executor, or null when no module registered a factory (the worker pools are not loaded). */
export function makeDefaultExecutor(): Executor | null {
  return defaultExecutorFactory === null ? null : defaultExecutorFactory();
}

/** Hands `fn(...args)` to `executor`, telling it `caller` when it can be told. */
// deno-lint-ignore no-explicit-any
export function submitAs(executor: Executor, caller: string, fn: any, args: readonly unknown[]): PromiseLike<unknown> {
  const named = (executor as Partial<NamedSubmitter>)[SUBMIT_AS];
  return typeof named === "function" ? named.call(executor, caller, fn, args) : executor.submit(fn, ...args);
}
