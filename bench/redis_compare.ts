/**
 * `RedisQueue` end to end against BullMQ and against raw node-redis Streams calls, on one redis-server, in one run:
 *
 *   deno run -A bench/redis_compare.ts [--jobs=20000] [--runs=3]
 *
 * Each measurement produces `--jobs` jobs on a fresh key (in batches of 1000: `putMany`, BullMQ's `addBulk`, raw
 * pipelined XADDs), then consumes them all with a handler that does nothing; jobs/s = jobs / (produce + consume).
 * - ours: `RedisQueue.consume(handler, { concurrency })` at concurrency 1 and 50, until every job is acknowledged;
 * - BullMQ (`npm:bullmq` over `npm:ioredis`): a `Worker` at concurrency 1 and 50, until `completed` fired for every
 *   job (`removeOnComplete`, so that it keeps no completed jobs either);
 * - raw Streams (the floor): pipelined XADDs, then XREADGROUP COUNT 1 or COUNT 100 and an XACK of what was read
 *   (pipelined: the next read does not wait for its reply), in a loop.
 *
 * Targets: ours ≥ 5× BullMQ at concurrency 50, and ≥ 0.7× the raw COUNT 100 floor. Best and worst of `--runs`.
 *
 * The server: `REDIS_URL` if set, else a throwaway redis-server from PATH; with neither, the script says so and
 * exits 0 (so `deno task bench` runs where Redis is missing). Not a `deno bench` file (those are `*_bench.ts`).
 *
 * @module
 */

import { Queue as BullQueue, Worker as BullWorker } from "npm:bullmq@6.7.0";
import { Redis as IORedis } from "npm:ioredis@6.0.0";
import { createClient } from "npm:redis@6.3.1";
import { haveRedisServer, type RedisServer, startRedisServer } from "../_redis_server.ts";
import { RedisQueue } from "../redis_queue.ts";
import { run } from "../runner.ts";
import { createTask } from "../task.ts";
import { sleep } from "../sleep.ts";
import { option } from "./_options.ts";

const JOBS = option("jobs", 20_000);
const RUNS = option("runs", 3);
const BATCH = 1000;

interface Raw {
  sendCommand(args: readonly string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  destroy(): void;
  close(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

let keyNumber = 0;
const freshKey = (kind: string) => `bench:${kind}:${++keyNumber}`;

async function ours(url: string, concurrency: number): Promise<number> {
  const queue = await RedisQueue.connect<{ n: number }>({ url, stream: freshKey("ours"), blockMs: 100 });
  try {
    const start = performance.now();
    for (let i = 0; i < JOBS; i += BATCH) {
      await queue.putMany(Array.from({ length: Math.min(BATCH, JOBS - i) }, (_, k) => ({ n: i + k })));
    }
    let handled = 0;
    await run(async () => {
      const consumer = createTask(async () => await queue.consume(() => void handled++, { concurrency }));
      while (handled < JOBS) await sleep(1);
      consumer.cancel(); // the drain waits for the last acknowledgements
      await consumer.then(() => {}, () => {});
    });
    const seconds = (performance.now() - start) / 1000;
    if (await queue.pending() !== 0 || await queue.size() !== 0) throw new Error("ours: jobs left unacknowledged");
    return JOBS / seconds;
  } finally {
    await queue.close();
  }
}

async function bullmq(url: string, concurrency: number): Promise<number> {
  const name = freshKey("bull").replaceAll(":", "-");
  const producerConnection = new IORedis(url, { maxRetriesPerRequest: null });
  const workerConnection = new IORedis(url, { maxRetriesPerRequest: null });
  const queue = new BullQueue(name, { connection: producerConnection });
  let worker: BullWorker | null = null;
  try {
    const start = performance.now();
    for (let i = 0; i < JOBS; i += BATCH) {
      await queue.addBulk(
        Array.from({ length: Math.min(BATCH, JOBS - i) }, (_, k) => ({
          name: "job",
          data: { n: i + k },
          opts: { removeOnComplete: true },
        })),
      );
    }
    let completed = 0;
    const all = Promise.withResolvers<void>();
    worker = new BullWorker(name, async () => {}, { connection: workerConnection, concurrency });
    worker.on("completed", () => {
      if (++completed === JOBS) all.resolve();
    });
    worker.on("failed", (_job, error) => all.reject(error));
    await all.promise;
    return JOBS / ((performance.now() - start) / 1000);
  } finally {
    await worker?.close();
    await queue.close();
    producerConnection.disconnect();
    workerConnection.disconnect();
  }
}

async function rawStreams(url: string, count: number): Promise<number> {
  const client = createClient({ url, RESP: 2 }) as unknown as Raw;
  const reader = createClient({ url, RESP: 2 }) as unknown as Raw;
  client.on("error", () => {});
  reader.on("error", () => {});
  await client.connect();
  await reader.connect();
  const stream = freshKey("raw");
  try {
    await client.sendCommand(["XGROUP", "CREATE", stream, "g", "0", "MKSTREAM"]);
    const start = performance.now();
    for (let i = 0; i < JOBS; i += BATCH) {
      const adds: Promise<unknown>[] = [];
      for (let k = i; k < Math.min(JOBS, i + BATCH); k++) {
        adds.push(client.sendCommand(["XADD", stream, "*", "data", JSON.stringify({ n: k })]));
      }
      await Promise.all(adds);
    }
    let consumed = 0;
    // The acknowledgements are pipelined: the next read does not wait for the last XACK's reply.
    const acks: Promise<unknown>[] = [];
    while (consumed < JOBS) {
      const reply = await reader.sendCommand([
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "COUNT",
        String(count),
        "BLOCK",
        "100",
        "STREAMS",
        stream,
        ">",
      ]) as [string, [string, string[]][]][] | null;
      if (reply === null) continue;
      const ids: string[] = [];
      for (const [id, fields] of reply[0][1]) {
        JSON.parse(fields[1]); // what a consumer does with each job at the least
        ids.push(id);
      }
      acks.push(client.sendCommand(["XACK", stream, "g", ...ids]));
      consumed += ids.length;
    }
    await Promise.all(acks);
    return JOBS / ((performance.now() - start) / 1000);
  } finally {
    reader.destroy();
    await client.close();
  }
}

interface Row {
  name: string;
  measure: (url: string) => Promise<number>;
  rates: number[];
}

async function main(): Promise<void> {
  let server: RedisServer | null = null;
  let url = Deno.env.get("REDIS_URL");
  if (!url) {
    if (!await haveRedisServer()) {
      console.log("bench/redis_compare.ts: skipped (no REDIS_URL, and no redis-server on PATH to start one)");
      return;
    }
    server = await startRedisServer();
    url = server.url;
  }
  const flush = createClient({ url, RESP: 2 }) as unknown as Raw;
  flush.on("error", () => {});
  await flush.connect();
  try {
    const version = String(await flush.sendCommand(["INFO", "server"])).match(/redis_version:(\S+)/)?.[1];
    console.log(`Redis job queues end to end: ${JOBS} jobs produced then consumed (no-op handler), redis ${version}`);
    console.log(`at ${server === null ? url : `${url} (a throwaway redis-server)`}; best and worst of ${RUNS} runs\n`);
    const rows: Row[] = [
      { name: "ours, RedisQueue.consume concurrency 1", measure: (u) => ours(u, 1), rates: [] },
      { name: "ours, RedisQueue.consume concurrency 50", measure: (u) => ours(u, 50), rates: [] },
      { name: "BullMQ Worker concurrency 1", measure: (u) => bullmq(u, 1), rates: [] },
      { name: "BullMQ Worker concurrency 50", measure: (u) => bullmq(u, 50), rates: [] },
      { name: "raw Streams, XREADGROUP COUNT 1 + pipelined XACK", measure: (u) => rawStreams(u, 1), rates: [] },
      { name: "raw Streams, XREADGROUP COUNT 100 + pipelined XACK", measure: (u) => rawStreams(u, 100), rates: [] },
    ];
    for (let runIndex = 0; runIndex < RUNS; runIndex++) {
      for (const row of rows) {
        row.rates.push(await row.measure(url));
        await flush.sendCommand(["FLUSHALL"]);
      }
    }
    const best = (row: Row) => Math.max(...row.rates);
    const k = (rate: number) => `${(rate / 1000).toFixed(1)} k`;
    console.log("| what | jobs/s, best | worst |");
    console.log("| --- | ---: | ---: |");
    for (const row of rows) console.log(`| ${row.name} | ${k(best(row))} | ${k(Math.min(...row.rates))} |`);
    const [ours1, ours50, , bull50, , raw100] = rows;
    const versusBull = best(ours50) / best(bull50);
    const versusRaw = best(ours50) / best(raw100);
    console.log(
      `\nours at concurrency 50: ${versusBull.toFixed(1)}× BullMQ (target ≥ 5×), ${
        versusRaw.toFixed(2)
      }× the raw COUNT 100 floor (target ≥ 0.7×); at concurrency 1: ${(best(ours1) / best(raw100)).toFixed(2)}×`,
    );
  } finally {
    flush.destroy();
    await server?.stop();
  }
}

if (import.meta.main) await main();
