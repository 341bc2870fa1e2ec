// Tests of threads.ts and concurrent_future.ts against CPython 3.12's threading + asyncio
// (run_coroutine_threadsafe, call_soon_threadsafe, to_thread, run_in_executor) and concurrent.futures
// (Future, ThreadPoolExecutor). The functions the workers run are in tests/fixtures/thread_jobs.ts.
//
// Every test stops the threads and pools it starts (the op sanitizer would catch a leaked worker). Nothing here
// measures time: waits that must time out use short limits, waits that must not use generous ones.

import assert from "node:assert/strict";
import { BrokenThreadError, ConcurrentFuture } from "../concurrent_future.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "../errors.ts";
import { wrapFuture } from "../future.ts";
import { type Executor, getRunningLoop, newEventLoop } from "../loop.ts";
import { runLoopShutdownHooks } from "../_loop_shutdown.ts";
import { liveWorkers } from "../_worker_link.ts";
import { QueueFull } from "../queue.ts";
import { run } from "../runner.ts";
import { createTask } from "../task.ts";
import { ThreadQueue } from "../thread_queue.ts";
import {
  call,
  LoopThread,
  runCoroutineThreadsafe,
  toThread,
  transfer,
  type WorkerFn,
  workerModule,
  WorkerPoolExecutor,
} from "../threads.ts";
import { waitFor } from "../wait_for.ts";

const JOBS_URL = new URL("./fixtures/thread_jobs.ts", import.meta.url);
const jobs = workerModule<typeof import("./fixtures/thread_jobs.ts")>(JOBS_URL);
// A generous limit for waits that must succeed: a hang fails the test instead of stalling the run.
const LONG = 10_000;

// deno-lint-ignore no-explicit-any
const untyped = (fn: WorkerFn<any>): WorkerFn<(...args: any[]) => any> => fn;

// Every test checks that the workers it started have all exited: they are unref'd while idle, so the op sanitizer
// would not notice one left running.
function threadTest(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void {
  Deno.test(name, async (t) => {
    await fn(t);
    assert.equal(liveWorkers(), 0, "a worker started by this test is still running");
  });
}

// ---- LoopThread -------------------------------------------------------------------------------------------------

threadTest(
  "LoopThread runs its own event loop in a worker: getEventLoop() there is that thread's running loop (Thread + new_event_loop + run_forever)",
  async () => {
    const thread = await LoopThread.start({ name: "facts" });
    try {
      assert.equal(thread.name, "facts");
      assert.equal(thread.isAlive(), true);
      assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.loopFacts), {
        sameLoop: true,
        name: "facts",
        running: true,
      });
    } finally {
      await thread.stop();
    }
    assert.equal(thread.isAlive(), false);
  },
);

threadTest(
  "callSoonThreadsafe() runs plain callbacks in order, one after another, each blocking the loop (call_soon_threadsafe)",
  async () => {
    const thread = await LoopThread.start();
    try {
      // A task that is due while the callbacks block the loop can only run after them.
      const task = thread.runCoroutineThreadsafe(jobs.sleepThenRecord, 30, "task");
      thread.callSoonThreadsafe(jobs.record, "a");
      thread.callSoonThreadsafe(jobs.blockThenRecord, 200, "b");
      thread.callSoonThreadsafe(jobs.record, "c");
      assert.equal(await task, "task");
      assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["a", "b", "c", "task"]);
    } finally {
      await thread.stop();
    }
  },
);

threadTest("ThreadHandle.cancel() drops a callback that has not run yet (Handle.cancel)", async () => {
  const thread = await LoopThread.start();
  try {
    thread.callSoonThreadsafe(jobs.blockThenRecord, 100, "blocking");
    const handle = thread.callSoonThreadsafe(jobs.record, "dropped");
    handle.cancel();
    assert.equal(handle.cancelled(), true);
    thread.callSoonThreadsafe(jobs.record, "kept");
    assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["blocking", "kept"]);
  } finally {
    await thread.stop();
  }
});

threadTest(
  "runCoroutineThreadsafe() runs async and generator coroutines concurrently as tasks (run_coroutine_threadsafe)",
  async () => {
    const thread = await LoopThread.start();
    try {
      const slow = thread.runCoroutineThreadsafe(jobs.sleepThenRecord, 80, "slow");
      const fast = thread.runCoroutineThreadsafe(jobs.sleepThenRecord, 10, "fast");
      const generator = thread.runCoroutineThreadsafe(jobs.slowAddGenerator, 20, 22, 20);
      assert.equal(slow.running(), false); // as CPython: pending (and cancellable) until the task ends
      assert.deepEqual(await Promise.all([slow, fast, generator]), ["slow", "fast", 42]);
      assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["fast", "slow"]);
      assert.equal(slow.done(), true);
    } finally {
      await thread.stop();
    }
  },
);

threadTest(
  "runCoroutineThreadsafe() fails with a TypeError when the function returns no coroutine, as CPython requires one",
  async () => {
    const thread = await LoopThread.start();
    try {
      await assert.rejects(
        async () => await thread.runCoroutineThreadsafe(untyped(jobs.plainValue)),
        (error: Error) =>
          error instanceof TypeError &&
          /needs a coroutine function: thread_jobs\.plainValue\(\) returned 7/.test(error.message),
      );
    } finally {
      await thread.stop();
    }
  },
);

threadTest("a missing module or export fails the call with a clear TypeError, and the thread goes on", async () => {
  const thread = await LoopThread.start({ name: "imports" });
  const missing = workerModule<{ gone(): Promise<void> }>(new URL("./fixtures/no_such_module.ts", import.meta.url));
  try {
    await assert.rejects(
      async () => await thread.runCoroutineThreadsafe(missing.gone),
      (error: Error) =>
        error instanceof TypeError && /Cannot import .*no_such_module\.ts in LoopThread "imports"/.test(error.message),
    );
    await assert.rejects(
      async () =>
        await thread.runCoroutineThreadsafe(untyped((jobs as unknown as Record<string, WorkerFn<() => void>>).nope)),
      (error: Error) => error instanceof TypeError && /has no export named "nope"/.test(error.message),
    );
    await assert.rejects(
      async () =>
        await thread.runCoroutineThreadsafe(
          untyped((jobs as unknown as Record<string, WorkerFn<() => void>>).notAFunction),
        ),
      (error: Error) =>
        error instanceof TypeError && /"notAFunction" .* is not a function \(it is number\)/.test(error.message),
    );
    assert.equal(await thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 1, 0), 2);
  } finally {
    await thread.stop();
  }
});

threadTest("calls run in the order they were sent even when an earlier one waits for its module to load", async () => {
  const thread = await LoopThread.start();
  try {
    thread.callSoonThreadsafe(jobs.record, "first, imports the module");
    thread.callSoonThreadsafe(jobs.record, "second");
    assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.takeRecords), ["first, imports the module", "second"]);
  } finally {
    await thread.stop();
  }
});

threadTest("a function instead of a workerModule() reference is refused with a TypeError that says why", async () => {
  const thread = await LoopThread.start();
  try {
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => thread.runCoroutineThreadsafe((() => Promise.resolve(1)) as any),
      (error: Error) =>
        error instanceof TypeError &&
        error.message ===
          "Cannot runCoroutineThreadsafe(): expected a function reference from workerModule(), received function " +
            "(anonymous) (a function cannot be sent to another thread: export it from a module and pass its " +
            "workerModule() reference)",
    );
  } finally {
    await thread.stop();
  }
});

threadTest(
  "a ThreadQueue passed as an argument crosses as itself: the worker puts, the main thread gets (queue.Queue)",
  async () => {
    const thread = await LoopThread.start();
    try {
      const queue = new ThreadQueue<string>({ maxsize: 2 });
      thread.callSoonThreadsafe(jobs.putAfter, 20, queue, "first");
      thread.callSoonThreadsafe(jobs.putAfter, 0, queue, "second");
      assert.equal(queue.get({ timeout: LONG }), "first");
      assert.equal(queue.get({ timeout: LONG }), "second");
    } finally {
      await thread.stop();
    }
  },
);

// ---- ConcurrentFuture across threads ----------------------------------------------------------------------------

threadTest(
  "ConcurrentFuture.result(timeout) blocks the main thread and throws TimeoutError when the time is up (Future.result)",
  async () => {
    const thread = await LoopThread.start();
    try {
      const cf = thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 2, 300);
      assert.throws(() => cf.result(10), TimeoutError);
      assert.throws(() => cf.exception(0), TimeoutError);
      assert.equal(cf.done(), false);
      assert.equal(cf.result(LONG), 3);
      assert.equal(cf.exception(), undefined);
      const failing = thread.runCoroutineThreadsafe(jobs.fail, "type");
      assert.equal((failing.exception(LONG) as Error).message, "bad type");
    } finally {
      await thread.stop();
    }
  },
);

threadTest(
  "result(timeout) blocks inside a worker too: a local future, and a nested pool's job, time out there",
  async () => {
    const thread = await LoopThread.start();
    try {
      assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.blockOnNestedPool, 10, 200), [
        "TimeoutError",
        "nested",
      ]);
    } finally {
      await thread.stop();
    }
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    try {
      assert.equal(await pool.submit(jobs.blockOnLocalFuture, 5), "TimeoutError");
    } finally {
      await pool.shutdown();
    }
  },
);

threadTest(
  "cancel() reaches the task in the other thread: it ends cancelled here and its finally runs there (run_coroutine_threadsafe)",
  async () => {
    const thread = await LoopThread.start();
    try {
      const cf = thread.runCoroutineThreadsafe(jobs.waitForever, "w");
      const seen: boolean[] = [];
      cf.addDoneCallback((f) => seen.push(f.cancelled()));
      await thread.runCoroutineThreadsafe(jobs.whenStarted);
      assert.equal(cf.cancel(), true);
      assert.equal(cf.cancelled(), true);
      assert.deepEqual(seen, [true]);
      assert.throws(() => cf.result(), CancelledError);
      await assert.rejects(async () => await cf, CancelledError);
      assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.afterFinally), [
        "started w",
        "CancelledError in w",
        "finally w",
      ]);
      assert.equal(cf.cancel(), true); // already cancelled
    } finally {
      await thread.stop();
    }
  },
);

threadTest(
  "addDoneCallback() runs when the result arrives (also during a blocking result()), and at once when already done (add_done_callback)",
  async () => {
    const thread = await LoopThread.start();
    try {
      const seen: string[] = [];
      const cf = thread.runCoroutineThreadsafe(jobs.slowAdd, 2, 2, 20);
      cf.addDoneCallback((f) => seen.push(`first ${f.result()}`));
      assert.equal(cf.result(LONG), 4);
      assert.deepEqual(seen, ["first 4"]);
      cf.addDoneCallback((f) => seen.push(`late ${f.result()}`));
      assert.deepEqual(seen, ["first 4", "late 4"]);
      const other = thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 0, 5);
      other.addDoneCallback(() => seen.push("async"));
      await other;
      assert.equal(seen.at(-1), "async");
    } finally {
      await thread.stop();
    }
  },
);

threadTest(
  "wrapFuture(cf) gives a Future of the current loop, and cancelling it cancels the remote task (wrap_future)",
  async () => {
    const thread = await LoopThread.start();
    try {
      const value = await run(async () => {
        const future = wrapFuture(thread.runCoroutineThreadsafe(jobs.slowAdd, 20, 1, 5));
        assert.equal(future.getLoop(), getRunningLoop());
        return await future;
      });
      assert.equal(value, 21);
      const fromGenerator = await run(function* () {
        return (yield* thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 1, 5)) * 10;
      }());
      assert.equal(fromGenerator, 20);
      const forever = thread.runCoroutineThreadsafe(jobs.waitForever, "wrapped");
      await thread.runCoroutineThreadsafe(jobs.whenStarted);
      await run(async () => {
        await assert.rejects(async () => await waitFor(wrapFuture(forever), 20), TimeoutError);
      });
      assert.equal(forever.cancelled(), true);
      assert.deepEqual(await thread.runCoroutineThreadsafe(jobs.afterFinally), [
        "started wrapped",
        "CancelledError in wrapped",
        "finally wrapped",
      ]);
    } finally {
      await thread.stop();
    }
  },
);

threadTest("errors cross threads with their class, name, message, stack (remote frames) and cause", async () => {
  const thread = await LoopThread.start();
  const failure = async (kind: string): Promise<Error> => {
    try {
      await thread.runCoroutineThreadsafe(jobs.fail, kind);
    } catch (error) {
      return error as Error;
    }
    throw new Error("expected a failure");
  };
  try {
    const typeError = await failure("type");
    assert.ok(typeError instanceof TypeError);
    assert.equal(typeError.message, "bad type");
    assert.match(typeError.stack!, /at fail \(.*thread_jobs\.ts:\d+:\d+\)/);
    assert.ok(typeError.cause instanceof RangeError);
    assert.equal((typeError.cause as Error).message, "the root cause");

    const custom = await failure("custom");
    assert.equal(custom.name, "ParseError");
    assert.equal(custom.message, "cannot parse");
    assert.equal((custom as Error & { code: string }).code, "E_PARSE");
    assert.match(String(custom.stack), /ParseError: cannot parse/);

    assert.ok(await failure("timeout") instanceof TimeoutError);
    assert.ok(await failure("invalid") instanceof InvalidStateError);
    const aggregate = await failure("aggregate");
    assert.ok(aggregate instanceof AggregateError);
    assert.ok(aggregate.errors[0] instanceof TypeError);
    assert.ok(aggregate.errors[1] instanceof RangeError);
    assert.equal(await failure("string"), "a plain string");
  } finally {
    await thread.stop();
  }
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  try {
    assert.throws(() => pool.submit(jobs.failSync, "from a pool").result(LONG), RangeError);
  } finally {
    await pool.shutdown();
  }
});

threadTest(
  "a value that cannot cross to a thread is refused with a TypeError naming the function called, the argument's position and the value's kind (DataCloneError)",
  async () => {
    const thread = await LoopThread.start({ name: "io" });
    const pool = new WorkerPoolExecutor({ name: "cpu", maxWorkers: 1, maxQueue: 5 });
    try {
      const notCloneable = (): number => 1;
      const refused = (message: string) => (error: Error) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.equal(error.message, message);
        assert.equal((error.cause as Error)?.name, "DataCloneError");
        return true;
      };
      const hint = " (export it from a module and pass its workerModule() reference)";
      assert.throws(
        () => thread.runCoroutineThreadsafe(untyped(jobs.slowAdd), 1, notCloneable, 0),
        refused(
          `Cannot runCoroutineThreadsafe() on LoopThread "io": argument 2 of thread_jobs.slowAdd: a function ` +
            `(notCloneable) cannot be sent to another thread${hint}`,
        ),
      );
      assert.throws(
        () => runCoroutineThreadsafe(call(untyped(jobs.slowAdd), 1, 2, { options: { onDone: notCloneable } }), thread),
        refused(
          `Cannot runCoroutineThreadsafe() on LoopThread "io": argument 3 of thread_jobs.slowAdd: a function ` +
            `(notCloneable) at .options.onDone cannot be sent to another thread${hint}`,
        ),
      );
      assert.throws(
        () => thread.loop.callSoonThreadsafe(untyped(jobs.record), Symbol("no")),
        refused(
          'Cannot callSoonThreadsafe() on LoopThread "io": argument 1 of thread_jobs.record: a symbol cannot be sent ' +
            "to another thread",
        ),
      );
      assert.throws(
        () => thread.callSoonThreadsafe(untyped(jobs.record), [1, new WeakMap()]),
        refused(
          'Cannot callSoonThreadsafe() on LoopThread "io": argument 1 of thread_jobs.record: a WeakMap at [1] cannot ' +
            "be sent to another thread",
        ),
      );
      // Straight to an idle worker, and into the queue behind a busy one.
      assert.throws(
        () => pool.submit(untyped(jobs.echo), notCloneable),
        refused(
          'Cannot submit() on worker 1 of WorkerPoolExecutor "cpu": argument 1 of ' +
            `thread_jobs.echo: a function (notCloneable) cannot be sent to another thread${hint}`,
        ),
      );
      const busy = pool.submit(jobs.sleepSync, 50, "busy");
      assert.throws(
        () => pool.submit(untyped(jobs.echo), new Map([["key", Promise.resolve()]])),
        refused(
          'Cannot submit() on <WorkerPoolExecutor "cpu" workers=1/1 queued=0>: argument 1 of thread_jobs.echo: a ' +
            "Promise at <Map value 0> cannot be sent to another thread",
        ),
      );
      assert.equal(await busy, "busy");
      await assert.rejects(
        async () => await thread.runCoroutineThreadsafe(jobs.makeFunction),
        (error: Error) =>
          error instanceof TypeError &&
          error.message ===
            'Cannot send the result of thread_jobs.makeFunction() back from LoopThread "io": a function cannot be ' +
              `sent to another thread${hint}`,
      );
    } finally {
      await thread.stop();
      await pool.shutdown();
    }
  },
);

// ---- Workers that end badly ---------------------------------------------------------------------------------------

threadTest(
  "a worker that crashes, exits, closes itself or is terminated fails every pending future with BrokenThreadError (BrokenThreadPool)",
  async (t) => {
    for (const [how, pattern] of [["throw", /crashed/], ["exit", /exited with code 3/], ["close", /closed itself/]]) {
      await t.step(`the worker ends by ${how}`, async () => {
        const thread = await LoopThread.start({ name: how as string });
        const pending = thread.runCoroutineThreadsafe(jobs.waitForever, "victim");
        thread.runCoroutineThreadsafe(jobs.crash, how as string, 5);
        await assert.rejects(
          async () => await pending,
          (error: Error) =>
            error instanceof BrokenThreadError && (pattern as RegExp).test(error.message) &&
            /before thread_jobs\.waitForever\(\) finished/.test(error.message),
        );
        if (how === "throw") assert.match(String((pending.exception() as Error).cause), /crashed on purpose/);
        await thread.join();
        assert.equal(thread.isAlive(), false);
        assert.throws(() => thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 1, 0), InvalidStateError);
      });
    }
    await t.step("a thread blocked in result() learns of the crash (no hang)", async () => {
      const thread = await LoopThread.start();
      const pending = thread.runCoroutineThreadsafe(jobs.waitForever, "blocked on");
      thread.runCoroutineThreadsafe(jobs.crash, "exit", 20);
      assert.throws(() => pending.result(LONG), BrokenThreadError);
      await thread.join();
    });
    await t.step("terminate()", async () => {
      const thread = await LoopThread.start();
      const pending = thread.runCoroutineThreadsafe(jobs.waitForever, "terminated");
      await thread.runCoroutineThreadsafe(jobs.whenStarted);
      await thread.terminate();
      assert.throws(
        () => pending.result(0),
        (error: Error) => error instanceof BrokenThreadError && /terminated/.test(error.message),
      );
    });
    await t.step("a pool replaces a crashed worker and goes on with the queue", async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const crashing = pool.submit(jobs.crash, "exit", 5);
      const next = pool.submit(jobs.fib, 10);
      assert.throws(() => crashing.result(LONG), BrokenThreadError);
      assert.equal(next.result(LONG), 55);
      await pool.shutdown();
    });
  },
);

threadTest(
  "stop() cancels the thread's remaining tasks and waits for them there, then refuses new calls; join() waits for the end",
  async () => {
    const thread = await LoopThread.start({ name: "stopping" });
    const cleaning = thread.runCoroutineThreadsafe(jobs.cleanUpOnCancel, "at stop");
    const cancelled = thread.runCoroutineThreadsafe(jobs.waitForever, "at stop");
    await thread.runCoroutineThreadsafe(jobs.whenStarted);
    const stopped = thread.stop();
    assert.throws(
      () => thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 1, 0),
      (error: Error) => error instanceof InvalidStateError && /LoopThread "stopping" is stopping/.test(error.message),
    );
    await stopped;
    await thread.join();
    assert.equal(cleaning.result(0), "cleaned up at stop");
    assert.equal(cancelled.cancelled(), true);
    assert.equal(String(thread), '<LoopThread "stopping" ended>');
  },
);

Deno.test("a LoopThread whose loop meets a stray rejected promise or a never-retrieved task exception reports it through that loop's exception handler and keeps running (CPython logs and goes on)", async () => {
  // A program of its own: it collects garbage in the thread (--expose-gc), and the default handler prints to stderr.
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL("./fixtures/thread_unhandled.ts", import.meta.url).pathname],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  // The default handler printed both, with the error's stack, and the thread went on.
  assert.match(
    stderr,
    /Unhandled promise rejection in LoopThread "default-handler"\nRangeError: stray A\n\s+at strayRejection/,
  );
  assert.match(stderr, /Task exception was never retrieved\nTypeError: task failed A\n\s+at /);
  // A handler set in the thread (through a worker function) saw both; the thread went on.
  assert.deepEqual(stdout.trim().split("\n"), [
    "default handler: still running",
    'own handler saw: Unhandled promise rejection in LoopThread "own-handler": stray B',
    "own handler saw: Task exception was never retrieved: task failed B",
    "own handler: still running",
  ]);
  assert.doesNotMatch(stderr, /stray B|task failed B/);
});

// ---- Pools ------------------------------------------------------------------------------------------------------------

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

threadTest("transfer() moves a buffer to the worker (detached here) and a result back (Transferable)", async () => {
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  try {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const sum = pool.submit(jobs.sumBytes, transfer(bytes));
    assert.equal(bytes.byteLength, 0);
    assert.equal(await sum, 10);
    // Queued behind a busy worker: still moved at submit time.
    const busy = pool.submit(jobs.sleepSync, 30, "busy");
    const buffer = new Uint8Array([5, 5]).buffer;
    const queued = pool.submit(jobs.sumBytes, new Uint8Array(transfer(buffer)));
    assert.equal(buffer.byteLength, 0);
    assert.deepEqual(await Promise.all([busy, queued]), ["busy", 10]);
    const made = await pool.submit(jobs.makeBytes, 3);
    assert.deepEqual([...made], [1, 1, 1]);
    const copied = new Uint8Array([7]);
    assert.equal(await pool.submit(jobs.sumBytes, copied), 7);
    assert.equal(copied.byteLength, 1); // not marked: copied
  } finally {
    await pool.shutdown();
  }
  assert.throws(() => transfer({ plain: true }), /without a transferList/);
  assert.throws(() => transfer(3), TypeError);
});

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

// ---- Lifecycle ------------------------------------------------------------------------------------------------------

threadTest(
  "runLoopShutdownHooks(loop) (what run() calls) stops the loop threads and pools started while the loop ran",
  async () => {
    const loop = newEventLoop();
    const [thread, pool, before] = await loop.runUntilComplete(async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await pool.submit(jobs.fib, 5);
      return [await LoopThread.start(), pool, String(pool)] as const;
    });
    assert.match(before, /workers=1\/1/);
    await runLoopShutdownHooks(loop);
    assert.equal(thread.isAlive(), false);
    assert.match(String(pool), /workers=0\/1/);
    assert.throws(() => pool.submit(jobs.fib, 1), InvalidStateError);
    loop.close();
  },
);

Deno.test({
  name: "run() stops the loop threads and pools started during the run, as asyncio.run shuts down its executors",
  fn: async () => {
    let thread: LoopThread | null = null;
    let pool: WorkerPoolExecutor | null = null;
    await run(async () => {
      thread = await LoopThread.start();
      pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await pool.submit(jobs.fib, 5);
    });
    assert.equal(thread!.isAlive(), false);
    assert.match(String(pool), /workers=0\/1/);
  },
});

async function runProgram(source: string, env?: Record<string, string>): Promise<{ code: number; out: string }> {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${directory}/main.ts`, source);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", `${directory}/main.ts`],
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

threadTest(
  "a program that forgets to stop a LoopThread or a pool still exits, once its pending calls are done (daemon threads); debug mode warns",
  async () => {
    const threadsUrl = new URL("../threads.ts", import.meta.url).href;
    const program = (debug: boolean) => `
    import { LoopThread, WorkerPoolExecutor, workerModule } from ${JSON.stringify(threadsUrl)};
    const jobs = workerModule(${JSON.stringify(JOBS_URL.href)});
    const thread = await LoopThread.start({ name: "forgotten", debug: ${debug} });
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    console.log(await pool.submit(jobs.fib, 10));
    thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 2, 50).then((value) => console.log("pending call finished", value));
    console.log("end of main");
  `;
    const quiet = await runProgram(program(false));
    assert.equal(quiet.code, 0);
    assert.equal(quiet.out, "55\nend of main\npending call finished 3\n");
    const debug = await runProgram(program(true));
    assert.equal(debug.code, 0);
    assert.match(debug.out, /<LoopThread "forgotten" running> was never stopped/);
  },
);

threadTest("the library works when imported over http: workers find their bootstrap next to threads.ts", async () => {
  const root = new URL("../", import.meta.url);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const path = new URL(request.url).pathname;
    try {
      const body = await Deno.readFile(new URL(`.${path}`, root));
      return new Response(body, { headers: { "content-type": "application/typescript" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const cache = await Deno.makeTempDir();
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const { code, out } = await runProgram(
      `
      import { LoopThread, workerModule } from "${base}/threads.ts";
      const jobs = workerModule(new URL("${base}/tests/fixtures/thread_jobs.ts"));
      const thread = await LoopThread.start({ name: "remote" });
      console.log(await thread.runCoroutineThreadsafe(jobs.slowAdd, 20, 22, 1));
      console.log(JSON.stringify(await thread.runCoroutineThreadsafe(jobs.loopFacts)));
      await thread.stop();
    `,
      { DENO_DIR: cache },
    );
    assert.equal(code, 0, out);
    assert.equal(out, '42\n{"sameLoop":true,"name":"remote","running":true}\n');
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

// ---- ConcurrentFuture on its own ------------------------------------------------------------------------------------

threadTest(
  "ConcurrentFuture follows concurrent.futures.Future's state machine: pending, running, cancelled, finished",
  async () => {
    const cf = new ConcurrentFuture<number>();
    assert.equal(String(cf), "<ConcurrentFuture pending>");
    assert.equal(cf.setRunningOrNotifyCancel(), true);
    assert.equal(cf.running(), true);
    assert.equal(cf.cancel(), false);
    assert.throws(() => cf.setRunningOrNotifyCancel(), InvalidStateError);
    cf.setResult(1);
    assert.equal(cf.running(), false);
    assert.equal(cf.done(), true);
    assert.throws(() => cf.setResult(2), InvalidStateError);
    assert.throws(() => cf.setException(new Error()), InvalidStateError);
    assert.equal(cf.cancel(), false);

    const failed = new ConcurrentFuture<number>();
    failed.setException(new RangeError("no"));
    assert.equal(String(failed), "<ConcurrentFuture finished raised RangeError>");
    await assert.rejects(async () => await failed, RangeError);

    const cancelled = new ConcurrentFuture();
    assert.equal(cancelled.cancel(), true);
    assert.equal(cancelled.setRunningOrNotifyCancel(), false);
    assert.throws(() => cancelled.exception(), CancelledError);
  },
);

threadTest("ConcurrentFuture.result() refuses a wait that could never end, and bad time-outs", () => {
  const cf = new ConcurrentFuture();
  assert.throws(
    () => cf.result(),
    (error: Error) => error instanceof InvalidStateError && /would never end/.test(error.message),
  );
  assert.throws(() => cf.result(0), TimeoutError);
  assert.throws(() => cf.result(-1), RangeError);
  assert.throws(() => cf.result("5" as unknown as number), TypeError);
  assert.throws(() => cf.addDoneCallback(3 as unknown as () => void), TypeError);
});

threadTest(
  "an exception in a done-callback is printed, not raised, and the other callbacks still run (Future._invoke_callbacks)",
  () => {
    const cf = new ConcurrentFuture<number>();
    const seen: string[] = [];
    const original = console.error;
    console.error = (...parts: unknown[]) => seen.push(`printed ${String(parts[0])}`);
    try {
      cf.addDoneCallback(() => {
        throw new Error("callback failed");
      });
      cf.addDoneCallback(() => seen.push("second"));
      cf.setResult(1);
    } finally {
      console.error = original;
    }
    assert.deepEqual(seen, ["printed Exception calling callback for <ConcurrentFuture finished result=1>:", "second"]);
  },
);

threadTest("workerModule() needs an absolute URL and hands out plain, reusable references", () => {
  assert.throws(
    () => workerModule("./relative.ts"),
    (error: Error) => error instanceof TypeError && /absolute URL/.test(error.message),
  );
  assert.equal(jobs.fib, jobs.fib);
  assert.deepEqual(structuredClone(jobs.fib), { moduleUrl: JOBS_URL.href, exportName: "fib" });
});

Deno.test("a loop thread's loop has an id distinct from the main thread's loops, as Python's id(loop) of two loops", async () => {
  const main = newEventLoop();
  const thread = await LoopThread.start({ name: "ids" });
  try {
    const remoteId = await thread.runCoroutineThreadsafe(jobs.loopId);
    assert.equal(typeof remoteId, "number");
    assert.notEqual(remoteId, main.id);
  } finally {
    await thread.stop();
    main.close();
  }
});
