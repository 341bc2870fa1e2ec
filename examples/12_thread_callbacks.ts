/**
 * Port of the tutorial section "2. 不同线程的事件循环(同步)" (event loops in different threads, synchronous): a
 * thread runs an event loop forever; the main thread hands it two plain callbacks with `callSoonThreadsafe` —
 * `doSleep(6, queue, "first")` and `doSleep(3, queue, "second")`. Each blocks that loop while it sleeps
 * (`time.sleep` in the tutorial; `Atomics.wait` in the worker here), then puts its message into a thread-safe
 * `ThreadQueue` (Python's `queue.Queue`). The main thread blocks on `queue.get()` and prints each message with the
 * time. The callbacks run one after another, so the whole takes 6 + 3 = 9 units.
 *
 * The tutorial's `Thread(target=start_loop, args=(new_loop,))` with `new_event_loop()` and `run_forever()` is
 * `LoopThread.start()`; the functions it runs are in `thread_jobs.ts` (a closure cannot cross threads). The
 * tutorial's main loop (`while True: queue.get()`) never ends; here it gets the two messages, then stops the thread.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds); times are printed in units since the callbacks were sent.
 *
 * Run: `deno run -A examples/12_thread_callbacks.ts`
 *
 * Expected output:
 *   main: started <LoopThread "loop-thread" running>
 *   main: call_soon_threadsafe(do_sleep, 6, queue, "first") and (do_sleep, 3, queue, "second")
 *   first coroutine done..
 *   current time: <t> units
 *   second coroutine done..
 *   current time: <t> units
 *   TIME:  <t> units (6 + 3: each callback blocked the thread's loop in turn)
 */

import { LoopThread, ThreadQueue, workerModule } from "../mod.ts";
import { UNIT } from "./thread_jobs.ts";

const jobs = workerModule<typeof import("./thread_jobs.ts")>(new URL("./thread_jobs.ts", import.meta.url));

function main(thread: LoopThread): void {
  const queue = new ThreadQueue<string>();
  console.log('main: call_soon_threadsafe(do_sleep, 6, queue, "first") and (do_sleep, 3, queue, "second")');
  const start: number = performance.now();
  const units = (): string => ((performance.now() - start) / UNIT).toFixed(2);
  thread.callSoonThreadsafe(jobs.doSleep, 6, queue, "first");
  thread.callSoonThreadsafe(jobs.doSleep, 3, queue, "second");
  for (let i = 0; i < 2; i++) {
    const msg: string = queue.get({ timeout: 60 * UNIT }); // blocks the main thread until a message comes
    console.log(`${msg} coroutine done..`);
    console.log(`current time: ${units()} units`);
  }
  console.log("TIME: ", `${units()} units (6 + 3: each callback blocked the thread's loop in turn)`);
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
