// What is "current" on this thread: the running loop, the thread's event loop, and the task whose code runs now.
//
// Kept apart from loop.ts and task.ts so that future.ts can ask "who is awaiting me?" without importing the
// modules that import it (a Task extends Future, so future.ts must be able to load first).

import type { EventLoop } from "./loop.ts";
import type { Task } from "./task.ts";

/** The generator task being stepped right now: generator steps are synchronous, so a variable suffices. */
export let steppingTask: Task<unknown> | null = null;

/** Sets the stepping task and returns the previous one, to restore after the step. */
export function enterStep(task: Task<unknown> | null): Task<unknown> | null {
  const previous = steppingTask;
  steppingTask = task;
  return previous;
}

/** How many generators `drive()` (in `_awaitable.ts`) is stepping right now, outside any task's own step. */
let drivenSteps = 0;

/** Counts a generator step of `drive()` in (+1) or out (-1). */
export function countDrivenStep(delta: 1 | -1): void {
  drivenSteps += delta;
}

/**
 * Whether a generator is being stepped — a generator task's or one that `drive()` runs — so that what an
 * operation returns must be `yield*`-able (see `Queue.get`, which returns a plain promise otherwise).
 */
export function inGeneratorStep(): boolean {
  return steppingTask !== null || drivenSteps !== 0;
}

/** The one loop running on this thread (as CPython, a thread runs at most one loop at a time). */
export let runningLoop: EventLoop | null = null;

/** Marks `loop` as this thread's running loop (null when it stops). */
export function setRunningLoop(loop: EventLoop | null): void {
  runningLoop = loop;
}

/** The thread's event loop, as set by `setEventLoop` or created by `getEventLoop`. */
export let currentLoop: EventLoop | null = null;

/** Sets the thread's event loop. */
export function setCurrentLoop(loop: EventLoop | null): void {
  currentLoop = loop;
}

/** Makes a new loop; registered by loop.ts when it loads (future.ts cannot import it: see above). */
export let loopFactory: (() => EventLoop) | null = null;

/** Registers the loop factory. */
export function setLoopFactory(factory: () => EventLoop): void {
  loopFactory = factory;
}

/** The running loop, else the thread's loop, created on first use (CPython's `get_event_loop`). */
export function currentOrNewLoop(): EventLoop {
  if (runningLoop !== null) return runningLoop;
  if (currentLoop === null) {
    if (loopFactory === null) throw new Error("No event loop: import loop.ts (or mod.ts) first");
    currentLoop = loopFactory();
  }
  return currentLoop;
}

/**
 * Added to the number of every loop made on this thread, so that loops of different threads have different ids
 * (each thread has its own copy of these modules). The worker bootstrap sets it from the thread's id.
 */
export let loopIdBase = 0;

/** Sets `loopIdBase`. */
export function setLoopIdBase(base: number): void {
  loopIdBase = base;
}
