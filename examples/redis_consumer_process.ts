/**
 * One consumer process of example 18, as a worker program on another machine would be: `run()` around
 * `RedisQueue.consume()`, so that Ctrl+C (SIGINT) drains it — it stops taking jobs, lets the running ones finish
 * and be acknowledged, and exits. Each job's result goes to the results stream, naming the consumer that did it.
 *
 * Run: `deno run -A examples/redis_consumer_process.ts <redis url> <stream> <consumer name>`
 *
 * Not an example itself (its name does not start with two digits, so `run_all.ts` skips it).
 *
 * @module
 */

import { RedisQueue } from "../redis_queue.ts";
import { run } from "../runner.ts";
import { sleep } from "../sleep.ts";

/** A job of example 18. */
export interface NumberJob {
  n: number;
}

/** What a consumer reports for a job it did. */
export interface NumberResult {
  n: number;
  by: string;
}

/** The work: a few milliseconds of waiting (a download, say), then the result. */
export async function work(job: NumberJob, by: string, results: { put(result: NumberResult): Promise<unknown> }) {
  await sleep(2 + job.n % 4);
  await results.put({ n: job.n, by });
}

if (import.meta.main) {
  const [url, stream, name] = Deno.args;
  await run(async () => {
    // A consumer silent for 500 ms is taken for dead: the others claim the jobs it held.
    await using jobs = await RedisQueue.connect<NumberJob>({
      url,
      stream,
      consumer: name,
      claimIdleMs: 500,
      prefetch: 10,
    });
    await using results = await RedisQueue.connect<NumberResult>({ url, stream: `${stream}:results` });
    console.log(`${name}: consuming`);
    await jobs.consume((job) => work(job, name, results), { concurrency: 8 });
  });
}
