/**
 * `RedisQueue`: a lossless job queue across processes and machines, on **Redis Streams consumer groups** (XADD /
 * XREADGROUP / XACK / XAUTOCLAIM) through the maintained client `npm:redis` (node-redis). It is the one part
 * of the library with a dependency (imported by its private `_redis_connection.ts`); nothing else imports it, and
 * `mod.ts` does not re-export it.
 *
 * Delivery is at least once. `put()` appends a job to the stream; `get()` (or `consume()`) delivers it to one
 * consumer of the group, where it stays *pending* until `job.ack()` or `job.fail(error)`. A consumer that dies
 * loses nothing: once its jobs have been idle for `claimIdleMs`, another consumer's `get()` claims them. A failed
 * job is retried, and a job delivered `maxDeliveries` times goes to the dead-letter stream with its last error. A
 * cancelled `get()` loses nothing either: a job read for it goes to the next `get()` of the queue, at once.
 *
 * Where no Redis is at hand, `MemoryJobQueue` (`memory_job_queue.ts`, subpath `./memory-job-queue`) has the same interface
 * inside one process, without any dependency; both implement `JobQueue` (`job_queue.ts`).
 *
 * How it works, and what it costs:
 * - Reads go in batches (`prefetch` jobs; up to ten times as many while a `consume()` outpaces its reads) into a
 *   local buffer that `get()` serves from; a blocking XREADGROUP has a connection of its own, so acknowledgements
 *   never wait behind it. `putMany()` is one server-side script of XADDs. Acknowledgements are
 *   batched (one XACK for all those made while the previous one was under way), and the stream is trimmed of the
 *   entries the group is done with (XTRIM MINID, every 1000 acknowledgements or every second), so it never grows.
 * - A consumer keeps the jobs it holds from being claimed while it lives: it renews them (XCLAIM … JUSTID, which
 *   resets their idle time and not their delivery count) every `claimIdleMs / 3`. So `claimIdleMs` is how long a
 *   consumer may be silent — dead, or its process stalled — before others take over its jobs, not a limit on
 *   how long a job may run (the difference from a plain Streams consumer, where a long job would run twice).
 * - Jobs read ahead that no `get()` wanted for two of those renewals, and those held when the queue closes, are
 *   handed back at once (claimable by every consumer) with their delivery counts as they were.
 * - A retry or a dead-lettering is atomic (a Lua script: XACK, then XADD anew), so one repeated after a lost reply
 *   does nothing.
 * - A lost connection is re-established with backoff (50 ms doubling to 2 s, for ever); reads, acknowledgements
 *   and failures are retried meanwhile. An entry that is not one of ours (no `data` field, not JSON) is
 *   dead-lettered with the reason.
 *
 * The stream belongs to the queue: one consumer group per stream (the entries it is done with are trimmed).
 *
 * Unlike the promises of `put()` and the like, `get()` and `consume()` return the library's awaitables (for
 * `await` and `yield*`), so that a cancel reaches them: await them in a running event loop (inside `run()`).
 * `consume()` ends by rethrowing the cancel that stopped it, as an asyncio coroutine must.
 *
 * @example Producer and consumer
 * ```ts
 * import { RedisQueue } from "./redis_queue.ts";
 * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
 * import { run } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = await startRedisServer();
 * await using queue = await RedisQueue.connect<{ url: string }>({ url: server.url, stream: "images" });
 * await queue.put({ url: "https://example.com/1.jpg" });
 * const url = await run(async () => {
 *   const job = await queue.get();
 *   await job.ack();
 *   return job.data.url;
 * });
 * assert.equal(url, "https://example.com/1.jpg");
 * assert.equal(await queue.pending(), 0);
 * ```
 *
 * @module
 */

import { JobBuffer } from "./_job_buffer.ts";
import { checkConsumeArguments, checkWholeNumber } from "./_job_checks.ts";
import { consumeJobs } from "./_job_consume.ts";
import { encodeJob } from "./_job_json.ts";
import {
  backoff,
  type Connection,
  defaultConsumer,
  isServerReply,
  openConnection,
  pause,
  redact,
} from "./_redis_connection.ts";
import { type RedisJob, RedisSettling } from "./_redis_settling.ts";
import { type Entry, fieldReader, PUT_MANY_SCRIPT } from "./_redis_stream.ts";
import { taskContext } from "./_task_context.ts";
import { describe } from "./_describe.ts";
import { InvalidStateError } from "./errors.ts";
import type { Awaitable } from "./future.ts";
import type { ConsumeOptions, DeadLetter, Job, JobHandler, JobQueue } from "./job_queue.ts";

/** Options of `RedisQueue.connect()`. */
export interface RedisQueueOptions {
  /** The server: `redis://[[user]:password@]host[:port][/db]` (default `REDIS_URL`, else `redis://127.0.0.1:6379`). */
  url?: string;
  /** The stream's key (required). */
  stream: string;
  /** The consumer group (default `"workers"`; created, with the stream, when missing). */
  group?: string;
  /** This consumer's name in the group (default: unique to this queue object, host and process). */
  consumer?: string;
  /** How long a consumer may be silent before other consumers claim the jobs it holds, in ms (default 30 000). */
  claimIdleMs?: number;
  /** A job delivered this many times is not delivered again: it goes to the dead-letter stream (default 5). */
  maxDeliveries?: number;
  /** The dead-letter stream's key (default `` `${stream}:dead` ``). */
  deadLetter?: string;
  /** How long one blocking read waits for jobs, in ms (default 1000). */
  blockMs?: number;
  /** How many jobs one read asks for (default 100; up to ten times as many while a consume() outpaces its reads). */
  prefetch?: number;
  /** How long `connect()` tries to reach the server before it rejects, in ms (default 3000). */
  connectTimeoutMs?: number;
}

function checkString(value: unknown, what: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`Cannot connect a RedisQueue: ${what} must be a non-empty string, received ${describe(value)}`);
  }
  return value;
}

/**
 * A job queue on a Redis stream and consumer group (see the module documentation).
 *
 * @typeParam T The jobs' data: anything JSON carries faithfully.
 *
 * @example Consume with 50 handlers at once, until cancelled
 * ```ts
 * import { RedisQueue } from "./redis_queue.ts";
 * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
 * import { run } from "./runner.ts";
 * import { createTask } from "./task.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = await startRedisServer();
 * await using queue = await RedisQueue.connect<number>({ url: server.url, stream: "numbers" });
 * await queue.putMany(Array.from({ length: 500 }, (_, i) => i));
 * let sum = 0;
 * await run(async () => {
 *   const consumer = createTask(async () => await queue.consume((n) => void (sum += n), { concurrency: 50 }));
 *   while (await queue.size() + await queue.pending() > 0) await sleep(5);
 *   consumer.cancel(); // stops reading, lets running handlers finish and their jobs be acknowledged
 *   await consumer.then(() => {}, () => {});
 * });
 * assert.equal(sum, (499 * 500) / 2);
 * ```
 */
export class RedisQueue<T> implements JobQueue<T> {
  /** The server's url (its password, if any, shown as `***`). */
  readonly url: string;
  /** The stream's key. */
  readonly stream: string;
  /** The consumer group. */
  readonly group: string;
  /** This consumer's name in the group. */
  readonly consumer: string;
  /** The dead-letter stream's key. */
  readonly deadLetter: string;

  #client: Connection;
  #reader: Connection;
  #readerName: string;
  #claimIdleMs: number;
  #blockMs: number;
  #prefetch: number;
  // How many jobs a read asks for while consuming (see #read).
  #readCount: number;
  #closeTimeoutMs: number;

  #buffer: JobBuffer<RedisJob<T>>;
  // The jobs delivered to this consumer and not settled yet (read ahead, or handed out), and their settling.
  #settling: RedisSettling<T>;
  #consuming = 0;
  // get() calls, counted: the heartbeat hands back jobs read ahead when no get() came for two beats.
  #gets = 0;
  #getsAtLastBeat = 0;
  #quietBeats = 0;
  #claimCursor = "0-0";
  #claimIntervalMs: number;
  // Whether to look for jobs of this consumer it does not know of (at the start, and after a failed read).
  #recover = true;
  #lastClaimAt = -Infinity;
  #readerIdle = false;
  // A get() waited since the last read began.
  #asked = false;
  #wakeReader: (() => void) | null = null;
  #readLoop: Promise<void> = Promise.resolve();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  #closing: Promise<void> | null = null;
  // Aborted when close() starts: cuts the reader's backoff short.
  #stopReading = new AbortController();

  private constructor(
    client: Connection,
    reader: Connection,
    readerName: string,
    url: string,
    options: Required<Omit<RedisQueueOptions, "url" | "connectTimeoutMs">> & { connectTimeoutMs: number },
  ) {
    this.#client = client;
    this.#reader = reader;
    this.#readerName = readerName;
    this.url = url;
    this.stream = options.stream;
    this.group = options.group;
    this.consumer = options.consumer;
    this.deadLetter = options.deadLetter;
    this.#claimIdleMs = options.claimIdleMs;
    this.#blockMs = options.blockMs;
    this.#prefetch = options.prefetch;
    this.#readCount = options.prefetch;
    this.#claimIntervalMs = Math.min(options.claimIdleMs / 2, 1_000);
    this.#closeTimeoutMs = options.connectTimeoutMs;
    this.#settling = new RedisSettling<T>({
      client,
      stream: options.stream,
      group: options.group,
      consumer: options.consumer,
      deadLetter: options.deadLetter,
      maxDeliveries: options.maxDeliveries,
      name: String(this),
    });
    this.#buffer = new JobBuffer<RedisJob<T>>(() => {
      // Even if that get is cancelled at once, one read is made: its jobs wait here for the next get.
      this.#asked = true;
      this.#signalReader();
    }, (job) => (job.taken = true));
  }

  /**
   * Connects to the server, creates the stream and the group if missing, and starts the queue.
   *
   * @typeParam T The jobs' data.
   * @param options `stream` (required), `url`, `group`, `consumer`, `claimIdleMs`, `maxDeliveries`,
   * `deadLetter`, `blockMs`, `prefetch`, `connectTimeoutMs`.
   * @returns The queue.
   * @throws {TypeError} If an option has the wrong type, or `stream` is missing.
   * @throws {RangeError} If a number option is out of range.
   * @throws {Error} If the server cannot be reached within `connectTimeoutMs`: the message names the url.
   *
   * @example An unreachable server is an error naming it, within seconds
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(
   *   RedisQueue.connect({ url: "redis://127.0.0.1:1", stream: "jobs", connectTimeoutMs: 500 }),
   *   /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 /,
   * );
   * ```
   */
  static async connect<T>(options: RedisQueueOptions): Promise<RedisQueue<T>> {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot connect a RedisQueue: expected options with a stream, received ${describe(options)}`);
    }
    const operation = "Cannot connect a RedisQueue";
    const stream = checkString(options.stream, "stream");
    let envUrl: string | undefined;
    try {
      envUrl = Deno.env.get("REDIS_URL");
    } catch {
      // no --allow-env: the default url
    }
    const url = checkString(options.url, "url", envUrl || "redis://127.0.0.1:6379");
    if (!/^rediss?:\/\//.test(url)) {
      throw new TypeError(`${operation}: url must start with redis:// or rediss://, received ${JSON.stringify(url)}`);
    }
    const settings = {
      stream,
      group: checkString(options.group, "group", "workers"),
      consumer: checkString(options.consumer, "consumer", defaultConsumer()),
      deadLetter: checkString(options.deadLetter, "deadLetter", `${stream}:dead`),
      claimIdleMs: checkWholeNumber(options.claimIdleMs, 30_000, 1, "claimIdleMs", operation),
      maxDeliveries: checkWholeNumber(options.maxDeliveries, 5, 1, "maxDeliveries", operation),
      blockMs: checkWholeNumber(options.blockMs, 1_000, 1, "blockMs", operation),
      prefetch: checkWholeNumber(options.prefetch, 100, 1, "prefetch", operation),
      connectTimeoutMs: checkWholeNumber(options.connectTimeoutMs, 3_000, 1, "connectTimeoutMs", operation),
    };
    const shownUrl = redact(url);
    const readerName = `aio-reader-${crypto.randomUUID().slice(0, 12)}`;
    // The connections are made outside any task: their callbacks must not run in the context of the task that
    // happened to connect.
    const [client, reader] = await taskContext.outsideTasks(() =>
      Promise.allSettled([
        openConnection(url, shownUrl, settings.connectTimeoutMs, `aio-${settings.consumer}`.replace(/\s/g, "_")),
        openConnection(url, shownUrl, settings.connectTimeoutMs, readerName),
      ])
    );
    if (client.status === "rejected" || reader.status === "rejected") {
      if (client.status === "fulfilled") client.value.destroy();
      if (reader.status === "fulfilled") reader.value.destroy();
      throw client.status === "rejected" ? client.reason : (reader as PromiseRejectedResult).reason;
    }
    const queue = new RedisQueue<T>(client.value, reader.value, readerName, shownUrl, settings);
    try {
      await queue.#ensureGroup();
    } catch (error) {
      client.value.destroy();
      reader.value.destroy();
      throw error;
    }
    taskContext.outsideTasks(() => {
      queue.#readLoop = queue.#read();
      const period = Math.max(5, Math.floor(settings.claimIdleMs / 3));
      queue.#heartbeat = setInterval(() => queue.#beat(), period);
    });
    return queue;
  }

  /**
   * Adds a job (XADD).
   *
   * @param item The job's data.
   * @returns Its id.
   * @throws {TypeError} If JSON cannot carry `item` faithfully (named in the message): nothing is written.
   * @throws {InvalidStateError} If the queue is closed.
   *
   * @example Add a job; a Date is refused
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<{ when: string }>({ url: server.url, stream: "jobs" });
   * assert.match(await queue.put({ when: new Date(0).toISOString() }), /^\d+-\d+$/);
   * await assert.rejects(queue.put({ when: new Date(0) } as never), /item\.when is a Date/);
   * assert.equal(await queue.size(), 1);
   * ```
   */
  async put(item: T): Promise<string> {
    this.#checkOpen("put() into");
    const json = encodeJob(item, "item", `Cannot put() into ${this}`);
    return await this.#client.sendCommand(["XADD", this.stream, "*", "data", json]) as string;
  }

  /**
   * Adds jobs in one step (a server-side script of their XADDs: one round trip, atomic): all of them or none. A
   * very large batch holds the server while it runs; split batches of more than some ten thousand jobs.
   *
   * @param items The jobs' data.
   * @returns Their ids, in order.
   * @throws {TypeError} If JSON cannot carry one of them faithfully: nothing of the batch is written.
   * @throws {InvalidStateError} If the queue is closed.
   *
   * @example Add jobs in one round trip
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<number[]>({ url: server.url, stream: "jobs" });
   * assert.equal((await queue.putMany([[1], [2], [3]])).length, 3);
   * await assert.rejects(queue.putMany([[4], [5, 6n as never]]), /items\[1\]\[1\] is the BigInt 6n/);
   * assert.equal(await queue.size(), 3);
   * ```
   */
  async putMany(items: readonly T[]): Promise<string[]> {
    this.#checkOpen("putMany() into");
    if (!Array.isArray(items)) {
      throw new TypeError(`Cannot putMany() into ${this}: expected an array, received ${describe(items)}`);
    }
    const texts = items.map((item, index) => encodeJob(item, `items[${index}]`, `Cannot putMany() into ${this}`));
    if (texts.length === 0) return [];
    return await this.#client.sendCommand(["EVAL", PUT_MANY_SCRIPT, "1", this.stream, ...texts]) as string[];
  }

  /**
   * The next job: first from the jobs read ahead, else claimed from a consumer silent for `claimIdleMs`, else
   * read from the stream (a blocking XREADGROUP of `blockMs`, repeated until a job comes). Cancelling the waiting
   * task (a cancel, `waitFor`, `timeout`) loses nothing: a job read for it goes to the next `get()`, at once.
   * Await it in a running event loop (inside `run()`).
   *
   * @returns An awaitable of the job (`await` or `yield*`).
   * @throws {InvalidStateError} (when awaited) If the queue is closed, or closes while this waits.
   *
   * @example A get that timed out lost nothing
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import { TimeoutError } from "./errors.ts";
   * import { run } from "./runner.ts";
   * import { waitFor } from "./wait_for.ts";
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<string>({ url: server.url, stream: "jobs", blockMs: 50 });
   * const job = await run(async () => {
   *   await assert.rejects(async () => await waitFor(queue.get(), 20), TimeoutError);
   *   await queue.put("after the time-out");
   *   return await queue.get();
   * });
   * assert.equal(job.data, "after the time-out");
   * assert.equal(job.deliveries, 1);
   * await job.ack();
   * ```
   */
  get(): Awaitable<Job<T>> {
    this.#gets++;
    const got = this.#buffer.get();
    if (this.#readerIdle && this.#consuming > 0 && this.#buffer.length < this.#readCount) this.#signalReader();
    return got;
  }

  /**
   * Runs `handler(data, job)` on each job, in tasks, at most `concurrency` at once: a job is acknowledged when its
   * handler returns and failed when it throws. It runs until cancelled; then it stops reading, lets the running
   * handlers finish and their jobs be acknowledged, and rethrows the `CancelledError` (in a program run by `run()`,
   * Ctrl+C does this). A second cancel cancels the running handlers, and their jobs go back to the other
   * consumers at once.
   *
   * @param handler Called with each job's data and the job.
   * @param options `concurrency` (default 1).
   * @returns An awaitable that settles once consuming has stopped.
   * @throws {TypeError} If `handler` is not a function.
   * @throws {RangeError} If `concurrency` is not a whole number ≥ 1.
   *
   * @example Failed jobs are retried
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import { run } from "./runner.ts";
   * import { createTask } from "./task.ts";
   * import { sleep } from "./sleep.ts";
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<string>({ url: server.url, stream: "jobs" });
   * await queue.put("flaky");
   * const deliveries: number[] = [];
   * await run(async () => {
   *   const consumer = createTask(async () =>
   *     await queue.consume((_data, job) => {
   *       deliveries.push(job.deliveries);
   *       if (job.deliveries < 3) throw new Error("not yet");
   *     })
   *   );
   *   while (deliveries.length < 3 || await queue.pending() > 0) await sleep(5);
   *   consumer.cancel();
   *   await consumer.then(() => {}, () => {});
   * });
   * assert.deepEqual(deliveries, [1, 2, 3]);
   * ```
   */
  consume(handler: JobHandler<T>, options?: ConsumeOptions): Awaitable<void> {
    const concurrency = checkConsumeArguments(handler, options, `Cannot consume() ${this}`);
    return consumeJobs<T>(
      {
        name: String(this),
        get: () => this.get(),
        take: () => {
          this.#gets++;
          const job = this.#buffer.take();
          if (this.#readerIdle && this.#buffer.length < this.#readCount) this.#signalReader();
          return job;
        },
        release: (job) => this.#settling.handBack([job as RedisJob<T>]),
        reading: (active) => {
          this.#consuming += active ? 1 : -1;
          if (active) this.#signalReader();
        },
      },
      handler,
      concurrency,
    );
  }

  /**
   * How many jobs wait to be delivered (in the stream, not yet delivered to any consumer).
   *
   * @returns The count.
   *
   * @example Jobs waiting to be delivered
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<number>({ url: server.url, stream: "jobs" });
   * await queue.putMany([1, 2, 3]);
   * assert.equal(await queue.size(), 3);
   * ```
   */
  async size(): Promise<number> {
    this.#checkOpen("size() of");
    // The group's lag (Redis 7): entries added to the stream and not yet delivered to the group.
    const groups = await this.#client.sendCommand(["XINFO", "GROUPS", this.stream]) as unknown[][];
    for (const group of groups) {
      const field = fieldReader(group as string[]);
      if (field("name") !== this.group) continue;
      const lag = field("lag") as unknown;
      if (typeof lag === "number") return lag;
    }
    // Older servers: the entries after the last delivered one.
    const lastDelivered =
      groups.map((group) => fieldReader(group as string[])).find((field) => field("name") === this.group)?.(
        "last-delivered-id",
      ) ?? "0-0";
    const after = await this.#client.sendCommand(["XRANGE", this.stream, `(${lastDelivered}`, "+"]) as unknown[];
    return after.length;
  }

  /**
   * How many jobs were delivered, to any consumer of the group, and are neither acknowledged nor failed.
   *
   * @returns The count.
   *
   * @example A delivered job is pending until acknowledged
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import { run } from "./runner.ts";
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<number>({ url: server.url, stream: "jobs" });
   * await queue.put(1);
   * const job = await run(async () => await queue.get());
   * assert.equal(await queue.pending(), 1);
   * await job.ack();
   * assert.equal(await queue.pending(), 0);
   * ```
   */
  async pending(): Promise<number> {
    this.#checkOpen("pending() of");
    const summary = await this.#client.sendCommand(["XPENDING", this.stream, this.group]) as [number];
    return Number(summary[0]);
  }

  /**
   * The dead-letter stream, oldest first (XRANGE).
   *
   * @param count At most this many (default 100).
   * @returns The dead letters.
   *
   * @example A job that failed too often is dead-lettered
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import { run } from "./runner.ts";
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<string>({ url: server.url, stream: "jobs", maxDeliveries: 1 });
   * await queue.put("poison");
   * await run(async () => await (await queue.get()).fail(new RangeError("bad pixel")));
   * const [letter] = await queue.deadLetters();
   * assert.equal(letter.data, '"poison"');
   * assert.equal(letter.error, "RangeError: bad pixel");
   * assert.equal(letter.deliveries, 1);
   * ```
   */
  async deadLetters(count = 100): Promise<DeadLetter[]> {
    this.#checkOpen("deadLetters() of");
    checkWholeNumber(count, 100, 1, "count", `Cannot read deadLetters() of ${this}`);
    const entries = await this.#client.sendCommand([
      "XRANGE",
      this.deadLetter,
      "-",
      "+",
      "COUNT",
      String(count),
    ]) as Entry[];
    return entries.map(([id, fields]) => {
      const field = fieldReader(fields ?? []);
      return {
        id,
        jobId: field("job") ?? "",
        data: field("data") ?? "",
        error: field("error") ?? "",
        deliveries: Number(field("deliveries") ?? 0),
      };
    });
  }

  /**
   * Closes the queue: waiting `get()`s fail, the jobs it holds and has not acknowledged are handed back to the
   * other consumers at once (their delivery counts as they were), acknowledgements under way are finished (for at
   * most `connectTimeoutMs` if the server is unreachable: the jobs then stay pending, and are delivered again),
   * and the connections are closed. A second close returns the first one's promise.
   *
   * @returns A promise that resolves once closed.
   *
   * @example A closed queue refuses new jobs
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import { InvalidStateError } from "./errors.ts";
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * const queue = await RedisQueue.connect<number>({ url: server.url, stream: "jobs" });
   * await queue.close();
   * await assert.rejects(queue.put(1), InvalidStateError);
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= taskContext.outsideTasks(() => this.#close());
    return this.#closing;
  }

  /**
   * `await using queue = await RedisQueue.connect(…)` closes it at the end of the scope.
   *
   * @returns The promise of `close()`.
   *
   * @example Disposing closes the queue
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * const queue = await RedisQueue.connect<number>({ url: server.url, stream: "jobs" });
   * await queue[Symbol.asyncDispose]();
   * await assert.rejects(queue.size());
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * A description: `<RedisQueue "stream" group="workers" at redis://…>`.
   *
   * @returns The description.
   *
   * @example The queue's description
   * ```ts
   * import { RedisQueue } from "./redis_queue.ts";
   * import { startRedisServer } from "./_redis_server.ts"; // a throwaway redis-server for this example
   * import assert from "node:assert/strict";
   *
   * await using server = await startRedisServer();
   * await using queue = await RedisQueue.connect<number>({ url: server.url, stream: "images" });
   * assert.equal(String(queue), `<RedisQueue "images" group="workers" at ${server.url}>`);
   * ```
   */
  toString(): string {
    return `<RedisQueue ${JSON.stringify(this.stream)} group=${JSON.stringify(this.group)} at ${this.url}>`;
  }

  // ---- reading ----------------------------------------------------------------------------------------------

  #checkOpen(operation: string): void {
    if (this.#closing !== null) throw new InvalidStateError(`Cannot ${operation} ${this}: it is closed`);
  }

  async #ensureGroup(): Promise<void> {
    try {
      // From the stream's start: jobs put before the group existed are jobs too.
      await this.#client.sendCommand(["XGROUP", "CREATE", this.stream, this.group, "0", "MKSTREAM"]);
    } catch (error) {
      if (!(isServerReply(error) && error.message.startsWith("BUSYGROUP"))) throw error;
    }
  }

  // Whether the reader should fetch: a get() waits, or a consume() runs and less than `prefetch` jobs are read
  // ahead (so, while consuming, the next read is under way while the last one's jobs are handed out).
  #wanted(): boolean {
    return this.#buffer.waiting > 0 || this.#asked ||
      (this.#consuming > 0 && this.#buffer.length < this.#readCount);
  }

  #signalReader(): void {
    const wake = this.#wakeReader;
    if (wake !== null) {
      this.#wakeReader = null;
      wake();
    }
  }

  async #read(): Promise<void> {
    let attempt = 0;
    while (this.#closing === null) {
      if (!this.#wanted()) {
        this.#readerIdle = true;
        await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        this.#readerIdle = false;
        continue;
      }
      try {
        if (this.#recover) {
          await this.#recoverOwn();
          this.#recover = false;
          if (this.#closing !== null || !this.#wanted()) continue;
        }
        // One XAUTOCLAIM (COUNT prefetch, which scans up to ten times as many pending entries) per claim interval:
        // it costs the server time in proportion to the entries it scans, so it is not repeated back to back.
        const now = performance.now();
        if (now - this.#lastClaimAt >= this.#claimIntervalMs) {
          this.#lastClaimAt = now;
          await this.#claim();
          if (this.#closing !== null || !this.#wanted()) continue;
        }
        const count = this.#consuming > 0 ? this.#readCount : this.#prefetch;
        this.#asked = false;
        const reply = await this.#reader.sendCommand([
          "XREADGROUP",
          "GROUP",
          this.group,
          this.consumer,
          "COUNT",
          String(count),
          "BLOCK",
          String(this.#blockMs),
          "STREAMS",
          this.stream,
          ">",
        ]) as [string, Entry[]][] | null;
        attempt = 0;
        const entries = reply === null || reply.length === 0 ? [] : reply[0][1];
        // A consume() that ran out of jobs before this read came back is held up by the reads: read more at once
        // (up to ten times prefetch); once a read brings less than it asked for, back to prefetch.
        if (entries.length < count) this.#readCount = this.#prefetch;
        else if (this.#consuming > 0 && this.#buffer.waiting > 0) {
          this.#readCount = Math.min(2 * this.#readCount, 10 * this.#prefetch);
        }
        if (entries.length > 0) this.#accept(entries, null);
      } catch (error) {
        if (this.#closing !== null) break;
        // A read whose reply was lost with the connection still delivered its jobs to this consumer.
        this.#recover = true;
        if (isServerReply(error) && error.message.startsWith("NOGROUP")) {
          // The stream or the group was deleted under us: make them again, and go on.
          await this.#ensureGroup().catch(() => {});
        }
        await pause(backoff(attempt++), this.#stopReading.signal);
      }
    }
  }

  // XAUTOCLAIM: take over jobs idle past claimIdleMs (their consumer died or stalled), with their delivery counts.
  async #claim(): Promise<void> {
    const [cursor, entries] = await this.#client.sendCommand([
      "XAUTOCLAIM",
      this.stream,
      this.group,
      this.consumer,
      String(this.#claimIdleMs),
      this.#claimCursor,
      "COUNT",
      String(this.#prefetch),
    ]) as [string, (Entry | null)[]];
    this.#claimCursor = cursor;
    // A job of ours (renewed, so this should not happen unless this process stalled) is not handed out twice.
    const held = this.#settling.heldIds();
    const fresh = entries.filter((entry): entry is Entry => entry !== null && !held.has(entry[0]));
    if (fresh.length === 0) return;
    const counts = await Promise.all(
      fresh.map(([id]) => this.#client.sendCommand(["XPENDING", this.stream, this.group, id, id, "1"])),
    ) as [string, string, number, number][][];
    this.#accept(fresh, counts.map((rows) => Number(rows[0]?.[3] ?? 1)));
  }

  // Jobs delivered to this consumer that it does not know of (their read's reply was lost, or a consumer of this
  // name ran before): claimed again — a new delivery, counted — and handed out.
  async #recoverOwn(): Promise<void> {
    const rows = await this.#client.sendCommand([
      "XPENDING",
      this.stream,
      this.group,
      "-",
      "+",
      String(Math.max(1_000, 4 * this.#prefetch)),
      this.consumer,
    ]) as [string, string, number, number][];
    const held = this.#settling.heldIds();
    const lost = rows.map(([id]) => id).filter((id) => !held.has(id));
    if (lost.length === 0) return;
    const entries = await this.#client.sendCommand([
      "XCLAIM",
      this.stream,
      this.group,
      this.consumer,
      "0",
      ...lost,
    ]) as (Entry | null)[];
    const counts = new Map(rows.map(([id, , , count]) => [id, Number(count) + 1]));
    const claimed = entries.filter((entry): entry is Entry => entry !== null && !held.has(entry[0]));
    this.#accept(claimed, claimed.map(([id]) => counts.get(id) ?? 1));
  }

  // Entries delivered to this consumer: the good jobs go to the buffer (the others to the dead-letter stream).
  #accept(entries: Entry[], serverCounts: number[] | null): void {
    const jobs = this.#settling.accept(entries, serverCounts);
    if (jobs.length > 0) this.#buffer.push(jobs);
  }

  // Every claimIdleMs / 3: renew the jobs this consumer holds (so no one claims them while it lives), and hand
  // back the jobs read ahead that no get() has wanted for claimIdleMs / 2.
  #beat(): void {
    if (this.#closing !== null) return;
    if (this.#settling.holdsAny()) {
      this.#quietBeats = this.#gets === this.#getsAtLastBeat ? this.#quietBeats + 1 : 0;
      this.#getsAtLastBeat = this.#gets;
      if (this.#quietBeats >= 2 && this.#buffer.length > 0 && this.#buffer.waiting === 0 && this.#consuming === 0) {
        this.#settling.handBack(this.#buffer.drain()).catch(() => {});
      }
    }
    this.#settling.renew();
  }

  // ---- closing ----------------------------------------------------------------------------------------------

  async #close(): Promise<void> {
    const settling = this.#settling;
    settling.closed = true;
    settling.closeDeadline = Date.now() + this.#closeTimeoutMs;
    this.#buffer.close(new InvalidStateError(`Cannot get() from ${this}: it is closed`));
    clearInterval(this.#heartbeat);
    this.#stopReading.abort();
    this.#signalReader();
    // Each step waits for the server at most until the deadline: with the server gone, commands would wait in
    // node-redis's offline queue for ever. Past it, the jobs not yet settled stay pending, and are claimed later.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#closeTimeoutMs)));
    const inTime = (step: Promise<unknown> | null): Promise<unknown> =>
      Promise.race([Promise.resolve(step).catch(() => {}), late]);
    try {
      // A blocking read would hold the reader for up to blockMs: unblock it (it returns as if timed out).
      await inTime(this.#unblockReader());
      await inTime(this.#readLoop);
      const held = settling.heldJobs().filter((job) => !job.settled);
      if (held.length > 0) await inTime(settling.handBack(held));
      await inTime(settling.flushing);
      await inTime(settling.underWay());
      // A consumer with nothing pending leaves the group (a dead one stays listed, harmless, until deleted).
      await inTime((async () => {
        const mine = await this.#client.sendCommand([
          "XPENDING",
          this.stream,
          this.group,
          "-",
          "+",
          "1",
          this.consumer,
        ]);
        if (Array.isArray(mine) && mine.length === 0) {
          await this.#client.sendCommand(["XGROUP", "DELCONSUMER", this.stream, this.group, this.consumer]);
        }
      })());
    } finally {
      settling.closeDeadline = 0; // whatever still retries gives up
      settling.stopAll.abort();
      this.#reader.destroy();
      // Gracefully if the server answers (close() waits for the replies due), else at the deadline.
      await inTime(this.#client.close());
      clearTimeout(timer);
      this.#client.destroy();
      await this.#readLoop.catch(() => {});
    }
  }

  async #unblockReader(): Promise<void> {
    if (this.#readerIdle) return;
    const list = await this.#client.sendCommand(["CLIENT", "LIST", "TYPE", "normal"]) as string;
    const line = list.split("\n").find((text) => text.includes(` name=${this.#readerName} `));
    const id = line?.match(/^id=(\d+) /)?.[1];
    if (id !== undefined) await this.#client.sendCommand(["CLIENT", "UNBLOCK", id]);
  }
}
