/**
 * Port of the tutorial section "1. 协程的嵌套" (nesting coroutines): a main coroutine creates the tasks of three
 * inner coroutines (sleeping 1, 5 and 8 units) and awaits them with gather or wait; the loop runs the main
 * coroutine. The tutorial lists three ways to write it, run here one after the other:
 *
 *   1. `const results = await gather(...tasks)` inside main, which prints each result;
 *   2. `return await gather(...tasks)`: the caller of runUntilComplete gets the results list and prints it;
 *   3. `return await wait(tasks)`: the caller gets `{ done, pending }` and prints each done task's result.
 *
 * Each form takes about 8 units (the longest sleep), not 14: the inner tasks run concurrently.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds, scaled down more than in 01–06 so that the three runs stay
 * quick); TIME is printed in units.
 *
 * Run: `deno run -A examples/09_nested_coroutines.ts`
 *
 * Expected output (`<t>` is the time, about 8 each time):
 *   == 1. results = await gather(...tasks), printed inside main
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   task result is:  slept 1 units
 *   task result is:  slept 5 units
 *   task result is:  slept 8 units
 *   TIME:  <t> units
 *   == 2. return await gather(...tasks), printed by the caller
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   task result is:  slept 1 units
 *   task result is:  slept 5 units
 *   task result is:  slept 8 units
 *   TIME:  <t> units
 *   == 3. return await wait(tasks), printed by the caller
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   Task ret:  slept 1 units
 *   Task ret:  slept 5 units
 *   Task ret:  slept 8 units
 *   TIME:  <t> units
 */

import {
  ensureFuture,
  type EventLoop,
  type Future,
  gather,
  getEventLoop,
  setEventLoop,
  sleep,
  wait,
  type WaitResult,
} from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 50;

async function demoExp(x: number): Promise<string> {
  console.log("Waiting: ", x);
  await sleep(x * UNIT); // simulated I/O
  return `slept ${x} units`;
}

/** The inner tasks: three coroutines wrapped in Tasks, scheduled at once. */
function createInnerTasks(): Future<string>[] {
  // Create the coroutines, then the Task objects.
  const asyncCoroutine1 = () => demoExp(1);
  const asyncCoroutine2 = () => demoExp(5);
  const asyncCoroutine3 = () => demoExp(8);
  return [ensureFuture(asyncCoroutine1), ensureFuture(asyncCoroutine2), ensureFuture(asyncCoroutine3)];
}

// 1. Await the gather inside main, and print the results there.
async function main1(): Promise<void> {
  const asyncTask: Future<string>[] = createInnerTasks();
  const results: string[] = await gather(...asyncTask);
  for (const result of results) console.log("task result is: ", result);
}

// 2. Return the gather's results to whoever runs main.
async function main2(): Promise<string[]> {
  const asyncTask: Future<string>[] = createInnerTasks();
  return await gather(...asyncTask);
}

// 3. Return wait's two sets to whoever runs main.
async function main3(): Promise<WaitResult<string>> {
  const asyncTask: Future<string>[] = createInnerTasks();
  return await wait(asyncTask);
}

/** Runs `body`, then prints how long it took, in units. */
async function timed(title: string, body: () => Promise<void>): Promise<void> {
  console.log(`== ${title}`);
  const startTime: number = performance.now();
  await body();
  console.log("TIME: ", `${((performance.now() - startTime) / UNIT).toFixed(2)} units`);
}

async function main(): Promise<void> {
  const loop: EventLoop = getEventLoop();
  try {
    await timed("1. results = await gather(...tasks), printed inside main", async () => {
      await loop.runUntilComplete(main1);
    });

    await timed("2. return await gather(...tasks), printed by the caller", async () => {
      const results: string[] = await loop.runUntilComplete(main2);
      for (const result of results) console.log("task result is: ", result);
    });

    await timed("3. return await wait(tasks), printed by the caller", async () => {
      const { done, pending } = await loop.runUntilComplete(main3);
      for (const task of done) console.log("Task ret: ", task.result());
      if (pending.size > 0) console.log("still pending:", pending.size);
    });
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
