/**
 * Eager tasks (CPython 3.12's `eager_task_factory`): a task whose coroutine starts inside `createTask`, as the
 * current task, and runs until its first real suspension. A coroutine that finishes without suspending — a cache
 * hit, a guard that returns early — leaves its task done when `createTask` returns: it is never scheduled and
 * costs no loop round. One that suspends goes on as any task.
 *
 * Use it for a whole loop with `loop.setTaskFactory(eagerTaskFactory)` (then `loop.createTask`, `createTask`,
 * `ensureFuture`, `gather`, `TaskGroup` all make eager tasks), or for one task with `createEagerTask`.
 *
 * As in CPython:
 * - a task is eager only when its loop is running; `loop.runUntilComplete(coro)` and tasks created before the loop
 *   runs are scheduled as usual;
 * - during the eager step `currentTask()` is the new task, and `allTasks()` holds it; afterwards the creator is the
 *   current task again;
 * - the creator's code after `createTask` runs *after* the child's first step (the child's prints come first),
 *   which is the one visible difference from ordinary tasks — why it is not the default;
 * - an error thrown in the eager step ends the task with that error (it is not thrown from `createTask`); a
 *   `cancel()` that arrives during the eager step, or right after it while the task is suspended, is delivered at
 *   the task's await, as for any task; a task that ended eagerly cannot be cancelled (`cancel()` returns false).
 *
 * An async function cannot be stepped: an eager async-function task runs its function's synchronous part inside
 * `createTask`. When it returns without awaiting, Deno shows the settled promise at once and the task is done on
 * return; its awaits resume in microtasks, before the loop's next callback. A generator task is stepped exactly
 * as CPython steps a coroutine.
 *
 * @example A cache hit ends inside createTask
 * ```ts
 * import { createEagerTask } from "./eager_tasks.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = new Map([["a", 1]]);
 * async function lookUp(key: string): Promise<number> {
 *   const hit = cache.get(key);
 *   if (hit !== undefined) return hit;
 *   await sleep(10);
 *   return 2;
 * }
 * const loop = newEventLoop();
 * await loop.runUntilComplete(async () => {
 *   const hit = createEagerTask(() => lookUp("a"));
 *   const miss = createEagerTask(() => lookUp("b"));
 *   assert.equal(hit.done(), true);
 *   assert.equal(hit.result(), 1);
 *   assert.equal(miss.done(), false);
 *   assert.equal(await miss, 2);
 * });
 * loop.close();
 * ```
 *
 * @module
 */

import { runningLoop } from "./_current.ts";
import { InvalidStateError } from "./errors.ts";
import type { EventLoop } from "./loop.ts";
import { type Coroutine, Task, type TaskFactory, type TaskOptions } from "./task.ts";

/** What `createEagerTaskFactory` builds tasks with: `Task` or a subclass of it. */
export type TaskConstructor = new <T>(coro: Coroutine<T>, options?: TaskOptions) => Task<T>;

/**
 * A task factory whose tasks start eagerly (Python's `asyncio.create_eager_task_factory`), built with
 * `taskConstructor` — `Task` or a subclass of it — called with the options plus `loop` and `eagerStart: true`.
 *
 * @param taskConstructor The task class.
 * @returns The factory, for `loop.setTaskFactory`.
 * @throws {TypeError} If `taskConstructor` is not a function.
 *
 * @example Eager tasks of a Task subclass
 * ```ts
 * import { createEagerTaskFactory } from "./eager_tasks.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { Task } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * class CountedTask<T> extends Task<T> {
 *   static made = 0;
 *   constructor(...args: ConstructorParameters<typeof Task<T>>) {
 *     super(...args);
 *     CountedTask.made++;
 *   }
 * }
 * const loop = newEventLoop();
 * loop.setTaskFactory(createEagerTaskFactory(CountedTask));
 * // (In an array: an async function's return adopts a task's value.)
 * const [task] = await loop.runUntilComplete(async () => [loop.createTask(async () => "at once")]);
 * assert.ok(task instanceof CountedTask);
 * assert.equal(task.result(), "at once");
 * assert.equal(CountedTask.made, 2); // the main task too
 * loop.close();
 * ```
 */
export function createEagerTaskFactory(taskConstructor: TaskConstructor): TaskFactory {
  if (typeof taskConstructor !== "function") {
    throw new TypeError(`createEagerTaskFactory() needs a Task class, received ${String(taskConstructor)}`);
  }
  return <T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions): Task<T> =>
    new taskConstructor(
      coro,
      options === undefined ? { loop, eagerStart: true } : { ...options, loop, eagerStart: true },
    );
}

/**
 * The task factory of eager tasks (Python's `asyncio.eager_task_factory`): `loop.setTaskFactory(eagerTaskFactory)`
 * makes every task of the loop start inside `createTask`.
 *
 * @example Gather of cache hits takes no loop round per task
 * ```ts
 * import { eagerTaskFactory } from "./eager_tasks.ts";
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * loop.setTaskFactory(eagerTaskFactory);
 * const results = await loop.runUntilComplete(function* () {
 *   return yield* gather(...[1, 2, 3].map((n) => function* () {
 *     return n * 10;
 *   }()));
 * }());
 * assert.deepEqual(results, [10, 20, 30]);
 * loop.close();
 * ```
 */
export const eagerTaskFactory: TaskFactory = createEagerTaskFactory(Task);

/**
 * Makes one eager task on the running loop, whatever the loop's task factory (no CPython counterpart: there one
 * writes `Task(coro, eager_start=True)`, as 3.14's `create_task(…, eager_start=True)`).
 *
 * @typeParam T The coroutine's result type.
 * @param coro A generator object, or a function returning a promise.
 * @param options `name`, and `loop` to use another than the running loop (which must be running for the start
 * to be eager; else the task is scheduled as usual).
 * @returns The task — done already if the coroutine finished without suspending.
 * @throws {InvalidStateError} If no loop is running and none is given, or the loop is closed.
 * @throws {TypeError} If `coro` is not a coroutine.
 *
 * @example The first step runs before createEagerTask returns
 * ```ts
 * import { createEagerTask } from "./eager_tasks.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { currentTask } from "./task.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const log: string[] = [];
 * await loop.runUntilComplete(async () => {
 *   const task = createEagerTask(async () => {
 *     log.push(`child runs as ${currentTask()!.getName()}`);
 *   }, { name: "child" });
 *   log.push("creator goes on");
 *   await task;
 * });
 * assert.deepEqual(log, ["child runs as child", "creator goes on"]);
 * loop.close();
 * ```
 */
export function createEagerTask<T>(coro: Coroutine<T>, options?: { name?: string; loop?: EventLoop }): Task<T> {
  const loop = options?.loop ?? runningLoop;
  if (loop === null) {
    throw new InvalidStateError("Cannot createEagerTask(): no running event loop; pass { loop } or call it in a task");
  }
  if (loop.isClosed()) throw new InvalidStateError(`Cannot createEagerTask(): ${loop} is closed`);
  return new Task(coro, { name: options?.name, loop, eagerStart: true });
}
