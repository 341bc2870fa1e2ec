// `consume(handler, { concurrency })`, shared by the Redis queue and the in-process one, and the way a worker
// process should end on Ctrl+C: stop taking jobs, let the running ones finish and be acknowledged, then go.
//
// `concurrency` worker tasks each take a job, run its handler, settle the job, and take the next — rather than a
// task per job: with jobs at hand, a job then costs a get, a call and an acknowledgement, not a task's creation,
// scheduling and done-callbacks.

import { awaitable, drive } from "./_awaitable.ts";
import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { CancelledError } from "./errors.ts";
import { type Awaitable, type Future, wrapFuture } from "./future.ts";
import type { Job, JobHandler } from "./job_queue.ts";
import { getRunningLoop } from "./loop.ts";
import type { Task } from "./task.ts";
import { sleep } from "./sleep.ts";

/** What `consume` needs of a queue. */
export interface ConsumeSource<T> {
  /** The queue's `get()`. */
  get(): Awaitable<Job<T>>;
  /** A job at hand, taken at once, or undefined (then `get()` waits for one). */
  take(): Job<T> | undefined;
  /** Gives the job of a handler cancelled midway back to the other consumers, at once. */
  release(job: Job<T>): Promise<void>;
  /** The queue as messages name it. */
  readonly name: string;
  /** Told when this consume starts reading (true) and stops (false): the queue may read ahead meanwhile. */
  reading?(active: boolean): void;
}

// A worker that ran this many jobs without waiting lets the loop's other callbacks run (jobs at hand never make a
// get wait, so a busy worker would otherwise keep the loop to itself for as long as the read-ahead lasts).
const JOBS_BETWEEN_YIELDS = 64;

/** Runs `handler` on the jobs of `source`, as documented on `JobQueue.consume`. */
export function consumeJobs<T>(
  source: ConsumeSource<T>,
  handler: JobHandler<T>,
  concurrency: number,
): Awaitable<void> {
  return awaitable(function* consumeSteps(): Generator<unknown, void, unknown> {
    const loop = getRunningLoop();
    // Acks, fails and releases under way: the drain waits for them, so that a job that ran is acknowledged before
    // `consume` returns. One batch of acks shares one promise, tracked once.
    const settling = new Set<Promise<unknown>>();
    let lastTracked: Promise<unknown> | null = null;
    const track = (promise: Promise<unknown>): void => {
      if (promise === lastTracked) return;
      lastTracked = promise;
      const tracked: Promise<unknown> = promise.then(
        () => settling.delete(tracked),
        (error) => {
          settling.delete(tracked);
          // The job stays pending on the server and is delivered again: nothing is lost, but someone should know.
          loop.callExceptionHandler({ message: `${source.name}: could not settle a job`, exception: error });
        },
      );
      settling.add(tracked);
    };

    let stopping = false;
    // Workers waiting in get(): cancelled when consume stops, since they hold no job.
    const waiting = new Set<Task<void>>();
    const workers = new Set<Task<void>>();
    let stop: unknown = null;
    let allEnded: Future<void> | null = null;

    // A job's handler failed: retried or dead-lettered, unless a second cancel of consume cancelled it — then the
    // job did not finish, and goes back to the other consumers.
    const failed = (job: Job<T>, error: unknown): void => {
      if (job.settled) return;
      track(error instanceof CancelledError ? source.release(job) : job.fail(error));
    };

    const work = async (self: () => Task<void>): Promise<void> => {
      let run = 0;
      while (!stopping) {
        let job = source.take();
        if (job === undefined) {
          waiting.add(self());
          try {
            job = await source.get();
          } finally {
            waiting.delete(self());
          }
        }
        // A plain function's job is settled without an await; an async or generator one's once it is done.
        let result: unknown;
        try {
          result = handler(job.data, job);
          if (isGeneratorObject(result)) await drive(result);
          else if (isThenable(result)) await result;
        } catch (error) {
          failed(job, error);
          if (error instanceof CancelledError) throw error;
          continue;
        }
        if (!job.settled) track(job.ack());
        if (++run % JOBS_BETWEEN_YIELDS === 0) await sleep(0);
      }
    };

    const beginStop = (reason: unknown): void => {
      if (stopping) return;
      stopping = true;
      stop = reason;
      source.reading?.(false);
      for (const worker of waiting) worker.cancel();
    };

    source.reading?.(true);
    for (let index = 0; index < concurrency; index++) {
      const worker: Task<void> = loop.createTask(() => work(() => worker));
      workers.add(worker);
      worker.addDoneCallback(() => {
        workers.delete(worker);
        // A worker that failed (the queue closed) stops the others.
        if (!worker.cancelled() && worker.exception() !== undefined) beginStop(worker.exception());
        if (workers.size === 0 && allEnded !== null && !allEnded.done()) allEnded.setResult(undefined);
      });
    }

    // Until cancelled (or a worker fails); then the running handlers finish, unless a second cancel comes.
    let cancelledHandlers = false;
    while (workers.size > 0) {
      allEnded = loop.createFuture<void>();
      try {
        yield* allEnded;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        if (!stopping) {
          beginStop(error);
        } else if (!cancelledHandlers) {
          cancelledHandlers = true;
          for (const worker of workers) worker.cancel();
        }
      }
    }
    if (!stopping) source.reading?.(false);
    while (settling.size > 0) {
      try {
        yield* wrapFuture(Promise.allSettled([...settling]), loop);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        break; // a further cancel stops waiting for the server: those jobs stay pending and are delivered again
      }
    }
    throw stop;
  });
}
