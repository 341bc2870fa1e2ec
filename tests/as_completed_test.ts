import assert from "node:assert/strict";
import { asCompleted, type CompletedFuture } from "../as_completed.ts";
import { CancelledError, TimeoutError } from "../errors.ts";
import { sleep } from "../sleep.ts";
import { createTask, type Task } from "../task.ts";
import { inVirtualTime } from "./_helpers.ts";

Deno.test("asCompleted() as a plain iterable yields awaitables of the results in completion order, as CPython 3.12's for f in as_completed()", async () => {
  await inVirtualTime(async (loop) => {
    const seen = await loop.runUntilComplete(async () => {
      const out: string[] = [];
      const items = [
        async () => await sleep(30, "async function"),
        function* () {
          return yield* sleep(10, "generator");
        }(),
        sleep(20, "sleep"),
        Promise.resolve("promise"),
      ];
      for (const next of asCompleted(items)) out.push(`${await next}@${loop.time()}`);
      return out;
    });
    assert.deepEqual(seen, ["promise@0", "generator@10", "sleep@20", "async function@30"]);
  });
});

Deno.test("asCompleted() items can be awaited with yield* in a generator coroutine", async () => {
  await inVirtualTime(async (loop) => {
    const seen = await loop.runUntilComplete(function* () {
      const out: number[] = [];
      for (const next of asCompleted([sleep(20, 2), sleep(10, 1), sleep(30, 3)])) out.push(yield* next);
      return out;
    }());
    assert.deepEqual(seen, [1, 2, 3]);
  });
});

Deno.test("asCompleted() with for-await yields the finished Futures — the tasks given — in completion order, as CPython 3.13's async for", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const slow = createTask(async () => await sleep(20, "slow"));
      const fast = createTask(async () => await sleep(10, "fast"));
      const yielded: CompletedFuture<string>[] = [];
      for await (const future of asCompleted([slow, fast])) {
        assert.equal(future.done(), true);
        yielded.push(future);
      }
      assert.deepEqual(yielded, [fast, slow]);
      assert.deepEqual(yielded.map((future) => future.result()), ["fast", "slow"]);
    });
  });
});

Deno.test("an item of asCompleted() throws its awaitable's error; for-await yields the failed Future, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    const failing = () => async () => {
      await sleep(10);
      throw new RangeError("failed");
    };
    const outcomes = await loop.runUntilComplete(async () => {
      const out: string[] = [];
      for (const next of asCompleted([failing(), sleep(20, "ok")])) {
        try {
          out.push(await next);
        } catch (error) {
          out.push((error as Error).message);
        }
      }
      return out;
    });
    assert.deepEqual(outcomes, ["failed", "ok"]);
    const futures = await loop.runUntilComplete(async () => {
      const out: unknown[] = [];
      for await (const future of asCompleted([failing(), sleep(20, "ok")])) {
        out.push(future.exception() ?? future.result());
      }
      return out;
    });
    assert.ok(futures[0] instanceof RangeError);
    assert.equal(futures[1], "ok");
  });
});

Deno.test("asCompleted() with a timeout: the remaining items throw TimeoutError and nothing is cancelled, as CPython", async (t) => {
  await t.step("plain iteration", async () => {
    await inVirtualTime(async (loop) => {
      let slow!: Task<string>;
      const outcomes = await loop.runUntilComplete(async () => {
        slow = createTask(async () => await sleep(100, "slow"));
        const out: string[] = [];
        for (const next of asCompleted([sleep(10, "fast"), slow], { timeout: 50 })) {
          try {
            out.push(await next);
          } catch (error) {
            out.push(error instanceof TimeoutError ? `TimeoutError@${loop.time()}` : String(error));
          }
        }
        return out;
      });
      assert.deepEqual(outcomes, ["fast", "TimeoutError@50"]);
      assert.equal(slow.cancelled(), false);
      assert.equal(await loop.runUntilComplete(slow), "slow");
    });
  });
  await t.step("for-await", async () => {
    await inVirtualTime(async (loop) => {
      const outcome = await loop.runUntilComplete(async () => {
        const out: string[] = [];
        try {
          for await (const future of asCompleted([sleep(10, "fast"), sleep(100, "slow")], { timeout: 50 })) {
            out.push(future.result());
          }
        } catch (error) {
          out.push(error instanceof TimeoutError ? `TimeoutError@${loop.time()}` : String(error));
        }
        return out;
      });
      assert.deepEqual(outcome, ["fast", "TimeoutError@50"]);
      await loop.runUntilComplete(sleep(100));
    });
  });
});

Deno.test("an awaitable given twice to asCompleted() runs once and is yielded once, as CPython's set(fs)", async () => {
  await inVirtualTime(async (loop) => {
    let runs = 0;
    const work = async () => {
      runs++;
      return await sleep(10, "work");
    };
    const seen = await loop.runUntilComplete(async () => {
      const out: string[] = [];
      for (const next of asCompleted([work, work, sleep(5, "other")])) out.push(await next);
      return out;
    });
    assert.deepEqual(seen, ["other", "work"]);
    assert.equal(runs, 1);
  });
});

Deno.test("asCompleted() of nothing yields nothing, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    const count = await loop.runUntilComplete(async () => {
      let n = 0;
      for (const _ of asCompleted([])) n++;
      for await (const _ of asCompleted([])) n++;
      return n;
    });
    assert.equal(count, 0);
  });
});

Deno.test("cancelling a task waiting on an asCompleted() item cancels neither the awaitables nor the next item's wake-up, as CPython's Queue.get", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const child = createTask(async () => await sleep(20, "child"));
      const [first] = asCompleted([child]);
      const taker = createTask(async () => await first);
      await sleep(10);
      taker.cancel();
      await assert.rejects(Promise.resolve(taker), CancelledError);
      assert.equal(child.cancelled(), false);
      assert.equal(await child, "child");
    });
    // Two takers wait on the same queue; the first is cancelled after it was woken for the first result but
    // before it resumed: it hands the wake-up on, so the second gets that result.
    await loop.runUntilComplete(async () => {
      const start = loop.time();
      const a = createTask(async () => await sleep(10, "a"));
      const items = [...asCompleted([a, sleep(30, "b")])];
      const firstTaker = createTask(async () => await items[0]);
      const secondTaker = createTask(async () => await items[1]);
      a.addDoneCallback(() => firstTaker.cancel());
      await assert.rejects(Promise.resolve(firstTaker), CancelledError);
      assert.equal(await secondTaker, "a");
      assert.equal(loop.time() - start, 10);
    });
  });
});

Deno.test("asCompleted() refuses a single awaitable, a non-awaitable item and a bad timeout with a TypeError naming them", async () => {
  await inVirtualTime(async (loop) => {
    const future = loop.createFuture();
    assert.throws(
      () => asCompleted(future as never),
      (error) => error instanceof TypeError && /<Future pending>/.test(error.message),
    );
    assert.throws(
      () => asCompleted([future, "x"] as never),
      (error) => error instanceof TypeError && /"x" at index 1/.test(error.message),
    );
    assert.throws(
      () => asCompleted(42 as never),
      (error) => error instanceof TypeError && /received 42/.test(error.message),
    );
    assert.throws(() => asCompleted([future], { timeout: NaN }), RangeError);
    await Promise.resolve();
  });
});
