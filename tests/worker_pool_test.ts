// Tests of worker_pool.ts against CPython's concurrent.futures.ThreadPoolExecutor, loop.run_in_executor and
// asyncio.to_thread.

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError, TimeoutError } from "../errors.ts";
import { type Executor, getRunningLoop } from "../loop.ts";
import { QueueFull } from "../queue.ts";
import { run } from "../runner.ts";
import { createTask } from "../task.ts";
import { toThread, WorkerPoolExecutor } from "../worker_pool.ts";
import { jobs, threadTest, untyped } from "./_threads.ts";

threadTest(
  "WorkerPoolExecutor.submit() runs plain, async and generator functions, at most maxWorkers at once (ThreadPoolExecutor)",
  async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 2, name: "pair" });
    try {
      const first = pool.submit(jobs.sleepSync, 100, "first");
      const second = pool.submit(jobs.sleepSync, 100, "second");
      const third = pool.submit(jobs.fib, 20);
      assert.equal(first.running(), true);
      assert.equal(second.running(), true);
      assert.equal(third.running(), false); // waits in the queue for a worker
      assert.equal(String(pool), '<WorkerPoolExecutor "pair" workers=2/2 queued=1>');
      const asyncJob = pool.submit(jobs.slowAdd, 1, 2, 5);
      const generatorJob = pool.submit(jobs.slowAddGenerator, 3, 4, 5);
      assert.deepEqual(await Promise.all([first, second, third, asyncJob, generatorJob]), [
        "first",
        "second",
        6765,
        3,
        7,
      ]);
    } finally {
      await pool.shutdown();
    }
    assert.equal(String(pool), '<WorkerPoolExecutor "pair" workers=0/2 queued=0>');
    assert.equal(new WorkerPoolExecutor().maxWorkers, navigator.hardwareConcurrency);
  },
);

threadTest(
  "submit() on a full queue throws QueueFull at once (maxQueue bounds the queue CPython leaves unbounded)",
  async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1, maxQueue: 1 });
    try {
      const running = pool.submit(jobs.sleepSync, 50, "running");
      const queued = pool.submit(jobs.sleepSync, 0, "queued");
      assert.throws(
        () => pool.submit(jobs.fib, 1),
        (error: Error) => error instanceof QueueFull && /maxQueue/.test(error.message),
      );
      assert.equal(await running, "running");
      assert.equal(await queued, "queued");
      assert.equal(await pool.submit(jobs.fib, 1), 1); // room again
    } finally {
      await pool.shutdown();
    }
    assert.throws(() => new WorkerPoolExecutor({ maxWorkers: 0 }), RangeError);
    assert.throws(() => new WorkerPoolExecutor({ maxQueue: -1 }), RangeError);
  },
);

threadTest("cancel() drops a queued job but cannot stop a running one (Future.cancel)", async () => {
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  try {
    const running = pool.submit(jobs.sleepSync, 50, "ran");
    const queued = pool.submit(jobs.sleepSync, 0, "never");
    assert.equal(running.cancel(), false);
    assert.equal(queued.cancel(), true);
    assert.equal(await running, "ran");
    assert.throws(() => queued.result(), CancelledError);
    assert.equal(String(pool).includes("queued=0"), true);
  } finally {
    await pool.shutdown();
  }
});

threadTest(
  "map() gives results in input order, blocking or not, within maxQueue, and raises an item's error (Executor.map)",
  async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 2, maxQueue: 1 });
    try {
      assert.deepEqual([...pool.map(jobs.fib, [10, 1, 20, 2, 5])], [55, 1, 6765, 1, 5]);
      const seen: number[] = [];
      for await (const value of pool.map(jobs.fib, [3, 4, 5])) seen.push(value);
      assert.deepEqual(seen, [2, 3, 5]);
      const failing = pool.map(jobs.failSync, ["a", "b"]);
      assert.throws(() => [...failing], (error: Error) => error instanceof RangeError && error.message === "a");
      assert.throws(
        () => [...pool.map(jobs.sleepFor, [200, 200, 200], { timeout: 10 })],
        TimeoutError,
      );
    } finally {
      await pool.shutdown({ cancelFutures: true });
    }
  },
);

threadTest(
  "shutdown({ wait, cancelFutures }) finishes running jobs, cancels or runs queued ones, and refuses new ones (Executor.shutdown)",
  async (t) => {
    await t.step("cancelFutures", async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const running = pool.submit(jobs.sleepSync, 30, "running");
      const queued = pool.submit(jobs.sleepSync, 0, "queued");
      await pool.shutdown({ cancelFutures: true });
      assert.equal(running.result(0), "running");
      assert.equal(queued.cancelled(), true);
      assert.throws(() => pool.submit(jobs.fib, 1), InvalidStateError);
    });
    await t.step("queued jobs still run without cancelFutures", async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const jobsDone = [pool.submit(jobs.sleepSync, 20, "a"), pool.submit(jobs.sleepSync, 0, "b")];
      await pool.shutdown();
      assert.deepEqual(jobsDone.map((cf) => cf.result(0)), ["a", "b"]);
    });
    await t.step("wait: false returns at once; the jobs finish", async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const job = pool.submit(jobs.sleepSync, 30, "later");
      await pool.shutdown({ wait: false });
      assert.equal(job.done(), false);
      assert.equal(await job, "later");
      await pool.shutdown(); // waits for the worker to end
    });
  },
);

threadTest(
  "loop.runInExecutor() runs in a pool, given or as the loop's default executor (run_in_executor, set_default_executor)",
  async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const asExecutor: Executor = pool; // what runInExecutor and setDefaultExecutor accept
    try {
      const result = await run(async () => {
        const loop = getRunningLoop();
        const given = await loop.runInExecutor(asExecutor, jobs.fib, 12);
        loop.setDefaultExecutor(pool);
        const byDefault = await loop.runInExecutor(null, jobs.fib, 13);
        loop.setDefaultExecutor(null); // keep the pool for the assertions below; run() would shut it down
        return [given, byDefault];
      });
      assert.deepEqual(result, [144, 233]);
    } finally {
      await pool.shutdown();
    }
  },
);

threadTest(
  "toThread() runs a function in the loop's default executor, made on first use and shut down by run() (asyncio.to_thread)",
  async () => {
    const results = await run(async () => {
      const loop = getRunningLoop();
      const first = await toThread(jobs.fib, 15);
      const both = await Promise.all([toThread(jobs.slowAdd, 1, 2, 5), toThread(jobs.sleepSync, 5, "sync")]);
      const task = createTask(async () => await toThread(jobs.echo, { nested: [1, 2] }));
      return [first, ...both, await task, loop === getRunningLoop()];
    });
    assert.deepEqual(results, [610, 3, "sync", { nested: [1, 2] }, true]);
    await assert.rejects(async () => await toThread(jobs.fib, 1), InvalidStateError); // no running loop
  },
);

threadTest(
  "loop.runInExecutor(null, …) makes a WorkerPoolExecutor the loop's default executor on first use and keeps it, and run() shuts it down (run_in_executor(None, …))",
  async () => {
    let made: Executor | null = null;
    const results = await run(async () => {
      const loop = getRunningLoop();
      assert.equal(loop.getDefaultExecutor(), null);
      const first = await loop.runInExecutor(null, jobs.fib, 10);
      made = loop.getDefaultExecutor();
      assert.ok(made instanceof WorkerPoolExecutor);
      assert.match(String(made), /^<WorkerPoolExecutor "default" workers=1\/\d+ queued=0>$/);
      const second = await loop.runInExecutor(null, jobs.fib, 11);
      assert.equal(loop.getDefaultExecutor(), made, "the same executor serves the next call");
      return [first, second];
    });
    assert.deepEqual(results, [55, 89]);
    assert.throws(() => (made as WorkerPoolExecutor).submit(jobs.fib, 1), /it was shut down/);
  },
);

threadTest(
  "errors of runInExecutor() and toThread() name the function the user called, not the pool's submit()",
  async () => {
    const notCloneable = (): void => {};
    await run(async () => {
      const loop = getRunningLoop();
      assert.throws(
        () => loop.runInExecutor(null, notCloneable),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith("Cannot runInExecutor(): expected a function reference from workerModule()"),
      );
      assert.throws(
        () => loop.runInExecutor(null, jobs.echo, notCloneable),
        new TypeError(
          'Cannot runInExecutor() on worker 1 of WorkerPoolExecutor "default": argument 1 of thread_jobs.echo: a ' +
            "function (notCloneable) cannot be sent to another thread (export it from a module and pass its " +
            "workerModule() reference)",
        ),
      );
      assert.throws(
        () => toThread(untyped(jobs.echo), Symbol("s")),
        new TypeError(
          'Cannot toThread() on worker 1 of WorkerPoolExecutor "default": argument 1 of thread_jobs.echo: a symbol ' +
            "cannot be sent to another thread",
        ),
      );
      assert.equal(await toThread(jobs.fib, 5), 5);
    });
  },
);

Deno.test("new WorkerPoolExecutor() refuses bad options, naming the value (BigInt as 10n)", async () => {
  assert.throws(
    () => new WorkerPoolExecutor({ maxWorkers: 10n as unknown as number }),
    new RangeError("Cannot make a WorkerPoolExecutor: maxWorkers must be an integer >= 1, received 10n"),
  );
  assert.throws(() => new WorkerPoolExecutor({ maxQueue: -1 }), RangeError);
  assert.throws(() => new WorkerPoolExecutor({ name: 3 as unknown as string }), TypeError);
  await new WorkerPoolExecutor().shutdown();
});
