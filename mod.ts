/**
 * asyncio for Deno: Python's asyncio model — an event loop object, Future, Task with real cancellation — as a
 * Deno-native TypeScript module. Names are CPython 3.12's in camelCase; durations are milliseconds.
 *
 * @example Two tasks on one loop
 * ```ts
 * import { createTask, run, sleep } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const result = await run(async () => {
 *   const slow = createTask(async () => await sleep(20, "slow"));
 *   const fast = createTask(async () => await sleep(10, "fast"));
 *   return [await slow, await fast];
 * });
 * assert.deepEqual(result, ["slow", "fast"]);
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./future.ts";
export * from "./handle.ts";
export * from "./loop.ts";
export * from "./task.ts";
export * from "./eager_tasks.ts";
export * from "./sleep.ts";
export * from "./runner.ts";
export * from "./virtual_clock.ts";
export * from "./gather.ts";
export * from "./wait.ts";
export * from "./wait_for.ts";
export * from "./as_completed.ts";
export * from "./shield.ts";
export * from "./timeouts.ts";
export * from "./task_group.ts";
export * from "./call_graph.ts";
export * from "./lock.ts";
export * from "./event.ts";
export * from "./condition.ts";
export * from "./semaphore.ts";
export * from "./barrier.ts";
export * from "./queue.ts";
export * from "./concurrent_future.ts";
export * from "./threads.ts";
export * from "./thread_queue.ts";
