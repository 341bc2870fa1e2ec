// `consume(handler, { concurrency })`, shared by the Redis queue and the in-process one: a loop of `get()`s that
// runs each job's handler in a task of its own, at most `concurrency` at once, and ends the way a worker process
// should end on Ctrl+C — stop taking jobs, let the running ones finish and be acknowledged, then go.

import { awaitable, drive } from "./_awaitable.ts";
import { isGeneratorObject, isThenable } from "./_awaitable_like.ts";
import { CancelledError } from "./errors.ts";
import { type Awaitable, type Future, wrapFuture } from "./future.ts";
import type { Job, JobHandler } from "./job_queue.ts";
import { getRunningLoop } from "./loop.ts";
import type { Task } from "./task.ts";

/** What `consume` needs of a queue. */
export interface ConsumeSource<T> {
  /** The queue's `get()`. */
  get(): Awaitable<Job<T>>;
  /** Gives the job of a handler cancelled midway back to the other consumers, at once. */
  release(job: Job<T>): Promise<void>;
  /** The queue as messages name it. */
  readonly name: string;
  /** Told when this consume starts reading (true) and stops (false): the queue may read ahead meanwhile. */
  reading?(active: boolean): void;
}

/** Runs `handler` on the jobs of `source`, as documented on `JobQueue.consume`. */
export function consumeJobs<T>(
  source: ConsumeSource<T>,
  handler: JobHandler<T>,
  concurrency: number,
): Awaitable<void> {
  return awaitable(function* consumeSteps(): Generator<unknown, void, unknown> {
    const loop = getRunningLoop();
    const running = new Set<Task<void>>();
    // Acks, fails and releases under way: the drain waits for them, so a job that ran is acknowledged before
    // `consume` returns (its handler's task does not wait for them, so a slot frees as soon as the handler is done).
    const settling = new Set<Promise<unknown>>();
    let wake: Future<void> | null = null;
    const wakeUp = (): void => {
      if (wake !== null && !wake.done()) wake.setResult(undefined);
    };
    const track = (promise: Promise<unknown>): void => {
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
    const runHandler = async (job: Job<T>): Promise<void> => {
      try {
        const result = handler(job.data, job);
        if (isGeneratorObject(result)) await drive(result);
        else if (isThenable(result)) await result;
      } catch (error) {
        if (error instanceof CancelledError) {
          // Cancelled by a second cancel of `consume`: the job did not finish, so another consumer must run it.
          if (!job.settled) track(source.release(job));
          throw error;
        }
        if (!job.settled) track(job.fail(error));
        return;
      }
      if (!job.settled) track(job.ack());
    };

    let stop: unknown;
    source.reading?.(true);
    try {
      for (;;) {
        while (running.size >= concurrency) {
          wake = loop.createFuture<void>();
          yield* wake;
        }
        const job: Job<T> = yield* source.get();
        const task = loop.createTask(() => runHandler(job));
        running.add(task);
        task.addDoneCallback(() => {
          running.delete(task);
          wakeUp();
        });
      }
    } catch (error) {
      stop = error;
    } finally {
      source.reading?.(false);
    }

    // Stopped (cancelled, or the queue closed): no more jobs are taken; the running handlers finish. A cancel
    // arriving now cancels them, and their jobs go back to the other consumers.
    let cancelledHandlers = false;
    while (running.size > 0) {
      wake = loop.createFuture<void>();
      try {
        yield* wake;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        if (!cancelledHandlers) {
          cancelledHandlers = true;
          for (const task of running) task.cancel();
        }
      }
    }
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
