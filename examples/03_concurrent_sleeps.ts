/**
 * Port of the tutorial section "4.协程并发的实现" (running coroutines concurrently): three coroutines sleep 1, 5
 * and 8 units at the same time, so the whole run takes about 8 units (the longest), not 14 (the sum).
 *
 * Time scale: one unit = 100 ms (the tutorial's seconds); TIME is printed in units.
 *
 * The tutorial registers the tasks with `loop.run_until_complete(asyncio.wait(async_task))`; gather/wait arrive
 * with the combinators modules, so here the loop runs until each task completes, in order. The three tasks are
 * all scheduled before the loop first runs, so they sleep concurrently all the same.
 *
 * Run: `deno run -A examples/03_concurrent_sleeps.ts`
 *
 * Expected output:
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   task result is: slept 1 units
 *   task result is: slept 5 units
 *   task result is: slept 8 units
 *   TIME:  8.0x units
 */

import { ensureFuture, type EventLoop, type Future, getEventLoop, setEventLoop, sleep } from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

async function demoExp(x: number): Promise<string> {
  console.log("Waiting: ", x);
  await sleep(x * UNIT); // simulated I/O
  return `slept ${x} units`;
}

async function main(): Promise<void> {
  const startTime: number = performance.now();

  const loop: EventLoop = getEventLoop();

  // Create the Task objects: each is scheduled on the loop at once.
  const asyncTask: Future<string>[] = [
    ensureFuture(() => demoExp(1)),
    ensureFuture(() => demoExp(5)),
    ensureFuture(() => demoExp(8)),
  ];

  try {
    // Python: loop.run_until_complete(asyncio.wait(async_task)) — until gather/wait exist, run the loop until
    // each task completes, in order; the others keep running meanwhile.
    for (const task of asyncTask) {
      await loop.runUntilComplete(task);
    }

    for (const v of asyncTask) {
      if (v.done()) {
        console.log("task result is:", v.result());
      } else {
        console.log("task  is running:");
      }
    }

    const elapsedUnits: number = (performance.now() - startTime) / UNIT;
    // About 8 units: the sleeps overlapped. Run one after the other, they would take at least 14.
    console.log("TIME: ", `${elapsedUnits.toFixed(2)} units`);
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
