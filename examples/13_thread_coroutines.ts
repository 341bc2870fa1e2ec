/**
 * Port of the tutorial section "3. 不同线程的事件循环(异步)" (event loops in different threads, asynchronous): the
 * same as example 12, but the main thread sends coroutines with `runCoroutineThreadsafe` —
 * `do_sleep_demo(6, queue, "first")` and `do_sleep_demo(3, queue, "second")`. Each runs as a task of the thread's
 * loop and `await sleep()` suspends only that task, so the two run concurrently: "second" comes first, after 3
 * units, and the whole takes max(6, 3) = 6 units, not 9.
 *
 * The tutorial's `asyncio.run_coroutine_threadsafe(do_sleep_demo(6, queue, '第一个'), new_loop)` reads
 * `runCoroutineThreadsafe(call(jobs.doSleepDemo, 6, queue, "first"), newLoop)`: a coroutine object cannot cross
 * threads, so `call()` binds the coroutine function (named by module and export, see `thread_jobs.ts`) to its
 * arguments — TypeScript checks them — and the thread makes the coroutine there. It returns a `ConcurrentFuture`
 * (Python's `concurrent.futures.Future`); the tutorial ignores it, and so does this example until the end, where it
 * checks both finished.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds); times are printed in units since the coroutines were sent.
 *
 * Run: `deno run -A examples/13_thread_coroutines.ts`
 *
 * Expected output (`<id>`: the thread's loop id, which depends on the run; `<t>`: times):
 *   main: started <LoopThread "loop-thread" running>
 *   main: its loop is <RemoteLoop id=<id> of LoopThread "loop-thread">
 *   current time: 0.00 units
 *   main: run_coroutine_threadsafe(do_sleep_demo(6, queue, "first")) and (do_sleep_demo(3, queue, "second"))
 *   second coroutine done..
 *   current time: <t> units
 *   first coroutine done..
 *   current time: <t> units
 *   TIME:  <t> units (max(6, 3): the coroutines ran concurrently on the thread's loop)
 *   both futures done: true
 */

import {
  call,
  type ConcurrentFuture,
  LoopThread,
  type RemoteLoop,
  runCoroutineThreadsafe,
  ThreadQueue,
  workerModule,
} from "../mod.ts";
import { UNIT } from "./thread_jobs.ts";

const jobs = workerModule<typeof import("./thread_jobs.ts")>(new URL("./thread_jobs.ts", import.meta.url));

function mainDemo(newLoop: RemoteLoop): void {
  const queue = new ThreadQueue<string>();
  const start: number = performance.now();
  const units = (): string => ((performance.now() - start) / UNIT).toFixed(2);
  console.log(`current time: ${units()} units`);

  console.log(
    'main: run_coroutine_threadsafe(do_sleep_demo(6, queue, "first")) and (do_sleep_demo(3, queue, "second"))',
  );
  const futures: ConcurrentFuture<void>[] = [
    runCoroutineThreadsafe(call(jobs.doSleepDemo, 6, queue, "first"), newLoop),
    runCoroutineThreadsafe(call(jobs.doSleepDemo, 3, queue, "second"), newLoop),
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
  // Thread(target=start_loop, args=(new_loop,)) with new_event_loop(): a thread whose loop runs forever.
  const thread: LoopThread = await LoopThread.start({ name: "loop-thread" });
  const newLoop: RemoteLoop = thread.loop;
  console.log(`main: started ${thread}`);
  console.log(`main: its loop is ${newLoop}`);
  try {
    mainDemo(newLoop);
  } finally {
    await thread.stop(); // the tutorial's thread runs forever; ours stops so the program ends
  }
}
