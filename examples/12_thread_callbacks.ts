/**
 * Port of the tutorial section "2. 不同线程的事件循环(同步)" (event loops in different threads, synchronous): a
 * thread runs an event loop forever; the main thread hands it two plain callbacks with `callSoonThreadsafe` —
 * `doSleep(6, queue, "first")` and `doSleep(3, queue, "second")`. Each blocks that loop while it sleeps
 * (`time.sleep` in the tutorial; `Atomics.wait` in the worker here), then puts its message into a thread-safe
 * `ThreadQueue` (Python's `queue.Queue`). The main thread blocks on `queue.get()` and prints each message with the
 * time. The callbacks run one after another, so the whole takes 6 + 3 = 9 units.
 *
 * The tutorial's `new_loop = new_event_loop()` and `Thread(target=start_loop, args=(new_loop,))` become one call,
 * `LoopThread.start()` (a loop can only be made in the thread that runs it), and `newLoop = thread.loop` is the handle
 * the main thread holds, as the tutorial holds `new_loop`. The functions the thread runs are in `thread_jobs.ts` (a
 * closure cannot cross threads). The tutorial's main loop (`while True: queue.get()`) never ends; here it gets the two
 * messages, then stops the thread.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds); times are printed in units since the callbacks were sent
 * (the tutorial prints `time.ctime()`).
 *
 * Run: `deno run -A examples/12_thread_callbacks.ts`
 *
 * Expected output (`<id>`: the thread's loop id, which depends on the run; `<t>`: times):
 *   main: started <LoopThread "loop-thread" running>
 *   main: its loop is <RemoteLoop id=<id> of LoopThread "loop-thread">
 *   current time: 0.00 units
 *   main: call_soon_threadsafe(do_sleep, 6, queue, "first") and (do_sleep, 3, queue, "second")
 *   first coroutine done..
 *   current time: <t> units
 *   second coroutine done..
 *   current time: <t> units
 *   TIME:  <t> units (6 + 3: each callback blocked the thread's loop in turn)
 */

import { LoopThread, type RemoteLoop, ThreadQueue, workerModule } from "../mod.ts";
import { UNIT } from "./thread_jobs.ts";

const jobs = workerModule<typeof import("./thread_jobs.ts")>(new URL("./thread_jobs.ts", import.meta.url));

function main(newLoop: RemoteLoop): void {
  const queue = new ThreadQueue<string>();
  const start: number = performance.now();
  const units = (): string => ((performance.now() - start) / UNIT).toFixed(2);
  console.log(`current time: ${units()} units`);

  // Two plain callbacks, added from the main thread: they run one after the other on the thread's loop.
  console.log('main: call_soon_threadsafe(do_sleep, 6, queue, "first") and (do_sleep, 3, queue, "second")');
  newLoop.callSoonThreadsafe(jobs.doSleep, 6, queue, "first");
  newLoop.callSoonThreadsafe(jobs.doSleep, 3, queue, "second");

  for (let i = 0; i < 2; i++) {
    const msg: string = queue.get({ timeout: 60 * UNIT }); // blocks the main thread until a message comes
    console.log(`${msg} coroutine done..`);
    console.log(`current time: ${units()} units`);
  }
  console.log("TIME: ", `${units()} units (6 + 3: each callback blocked the thread's loop in turn)`);
}

if (import.meta.main) {
  // Thread(target=start_loop, args=(new_loop,)) with new_event_loop(): a thread whose loop runs forever.
  const thread: LoopThread = await LoopThread.start({ name: "loop-thread" });
  const newLoop: RemoteLoop = thread.loop;
  console.log(`main: started ${thread}`);
  console.log(`main: its loop is ${newLoop}`);
  try {
    main(newLoop);
  } finally {
    await thread.stop(); // the tutorial's thread runs forever; ours stops so the program ends
  }
}
