// Which task an async-function coroutine belongs to, carried across its awaits.
//
// `await fut` calls `fut.then` one microtask after the function's synchronous step, so `then` must learn from
// the *async context* which task is awaiting (CPython's `_fut_waiter` bookkeeping). `AsyncLocalStorage` does
// that, but Deno 2.9's implementation allocates a fresh context mapping and a WeakMap entry on every `run()`:
// ~0.6 µs and ~450 bytes per task, the largest single cost of an async-function task. Underneath it is V8's
// continuation-preserved embedder data, which Deno exposes to its own JavaScript as
// `core.getAsyncContext()`/`core.setAsyncContext()`. When those exist, the context a task runs in is the task
// itself — no allocation — and `AsyncLocalStorage`s of the user's keep working:
//
// - Deno's `AsyncLocalStorage.run()` inside a task builds its mapping by spreading the current one, so the task
//   carries an own enumerable `TASK_IN_CONTEXT` property (pointing to itself) that the spread copies along.
// - A task created while some `AsyncLocalStorage` has a value keeps a copy of that mapping (`capture()`) and runs
//   in it, plus `TASK_IN_CONTEXT` for async functions: the user's stores stay visible inside the task, as a
//   CPython task runs in a copy of the context it was created in.
//
// Where the hooks are missing (another runtime, a future Deno), the same interface falls back to an
// `AsyncLocalStorage`; tasks then see the stores of the context their loop runs in, not of their creation.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Task } from "./task.ts";

/** How the rest of the library reads and sets the current async-function task. */
export interface TaskContext {
  /**
   * The user's stores at this moment, for a task being created to run in (as CPython's `copy_context()`), or
   * `undefined` when there are none (the common case, which costs nothing).
   */
  capture(): unknown;
  /**
   * Calls `fn(task)` with `task` as the async context (on top of `captured`, from `capture()`); every await
   * inside inherits it.
   */
  run(task: Task<unknown>, fn: (task: Task<unknown>) => void, captured: unknown): void;
  /** Makes `captured` (from `capture()`) the async context, for a generator step; returns what to `restore`. */
  enter(captured: unknown): unknown;
  /** Restores the context `enter` returned. */
  restore(previous: unknown): void;
  /** The task of the current async context, if any (it may be done: a stray callback can outlive its task). */
  getStore(): Task<unknown> | undefined;
  /** Calls `schedule()` in the context this module loaded in (outside every task), and returns its result. */
  outsideTasks<R>(schedule: () => R): R;
}

/** The key under which a context names its task: a task has it as an own field pointing to itself. */
export const TASK_IN_CONTEXT: unique symbol = Symbol("asyncio.taskInContext");

type ContextHooks = { getAsyncContext(): unknown; setAsyncContext(context: unknown): void };

function findContextHooks(): ContextHooks | null {
  try {
    const deno = (globalThis as { Deno?: { internal?: symbol } }).Deno;
    if (deno === undefined || typeof deno.internal !== "symbol") return null;
    const internals = (deno as unknown as Record<symbol, { core?: Partial<ContextHooks> } | undefined>)[
      deno.internal
    ];
    const core = internals?.core;
    if (typeof core?.getAsyncContext !== "function" || typeof core.setAsyncContext !== "function") return null;
    return core as ContextHooks;
  } catch {
    return null;
  }
}

type Mapping = { [TASK_IN_CONTEXT]?: Task<unknown> } | null | undefined;

function contextHooksTaskContext(hooks: ContextHooks): TaskContext {
  const { getAsyncContext, setAsyncContext } = hooks;
  const root = getAsyncContext();
  return {
    capture() {
      const context = getAsyncContext() as Mapping;
      // A bare task as context means no store of the user's was set: nothing to carry over.
      if (context === null || context === undefined || context[TASK_IN_CONTEXT] === context) return undefined;
      // The creator's task must not travel along: code of the new task is not the creator's.
      const copy: { [TASK_IN_CONTEXT]?: Task<unknown> } = { __proto__: null, ...context } as object;
      delete copy[TASK_IN_CONTEXT];
      return Reflect.ownKeys(copy).length === 0 ? undefined : copy;
    },
    run(task, fn, captured) {
      const previous = getAsyncContext();
      setAsyncContext(captured === undefined ? task : { __proto__: null, ...captured, [TASK_IN_CONTEXT]: task });
      try {
        fn(task);
      } finally {
        setAsyncContext(previous);
      }
    },
    enter(captured) {
      const previous = getAsyncContext();
      setAsyncContext(captured);
      return previous;
    },
    restore(previous) {
      setAsyncContext(previous);
    },
    getStore() {
      const context = getAsyncContext() as Mapping;
      return context === null || context === undefined ? undefined : context[TASK_IN_CONTEXT];
    },
    outsideTasks(schedule) {
      const previous = getAsyncContext() as Mapping;
      if (previous === null || previous === undefined || previous[TASK_IN_CONTEXT] === undefined) return schedule();
      setAsyncContext(root);
      try {
        return schedule();
      } finally {
        setAsyncContext(previous);
      }
    },
  };
}

function asyncLocalStorageTaskContext(): TaskContext {
  const storage = new AsyncLocalStorage<Task<unknown>>();
  // Host callbacks inherit the context they were scheduled in; `storage.exit()` would hide the store only while
  // it runs, and the host callback would still capture the task's context. So: a snapshot of the root.
  const inRootContext: <R>(fn: () => R) => R = AsyncLocalStorage.snapshot();
  return {
    capture() {
      return undefined;
    },
    run(task, fn) {
      storage.run(task, fn, task);
    },
    enter() {
      return undefined;
    },
    restore() {},
    getStore() {
      return storage.getStore();
    },
    outsideTasks(schedule) {
      return storage.getStore() === undefined ? schedule() : inRootContext(schedule);
    },
  };
}

const hooks = findContextHooks();

/** The current async-function task, carried by the async context (see the file comment). */
export const taskContext: TaskContext = hooks !== null
  ? contextHooksTaskContext(hooks)
  : asyncLocalStorageTaskContext();

/** Which mechanism carries the task: `"engine"` (Deno's context hooks) or `"AsyncLocalStorage"` (fallback). */
export const taskContextMechanism: "engine" | "AsyncLocalStorage" = hooks !== null ? "engine" : "AsyncLocalStorage";
