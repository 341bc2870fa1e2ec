/**
 * Results gathered through a thread-safe queue (the pattern of the tutorial's sections 2 and 3, and of its
 * producer–consumer model): the main thread sends five "downloads" of 5, 1, 4, 2 and 3 units to a loop thread with
 * `runCoroutineThreadsafe(call(jobs.download, name, units, queue), newLoop)`. They run concurrently as tasks of that
 * thread's loop, and each puts its result into a `ThreadQueue` as it finishes. The main thread blocks on `queue.get()` five times and prints the results in
 * completion order — shortest first — while the `ConcurrentFuture`s keep the submission order (as `gather` would).
 * The whole takes about the longest job, 5 units, not the sum, 15.
 *
 * The main thread marks each result processed with `taskDone()`, so `join()` returns at once at the end (Python's
 * `queue.Queue.join`).
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds); times are printed in units since the jobs were sent.
 *
 * Run: `deno run -A examples/15_thread_queue_results.ts`
 *
 * Expected output:
 *   main: sent 5 downloads to <LoopThread "downloader" running>
 *   got b (1 units) at <t> units
 *   got d (2 units) at <t> units
 *   got e (3 units) at <t> units
 *   got c (4 units) at <t> units
 *   got a (5 units) at <t> units
 *   completion order: b, d, e, c, a
 *   submission order (the futures): a, b, c, d, e
 *   join() returned: every result was processed
 *   TIME:  <t> units (the longest job, not the sum 15)
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
import { type JobResult, UNIT } from "./thread_jobs.ts";

const jobs = workerModule<typeof import("./thread_jobs.ts")>(new URL("./thread_jobs.ts", import.meta.url));

const DOWNLOADS: [string, number][] = [["a", 5], ["b", 1], ["c", 4], ["d", 2], ["e", 3]];

function main(thread: LoopThread): void {
  const queue = new ThreadQueue<JobResult>();
  const start: number = performance.now();
  const units = (): string => ((performance.now() - start) / UNIT).toFixed(2);
  const newLoop: RemoteLoop = thread.loop;
  const futures: ConcurrentFuture<JobResult>[] = DOWNLOADS.map(([name, cost]) =>
    runCoroutineThreadsafe(call(jobs.download, name, cost, queue), newLoop)
  );
  console.log(`main: sent ${futures.length} downloads to ${thread}`);
  const completed: string[] = [];
  for (let i = 0; i < futures.length; i++) {
    const result: JobResult = queue.get({ timeout: 60 * UNIT }); // blocks until the next job finishes
    console.log(`got ${result.name} (${result.units} units) at ${units()} units`);
    completed.push(result.name);
    queue.taskDone();
  }
  console.log("completion order:", completed.join(", "));
  const submitted: string[] = futures.map((future) => future.result(60 * UNIT).name);
  console.log("submission order (the futures):", submitted.join(", "));
  queue.join(); // returns at once: every result got was marked done
  console.log("join() returned: every result was processed");
  console.log("TIME: ", `${units()} units (the longest job, not the sum 15)`);
}

if (import.meta.main) {
  const thread: LoopThread = await LoopThread.start({ name: "downloader" });
  try {
    main(thread);
  } finally {
    await thread.stop();
  }
}
