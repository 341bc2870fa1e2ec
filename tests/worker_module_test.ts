// Tests of worker_module.ts and of what crosses threads: workerModule() references, call(), transfer(), values
// that cannot be sent (named by the function called, the argument's position and their kind), and errors that
// cross with their class, message, stack and cause.

import assert from "node:assert/strict";
import { InvalidStateError, TimeoutError } from "../errors.ts";
import { LoopThread, runCoroutineThreadsafe } from "../loop_thread.ts";
import { call, isRemoteCall, transfer, workerModule } from "../worker_module.ts";
import { WorkerPoolExecutor } from "../worker_pool.ts";
import { jobs, JOBS_URL, LONG, threadTest, untyped } from "./_threads.ts";

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

threadTest("workerModule() needs an absolute URL and hands out plain, reusable references", () => {
  assert.throws(
    () => workerModule("./relative.ts"),
    (error: Error) => error instanceof TypeError && /absolute URL/.test(error.message),
  );
  assert.equal(jobs.fib, jobs.fib);
  assert.deepEqual(structuredClone(jobs.fib), { moduleUrl: JOBS_URL.href, exportName: "fib" });
});

Deno.test("call() binds a reference to its arguments in a frozen plain object, which can itself cross threads (a coroutine object's image)", () => {
  const queue = { note: "any cloneable value" };
  const remote = call(jobs.echo, queue);
  assert.equal(remote.fn, jobs.echo);
  assert.deepEqual(remote.args, [queue]);
  assert.ok(Object.isFrozen(remote) && Object.isFrozen(remote.args));
  assert.equal(isRemoteCall(remote), true);
  assert.deepEqual(structuredClone(remote), { fn: { moduleUrl: JOBS_URL.href, exportName: "echo" }, args: [queue] });
  assert.equal(isRemoteCall(structuredClone(remote)), true);
  for (const other of [jobs.echo, null, 1, { fn: jobs.echo }, { fn: {}, args: [] }]) {
    assert.equal(isRemoteCall(other), false);
  }
});

Deno.test("transfer() refuses what cannot be moved, naming transfer() and the value", () => {
  assert.throws(
    () => transfer(10n),
    new TypeError("Cannot transfer(): only objects can be moved to another thread, received 10n"),
  );
  assert.throws(
    () => transfer({ data: new Uint8Array(1) }),
    (error: Error) =>
      error instanceof TypeError && error.message.startsWith("Cannot transfer() an Object without a transferList"),
  );
  assert.throws(
    () => transfer(new Uint8Array(1), "buffer" as unknown as Transferable[]),
    new TypeError('Cannot transfer(): transferList must be an array, received "buffer"'),
  );
});
