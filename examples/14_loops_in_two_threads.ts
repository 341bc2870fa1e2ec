/**
 * Port of the tutorial section "4. get_event_loop和 new_event_loop" (getEventLoop and newEventLoop): a thread runs
 * only one event loop at a time, so a second loop needs a second thread. The main thread's loop (`run()` here, the
 * tutorial's `get_event_loop()` + `run_until_complete`) runs `main_work`, printing `main on loop:<id>` every 4
 * units; a `LoopThread` — a worker with a loop of its own, the tutorial's `new_event_loop()` + `set_event_loop()` in
 * a `Thread` — runs `gather(work_2(loop), work_4(loop))`, printing `work_2 on loop:<id>` every 2 units and
 * `work_4 on loop:<id>` every 4. Each prints the `id` of the loop it runs on (Python's `id(loop)`) and, to tell the
 * threads apart at a glance, the thread it runs in.
 *
 * The tutorial's coroutines loop forever (its thread is a daemon, killed with the process). Here the main thread
 * stops after 9 units — `waitFor(main_work, 9 units)` times out, cancelling it — then `thread.stop()` cancels the
 * thread's gather (its `finally` prints) and ends the thread, so the program exits cleanly. In 9 units, work_2
 * prints 5 times (at 0, 2, 4, 6, 8), work_4 and main 3 times each (at 0, 4, 8); lines printed at the same moment
 * by the two threads may come in either order.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds).
 *
 * Run: `deno run -A examples/14_loops_in_two_threads.ts`
 *
 * Expected output (`<id>`: the loops' ids, which depend on the run; the lines marked `~` are printed at the same
 * moment by the two threads and may come in any order):
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

import { type EventLoop, getRunningLoop, LoopThread, run, sleep, TimeoutError, waitFor, workerModule } from "../mod.ts";
import { UNIT } from "./thread_jobs.ts";

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

async function main(): Promise<void> {
  // A thread with an event loop of its own; it starts gather(work_2, work_4) there (see thread_jobs.ts).
  const thread: LoopThread = await LoopThread.start({ name: "thread_loop" });
  console.log("main: the thread's loop runs gather(work_2, work_4); the main loop runs main_work");
  const works = thread.runCoroutineThreadsafe(jobs.threadLoopTask);
  const mainLoop: EventLoop = getRunningLoop(); // the main thread's loop
  try {
    await waitFor(mainWork(mainLoop), RUN_UNITS * UNIT);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(
      `main: ${RUN_UNITS} units passed: main_work cancelled (the tutorial runs forever; we stop after a few rounds)`,
    );
  }
  await thread.stop(); // cancels the thread's gather, lets its finally run, closes its loop, ends the worker
  console.log("main: the thread has ended; its gather was cancelled:", works.cancelled());
}

if (import.meta.main) {
  await run(main);
}
