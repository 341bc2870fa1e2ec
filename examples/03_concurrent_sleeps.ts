/**
 * Port of the tutorial section "4.协程并发的实现" (running coroutines concurrently): three coroutines sleep 1, 5
 * and 8 units at the same time, so the whole run takes about 8 units (the longest), not 14 (the sum).
 *
 * Time scale: one unit = 100 ms (the tutorial's seconds); TIME is printed in units.
 *
 * As in the tutorial, the tasks are registered with the loop through `wait`:
 * `loop.runUntilComplete(wait(asyncTask))` (or `gather(...asyncTask)`, see 07_gather_vs_wait.ts).
 *
 * Run: `deno run -A examples/03_concurrent_sleeps.ts`
 *
 * Expected output (`<t>` is the time, about 8):
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   task result is: slept 1 units
 *   task result is: slept 5 units
 *   task result is: slept 8 units
 *   TIME:  <t> units
 */

import { ensureFuture, type EventLoop, type Future, getEventLoop, setEventLoop, sleep, wait } from "../mod.ts";

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
    // Register the Tasks with the loop: run it until every one is done. The other way is
    // loop.runUntilComplete(gather(...asyncTask)).
    await loop.runUntilComplete(wait(asyncTask));

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
