// The jobs a `RedisQueue` (redis_queue.ts) holds, and how they are settled on the server: acknowledged (in
// batches, trimming the stream as it goes), retried or dead-lettered (atomically), handed back, renewed. The
// reading side — what brings jobs in — stays in redis_queue.ts; both share one `RedisSettling`.

import { errorText } from "./_job_checks.ts";
import { backoff, type Connection, isServerReply, pause } from "./_redis_connection.ts";
import { type Entry, fieldValue, MOVE_SCRIPT, TRIM_SCRIPT } from "./_redis_stream.ts";
import { taskContext } from "./_task_context.ts";
import { InvalidStateError } from "./errors.ts";
import type { Job } from "./job_queue.ts";

// Trim after this many acknowledgements, or this long after the last trim, whichever comes first.
const TRIM_EVERY_ACKS = 1_000;
const TRIM_EVERY_MS = 1_000;

// Handing jobs back: an idle time this long makes them claimable by every consumer at once.
const HANDED_BACK_IDLE_MS = 365 * 24 * 3600 * 1000;

/** A job delivered to this consumer. */
export class RedisJob<T> implements Job<T> {
  readonly id: string;
  readonly data: T;
  readonly deliveries: number;
  settled = false;
  /** Handed out by get(), not just read ahead into the buffer. */
  taken = false;
  /** The batch it came in, while this consumer holds it (null once settled on the server). */
  batch: HeldBatch<T> | null = null;
  constructor(
    readonly settling: RedisSettling<T>,
    id: string,
    data: T,
    readonly json: string,
    readonly failures: number,
    deliveries: number,
  ) {
    this.id = id;
    this.data = data;
    this.deliveries = deliveries;
  }

  ack(): Promise<void> {
    return this.settling.ack(this);
  }

  fail(error: unknown): Promise<"retried" | "dead-lettered"> {
    return this.settling.fail(this, error);
  }
}

/** The jobs of one read or claim, while this consumer holds some of them. */
interface HeldBatch<T> {
  jobs: RedisJob<T>[];
  /** How many of them are still held. */
  left: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  promise.catch(() => {}); // whoever acks sees the rejection; no one else must be told it went unhandled
  return { promise, resolve, reject };
}

/** Where the jobs live: the queue's connection and names. */
export interface SettlingTarget {
  client: Connection;
  stream: string;
  group: string;
  consumer: string;
  deadLetter: string;
  maxDeliveries: number;
  /** The queue, as messages name it. */
  name: string;
}

/** The held jobs of one queue and their settling. */
export class RedisSettling<T> {
  /** Set when the queue starts closing: acks and fails are refused from then on. */
  closed = false;
  /** Past this (Date.now()), retries give up: close() waits no longer. */
  closeDeadline = Infinity;
  /** Aborted when close() ends: cuts every backoff short. */
  readonly stopAll: AbortController = new AbortController();
  /** The acknowledgements under way, if any. */
  flushing: Promise<void> | null = null;

  #target: SettlingTarget;
  // Jobs delivered to this consumer and not settled yet (read ahead, or handed out), in the batches they came in:
  // a batch is dropped once all its jobs are settled on the server. (A Map by id would hash every id and rehash
  // as it grows and shrinks with every read.)
  #held = new Set<HeldBatch<T>>();
  #ackQueue: RedisJob<T>[] = [];
  #ackedSinceTrim = 0;
  #trimmedAt = 0;
  #ackDone: Deferred | null = null;
  // Fails, dead-letterings and hand-backs under way: close() waits for them.
  #settling = new Set<Promise<unknown>>();

  constructor(target: SettlingTarget) {
    this.#target = target;
  }

  /**
   * Entries delivered to this consumer, judged: the good ones become held jobs (returned, for the buffer); malformed
   * ones, and those delivered too often, go to the dead-letter stream with the reason. `serverCounts`: each
   * entry's delivery count as the server has it (null: first deliveries).
   */
  accept(entries: Entry[], serverCounts: number[] | null): RedisJob<T>[] {
    const jobs: RedisJob<T>[] = [];
    for (let index = 0; index < entries.length; index++) {
      const [id, fields] = entries[index];
      const serverCount = serverCounts === null ? 1 : serverCounts[index];
      // A job as put() writes it is ["data", json]; a retried one has more fields.
      const plain = fields !== null && fields.length === 2 && fields[0] === "data";
      const json = plain ? fields[1] : fieldValue(fields, "data");
      const failuresText = plain ? undefined : fieldValue(fields, "failures");
      const failures = failuresText === undefined ? 0 : Number(failuresText);
      let data: T;
      let problem: string | null = null;
      if (json === undefined) {
        problem = `malformed entry: no "data" field (fields: ${JSON.stringify(fields ?? [])})`;
      } else if (!Number.isInteger(failures) || failures < 0) {
        problem = `malformed entry: "failures" is ${JSON.stringify(failuresText)}, not a count`;
      } else {
        try {
          data = JSON.parse(json);
        } catch (error) {
          problem = `malformed entry: "data" is not JSON (${(error as Error).message})`;
        }
      }
      if (problem !== null) {
        this.moveToDeadLetter(id, json ?? JSON.stringify(fields ?? []), problem, serverCount);
        continue;
      }
      const deliveries = failures + serverCount;
      if (deliveries > this.#target.maxDeliveries) {
        const last = fieldValue(fields, "error");
        const reason = `delivered ${deliveries} times without being acknowledged` +
          (last === undefined ? "" : ` (last error: ${last})`);
        this.moveToDeadLetter(id, json!, reason, deliveries);
        continue;
      }
      jobs.push(new RedisJob<T>(this, id, data!, json!, failures, deliveries));
    }
    if (jobs.length > 0) this.#hold(jobs);
    return jobs;
  }

  // Holds the jobs of one read or claim until each is settled.
  #hold(jobs: RedisJob<T>[]): void {
    const batch: HeldBatch<T> = { jobs, left: jobs.length };
    for (const job of jobs) job.batch = batch;
    this.#held.add(batch);
  }

  /** Whether any job is held. */
  holdsAny(): boolean {
    return this.#held.size > 0;
  }

  /** The jobs held, settled or not (a settled one stays held until the server has it settled). */
  heldJobs(): RedisJob<T>[] {
    const jobs: RedisJob<T>[] = [];
    for (const batch of this.#held) for (const job of batch.jobs) if (job.batch !== null) jobs.push(job);
    return jobs;
  }

  /** The ids of the jobs held. */
  heldIds(): Set<string> {
    return new Set(this.heldJobs().map((job) => job.id));
  }

  /** Every fail, dead-lettering and hand-back under way, settled. */
  underWay(): Promise<unknown> {
    return Promise.allSettled([...this.#settling]);
  }

  /** `job.ack()`: joins the next XACK batch. */
  ack(job: RedisJob<T>): Promise<void> {
    if (job.settled) return Promise.reject(new InvalidStateError(`Cannot ack() job ${job.id}: it was already settled`));
    if (this.closed) {
      return Promise.reject(new InvalidStateError(`Cannot ack() job ${job.id}: ${this.#target.name} is closed`));
    }
    job.settled = true;
    this.#ackQueue.push(job);
    this.#ackDone ??= deferred();
    // Outside any task: the flush's callbacks must not run in the context of the task that happened to ack.
    this.flushing ??= taskContext.outsideTasks(() => this.#flushAcks());
    return this.#ackDone.promise;
  }

  // One XACK per batch: the acks made while the previous batch was under way go together.
  async #flushAcks(): Promise<void> {
    await Promise.resolve(); // let the acks of this turn join the batch
    const { client, stream, group } = this.#target;
    try {
      while (this.#ackQueue.length > 0) {
        const batch = this.#ackQueue;
        const done = this.#ackDone!;
        this.#ackQueue = [];
        this.#ackDone = null;
        const ids = batch.map((job) => job.id);
        try {
          await this.retrying(() => client.sendCommand(["XACK", stream, group, ...ids]));
        } catch (error) {
          done.reject(error);
          continue;
        }
        // Kept as held (and renewed) until acknowledged, so no one claims a job whose ack is under way.
        for (const job of batch) this.#forget(job);
        done.resolve();
        this.#ackedSinceTrim += ids.length;
        if (this.#ackedSinceTrim >= TRIM_EVERY_ACKS || performance.now() - this.#trimmedAt >= TRIM_EVERY_MS) {
          this.#trim();
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * Runs `operation` until it succeeds, retrying failed connections with backoff; a server's error reply is
   * final, and so is any failure once close() has given up waiting.
   */
  async retrying<R>(operation: () => Promise<R>): Promise<R> {
    for (let attempt = 0;; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (isServerReply(error) || Date.now() >= this.closeDeadline) throw error;
        await pause(backoff(attempt), this.stopAll.signal);
        if (Date.now() >= this.closeDeadline) throw error;
      }
    }
  }

  #trim(): void {
    const { client, stream, group } = this.#target;
    this.#ackedSinceTrim = 0;
    this.#trimmedAt = performance.now();
    client.sendCommand(["EVAL", TRIM_SCRIPT, "1", stream, group]).catch(() => {
      // the next trim does it
    });
  }

  /** `job.fail(error)`: retried, or dead-lettered after `maxDeliveries`, atomically. */
  fail(job: RedisJob<T>, error: unknown): Promise<"retried" | "dead-lettered"> {
    if (job.settled) {
      return Promise.reject(new InvalidStateError(`Cannot fail() job ${job.id}: it was already settled`));
    }
    if (this.closed) {
      return Promise.reject(new InvalidStateError(`Cannot fail() job ${job.id}: ${this.#target.name} is closed`));
    }
    const { client, stream, group, deadLetter, maxDeliveries } = this.#target;
    job.settled = true;
    const text = errorText(error);
    const outcome = job.deliveries >= maxDeliveries ? "dead-lettered" : "retried";
    const fields = outcome === "retried"
      ? ["data", job.json, "failures", String(job.deliveries), "error", text]
      : ["data", job.json, "job", job.id, "error", text, "deliveries", String(job.deliveries)];
    const target = outcome === "retried" ? stream : deadLetter;
    const moved = this.#track(
      this.retrying(() => client.sendCommand(["EVAL", MOVE_SCRIPT, "2", stream, target, group, job.id, ...fields]))
        .then(() => this.#forget(job)),
    );
    return moved.then(() => outcome);
  }

  /** Moves an entry that is not a job to deliver (malformed, delivered too often) to the dead-letter stream. */
  moveToDeadLetter(id: string, data: string, reason: string, deliveries: number): void {
    const { client, stream, group, deadLetter } = this.#target;
    const fields = ["data", data, "job", id, "error", reason, "deliveries", String(deliveries)];
    this.#track(
      this.retrying(() => client.sendCommand(["EVAL", MOVE_SCRIPT, "2", stream, deadLetter, group, id, ...fields])),
    ).catch(() => {
      // Not moved (the queue closed meanwhile): the entry stays pending, and is claimed and judged again later.
    });
  }

  /**
   * Hands jobs back to every consumer at once: pending, idle as if for a year, with the delivery count they had
   * before reaching this consumer (read ahead, never handed out) or after (a handler that was cancelled).
   */
  handBack(jobs: RedisJob<T>[]): Promise<void> {
    const { client, stream, group, consumer } = this.#target;
    const byCount = new Map<number, RedisJob<T>[]>();
    for (const job of jobs) {
      if (job.settled) continue;
      job.settled = true;
      const count = job.deliveries - job.failures - (job.taken ? 0 : 1);
      const same = byCount.get(count) ?? [];
      same.push(job);
      byCount.set(count, same);
    }
    const sent: Promise<unknown>[] = [];
    for (const [count, same] of byCount) {
      const ids = same.map((job) => job.id);
      const idle = String(HANDED_BACK_IDLE_MS);
      sent.push(
        this.retrying(() =>
          client.sendCommand([
            "XCLAIM",
            stream,
            group,
            consumer,
            "0",
            ...ids,
            "IDLE",
            idle,
            "RETRYCOUNT",
            String(count),
            "JUSTID",
          ])
        ).then(() => {
          for (const job of same) this.#forget(job);
        }),
      );
    }
    return this.#track(Promise.all(sent).then(() => {}));
  }

  /**
   * The heartbeat's share: trims when acks waited long enough, and renews the jobs held (XCLAIM … JUSTID resets
   * their idle time, not their delivery count) so that no one claims them while this consumer lives.
   */
  renew(): void {
    const { client, stream, group, consumer } = this.#target;
    if (this.#ackedSinceTrim > 0 && performance.now() - this.#trimmedAt >= TRIM_EVERY_MS) this.#trim();
    // Settled jobs stay held until the server has them settled, and are renewed meanwhile too.
    const ids = this.heldJobs().map((job) => job.id);
    for (let start = 0; start < ids.length; start += 1000) {
      client.sendCommand(["XCLAIM", stream, group, consumer, "0", ...ids.slice(start, start + 1000), "JUSTID"])
        .catch(() => {}); // the next beat tries again
    }
  }

  // A job is settled on the server (acknowledged, moved, handed back): this consumer holds it no more.
  #forget(job: RedisJob<T>): void {
    const batch = job.batch;
    if (batch === null) return;
    job.batch = null;
    if (--batch.left === 0) this.#held.delete(batch);
  }

  #track<R>(promise: Promise<R>): Promise<R> {
    const tracked = promise.finally(() => this.#settling.delete(tracked));
    tracked.catch(() => {});
    this.#settling.add(tracked);
    return tracked;
  }
}
