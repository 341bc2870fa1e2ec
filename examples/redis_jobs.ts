/**
 * The functions that example 17 runs in its threads: the tutorial's `do_sleep` (on the loop thread) and its
 * `consumer` (on a thread of its own). A function that runs in another thread is named by its module and export
 * (`workerModule()`), so these live in a module of their own; the workers import it on first use.
 *
 * Not an example itself (its name does not start with two digits, so `run_all.ts` skips it).
 *
 * @module
 */

import { MemoryJobQueue } from "../memory_job_queue.ts";
import type { JobQueue } from "../job_queue.ts";
import { LoopThread, workerModule } from "../threads.ts";
import { sleep } from "../sleep.ts";
import type { ThreadQueue } from "../thread_queue.ts";

/** One tutorial second, scaled down (ms). */
export const UNIT = 100;

/** A job of the tutorial: sleep this many units. */
export interface SleepJob {
  units: number;
}

/** What `doSleep` reports through the results queue. */
export interface SleepResult {
  msg: string;
  units: number;
}

/** Where the consumer finds its queue. */
export interface QueueConfig {
  kind: "redis" | "memory";
  url: string | null;
  stream: string;
}

const self = workerModule<typeof import("./redis_jobs.ts")>(new URL("./redis_jobs.ts", import.meta.url));

/**
 * The tutorial's `do_sleep(x, queue)`, run on the loop thread: prints its line, sleeps `units` (suspending only
 * this task: the loop thread runs the others meanwhile), then puts "ok" into the thread-safe results queue.
 */
export async function doSleep(units: number, results: ThreadQueue<SleepResult>): Promise<void> {
  console.log(`loop thread: ================= (a job of ${units} units starts)`);
  await sleep(units * UNIT);
  results.put({ msg: "ok", units });
}

async function openQueue(config: QueueConfig): Promise<JobQueue<SleepJob>> {
  if (config.kind === "memory") return new MemoryJobQueue<SleepJob>({ name: config.stream });
  // Loaded only when Redis is used: an in-process run needs no npm package.
  const { RedisQueue } = await import("../redis_queue.ts");
  return await RedisQueue.connect<SleepJob>({ url: config.url!, stream: config.stream, blockMs: 100 });
}

/**
 * The tutorial's `consumer(rcon, queue, new_loop)`, run on its own thread: it starts the loop thread (the
 * tutorial's `new_loop`, running forever in a thread of its own), then takes jobs from the queue and hands each to
 * the loop thread with `runCoroutineThreadsafe`, where they run concurrently. Unlike the tutorial's RPOP, a job
 * is acknowledged only once its coroutine has finished: a consumer that dies loses nothing.
 *
 * It runs until its thread is stopped. `events` gets "ready" once it reads, and a last word when it stops; an
 * in-process queue lives in this thread, so the jobs to put are handed to it (`jobsToPut`).
 */
export async function consumer(
  config: QueueConfig,
  results: ThreadQueue<SleepResult>,
  events: ThreadQueue<string>,
  jobsToPut: number[],
): Promise<void> {
  const loopThread = await LoopThread.start({ name: "loop-thread" });
  const queue = await openQueue(config);
  let acked = 0;
  try {
    if (jobsToPut.length > 0) await queue.putMany(jobsToPut.map((units) => ({ units })));
    events.put("ready");
    await queue.consume(async ({ units }) => {
      console.log(`consumer: ---------: ${units}`);
      await loopThread.runCoroutineThreadsafe(self.doSleep, units, results); // done on the loop thread: then acked
      acked++;
    }, { concurrency: 10 });
  } finally {
    const pending = await queue.pending();
    await queue.close();
    await loopThread.stop();
    events.put(`consumer: stopped (${acked} jobs done and acknowledged, ${pending} pending)`);
  }
}
