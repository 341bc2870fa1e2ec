/**
 * Port of the tutorial section "4. get_event_loop和 new_event_loop" (getEventLoop and newEventLoop). A thread runs
 * one event loop at a time:
 *
 * - `getEventLoop()` is the thread's current loop: called twice, it gives the same loop (made on first use);
 * - `newEventLoop()` makes a new loop object and nothing else — the thread's current loop is unchanged;
 * - `setEventLoop(loop)` makes a loop the thread's current one, which `getEventLoop()` then returns;
 * - a second thread has a loop of its own: in a `LoopThread` (the tutorial's `new_event_loop()` + `set_event_loop()`
 *   in a `Thread`), `getEventLoop()` is that thread's running loop, not the main thread's.
 *
 * The example shows each, then runs the tutorial's demo: the main thread's loop (`getEventLoop()` +
 * `runUntilComplete`, as the tutorial's `main_loop.run_until_complete(main_work(main_loop))`) runs `main_work`,
 * printing `main on loop:<id>` every 4 units, while the thread's loop runs `gather(work_2(loop), work_4(loop))`,
 * printing `work_2 on loop:<id>` every 2 units and `work_4 on loop:<id>` every 4. Each prints the `id` of the loop it
 * runs on (Python's `id(loop)`) and, to tell the threads apart at a glance, the thread it runs in.
 *
 * The tutorial's coroutines loop forever (its thread is a daemon, killed with the process). Here the main thread
 * stops after 9 units — `waitFor(main_work, 9 units)` times out, cancelling it — then `thread.stop()` cancels the
 * thread's gather (its `finally` prints) and ends the thread, so the program exits cleanly. In 9 units, work_2
 * prints 5 times (at 0, 2, 4, 6, 8), work_4 and main 3 times each (at 0, 4, 8).
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds).
 *
 * Run: `deno run -A examples/14_loops_in_two_threads.ts`
 *
 * Expected output (`<id>`: the loops' ids, which depend on the run; the lines marked `~` are printed at the same
 * moment by the two threads and may come in any order):
 *   main: getEventLoop() twice gives the same loop: true (loop:<id>)
 *   main: newEventLoop() makes another loop: true (loop:<id>); getEventLoop() is unchanged: true
 *   main: setEventLoop(that loop): getEventLoop() returns it now: true
 *   main: setEventLoop(the first loop) again, and the other one is closed
 *   main: in thread "thread_loop", getEventLoop() is the thread's own running loop: true (loop:<id>)
 *   main: the thread's loop is not the main thread's: true; the same every time there: true
 *   main: the thread's loop runs gather(work_2, work_4); the main loop runs main_work
 *   ~ main on loop:<id> (main thread)
 *   ~ work_2 on loop:<id> (thread "thread_loop")
 *   ~ work_4 on loop:<id> (thread "thread_loop")
 *   work_2 on loop:<id> (thread "thread_loop")
 *   ~ main on loop:<id> (main thread)
 *   ~ work_2 on loop:<id> (thread "thread_loop")
 *   ~ work_4 on loop:<id> (thread "thread_loop")
 *   work_2 on loop:<id> (thread "thread_loop")
 *   ~ main on loop:<id> (main thread)
 *   ~ work_2 on loop:<id> (thread "thread_loop")
 *   ~ work_4 on loop:<id> (thread "thread_loop")
 *   main: 9 units passed: main_work cancelled (the tutorial runs forever; we stop after a few rounds)
 *   thread: work_2 and work_4 stopped (loop:<id> is shutting down)
 *   main: the thread has ended; its gather was cancelled: true
 */

import {
  call,
  type ConcurrentFuture,
  type EventLoop,
  getEventLoop,
  LoopThread,
  newEventLoop,
  runCoroutineThreadsafe,
  setEventLoop,
  sleep,
  TimeoutError,
  waitFor,
  workerModule,
} from "../mod.ts";
import { type ThreadLoopFacts, UNIT } from "./thread_jobs.ts";

const jobs = workerModule<typeof import("./thread_jobs.ts")>(new URL("./thread_jobs.ts", import.meta.url));

/** How long the example lets both loops run (units). */
const RUN_UNITS = 9;

// The tutorial's main_work: forever, print the main loop's id every 4 units.
async function mainWork(mainLoop: EventLoop): Promise<never> {
  for (;;) {
    console.log(`main on loop:${mainLoop.id} (main thread)`);
    await sleep(4 * UNIT);
  }
}

/** getEventLoop, newEventLoop and setEventLoop in the main thread; returns the main thread's loop. */
function oneThreadOneLoop(): EventLoop {
  const mainLoop: EventLoop = getEventLoop();
  console.log(`main: getEventLoop() twice gives the same loop: ${getEventLoop() === mainLoop} (loop:${mainLoop.id})`);
  const another: EventLoop = newEventLoop();
  console.log(
    `main: newEventLoop() makes another loop: ${another !== mainLoop} (loop:${another.id}); ` +
      `getEventLoop() is unchanged: ${getEventLoop() === mainLoop}`,
  );
  setEventLoop(another);
  console.log(`main: setEventLoop(that loop): getEventLoop() returns it now: ${getEventLoop() === another}`);
  setEventLoop(mainLoop);
  another.close();
  console.log("main: setEventLoop(the first loop) again, and the other one is closed");
  return mainLoop;
}

async function main(): Promise<void> {
  const mainLoop: EventLoop = oneThreadOneLoop();

  // A thread with an event loop of its own (new_event_loop() + set_event_loop() there, run forever).
  const thread: LoopThread = await LoopThread.start({ name: "thread_loop" });
  const threadLoop: ThreadLoopFacts = await runCoroutineThreadsafe(call(jobs.threadLoopFacts), thread.loop);
  console.log(
    `main: in thread "${thread.name}", getEventLoop() is the thread's own running loop: ` +
      `${threadLoop.isRunningLoop && threadLoop.id === thread.loop.id} (loop:${threadLoop.id})`,
  );
  console.log(
    `main: the thread's loop is not the main thread's: ${threadLoop.id !== mainLoop.id}; ` +
      `the same every time there: ${threadLoop.sameEveryTime}`,
  );

  // The tutorial's demo: gather(work_2, work_4) on the thread's loop, main_work on the main loop.
  console.log("main: the thread's loop runs gather(work_2, work_4); the main loop runs main_work");
  const works: ConcurrentFuture<void> = runCoroutineThreadsafe(call(jobs.threadLoopTask), thread.loop);
  try {
    await mainLoop.runUntilComplete(async () => await waitFor(mainWork(mainLoop), RUN_UNITS * UNIT));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(
      `main: ${RUN_UNITS} units passed: main_work cancelled (the tutorial runs forever; we stop after a few rounds)`,
    );
  }
  await thread.stop(); // cancels the thread's gather, lets its finally run, closes its loop, ends the worker
  console.log("main: the thread has ended; its gather was cancelled:", works.cancelled());
  mainLoop.close();
}

if (import.meta.main) {
  await main();
}
