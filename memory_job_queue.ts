/**
 * `MemoryJobQueue`: the in-process job queue — the `JobQueue` interface of `RedisQueue` (`redis_queue.ts`) inside
 * one process, with no dependency and nothing to install. It serves programs and examples run where no Redis is at
 * hand, and tests of code written against `JobQueue`.
 *
 * It keeps the Redis queue's promises inside the process: items are stored as JSON (so a job's data is a fresh
 * copy, and what JSON cannot carry is refused at `put()`), a cancelled `get()` loses nothing, failed jobs are
 * retried and dead-lettered after `maxDeliveries`, and `consume()` drains on cancel. What it cannot do is outlive
 * the process: its jobs are gone when the program ends, and no other process can take them over.
 *
 * @example A round trip
 * ```ts
 * import { MemoryJobQueue } from "./memory_job_queue.ts";
 * import { run } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using queue = new MemoryJobQueue<{ url: string }>();
 * await queue.put({ url: "https://example.com/1.jpg" });
 * const url = await run(async () => {
 *   const job = await queue.get();
 *   await job.ack();
 *   return job.data.url;
 * });
 * assert.equal(url, "https://example.com/1.jpg");
 * assert.equal(await queue.size(), 0);
 * ```
 *
 * @module
 */

import { JobBuffer } from "./_job_buffer.ts";
import { checkConsumeArguments, checkWholeNumber, errorText } from "./_job_checks.ts";
import { consumeJobs } from "./_job_consume.ts";
import { encodeJob } from "./_job_json.ts";
import { describe } from "./_describe.ts";
import { InvalidStateError } from "./errors.ts";
import type { Awaitable } from "./future.ts";
import type { ConsumeOptions, DeadLetter, Job, JobHandler, JobQueue } from "./job_queue.ts";

/** Options of `new MemoryJobQueue()`. */
export interface MemoryJobQueueOptions {
  /** The queue's name, for messages (default `"jobs"`). */
  name?: string;
  /** A job delivered this many times is not delivered again: its last failure dead-letters it (default 5). */
  maxDeliveries?: number;
}

// One stored job: its JSON text and how many deliveries failed before it was stored (a retry is stored anew).
interface Entry {
  id: string;
  json: string;
  failures: number;
  // Deliveries of this entry so far (a released job keeps its count).
  delivered: number;
}

class MemoryJob<T> implements Job<T> {
  readonly id: string;
  readonly data: T;
  readonly deliveries: number;
  #queue: MemoryJobQueue<T>;
  readonly entry: Entry;
  settled = false;

  constructor(queue: MemoryJobQueue<T>, entry: Entry) {
    this.#queue = queue;
    this.entry = entry;
    this.id = entry.id;
    this.data = JSON.parse(entry.json);
    this.deliveries = entry.failures + entry.delivered + 1;
  }

  ack(): Promise<void> {
    return settleJob(this.#queue, this, null) as Promise<void>;
  }

  fail(error: unknown): Promise<"retried" | "dead-lettered"> {
    return settleJob(this.#queue, this, { error }) as Promise<"retried" | "dead-lettered">;
  }
}

let settleJob: <T>(queue: MemoryJobQueue<T>, job: MemoryJob<T>, failure: { error: unknown } | null) => Promise<unknown>;

/**
 * A job queue inside one process, with the interface of `RedisQueue` (see the module documentation).
 *
 * @typeParam T The jobs' data: anything JSON carries faithfully.
 *
 * @example Retries, then the dead-letter list
 * ```ts
 * import { MemoryJobQueue } from "./memory_job_queue.ts";
 * import { run } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using queue = new MemoryJobQueue<string>({ maxDeliveries: 2 });
 * await queue.put("flaky");
 * const outcomes = await run(async () => [
 *   await (await queue.get()).fail(new Error("try again")),
 *   await (await queue.get()).fail(new Error("still broken")),
 * ]);
 * assert.deepEqual(outcomes, ["retried", "dead-lettered"]);
 * assert.equal((await queue.deadLetters())[0].error, "Error: still broken");
 * ```
 */
export class MemoryJobQueue<T> implements JobQueue<T> {
  static {
    settleJob = <T>(queue: MemoryJobQueue<T>, job: MemoryJob<T>, failure: { error: unknown } | null) =>
      queue.#settle(job, failure);
  }

  /** The queue's name, for messages. */
  readonly name: string;
  #maxDeliveries: number;
  #buffer: JobBuffer<MemoryJob<T>>;
  // Jobs not yet settled: buffered, or handed out.
  #held = new Set<MemoryJob<T>>();
  #dead: DeadLetter[] = [];
  #closed = false;
  #lastMs = 0;
  #sequence = 0;

  /**
   * Makes an empty queue.
   *
   * @param options `name`, `maxDeliveries`.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `maxDeliveries` is not a whole number ≥ 1.
   */
  constructor(options?: MemoryJobQueueOptions) {
    this.name = options?.name ?? "jobs";
    if (typeof this.name !== "string") {
      throw new TypeError(`Cannot make a MemoryJobQueue: name must be a string, received ${describe(this.name)}`);
    }
    this.#maxDeliveries = checkWholeNumber(
      options?.maxDeliveries,
      5,
      1,
      "maxDeliveries",
      "Cannot make a MemoryJobQueue",
    );
    this.#buffer = new JobBuffer<MemoryJob<T>>(() => {}, () => {});
  }

  /**
   * Adds a job.
   *
   * @param item The job's data.
   * @returns Its id.
   * @throws {TypeError} If JSON cannot carry `item` faithfully: nothing is stored.
   * @throws {InvalidStateError} If the queue is closed.
   *
   * @example Add a job; a BigInt is refused
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<{ n: number }>();
   * assert.match(await queue.put({ n: 1 }), /^\d+-\d+$/);
   * await assert.rejects(queue.put({ n: 1n } as never), TypeError);
   * assert.equal(await queue.size(), 1);
   * ```
   */
  put(item: T): Promise<string> {
    try {
      this.#checkOpen("put()");
      const json = encodeJob(item, "item", `Cannot put() into ${this}`);
      return Promise.resolve(this.#store(json, 0));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Adds jobs, all or none.
   *
   * @param items The jobs' data.
   * @returns Their ids, in order.
   * @throws {TypeError} If JSON cannot carry one of them faithfully: none is stored.
   * @throws {InvalidStateError} If the queue is closed.
   *
   * @example Add three jobs at once
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<number>();
   * assert.equal((await queue.putMany([1, 2, 3])).length, 3);
   * await assert.rejects(queue.putMany([4, undefined as never]), /items\[1\] is undefined/);
   * assert.equal(await queue.size(), 3);
   * ```
   */
  putMany(items: readonly T[]): Promise<string[]> {
    try {
      this.#checkOpen("putMany()");
      if (!Array.isArray(items)) {
        throw new TypeError(`Cannot putMany() into ${this}: expected an array, received ${describe(items)}`);
      }
      const texts = items.map((item, index) => encodeJob(item, `items[${index}]`, `Cannot putMany() into ${this}`));
      return Promise.resolve(texts.map((json) => this.#store(json, 0)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The next job, waiting for one if need be; a cancelled `get()` loses nothing.
   *
   * @returns An awaitable of the job.
   * @throws {InvalidStateError} (when awaited) If the queue is closed.
   *
   * @example A timed-out get loses nothing
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import { run } from "./runner.ts";
   * import { TimeoutError } from "./errors.ts";
   * import { waitFor } from "./wait_for.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<string>();
   * const data = await run(async () => {
   *   await assert.rejects(async () => await waitFor(queue.get(), 10), TimeoutError);
   *   await queue.put("late");
   *   return (await queue.get()).data;
   * });
   * assert.equal(data, "late");
   * ```
   */
  get(): Awaitable<Job<T>> {
    return this.#buffer.get();
  }

  /**
   * Runs `handler` on each job, at most `concurrency` at once, until cancelled (see `JobQueue.consume`).
   *
   * @param handler Called with each job's data and the job.
   * @param options `concurrency` (default 1).
   * @returns An awaitable that rethrows the cancel once the running handlers have finished.
   * @throws {TypeError} If `handler` is not a function.
   * @throws {RangeError} If `concurrency` is not a whole number ≥ 1.
   *
   * @example Consume until a time-out cancels it
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import { run } from "./runner.ts";
   * import { timeout } from "./timeouts.ts";
   * import { TimeoutError } from "./errors.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<number>();
   * await queue.putMany([1, 2, 3, 4]);
   * let sum = 0;
   * await run(async () => {
   *   await assert.rejects(
   *     async () => await timeout(50, async () => await queue.consume((n) => void (sum += n), { concurrency: 2 })),
   *     TimeoutError,
   *   );
   * });
   * assert.equal(sum, 10);
   * assert.equal(await queue.pending(), 0);
   * ```
   */
  consume(handler: JobHandler<T>, options?: ConsumeOptions): Awaitable<void> {
    const concurrency = checkConsumeArguments(handler, options, `Cannot consume() ${this}`);
    return consumeJobs<T>(
      {
        name: String(this),
        get: () => this.get(),
        take: () => this.#buffer.take(),
        release: (job) => this.#release(job as MemoryJob<T>),
      },
      handler,
      concurrency,
    );
  }

  /**
   * How many jobs wait to be delivered.
   *
   * @returns The count.
   *
   * @example Jobs waiting to be delivered
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<number>();
   * await queue.putMany([1, 2]);
   * assert.equal(await queue.size(), 2);
   * ```
   */
  size(): Promise<number> {
    return Promise.resolve(this.#buffer.length);
  }

  /**
   * How many jobs were delivered and are neither acknowledged nor failed.
   *
   * @returns The count.
   *
   * @example A delivered job is pending until acknowledged
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import { run } from "./runner.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<number>();
   * await queue.put(1);
   * const job = await run(async () => await queue.get());
   * assert.equal(await queue.pending(), 1);
   * await job.ack();
   * assert.equal(await queue.pending(), 0);
   * ```
   */
  pending(): Promise<number> {
    return Promise.resolve(this.#held.size - this.#buffer.length);
  }

  /**
   * The dead-letter list, oldest first.
   *
   * @param count At most this many (default 100).
   * @returns The dead letters.
   *
   * @example No dead letters in a new queue
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import assert from "node:assert/strict";
   *
   * await using queue = new MemoryJobQueue<number>();
   * assert.deepEqual(await queue.deadLetters(), []);
   * ```
   */
  deadLetters(count = 100): Promise<DeadLetter[]> {
    return Promise.resolve(this.#dead.slice(0, count).map((letter) => ({ ...letter })));
  }

  /**
   * Closes the queue: waiting `get()`s fail with `InvalidStateError`, and so do later calls. The jobs it holds are
   * dropped with it (an in-process queue has no other consumer to hand them to).
   *
   * @returns A promise that resolves once closed.
   *
   * @example A closed queue refuses new jobs
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import { InvalidStateError } from "./errors.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new MemoryJobQueue<number>();
   * await queue.close();
   * await assert.rejects(queue.put(1), InvalidStateError);
   * ```
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#buffer.close(new InvalidStateError(`Cannot get() from ${this}: it is closed`));
    }
    return Promise.resolve();
  }

  /**
   * `await using queue = new MemoryJobQueue()` closes it at the end of the scope.
   *
   * @returns The promise of `close()`.
   *
   * @example Disposing closes the queue
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import assert from "node:assert/strict";
   *
   * const queue = new MemoryJobQueue<number>();
   * await queue[Symbol.asyncDispose]();
   * await assert.rejects(queue.put(1));
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * A description: `<MemoryJobQueue "jobs">`.
   *
   * @returns The description.
   *
   * @example The queue's description
   * ```ts
   * import { MemoryJobQueue } from "./memory_job_queue.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new MemoryJobQueue({ name: "images" })), '<MemoryJobQueue "images">');
   * ```
   */
  toString(): string {
    return `<MemoryJobQueue ${JSON.stringify(this.name)}>`;
  }

  #checkOpen(operation: string): void {
    if (this.#closed) throw new InvalidStateError(`Cannot ${operation} ${this}: it is closed`);
  }

  #nextId(): string {
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#sequence = 0;
    } else {
      this.#sequence++;
    }
    return `${this.#lastMs}-${this.#sequence}`;
  }

  #store(json: string, failures: number): string {
    const entry: Entry = { id: this.#nextId(), json, failures, delivered: 0 };
    this.#deliverLater(entry);
    return entry.id;
  }

  // Queues the next delivery of `entry`, unless it was delivered too often already (as the Redis queue does with
  // a job whose consumers kept dying).
  #deliverLater(entry: Entry): void {
    if (entry.failures + entry.delivered >= this.#maxDeliveries) {
      this.#deadLetter(entry, `delivered ${entry.failures + entry.delivered} times without being acknowledged`);
      return;
    }
    const job = new MemoryJob<T>(this, entry);
    this.#held.add(job);
    this.#buffer.push([job]);
  }

  #deadLetter(entry: Entry, error: string): void {
    this.#dead.push({
      id: this.#nextId(),
      jobId: entry.id,
      data: entry.json,
      error,
      deliveries: entry.failures + entry.delivered,
    });
  }

  #settle(job: MemoryJob<T>, failure: { error: unknown } | null): Promise<unknown> {
    const what = failure === null ? "ack()" : "fail()";
    if (job.settled) {
      return Promise.reject(new InvalidStateError(`Cannot ${what} job ${job.id} of ${this}: it was already settled`));
    }
    if (this.#closed) return Promise.reject(new InvalidStateError(`Cannot ${what} job ${job.id} of ${this}: closed`));
    job.settled = true;
    this.#held.delete(job);
    if (failure === null) return Promise.resolve();
    const deliveries = job.deliveries;
    if (deliveries >= this.#maxDeliveries) {
      this.#deadLetter({ ...job.entry, delivered: job.entry.delivered + 1 }, errorText(failure.error));
      return Promise.resolve("dead-lettered");
    }
    this.#store(job.entry.json, deliveries);
    return Promise.resolve("retried");
  }

  #release(job: MemoryJob<T>): Promise<void> {
    if (job.settled || this.#closed) return Promise.resolve();
    job.settled = true;
    this.#held.delete(job);
    job.entry.delivered++;
    this.#deliverLater(job.entry);
    return Promise.resolve();
  }
}
