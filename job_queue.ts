/**
 * The interface of a lossless job queue, which two queues implement: `RedisQueue` (`redis_queue.ts`, across
 * processes and machines, on Redis Streams) and `MemoryJobQueue` (`memory_job_queue.ts`, inside one process, no
 * dependency). Code written against `JobQueue` runs on either.
 *
 * Delivery is *at least once*: a job is handed out by `get()` (or to a `consume()` handler) and stays pending until
 * it is acknowledged (`job.ack()`) or failed (`job.fail(error)`). A failed job is retried, and after
 * `maxDeliveries` deliveries it goes to the dead-letter list with its last error. A cancelled `get()` loses
 * nothing: a job read for it goes to the next `get()`.
 *
 * @example Code that runs on any job queue
 * ```ts
 * import type { JobQueue } from "./job_queue.ts";
 * import { MemoryJobQueue } from "./memory_job_queue.ts";
 * import { run } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * async function double(queue: JobQueue<number>): Promise<number> {
 *   const job = await queue.get();
 *   await job.ack();
 *   return job.data * 2;
 * }
 *
 * await using queue = new MemoryJobQueue<number>();
 * await queue.put(21);
 * assert.equal(await run(() => double(queue)), 42);
 * ```
 *
 * @module
 */

import type { Awaitable } from "./future.ts";

/**
 * One delivery of a job: what `get()` returns and what a `consume()` handler receives.
 *
 * @typeParam T The job's data.
 *
 * @example Acknowledge a job
 * ```ts
 * import type { Job } from "./job_queue.ts";
 * import { MemoryJobQueue } from "./memory_job_queue.ts";
 * import { run } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using queue = new MemoryJobQueue<{ url: string }>();
 * const id = await queue.put({ url: "https://example.com/1.jpg" });
 * const job: Job<{ url: string }> = await run(async () => await queue.get());
 * assert.equal(job.id, id);
 * assert.equal(job.data.url, "https://example.com/1.jpg");
 * assert.equal(job.deliveries, 1);
 * await job.ack();
 * assert.equal(job.settled, true);
 * assert.equal(await queue.pending(), 0);
 * ```
 */
export interface Job<T> {
  /** The job's id (a Redis stream entry id: `<ms>-<n>`). A retried job is stored anew, under a new id. */
  readonly id: string;
  /** The job's data, as put (a fresh copy, decoded from JSON). */
  readonly data: T;
  /** How many times the job has been delivered, this delivery included: 1 the first time. */
  readonly deliveries: number;
  /** True once `ack()` or `fail()` was called. */
  readonly settled: boolean;
  /**
   * Acknowledges the job: it is done and will not be delivered again.
   *
   * @returns A promise that resolves once the queue has recorded it.
   * @throws {InvalidStateError} (as a rejection) If the job was already settled or its queue is closed.
   */
  ack(): Promise<void>;
  /**
   * Counts a failed delivery: the job is retried (delivered again, after the jobs already waiting), or — after its
   * `maxDeliveries`-th delivery — moved to the dead-letter list with `error` as its reason.
   *
   * @param error Why it failed (an Error's message is kept, anything else as text).
   * @returns What became of the job.
   * @throws {InvalidStateError} (as a rejection) If the job was already settled or its queue is closed.
   */
  fail(error: unknown): Promise<"retried" | "dead-lettered">;
}

/**
 * A job that was given up on: delivered `maxDeliveries` times without success, or malformed (not a job this
 * queue wrote).
 *
 * @example A job given up on, as deadLetters() lists it
 * ```ts
 * import type { DeadLetter } from "./job_queue.ts";
 * import { MemoryJobQueue } from "./memory_job_queue.ts";
 * import { run } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using queue = new MemoryJobQueue<string>({ maxDeliveries: 1 });
 * await queue.put("poison");
 * await run(async () => (await queue.get()).fail(new Error("cannot parse")));
 * const [letter]: DeadLetter[] = await queue.deadLetters();
 * assert.equal(letter.data, '"poison"');
 * assert.equal(letter.error, "Error: cannot parse");
 * assert.equal(letter.deliveries, 1);
 * ```
 */
export interface DeadLetter {
  /** The id of the dead-letter entry. */
  id: string;
  /** The id the job had when it was given up on. */
  jobId: string;
  /** The job's data as stored: its JSON text (for a malformed entry, the entry's fields as JSON). */
  data: string;
  /** Why: the last error (`name: message`), or what is wrong with a malformed entry. */
  error: string;
  /** How many times it was delivered. */
  deliveries: number;
}

/**
 * A `consume()` handler: called with the job's data and the job, in a task of its own. Its return acknowledges the
 * job, its exception fails it. It may be an async function, a generator function, or a plain function.
 *
 * @typeParam T The job's data.
 *
 * @example A handler that uses the job's id
 * ```ts
 * import type { JobHandler } from "./job_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const handler: JobHandler<{ url: string }> = async (data, job) => {
 *   assert.ok(job.deliveries >= 1);
 *   return data.url.length;
 * };
 * assert.equal(typeof handler, "function");
 * ```
 */
export type JobHandler<T> = (data: T, job: Job<T>) => unknown;

/**
 * Options of `consume()`.
 *
 * @example Fifty handlers at once
 * ```ts
 * import type { ConsumeOptions } from "./job_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const options: ConsumeOptions = { concurrency: 50 };
 * assert.equal(options.concurrency, 50);
 * ```
 */
export interface ConsumeOptions {
  /** How many handlers may run at once (default 1). */
  concurrency?: number;
}

/**
 * A lossless job queue (see the module documentation); `RedisQueue` and `MemoryJobQueue` implement it.
 *
 * @typeParam T The jobs' data: anything JSON carries faithfully.
 *
 * @example A producer and a consumer
 * ```ts
 * import type { JobQueue } from "./job_queue.ts";
 * import { CancelledError } from "./errors.ts";
 * import { MemoryJobQueue } from "./memory_job_queue.ts";
 * import { run } from "./runner.ts";
 * import { createTask } from "./task.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const queue: JobQueue<number> = new MemoryJobQueue<number>();
 * await queue.putMany([1, 2, 3]);
 * const seen: number[] = [];
 * await run(async () => {
 *   const consumer = createTask(async () => await queue.consume((n) => void seen.push(n), { concurrency: 2 }));
 *   while (seen.length < 3) await sleep(1);
 *   consumer.cancel(); // it stops taking jobs, lets running handlers finish, and ends cancelled
 *   await assert.rejects(async () => await consumer, CancelledError);
 * });
 * assert.deepEqual(seen.sort(), [1, 2, 3]);
 * await queue.close();
 * ```
 */
export interface JobQueue<T> extends AsyncDisposable {
  /**
   * Adds a job.
   *
   * @param item The job's data.
   * @returns Its id.
   * @throws {TypeError} If JSON cannot carry `item` faithfully (a function, symbol, BigInt, `undefined`, a cycle…,
   * at any depth): the message names it, and nothing is written.
   */
  put(item: T): Promise<string>;
  /**
   * Adds jobs in one batch (pipelined), all or none.
   *
   * @param items The jobs' data.
   * @returns Their ids, in order.
   * @throws {TypeError} If JSON cannot carry one of them faithfully: nothing of the batch is written.
   */
  putMany(items: readonly T[]): Promise<string[]>;
  /**
   * The next job, waiting for one if need be. Cancelling the waiting task (a cancel, `waitFor`, `timeout`) loses
   * nothing: a job that arrives for it goes to the next `get()`. Await it in a running event loop.
   *
   * @returns An awaitable of the job (`await` or `yield*`).
   * @throws {InvalidStateError} (when awaited) If the queue is closed.
   */
  get(): Awaitable<Job<T>>;
  /**
   * Runs `handler(data, job)` on each job, in tasks, at most `concurrency` at once; acknowledges a job when its
   * handler returns and fails it when the handler throws. It runs until cancelled; then it stops taking jobs, lets
   * the running handlers finish and their jobs be acknowledged, and rethrows the `CancelledError`. A second cancel
   * cancels the running handlers: their jobs go back to the other consumers.
   *
   * @param handler Called for each job.
   * @param options `concurrency` (default 1).
   * @returns An awaitable that settles when consuming has stopped.
   * @throws {TypeError} If `handler` is not a function.
   * @throws {RangeError} If `concurrency` is not a whole number ≥ 1.
   */
  consume(handler: JobHandler<T>, options?: ConsumeOptions): Awaitable<void>;
  /**
   * How many jobs wait to be delivered.
   *
   * @returns The count.
   */
  size(): Promise<number>;
  /**
   * How many jobs were delivered and are neither acknowledged nor failed.
   *
   * @returns The count.
   */
  pending(): Promise<number>;
  /**
   * The dead-letter list, oldest first.
   *
   * @param count At most this many (default 100).
   * @returns The dead letters.
   */
  deadLetters(count?: number): Promise<DeadLetter[]>;
  /**
   * Closes the queue: waiting `get()`s fail, the jobs it holds and has not acknowledged go back to the other
   * consumers, acknowledgements under way are finished. A second close does nothing.
   *
   * @returns A promise that resolves once closed.
   */
  close(): Promise<void>;
}
