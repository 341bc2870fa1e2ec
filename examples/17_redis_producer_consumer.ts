/**
 * Port of the tutorial's last section, "生产者消费者模型" (the producer–consumer model), with its topology: a
 * loop thread running its event loop forever; a consumer on a thread of its own that reads jobs from Redis and
 * hands each to the loop thread with `runCoroutineThreadsafe`; and the main thread, which blocks on a thread-safe
 * queue (`ThreadQueue`, Python's `queue.Queue`) and prints each result with the time. Jobs of 5, 3 and 1 units run
 * concurrently on the loop thread: the 1-unit job ends first, and all three in about 5 units, not 9.
 *
 * The tutorial's consumer polls with RPOP, which loses every job a crashed consumer had popped. This one reads
 * through `RedisQueue` (Redis Streams consumer groups) and acknowledges a job only once its coroutine is done, so
 * a consumer that dies loses nothing (example 18 kills one). The consumer starts the loop thread itself — a
 * `LoopThread` is driven from the thread that started it — where the tutorial passes `new_loop` to its thread.
 *
 * The queue: Redis at `REDIS_URL` if set, else a redis-server started from PATH for the example, else the
 * in-process `MemoryJobQueue` (then the queue lives in the consumer's thread, and the main thread hands it the
 * jobs); the first line says which, and how to switch. The lines printed by the two other threads (marked `~`)
 * may interleave differently from run to run; each thread's own lines keep their order.
 *
 * Time scale: one unit = 100 ms (the tutorial's seconds); times are printed in units since the jobs were put.
 *
 * Run: `deno run -A examples/17_redis_producer_consumer.ts`
 *
 * Expected output:
 *   queue: <*>
 *   main: started <LoopThread "consumer" running>, the consumer's thread
 *   producer: put jobs of 5, 3 and 1 units
 *   ~ consumer: ---------: 5
 *   ~ consumer: ---------: 3
 *   ~ consumer: ---------: 1
 *   ~ loop thread: ================= (a job of 5 units starts)
 *   ~ loop thread: ================= (a job of 3 units starts)
 *   ~ loop thread: ================= (a job of 1 units starts)
 *   coroutine done.. ok (1 units)
 *   current time: <t> units
 *   coroutine done.. ok (3 units)
 *   current time: <t> units
 *   coroutine done.. ok (5 units)
 *   current time: <t> units
 *   TIME:  <t> units (the longest job, not the sum 9)
 *   consumer: stopped (3 jobs done and acknowledged, 0 pending)
 */

import { LoopThread, workerModule } from "../threads.ts";
import { ThreadQueue } from "../thread_queue.ts";
import { chooseJobBackend } from "./job_backend.ts";
import { type QueueConfig, type SleepResult, UNIT } from "./redis_jobs.ts";

const jobs = workerModule<typeof import("./redis_jobs.ts")>(new URL("./redis_jobs.ts", import.meta.url));
const JOBS = [5, 3, 1];

async function main(): Promise<void> {
  await using backend = await chooseJobBackend();
  console.log(backend.description);
  const config: QueueConfig = { kind: backend.kind, url: backend.url, stream: `tutorial-jobs:${crypto.randomUUID()}` };
  const results = new ThreadQueue<SleepResult>();
  const events = new ThreadQueue<string>();
  const consumerThread: LoopThread = await LoopThread.start({ name: "consumer" });
  console.log(`main: started ${consumerThread}, the consumer's thread`);
  try {
    const inProcess = backend.kind === "memory";
    // The consumer runs until its thread stops (its ConcurrentFuture then ends cancelled).
    consumerThread.runCoroutineThreadsafe(jobs.consumer, config, results, events, inProcess ? JOBS : []);
    // The producer: here, on the main thread, with a queue of its own (in-process, the consumer's thread puts).
    const { RedisQueue } = inProcess ? { RedisQueue: null } : await import("../redis_queue.ts");
    await using producer = RedisQueue && (await RedisQueue.connect<{ units: number }>({
      url: backend.url!,
      stream: config.stream,
    }));
    if (events.get({ timeout: 30_000 }) !== "ready") throw new Error("the consumer did not start");
    console.log("producer: put jobs of 5, 3 and 1 units");
    await producer?.putMany(JOBS.map((units) => ({ units })));
    const start: number = performance.now();
    const units = (): string => ((performance.now() - start) / UNIT).toFixed(2);
    for (let i = 0; i < JOBS.length; i++) {
      const { msg, units: length }: SleepResult = results.get({ timeout: 60 * UNIT }); // blocks the main thread
      console.log(`coroutine done.. ${msg} (${length} units)`);
      console.log(`current time: ${units()} units`);
    }
    console.log("TIME: ", `${units()} units (the longest job, not the sum 9)`);
  } finally {
    await consumerThread.stop(); // the tutorial's threads run forever; ours stop so that the program ends
  }
  console.log(events.get({ timeout: 10_000 }));
}

if (import.meta.main) await main();
