/**
 * Task groups (Python's `asyncio.TaskGroup`): structured concurrency. `taskGroup(body)` runs `body` in the current
 * task with a group to start child tasks in, and waits for every child before it returns. The first child that
 * fails cancels the other children and the body; all the failures then surface together as an `AggregateError`
 * (our `ExceptionGroup`). A cancel of the task from outside cancels the children and goes on as a `CancelledError`
 * once they are done.
 *
 * The body may be an async function or a generator function, in both kinds of coroutine:
 * `await taskGroup(async (tg) => …)` and `yield* taskGroup(function* (tg) { … })`.
 *
 * @example Run children together; one failure stops the rest
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { taskGroup } from "./task_group.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const sums = await loop.runUntilComplete(async () =>
 *   await taskGroup(async (tg) => {
 *     const a = tg.createTask(async () => await sleep(20, 1));
 *     const b = tg.createTask(async () => await sleep(10, 2));
 *     return [a, b];
 *   })
 * );
 * assert.deepEqual(sums.map((task) => task.result()), [1, 2]);
 *
 * const failure = loop.runUntilComplete(async () =>
 *   await taskGroup(async (tg) => {
 *     tg.createTask(async () => {
 *       await sleep(5);
 *       throw new RangeError("bad input");
 *     });
 *     await sleep(60_000);
 *   })
 * );
 * await assert.rejects(failure, (error) => error instanceof AggregateError && error.errors[0] instanceof RangeError);
 * assert.equal(loop.time(), 25);
 * loop.close();
 * ```
 *
 * @module
 */

import { remoteChild } from "./_remote_child.ts";
import type { LoopThread, RemoteLoop } from "./loop_thread.ts";
import type { RemoteCall } from "./worker_module.ts";
import { markAwaitedBy } from "./_awaited_by.ts";
import { describe } from "./_describe.ts";
import { scoped } from "./_scope.ts";
import { isGeneratorObject } from "./_coroutine_kind.ts";
import { CancelledError, InvalidStateError } from "./errors.ts";
import type { Awaitable, Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import type { Coroutine, Task } from "./task.ts";

/**
 * The body of a task group: an async function or a generator function receiving the group. Its result is the
 * group's result.
 *
 * @typeParam T The body's result type.
 */
export type TaskGroupBody<T> = (group: TaskGroup) => PromiseLike<T> | Generator<unknown, T, unknown> | T;

/** Options of `TaskGroup.createTask()`. */
export interface TaskGroupTaskOptions {
  /** The task's name (default `Task-<n>`). */
  name?: string;
  /**
   * Run the child on this `LoopThread` (or its `thread.loop`): the coroutine is then a remote call,
   * `call(jobs.fn, ...args)`, and the task returned stands in for the task there (see `createTask`).
   */
  thread?: LoopThread | RemoteLoop;
}

// The group's steps that only this module may take (CPython's `__aenter__` / `__aexit__`), set in the class's
// static block so that they can reach its private fields.
let enterGroup: (group: TaskGroup, task: Task<unknown> | null) => TaskGroup;
let makeGroup: () => TaskGroup;
// Only `makeGroup` may construct (see the constructor).
let constructing = false;
let exitGroup: (group: TaskGroup, failed: boolean, error: unknown) => Generator<unknown, void, unknown>;

/**
 * A group of child tasks (Python's `asyncio.TaskGroup`): the object a `taskGroup()` body receives, to start
 * children with `createTask`.
 *
 * There is no public constructor and no `await using` form: `taskGroup(body)` is CPython's `async with
 * TaskGroup() as tg:` block. JavaScript's disposers cannot see the error that leaves the block, so a group could
 * not tell a failing body from a finishing one, and the group's own `AggregateError` thrown from a disposer would
 * reach the caller wrapped in a `SuppressedError`. `new TaskGroup()` therefore throws a `TypeError` that shows the
 * `taskGroup()` form.
 *
 * @example The group waits for its children
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { TaskGroup, taskGroup } from "./task_group.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const log: string[] = [];
 * await loop.runUntilComplete(async () =>
 *   await taskGroup(async (tg) => {
 *     assert.ok(tg instanceof TaskGroup);
 *     tg.createTask(async () => {
 *       await sleep(1);
 *       log.push("child");
 *     });
 *     log.push("body");
 *   })
 * );
 * assert.deepEqual(log, ["body", "child"]);
 * loop.close();
 * ```
 */
export class TaskGroup {
  #entered = false;
  #exiting = false;
  #aborting = false;
  #loop: EventLoop | null = null;
  #parentTask: Task<unknown> | null = null;
  // Set once the group cancelled its parent task (a child failed): that cancel must be withdrawn on exit.
  #parentCancelRequested = false;
  #tasks = new Set<Task<unknown>>();
  #errors: unknown[] = [];
  // What the exit waits on while children run; done when the last one is.
  #onCompleted: Future<unknown> | null = null;
  // One bound done-callback for all the children (CPython's `_on_task_done`).
  #onTaskDone = markAwaitedBy(
    (task: Future<unknown>): void => this.#taskDone(task as Task<unknown>),
    () => this.#parentTask,
  );

  static {
    enterGroup = (group, task) => group.#enter(task);
    exitGroup = (group, failed, error) => group.#exit(failed, error);
    makeGroup = () => {
      constructing = true;
      try {
        return new TaskGroup();
      } finally {
        constructing = false;
      }
    };
  }

  // Private: only `taskGroup()` makes groups (see the class documentation); plain JavaScript that calls it anyway
  // gets a TypeError that shows the way.
  private constructor() {
    if (!constructing) {
      throw new TypeError(
        "TaskGroup has no public constructor: use `await taskGroup(async (group) => { group.createTask(…); })`, " +
          "CPython's `async with TaskGroup() as group:` block (there is no `await using` form)",
      );
    }
  }

  /**
   * Starts a child task in the group (Python's `TaskGroup.create_task`): a real task of the running loop, that the
   * group waits for. If it fails, the group cancels the other children and the body.
   *
   * **Across threads** (no CPython counterpart): with `{ thread }` — a `LoopThread` or its `thread.loop` — the
   * coroutine is a remote call, `call(jobs.fn, ...args)`, run as a task on that thread's loop; the task returned
   * stands in for it here. A failure on any thread cancels the group's tasks on every thread (a remote task is
   * cancelled there, and its `finally` blocks run there); the group's `AggregateError` carries the remote errors
   * with their name, message, stack and cause; leaving the group waits until every remote task has ended there.
   * A stand-in that is cancelled waits for the remote task's end: if that task finished before the cancel reached
   * it, the stand-in ends with its value (or error) instead of being cancelled, so nothing it did is lost. This is
   * CPython's rule for a task: `cancel()` is a request, and a task whose coroutine returns anyway ends with that
   * value — the remote task is the coroutine here, and the stand-in reports what it did. The
   * remote call starts at the stand-in's first step (a child cancelled before it starts sends nothing); a thread
   * that dies fails its stand-ins with `BrokenThreadError`.
   *
   * @typeParam T The coroutine's result type.
   * @param coro A generator object, or a function returning a promise (`() => work(x)`); with `thread`, a remote
   * call made by `call()`.
   * @param options `name`, `thread`.
   * @returns The task.
   * @throws {InvalidStateError} If the group is not entered, finished, or shutting down after a failure or a
   * cancel; a generator passed then is closed (`return()`), so that it is not left unstarted silently. Also if
   * `thread` has ended.
   * @throws {TypeError} If `coro` is not a coroutine (with `thread`: not a remote call; a generator refused so is
   * closed too), or `thread` is not a `LoopThread` or its loop.
   *
   * @example Children on two threads: one fails, the other is cancelled there
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { taskGroup } from "./task_group.ts";
   * import { call, workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const [io, cpu] = await Promise.all([LoopThread.start({ name: "io" }), LoopThread.start({ name: "cpu" })]);
   * const loop = newEventLoop();
   * const failure = await loop.runUntilComplete(async () => {
   *   try {
   *     await taskGroup(async (tg) => {
   *       tg.createTask(call(jobs.waitForever, "io job"), { thread: io });
   *       await tg.createTask(call(jobs.whenStarted), { thread: io });
   *       tg.createTask(call(jobs.fail, "type"), { thread: cpu });
   *     });
   *   } catch (error) {
   *     return error as AggregateError;
   *   }
   * });
   * assert.ok(failure instanceof AggregateError);
   * assert.equal(failure.errors[0].name, "TypeError"); // from the cpu thread, with its stack there
   * // The io thread's task was cancelled there, and its finally block ran before the group ended:
   * const records = await io.runCoroutineThreadsafe(jobs.takeRecords);
   * assert.deepEqual(records, ["started io job", "CancelledError in io job", "finally io job"]);
   * loop.close();
   * await Promise.all([io.stop(), cpu.stop()]);
   * ```
   *
   * @example A named child task
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { taskGroup } from "./task_group.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * let name = "";
   * // (An async body returning the task would return its result: an async function adopts a returned thenable.)
   * const result = await loop.runUntilComplete(async () =>
   *   await taskGroup(async (tg) => {
   *     const task = tg.createTask(async () => "done", { name: "worker" });
   *     name = task.getName();
   *     return await task;
   *   })
   * );
   * assert.deepEqual([name, result], ["worker", "done"]);
   * loop.close();
   * ```
   */
  createTask<T>(coro: Coroutine<T>, options?: TaskGroupTaskOptions): Task<T>;
  /**
   * Starts a child task on another thread: `coro` is a remote call, `call(jobs.fn, ...args)`, run as a task on
   * `options.thread`; the task returned stands in for it (see the other signature for the whole story).
   *
   * @typeParam R The remote function's result type.
   * @param coro The remote call, made by `call()`.
   * @param options `thread` (a `LoopThread` or its `thread.loop`), `name`.
   * @returns The local task standing in for the remote one.
   *
   * @example A child on a loop thread
   * ```ts
   * import { LoopThread } from "./loop_thread.ts";
   * import { newEventLoop } from "./loop.ts";
   * import { taskGroup } from "./task_group.ts";
   * import { call, workerModule } from "./worker_module.ts";
   * import assert from "node:assert/strict";
   *
   * const jobs = workerModule<typeof import("./tests/fixtures/thread_jobs.ts")>(
   *   new URL("./tests/fixtures/thread_jobs.ts", import.meta.url),
   * );
   * const thread = await LoopThread.start();
   * const loop = newEventLoop();
   * const sum = await loop.runUntilComplete(async () =>
   *   await taskGroup(async (tg) => await tg.createTask(call(jobs.slowAdd, 20, 22, 1), { thread }))
   * );
   * assert.equal(sum, 42);
   * loop.close();
   * await thread.stop();
   * ```
   */
  createTask<R>(coro: RemoteCall<R>, options: TaskGroupTaskOptions & { thread: LoopThread | RemoteLoop }): Task<R>;
  createTask<T>(coro: Coroutine<T> | RemoteCall<T>, options?: TaskGroupTaskOptions): Task<T> {
    if (options?.thread !== undefined) {
      try {
        coro = remoteChild<T>(coro, options.thread, `Cannot createTask() in ${this}`);
      } catch (error) {
        closeCoroutine(coro); // a generator refused here is closed too, as below
        throw error;
      }
    }
    if (!this.#entered) {
      closeCoroutine(coro);
      throw new InvalidStateError(`TaskGroup ${this} has not been entered`);
    }
    if (this.#exiting && this.#tasks.size === 0) {
      closeCoroutine(coro);
      throw new InvalidStateError(`TaskGroup ${this} is finished`);
    }
    if (this.#aborting) {
      closeCoroutine(coro);
      throw new InvalidStateError(`TaskGroup ${this} is shutting down`);
    }
    const task = this.#loop!.createTask(
      coro as Coroutine<T>,
      options?.name === undefined ? undefined : { name: options.name },
    );
    this.#tasks.add(task as Task<unknown>);
    task.addDoneCallback(this.#onTaskDone as (future: Future<T>) => void);
    return task;
  }

  /**
   * A readable description, as CPython's repr: `<TaskGroup tasks=2 errors=1 cancelling>`.
   *
   * @returns The description.
   *
   * @example An entered group
   * ```ts
   * import { newEventLoop } from "./loop.ts";
   * import { taskGroup } from "./task_group.ts";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const seen = await loop.runUntilComplete(async () => await taskGroup(async (tg) => String(tg)));
   * assert.equal(seen, "<TaskGroup entered>");
   * loop.close();
   * ```
   */
  toString(): string {
    let info = "";
    if (this.#tasks.size > 0) info += ` tasks=${this.#tasks.size}`;
    if (this.#errors.length > 0) info += ` errors=${this.#errors.length}`;
    if (this.#aborting) info += " cancelling";
    else if (this.#entered) info += " entered";
    return `<TaskGroup${info}>`;
  }

  #enter(task: Task<unknown> | null): TaskGroup {
    if (this.#entered) throw new InvalidStateError(`TaskGroup ${this} has already been entered`);
    if (task === null) throw new InvalidStateError(`TaskGroup ${this} cannot determine the parent task`);
    this.#loop = task.getLoop();
    this.#parentTask = task;
    this.#entered = true;
    return this;
  }

  *#exit(failed: boolean, error: unknown): Generator<unknown, void, unknown> {
    this.#exiting = true;
    const parent = this.#parentTask!;
    let propagateCancellation: unknown = failed && error instanceof CancelledError ? error : null;
    // The body failed, or its task is being cancelled: stop the children.
    if (failed && !this.#aborting) this.#abort();

    // A loop, because the wait can be cancelled again and again (the parent task cancelled repeatedly, or once
    // while our own cancellation is in progress): the children must all be done before the group is.
    while (this.#tasks.size > 0) {
      this.#onCompleted ??= this.#loop!.createFuture();
      try {
        yield* this.#onCompleted;
      } catch (waitError) {
        if (!(waitError instanceof CancelledError)) throw waitError;
        if (!this.#aborting) {
          // The parent task is cancelled from outside while the children still run: cancel them too, and go on
          // as a CancelledError once they are done.
          propagateCancellation = waitError;
          this.#abort();
        }
      }
      this.#onCompleted = null;
    }

    // Withdraw the cancel the group made of its parent only now that every child is done (3.13, gh-116720): a
    // cancel left over after it is somebody else's (an outer group or timeout, another task) and is not lost.
    if (this.#parentCancelRequested && parent.uncancel() === 0) propagateCancellation = null;

    const errors = this.#errors;
    if (propagateCancellation !== null && errors.length === 0) throw propagateCancellation;
    if (failed && !(error instanceof CancelledError)) errors.push(error);
    if (errors.length > 0) {
      // A cancel of the parent from outside the group must not vanish behind the AggregateError: withdraw and
      // request it again, so that the parent's next await raises it (3.13, gh-116720).
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      const count = errors.length;
      this.#errors = [];
      throw new AggregateError(
        errors,
        `unhandled errors in a TaskGroup (${count} sub-exception${count === 1 ? "" : "s"})`,
      );
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const task of this.#tasks) if (!task.done()) task.cancel();
  }

  #taskDone(task: Task<unknown>): void {
    this.#tasks.delete(task);
    const onCompleted = this.#onCompleted;
    if (onCompleted !== null && this.#tasks.size === 0 && !onCompleted.done()) onCompleted.setResult(true);
    if (task.cancelled() || !task._failed()) return;
    const error = task.exception();
    this.#errors.push(error);
    const parent = this.#parentTask!;
    if (parent.done()) {
      this.#loop!.callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: error,
        task,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Cancel what the body is waiting on (by cancelling its task) and the other children; the exit withdraws
      // this cancel of the parent, so that code after the group runs on.
      this.#abort();
      this.#parentCancelRequested = true;
      parent.cancel();
    }
  }
}

// CPython closes the coroutine a group refuses, so that it is not left never awaited: a generator is returned
// from (it has not started, so none of its code runs); a function was never called.
function closeCoroutine(coro: unknown): void {
  if (isGeneratorObject(coro)) coro.return(undefined);
}

/**
 * Runs `body` with a new task group and waits for all its children (Python's `async with asyncio.TaskGroup() as
 * tg:`). The body runs in the current task. When a child fails, the group cancels the other children and the body;
 * once all are done, the failures — the body's own error too, if it is not the cancel — are thrown as one
 * `AggregateError`, and the group's cancel of the task is withdrawn. A cancel of the task from outside cancels
 * the children and is thrown as a `CancelledError` once they are done.
 *
 * Awaited inside a task, in both kinds of coroutine: `await taskGroup(async (tg) => …)` and
 * `yield* taskGroup(function* (tg) { … })`. In a generator coroutine an async body runs as a child task that the
 * group waits on (a cancel reaches it through that wait).
 *
 * @typeParam T The body's result type.
 * @param body The code to run; it receives the group, to start children with `tg.createTask()`.
 * @returns An awaitable of the body's result once every child is done, to await once.
 * @throws {TypeError} If `body` is not a function.
 * @throws {AggregateError} (when awaited) With every failure of the children and of the body, in order.
 * @throws {CancelledError} (when awaited) If the task was cancelled from outside and nothing failed.
 * @throws {InvalidStateError} (when awaited) Outside a task.
 *
 * @example Both kinds of coroutine
 * ```ts
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import { taskGroup } from "./task_group.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop({ clock: new VirtualClock() });
 * const done: string[] = [];
 * await loop.runUntilComplete(function* () {
 *   yield* taskGroup(function* (tg) {
 *     tg.createTask(function* () {
 *       yield* sleep(30);
 *       done.push("generator child");
 *     }());
 *     tg.createTask(async () => {
 *       await sleep(10);
 *       done.push("async child");
 *     });
 *   });
 * }());
 * assert.deepEqual(done, ["async child", "generator child"]);
 * assert.equal(loop.time(), 30);
 * loop.close();
 * ```
 */
export function taskGroup<T>(body: TaskGroupBody<T>): Awaitable<T> {
  if (typeof body !== "function") {
    throw new TypeError(
      `Cannot run a taskGroup(): the body must be a function (async or function*) receiving the group, received ${
        describe(body)
      }`,
    );
  }
  return scoped("taskGroup()", (task) => enterGroup(makeGroup(), task), exitGroup, body);
}
