import assert from "node:assert/strict";
import { gather } from "../gather.ts";
import { CancelledError } from "../errors.ts";
import type { Future } from "../future.ts";
import { newEventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import { allTasks, createTask, type Task } from "../task.ts";
import { inVirtualTime } from "./_helpers.ts";

Deno.test("gather() returns results in input order for every kind of awaitable, as CPython's gather", async () => {
  await inVirtualTime(async (loop) => {
    const results = await loop.runUntilComplete(async () => {
      const future = loop.createFuture<string>();
      loop.callLater(25, () => future.setResult("future"));
      const task = createTask(async () => await sleep(5, "task"));
      return await gather(
        async () => await sleep(30, "async function"),
        function* () {
          return yield* sleep(20, "generator");
        }(),
        future,
        task,
        Promise.resolve("promise"),
        sleep(10, "sleep"),
      );
    });
    assert.deepEqual(results, ["async function", "generator", "future", "task", "promise", "sleep"]);
    assert.equal(loop.time(), 30);
  });
});

Deno.test("gather() can be awaited from a generator coroutine with yield*, as from an async function", async () => {
  await inVirtualTime(async (loop) => {
    const results = await loop.runUntilComplete(function* () {
      return yield* gather([sleep(20, 1), sleep(10, 2)]);
    }());
    assert.deepEqual(results, [1, 2]);
  });
});

Deno.test("gather() of nothing resolves to [], as CPython's gather()", async () => {
  await inVirtualTime(async (loop) => {
    assert.deepEqual(await loop.runUntilComplete(async () => await gather()), []);
    const fromEmptyArray = await loop.runUntilComplete(async () => {
      const outer = gather([]);
      assert.equal(outer.done(), true);
      return await outer;
    });
    assert.deepEqual(fromEmptyArray, []);
  });
});

Deno.test("gather() fails with the first child's error and the other children keep running, as CPython without return_exceptions", async () => {
  await inVirtualTime(async (loop) => {
    let slow!: Task<string>;
    const outcome = await loop.runUntilComplete(async () => {
      slow = createTask(async () => await sleep(50, "slow"));
      const failing = async () => {
        await sleep(10);
        throw new RangeError("child failed");
      };
      try {
        await gather(slow, failing);
        return "no error";
      } catch (error) {
        return `${(error as Error).message} at ${loop.time()}`;
      }
    });
    assert.equal(outcome, "child failed at 10");
    assert.equal(slow.done(), false);
    assert.equal(await loop.runUntilComplete(slow), "slow");
    assert.equal(slow.cancelled(), false);
  });
});

Deno.test("gather() with returnExceptions puts errors among the results, as CPython's return_exceptions=True", async () => {
  await inVirtualTime(async (loop) => {
    const boom = new TypeError("boom");
    const results = await loop.runUntilComplete(async () =>
      await gather([
        sleep(20, "ok"),
        function* () {
          yield* sleep(10);
          throw boom;
        }(),
      ], { returnExceptions: true })
    );
    assert.equal(results[0], "ok");
    assert.equal(results[1], boom);
    assert.equal(loop.time(), 20);
  });
});

Deno.test("gather() fails with CancelledError when a child is cancelled from outside, and the others go on, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const victim = createTask(async () => await sleep(100, "victim"));
      const sibling = createTask(async () => await sleep(30, "sibling"));
      const outer = gather(victim, sibling);
      loop.callLater(10, () => victim.cancel("from outside"));
      await assert.rejects(
        Promise.resolve(outer),
        (error) => error instanceof CancelledError && error.message === "from outside",
      );
      assert.equal(loop.time(), 10);
      // The gather itself was not cancelled, so it cancels nobody else.
      assert.equal(sibling.done(), false);
      assert.equal(await sibling, "sibling");
    });
  });
});

Deno.test("gather() with returnExceptions returns a child cancelled from outside as a CancelledError result", async () => {
  await inVirtualTime(async (loop) => {
    const results = await loop.runUntilComplete(async () => {
      const victim = createTask(async () => await sleep(100, "victim"));
      loop.callLater(10, () => victim.cancel("stop"));
      return await gather([victim, sleep(30, "sibling")], { returnExceptions: true });
    });
    assert.ok(results[0] instanceof CancelledError);
    assert.equal((results[0] as CancelledError).message, "stop");
    assert.equal(results[1], "sibling");
    assert.equal(loop.time(), 30);
  });
});

Deno.test("gather.cancel() cancels every child and the gather fails with their CancelledError, cancelled() false, as CPython's _GatheringFuture", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const first = createTask(async () => await sleep(100));
      const second = createTask(function* () {
        yield* sleep(100);
      }());
      const outer = gather(first, second);
      await sleep(10);
      assert.equal(outer.cancel("enough"), true);
      await assert.rejects(
        Promise.resolve(outer),
        (error) => error instanceof CancelledError && error.message === "enough",
      );
      assert.equal(outer.cancelled(), false);
      assert.ok(outer.exception() instanceof CancelledError);
      await sleep(0);
      assert.equal(first.cancelled(), true);
      assert.equal(second.cancelled(), true);
      assert.equal(outer.cancel(), false);
    });
  });
});

Deno.test("gather.cancel() with returnExceptions fails with CancelledError only once every child is done, as CPython's outer._cancel_requested", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cleanups: number[] = [];
      const child = (cleanupMs: number) => async () => {
        try {
          await sleep(1000);
        } finally {
          await sleep(cleanupMs);
          cleanups.push(loop.time());
        }
      };
      const outer = gather([child(5), child(40)], { returnExceptions: true });
      await sleep(10);
      outer.cancel();
      await sleep(20);
      assert.equal(outer.done(), false, "the gather waits for the child still cleaning up");
      await assert.rejects(Promise.resolve(outer), CancelledError);
      assert.equal(outer.cancelled(), false);
      assert.deepEqual(cleanups, [15, 50]);
      assert.equal(loop.time(), 50);
    });
  });
});

Deno.test("gather() fails with CancelledError even when the children swallow the cancellation, as CPython (bpo-32684)", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const stubborn = (value: string) => async () => {
        try {
          await sleep(100);
        } catch {
          // Swallowed.
        }
        return value;
      };
      const stubbornGenerator = function* () {
        try {
          yield* sleep(100);
        } catch {
          // Swallowed.
        }
        return "generator";
      };
      const first = createTask(stubborn("a"));
      const second = createTask(stubbornGenerator());
      const outer = gather(first, second);
      await sleep(1);
      assert.equal(outer.cancel(), true);
      await assert.rejects(Promise.resolve(outer), CancelledError);
      assert.equal(outer.cancelled(), false);
      assert.equal(first.result(), "a");
      assert.equal(second.result(), "generator");
    });
  });
});

Deno.test("cancelling the task that awaits gather() cancels the children, in both coroutine kinds, as CPython", async (t) => {
  for (const kind of ["async function", "generator"] as const) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const children: Task<unknown>[] = [];
        const makeChildren = () => {
          children.push(createTask(async () => await sleep(100)), createTask(async () => await sleep(200)));
          return children;
        };
        const waiter = kind === "async function"
          ? loop.createTask(async () => await gather(makeChildren()))
          : loop.createTask(function* () {
            return yield* gather(makeChildren());
          }());
        loop.callLater(10, () => waiter.cancel());
        await assert.rejects(loop.runUntilComplete(waiter), CancelledError);
        assert.equal(waiter.cancelled(), true);
        assert.equal(children.length, 2);
        for (const child of children) assert.equal(child.cancelled(), true);
        assert.equal(loop.time(), 10);
      });
    });
  }
});

Deno.test("an awaitable given twice to gather() runs once and its result fills both positions, as CPython's arg_to_fut", async () => {
  await inVirtualTime(async (loop) => {
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(10);
      return runs;
    };
    let generatorRuns = 0;
    const generator = function* () {
      generatorRuns++;
      yield* sleep(5);
      return "g";
    }();
    const future = loop.createFuture<string>();
    loop.callLater(1, () => future.setResult("f"));
    const results = await loop.runUntilComplete(async () =>
      await gather(work, generator, work, future, generator, future)
    );
    assert.deepEqual(results, [1, "g", 1, "f", "g", "f"]);
    assert.equal(runs, 1);
    assert.equal(generatorRuns, 1);
  });
});

Deno.test("gather() of futures that are already done is done at once, as CPython 3.12's eager completion", async () => {
  await inVirtualTime(async (loop) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    a.setResult(1);
    b.setResult(2);
    const outer = gather(a, b);
    assert.equal(outer.done(), true);
    assert.deepEqual(outer.result(), [1, 2]);
    const failed = loop.createFuture<number>();
    failed.setException(new Error("early"));
    const failing = gather(a, failed);
    assert.equal(failing.done(), true);
    assert.throws(() => failing.result(), /early/);
    await loop.runUntilComplete(sleep(0));
  });
});

Deno.test("gather.cancel() returns false once the gather is done, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    let outer!: Future<string[]>;
    await loop.runUntilComplete(async () => {
      outer = gather([sleep(1, "x")]);
      await outer;
    });
    assert.equal(outer.cancel(), false);
    assert.deepEqual(outer.result(), ["x"]);
  });
});

Deno.test("gather() refuses what is not awaitable with a TypeError naming it, as CPython's ensure_future", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      await sleep(0);
      assert.throws(
        () => gather(42 as never),
        (error) => error instanceof TypeError && /received 42/.test(error.message),
      );
      assert.throws(
        () => gather([sleep(1), { not: "awaitable" }] as never),
        (error) => error instanceof TypeError && /received an? Object at index 1/.test(error.message),
      );
      assert.throws(
        () => gather(sleep(1), null as never),
        (error) => error instanceof TypeError && /received null at index 1/.test(error.message),
      );
      assert.throws(
        () => gather([sleep(1)], 5 as never),
        (error) => error instanceof TypeError && /options must be an object, received 5/.test(error.message),
      );
    });
  });
});

Deno.test("gather() refuses a Future of another loop with a TypeError before starting anything, as CPython's ensure_future(loop=…)", async () => {
  const other = newEventLoop();
  try {
    await inVirtualTime(async (loop) => {
      const foreign: Future<number> = other.createFuture<number>();
      await loop.runUntilComplete(async () => {
        await sleep(0);
        assert.throws(() => gather(loop.createFuture(), foreign), TypeError);
        // Checked before any task is made: a coroutine before the foreign future is not left running.
        const before = allTasks(loop).size;
        assert.throws(
          () => gather(async () => await sleep(1, 1), foreign),
          (error) => error instanceof TypeError && /belongs to another event loop/.test(error.message),
        );
        assert.equal(allTasks(loop).size, before);
      });
    });
  } finally {
    other.close();
  }
});
