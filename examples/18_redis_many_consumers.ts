/**
 * The producer–consumer model past one machine: two producers put 2000 jobs into a Redis stream while three
 * consumer *processes* (`redis_consumer_process.ts`, each `RedisQueue.consume()` with 8 handlers at once) take
 * them. When a third of the results are in, one consumer is killed outright (SIGKILL: no `finally`, no goodbye).
 * Nothing is lost: the jobs it held but had not acknowledged stay pending in the consumer group, and once it has
 * been silent for `claimIdleMs` (500 ms here) the survivors claim them (XAUTOCLAIM) and finish every job. Delivery
 * is at least once: a job the killed consumer had finished but not yet acknowledged runs a second time — the
 * counts show how many. The survivors are then stopped with Ctrl+C (SIGINT), which drains them: they stop taking
 * jobs, let the running ones finish and be acknowledged, and exit.
 *
 * The queue: Redis at `REDIS_URL` if set, else a redis-server started from PATH for the example, else the
 * in-process `MemoryJobQueue` — then the consumers are tasks of this process, and the one "killed" is stopped by
 * two cancels (as a second Ctrl+C would): its running jobs go back to the queue at once. The first line says which,
 * and how to switch. Counts vary from run to run.
 *
 * Run: `deno run -A examples/18_redis_many_consumers.ts`
 *
 * Expected output:
 *   queue: <*>
 *   started 3 consumer processes: consumer-1, consumer-2, consumer-3 (8 jobs at once each)
 *   producers: put 2000 jobs (2 producers, 1000 each)
 *   killed consumer-2 (SIGKILL) after <id> results: the jobs it held go to the others once it is silent for 500 ms
 *   all 2000 jobs done, none lost; <*>
 *   results by consumer: consumer-1 <id>, consumer-2 <id> (killed), consumer-3 <id>
 *   stopped consumer-1 and consumer-3 with Ctrl+C (SIGINT): both drained and exited (code 130)
 *   left in the queue: 0 waiting, 0 pending, 0 dead letters
 */

import type { JobQueue } from "../job_queue.ts";
import { TimeoutError } from "../errors.ts";
import { MemoryJobQueue } from "../memory_job_queue.ts";
import { run } from "../runner.ts";
import { createTask, type Task } from "../task.ts";
import { sleep } from "../sleep.ts";
import { waitFor } from "../wait_for.ts";
import { chooseJobBackend } from "./job_backend.ts";
import { type NumberJob, type NumberResult, work } from "./redis_consumer_process.ts";

const JOBS = 2000;
const CONSUMERS = ["consumer-1", "consumer-2", "consumer-3"];
const VICTIM = "consumer-2";

/** A consumer: a process (Redis), or a task of this process (in-process queue). */
interface Consumer {
  name: string;
  kill(): Promise<void>;
  interrupt(): Promise<number>;
}

function processConsumer(url: string, stream: string, name: string): { consumer: Consumer; ready: Promise<void> } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./redis_consumer_process.ts", import.meta.url).pathname, url, stream, name],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const ready = (async () => {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("consuming")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${name} ended before consuming:\n${await stderr}`);
      text += value;
    }
    reader.releaseLock();
  })();
  return {
    ready,
    consumer: {
      name,
      async kill() {
        child.kill("SIGKILL");
        await child.status;
        await stderr;
      },
      async interrupt() {
        child.kill("SIGINT");
        const { code } = await child.status;
        const errors = await stderr;
        if (code !== 130) throw new Error(`${name} exited with ${code}:\n${errors}`);
        return code;
      },
    },
  };
}

function taskConsumer(queue: JobQueue<NumberJob>, results: JobQueue<NumberResult>, name: string): Consumer {
  const task: Task<void> = createTask(async () =>
    await queue.consume((job) => work(job, name, results), { concurrency: 8 })
  );
  const ended = async () => await task.then(() => {}, () => {});
  return {
    name,
    async kill() {
      task.cancel(); // stops taking jobs...
      await sleep(1);
      task.cancel(); // ...and a second cancel cancels the running ones: their jobs go back at once
      await ended();
    },
    async interrupt() {
      task.cancel();
      await ended();
      return 130;
    },
  };
}

async function main(): Promise<void> {
  await using backend = await chooseJobBackend();
  console.log(backend.description);
  const stream = `many-consumers:${crypto.randomUUID()}`;
  await run(async () => {
    let jobs: JobQueue<NumberJob>;
    let results: JobQueue<NumberResult>;
    let consumers: Consumer[];
    if (backend.kind === "redis") {
      const { RedisQueue } = await import("../redis_queue.ts");
      jobs = await RedisQueue.connect<NumberJob>({ url: backend.url!, stream });
      results = await RedisQueue.connect<NumberResult>({ url: backend.url!, stream: `${stream}:results` });
      const started = CONSUMERS.map((name) => processConsumer(backend.url!, stream, name));
      await Promise.all(started.map(({ ready }) => ready));
      consumers = started.map(({ consumer }) => consumer);
      console.log(`started 3 consumer processes: ${CONSUMERS.join(", ")} (8 jobs at once each)`);
    } else {
      jobs = new MemoryJobQueue<NumberJob>({ name: stream });
      results = new MemoryJobQueue<NumberResult>({ name: `${stream}:results` });
      consumers = CONSUMERS.map((name) => taskConsumer(jobs, results, name));
      console.log(`started 3 consumer tasks: ${CONSUMERS.join(", ")} (8 jobs at once each)`);
    }
    try {
      const produce = async (from: number) => {
        for (let n = from; n < from + JOBS / 2; n += 100) {
          await jobs.putMany(Array.from({ length: 100 }, (_, k) => ({ n: n + k })));
        }
      };
      const producers = [createTask(() => produce(0)), createTask(() => produce(JOBS / 2))];
      for (const producer of producers) await producer;
      console.log(`producers: put ${JOBS} jobs (2 producers, ${JOBS / 2} each)`);

      const runs = new Map<number, string[]>();
      let received = 0;
      let killed = false;
      const receive = async (waitMs: number): Promise<void> => {
        const job = await waitFor(results.get(), waitMs);
        await job.ack();
        received++;
        runs.set(job.data.n, [...runs.get(job.data.n) ?? [], job.data.by]);
      };
      while (runs.size < JOBS) {
        await receive(30_000);
        if (!killed && received >= JOBS / 3) {
          killed = true;
          await consumers[CONSUMERS.indexOf(VICTIM)].kill();
          console.log(
            backend.kind === "redis"
              ? `killed ${VICTIM} (SIGKILL) after ${received} results: the jobs it held go to the others once it ` +
                `is silent for 500 ms`
              : `stopped ${VICTIM} hard after ${received} results (two cancels): its running jobs went back at once`,
          );
        }
      }
      // The jobs the victim finished but had not acknowledged when it died are still pending: a survivor claims
      // them once the victim has been silent for claimIdleMs and runs them again. Their second results come too.
      // (Bounded, as the wait for each result above: a job that stays pending is reported, not waited for forever.)
      const giveUpAt = Date.now() + 30_000;
      while (await jobs.pending() > 0 && Date.now() < giveUpAt) {
        await receive(100).catch((error) => {
          if (!(error instanceof TimeoutError)) throw error;
        });
      }
      const twice = [...runs.values()].filter((by) => by.length > 1);
      console.log(
        `all ${JOBS} jobs done, none lost; ${twice.length} ran twice` +
          (twice.length > 0 ? ` (done by ${VICTIM}, not yet acknowledged when it died)` : ""),
      );
      const count = (name: string) => [...runs.values()].flat().filter((by) => by === name).length;
      console.log(
        `results by consumer: ${
          CONSUMERS.map((name) => `${name} ${count(name)}${name === VICTIM ? " (killed)" : ""}`).join(", ")
        }`,
      );
      const survivors = consumers.filter((consumer) => consumer.name !== VICTIM);
      const codes = await Promise.all(survivors.map((consumer) => consumer.interrupt()));
      console.log(
        backend.kind === "redis"
          ? `stopped ${survivors.map((c) => c.name).join(" and ")} with Ctrl+C (SIGINT): both drained and exited ` +
            `(code ${[...new Set(codes)].join(", ")})`
          : `stopped ${survivors.map((c) => c.name).join(" and ")} with a cancel (what Ctrl+C does): both drained`,
      );
      console.log(
        `left in the queue: ${await jobs.size()} waiting, ${await jobs.pending()} pending, ${
          (await jobs.deadLetters()).length
        } dead letters`,
      );
    } finally {
      await jobs.close();
      await results.close();
    }
  });
}

if (import.meta.main) await main();
