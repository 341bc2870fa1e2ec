/**
 * Port of the tutorial section "生产者消费者模型" (the producer–consumer model), in one process: a producer pushes
 * jobs of 5, 3 and 1 units; a consumer takes each job and starts a task for it at once, so the three run
 * concurrently — the 1-unit job finishes first and the whole takes about 5 units, not 9. Each job task reports
 * "ok" on a second queue, which the main coroutine prints with the time, as the tutorial's main thread does.
 *
 * The tutorial's jobs come from a Redis list polled by a consumer thread, which hands them to an event loop in
 * another thread (`run_coroutine_threadsafe`) and gets "ok" back through a thread-safe `queue.Queue`. Here an
 * asyncio `Queue` takes Redis's place and everything runs on one loop (the threads version belongs with
 * `LoopThread`). The queue's bookkeeping replaces the polling: each job task calls `jobs.taskDone()` when its work
 * is finished (and the main coroutine `reports.taskDone()` when it has printed a report); the producer awaits
 * `jobs.join()` and `reports.join()` — every job put is done and reported — and then shuts both queues down, which
 * ends the consumer's and the main coroutine's `for await` loops.
 *
 * Time scale: one unit = 100 ms (the tutorial's seconds); times are printed in units since the start.
 *
 * Run: `deno run -A examples/11_producer_consumer.ts`
 *
 * Expected output (as CPython prints it: putting into an unbounded queue never suspends, so the producer pushes
 * all three jobs before the consumer runs, and the consumer gets all three before the job tasks start; `<t>` is
 * a time: about 1, 3 and 5 for the reports, 5 for TIME):
 *   producer: push 5
 *   producer: push 3
 *   producer: push 1
 *   ---------: 5
 *   ---------: 3
 *   ---------: 1
 *   =================
 *   =================
 *   =================
 *   coroutine finished.. ok (slept 1 units)
 *   current time: <t> units
 *   coroutine finished.. ok (slept 3 units)
 *   current time: <t> units
 *   coroutine finished.. ok (slept 5 units)
 *   current time: <t> units
 *   producer: every job is done (join returned); shutting the queues down
 *   consumer: the job queue is shut down
 *   TIME:  <t> units
 */

import { createTask, gather, Queue, run, sleep, type Task } from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

const startTime: number = performance.now();

function unitsSinceStart(): number {
  return (performance.now() - startTime) / UNIT;
}

// A job: sleep `x` units (the simulated work), then report "ok" and mark the job done.
async function doSleep(x: number, jobs: Queue<number>, reports: Queue<string>): Promise<void> {
  try {
    console.log("=================");
    await sleep(x * UNIT);
    await reports.put(`ok (slept ${x} units)`);
  } finally {
    jobs.taskDone(); // the job got from `jobs` is finished: join() counts it
  }
}

// The producer: pushes the jobs, waits until all are done, then shuts the queues down.
async function producer(jobs: Queue<number>, reports: Queue<string>): Promise<void> {
  for (const x of [5, 3, 1]) {
    console.log("producer: push", x);
    await jobs.put(x);
  }
  await jobs.join(); // every job got and marked done ...
  await reports.join(); // ... and every report printed
  console.log("producer: every job is done (join returned); shutting the queues down");
  jobs.shutdown();
  reports.shutdown(); // the reports already put can still be got
}

// The consumer: takes each job as it comes and starts a task for it at once (it does not wait for the job).
async function consumer(jobs: Queue<number>, reports: Queue<string>): Promise<void> {
  const running: Task<void>[] = [];
  for await (const x of jobs) {
    console.log("---------:", x);
    running.push(createTask(() => doSleep(x, jobs, reports)));
  }
  console.log("consumer: the job queue is shut down");
  await gather(running);
}

async function main(): Promise<void> {
  const jobs = new Queue<number>();
  const reports = new Queue<string>();
  const tasks: Task<void>[] = [
    createTask(() => producer(jobs, reports)),
    createTask(() => consumer(jobs, reports)),
  ];
  // The tutorial's main thread: print each report as it arrives (the loop ends when the queue is shut down).
  for await (const msg of reports) {
    console.log("coroutine finished..", msg);
    console.log("current time:", `${Math.round(unitsSinceStart())} units`);
    reports.taskDone();
  }
  await gather(tasks);
  console.log("TIME: ", `${unitsSinceStart().toFixed(2)} units`);
}

if (import.meta.main) {
  await run(main);
}
