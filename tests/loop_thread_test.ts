// Tests of loop_thread.ts against CPython 3.12's threading + asyncio: a thread running an event loop forever
// (Thread + new_event_loop + run_forever), call_soon_threadsafe, run_coroutine_threadsafe, and the loop's exception
// handler in the thread. The functions the workers run are in tests/fixtures/thread_jobs.ts.
//
// Every test stops the threads it starts. Nothing here measures time: waits that must time out use short limits,
// waits that must not use generous ones.

import assert from "node:assert/strict";
import { InvalidStateError } from "../errors.ts";
import { CancelledError } from "../errors.ts";
import { newEventLoop } from "../loop.ts";
import { ThreadQueue } from "../thread_queue.ts";
import { LoopThread, type RemoteLoop, runCoroutineThreadsafe } from "../loop_thread.ts";
import { call, type RemoteCall, type WorkerFn, workerModule } from "../worker_module.ts";
import { jobs, LONG, threadTest, untyped } from "./_threads.ts";

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

// ---- The module-level runCoroutineThreadsafe(coro, loop) and the loop handle -----------------------------------

threadTest(
  "runCoroutineThreadsafe(call(fn, ...args), loop) runs a remote call as a task of a LoopThread's loop, given the thread or its loop, in CPython's argument order (asyncio.run_coroutine_threadsafe)",
  async () => {
    const thread = await LoopThread.start({ name: "remote" });
    try {
      const newLoop: RemoteLoop = thread.loop;
      const remote: RemoteCall<number> = call(jobs.slowAdd, 20, 22, 1);
      // The same remote call, run twice and on either handle: its arguments are sent each time.
      assert.equal(await runCoroutineThreadsafe(remote, newLoop), 42);
      assert.equal(runCoroutineThreadsafe(remote, thread).result(LONG), 42);
      assert.equal(await runCoroutineThreadsafe(call(jobs.slowAddGenerator, 1, 2, 1), newLoop), 3);
      // Its future reaches the task there: a cancel runs the task's finally in that thread.
      const forever = runCoroutineThreadsafe(call(jobs.waitForever, "remote call"), newLoop);
      await runCoroutineThreadsafe(call(jobs.whenStarted), newLoop);
      assert.equal(forever.cancel(), true);
      assert.deepEqual(await runCoroutineThreadsafe(call(jobs.afterFinally), newLoop), [
        "started remote call",
        "CancelledError in remote call",
        "finally remote call",
      ]);
      assert.throws(() => forever.result(0), CancelledError);
    } finally {
      await thread.stop();
    }
  },
);

threadTest(
  "runCoroutineThreadsafe() refuses a coroutine of this thread, an EventLoop or anything but a LoopThread, with a TypeError that says what to pass",
  async () => {
    const thread = await LoopThread.start({ name: "strict" });
    const local = newEventLoop();
    try {
      const hint = "(a coroutine of this thread cannot be sent to another thread: bind a workerModule() reference " +
        "to its arguments with call(jobs.fn, ...args))";
      for (const coroutine of [Promise.resolve(1), function* () {}(), () => Promise.resolve(1)]) {
        assert.throws(
          () => runCoroutineThreadsafe(coroutine as unknown as RemoteCall, thread),
          (error: Error) =>
            error instanceof TypeError &&
            error.message.startsWith(
              "Cannot runCoroutineThreadsafe(): expected a remote call made by call(), received ",
            ) &&
            error.message.endsWith(hint),
        );
      }
      assert.throws(
        () => runCoroutineThreadsafe(call(jobs.fib, 3), local as unknown as LoopThread),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith(
            `Cannot runCoroutineThreadsafe(): expected a LoopThread or its loop (thread.loop), received ${local} (an ` +
              "EventLoop of this thread",
          ),
      );
      assert.throws(
        () => runCoroutineThreadsafe(call(jobs.fib, 3), 10n as unknown as LoopThread),
        new TypeError("Cannot runCoroutineThreadsafe(): expected a LoopThread or its loop (thread.loop), received 10n"),
      );
      assert.throws(
        () => call((() => 1) as unknown as WorkerFn<() => number>),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith(
            "Cannot call(): expected a function reference from workerModule(), received function",
          ),
      );
    } finally {
      local.close();
      await thread.stop();
    }
    // A stopped thread says so, naming the call.
    assert.throws(
      () => runCoroutineThreadsafe(call(jobs.fib, 3), thread.loop),
      new InvalidStateError('Cannot runCoroutineThreadsafe(thread_jobs.fib): LoopThread "strict" is ended'),
    );
  },
);

threadTest(
  "thread.loop is a handle to the thread's own loop: the id getRunningLoop() has there, callSoonThreadsafe() runs there, isRunning() follows the thread (new_loop.call_soon_threadsafe)",
  async () => {
    const thread = await LoopThread.start({ name: "handle" });
    const newLoop = thread.loop;
    try {
      assert.equal(thread.loop, newLoop);
      assert.equal(newLoop.thread, thread);
      assert.equal(await runCoroutineThreadsafe(call(jobs.loopId), newLoop), newLoop.id);
      assert.equal(String(newLoop), `<RemoteLoop id=${newLoop.id} of LoopThread "handle">`);
      newLoop.callSoonThreadsafe(jobs.record, "one");
      const handle = newLoop.callSoonThreadsafe(jobs.record, "two");
      assert.equal(handle.cancelled(), false);
      assert.deepEqual(await runCoroutineThreadsafe(call(jobs.takeRecords), newLoop), ["one", "two"]);
      assert.equal(newLoop.isRunning(), true);
    } finally {
      await thread.stop();
    }
    assert.equal(newLoop.isRunning(), false);
    assert.throws(() => newLoop.callSoonThreadsafe(jobs.record, "late"), InvalidStateError);
  },
);

Deno.test("LoopThread.start() refuses a name that is not a string, naming the method and the value (BigInt as 10n)", async () => {
  await assert.rejects(
    LoopThread.start({ name: 10n as unknown as string }),
    new TypeError("Cannot LoopThread.start(): name must be a string, received 10n"),
  );
});

threadTest(
  "no reply's wake-up is lost: round after round of 1000 calls in flight, awaited, all settle (a reply written while this thread stopped watching the ring once went unseen)",
  async () => {
    const thread = await LoopThread.start();
    try {
      // The race was narrow (a reply landing between the last take and the decision to watch the ring again) but
      // hit about one round in five of this shape; 40 rounds make a miss of it unlikely.
      for (let round = 0; round < 40; round++) {
        const futures = Array.from({ length: 1000 }, (_, i) => thread.runCoroutineThreadsafe(jobs.echoAsync, i));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stuck = new Promise<"stuck">((resolve) => timer = setTimeout(() => resolve("stuck"), LONG));
        const outcome = await Promise.race([Promise.all(futures), stuck]);
        clearTimeout(timer);
        const done = futures.filter((future) => future.done()).length;
        assert.notEqual(outcome, "stuck", `round ${round}: ${done} of 1000 calls settled, the rest never woke`);
        assert.deepEqual(outcome, Array.from({ length: 1000 }, (_, i) => i));
      }
    } finally {
      await thread.stop();
    }
  },
);

threadTest(
  "results come back intact and in the order the thread finished them, whether small (shared memory) or not (the port), with more calls in flight than the reply ring holds",
  async () => {
    const thread = await LoopThread.start();
    try {
      const sample = (i: number): unknown =>
        [i, -0.5, `s${i}`, "é".repeat(i % 40), { i }, i % 3 === 0, null, undefined, [i], "x".repeat(60), "\ud800"][
          i % 11
        ];
      for (const blocking of [false, true]) {
        const count = 3_000;
        const futures = Array.from(
          { length: count },
          (_, i) => thread.runCoroutineThreadsafe(jobs.echoAsync, sample(i)),
        );
        const finished: number[] = [];
        futures.forEach((future, i) => future.addDoneCallback(() => finished.push(i)));
        const results = blocking ? futures.map((future) => future.result(LONG)) : await Promise.all(futures);
        assert.deepEqual(results, Array.from({ length: count }, (_, i) => sample(i)));
        // The thread finishes them in the order they were sent; so does this thread, whatever lane each took.
        assert.deepEqual(finished, Array.from({ length: count }, (_, i) => i));
      }
    } finally {
      await thread.stop();
    }
  },
);
