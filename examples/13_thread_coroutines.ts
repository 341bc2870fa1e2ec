/**
 * Port of the tutorial section "3. 不同线程的事件循环(异步)" (event loops in different threads, asynchronous): the
 * same as example 12, but the main thread sends coroutines with `runCoroutineThreadsafe` —
 * `doSleepDemo(6, queue, "first")` and `doSleepDemo(3, queue, "second")`. Each runs as a task of the thread's loop
 * and `await sleep()` suspends only that task, so the two run concurrently: "second" comes first, after 3 units,
 * and the whole takes max(6, 3) = 6 units, not 9.
 *
 * `runCoroutineThreadsafe` returns a `ConcurrentFuture` (Python's `concurrent.futures.Future`); the tutorial
 * ignores it, and so does this example until the end, where it checks both finished.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds); times are printed in units since the coroutines were sent.
 *
 * Run: `deno run -A examples/13_thread_coroutines.ts`
 *
 * Expected output:
 *   main: started <LoopThread "loop-thread" running>
 *   main: run_coroutine_threadsafe(do_sleep_demo(6, queue, "first")) and (do_sleep_demo(3, queue, "second"))
 *   second coroutine done..
 *   current time: <t> units
 *   first coroutine done..
 *   current time: <t> units
 *   TIME:  <t> units (max(6, 3): the coroutines ran concurrently on the thread's loop)
 *   both futures done: true
 */

import { type ConcurrentFuture, LoopThread, ThreadQueue, workerModule } from "../mod.ts";
import { UNIT } from "./thread_jobs.ts";

const jobs = workerModule<typeof import("./thread_jobs.ts")>(new URL("./thread_jobs.ts", import.meta.url));

function main(thread: LoopThread): void {
  const queue = new ThreadQueue<string>();
  console.log(
    'main: run_coroutine_threadsafe(do_sleep_demo(6, queue, "first")) and (do_sleep_demo(3, queue, "second"))',
  );
  const start: number = performance.now();
  const units = (): string => ((performance.now() - start) / UNIT).toFixed(2);
  const futures: ConcurrentFuture<void>[] = [
    thread.runCoroutineThreadsafe(jobs.doSleepDemo, 6, queue, "first"),
    thread.runCoroutineThreadsafe(jobs.doSleepDemo, 3, queue, "second"),
  ];
  for (let i = 0; i < 2; i++) {
    const msg: string = queue.get({ timeout: 60 * UNIT }); // blocks the main thread until a message comes
    console.log(`${msg} coroutine done..`);
    console.log(`current time: ${units()} units`);
  }
  console.log("TIME: ", `${units()} units (max(6, 3): the coroutines ran concurrently on the thread's loop)`);
  for (const future of futures) future.result(60 * UNIT); // blocks until that task has returned
  console.log("both futures done:", futures.every((future) => future.done()));
}

if (import.meta.main) {
  const thread: LoopThread = await LoopThread.start({ name: "loop-thread" });
  console.log(`main: started ${thread}`);
  try {
    main(thread);
  } finally {
    await thread.stop(); // the tutorial's thread runs forever; ours stops so the program ends
  }
}
