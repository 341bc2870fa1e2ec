// Tests of concurrent_future.ts against CPython's concurrent.futures.Future: its state machine on its own, and the
// blocking result(timeout), cancel, done-callbacks and wrap_future of futures settled by other threads.

import assert from "node:assert/strict";
import { ConcurrentFuture } from "../concurrent_future.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "../errors.ts";
import { wrapFuture } from "../future.ts";
import { getRunningLoop } from "../loop.ts";
import { run } from "../runner.ts";
import { LoopThread } from "../loop_thread.ts";
import { WorkerPoolExecutor } from "../worker_pool.ts";
import { waitFor } from "../wait_for.ts";
import { jobs, LONG, threadTest } from "./_threads.ts";

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
