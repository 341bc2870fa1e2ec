/**
 * The functions that examples 12–15 run in a `LoopThread` (a worker with its own event loop). A function that
 * runs in another thread is named by its module and export (`workerModule()` in the examples), so these live in a
 * module of their own; the worker imports it on first use.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds), `UNIT` below, shared with the examples.
 *
 * Not an example itself (its name does not start with two digits, so `run_all.ts` skips it).
 *
 * @module
 */

import { type EventLoop, gather, getEventLoop, getRunningLoop, sleep, type ThreadQueue } from "../mod.ts";

/** One tutorial second, scaled down (ms). */
export const UNIT = 50;

// A scratch word to sleep on: Atomics.wait on it blocks the calling thread (nobody ever notifies it).
const scratch = new Int32Array(new SharedArrayBuffer(4));

/**
 * The tutorial's `do_sleep`: a plain (synchronous) function — `time.sleep(x)` blocks the thread, and with it the
 * thread's event loop, for `x` units — then it puts `msg` into the thread-safe queue.
 */
export function doSleep(x: number, queue: ThreadQueue<string>, msg: string): void {
  Atomics.wait(scratch, 0, 0, x * UNIT);
  queue.put(msg);
}

/**
 * The tutorial's `do_sleep_demo`: a coroutine — `await asyncio.sleep(x)` suspends only this task, so the
 * thread's loop runs other tasks meanwhile — then it puts `msg` into the thread-safe queue.
 */
export async function doSleepDemo(x: number, queue: ThreadQueue<string>, msg: string): Promise<void> {
  await sleep(x * UNIT);
  queue.put(msg);
}

// This thread's name (the worker's `name`: the LoopThread's), printed beside the loop's id.
const threadName: string = (globalThis as { name?: string }).name ?? "?";

/** What example 14 asks a thread about its loop: `getEventLoop()` there is that thread's own running loop. */
export interface ThreadLoopFacts {
  /** The id of the loop `getEventLoop()` returns in the thread. */
  id: number;
  /** Whether it is the loop running the thread's tasks (`getRunningLoop()`). */
  isRunningLoop: boolean;
  /** Whether `getEventLoop()` gives the same loop a second time. */
  sameEveryTime: boolean;
}

/** Example 14: the thread's own loop, seen from inside. */
export async function threadLoopFacts(): Promise<ThreadLoopFacts> {
  await sleep(0);
  const loop = getEventLoop();
  return { id: loop.id, isRunningLoop: loop === getRunningLoop(), sameEveryTime: getEventLoop() === loop };
}

/** The tutorial's `work_2`: forever, print the loop's id every 2 units. */
async function work2(loop: EventLoop): Promise<never> {
  for (;;) {
    console.log(`work_2 on loop:${loop.id} (thread "${threadName}")`);
    await sleep(2 * UNIT);
  }
}

/** The tutorial's `work_4`: forever, print the loop's id every 4 units. */
async function work4(loop: EventLoop): Promise<never> {
  for (;;) {
    console.log(`work_4 on loop:${loop.id} (thread "${threadName}")`);
    await sleep(4 * UNIT);
  }
}

/**
 * The tutorial's `thread_loop_task`, run as a task of the thread's loop: `gather(work_2(loop), work_4(loop))` on
 * the thread's own loop. It never ends by itself; stopping the thread cancels it (and the gather's children).
 */
export async function threadLoopTask(): Promise<void> {
  const loop = getRunningLoop(); // this thread's loop, not the main thread's
  try {
    await gather(() => work2(loop), () => work4(loop));
  } finally {
    console.log(`thread: work_2 and work_4 stopped (loop:${loop.id} is shutting down)`);
  }
}

/** A result sent back through the queue of example 15. */
export interface JobResult {
  name: string;
  units: number;
}

/** Example 15's job: "download" for `units` units, then put the result into the queue and return it too. */
export async function download(name: string, units: number, queue: ThreadQueue<JobResult>): Promise<JobResult> {
  await sleep(units * UNIT);
  const result: JobResult = { name, units };
  queue.put(result);
  return result;
}
