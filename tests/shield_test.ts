import assert from "node:assert/strict";
import { shield } from "../shield.ts";
import { CancelledError } from "../errors.ts";
import type { Future } from "../future.ts";
import { sleep } from "../sleep.ts";
import { createTask, type Task } from "../task.ts";
import { inVirtualTime } from "./_helpers.ts";

const KINDS = ["async function", "generator"] as const;

Deno.test("cancelling the task awaiting shield() raises CancelledError there and leaves the inner running, as CPython's shield", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const inner = loop.createTask(async () => await sleep(50, "inner result"));
        const waiter = kind === "async function"
          ? loop.createTask(async () => await shield(inner))
          : loop.createTask(function* () {
            return yield* shield(inner);
          }());
        loop.callLater(10, () => waiter.cancel());
        await assert.rejects(loop.runUntilComplete(waiter), CancelledError);
        assert.equal(loop.time(), 10);
        assert.equal(inner.cancelled(), false);
        assert.equal(await loop.runUntilComplete(inner), "inner result");
        assert.equal(loop.time(), 50);
      });
    });
  }
});

Deno.test("shield() gives the inner's result or error to the awaiter, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    assert.equal(await loop.runUntilComplete(async () => await shield(sleep(10, "value"))), "value");
    const failing = async () => {
      await sleep(10);
      throw new RangeError("inner failed");
    };
    await assert.rejects(loop.runUntilComplete(async () => await shield(failing)), RangeError);
  });
});

Deno.test("shield() wraps both coroutine kinds in tasks that survive the awaiter's cancel, as CPython's ensure_future", async () => {
  await inVirtualTime(async (loop) => {
    const finished: string[] = [];
    const waiter = loop.createTask(async () => {
      await Promise.all([
        shield(async () => {
          await sleep(30);
          finished.push("async function");
        }),
        shield(function* () {
          yield* sleep(30);
          finished.push("generator");
        }()),
      ]);
    });
    loop.callLater(10, () => waiter.cancel());
    await assert.rejects(loop.runUntilComplete(waiter), CancelledError);
    await loop.runUntilComplete(sleep(50));
    assert.deepEqual(finished.sort(), ["async function", "generator"]);
  });
});

Deno.test("an inner cancelled by other means cancels shield()'s future, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const inner = createTask(async () => await sleep(100));
      const outer = shield(inner);
      loop.callLater(10, () => inner.cancel());
      await assert.rejects(Promise.resolve(outer), CancelledError);
      assert.equal(outer.cancelled(), true);
    });
  });
});

Deno.test("cancelling shield()'s future does not cancel the inner, and the inner's later result stays out of it, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const inner: Task<string> = createTask(async () => await sleep(20, "later"));
      const outer: Future<string> = shield(inner);
      assert.equal(outer.cancel(), true);
      assert.equal(await inner, "later");
      await sleep(0);
      assert.equal(outer.cancelled(), true);
      assert.throws(() => outer.result(), CancelledError);
    });
  });
});

Deno.test("shield() of a future that is already done returns that future, as CPython's shortcut", async () => {
  await inVirtualTime(async (loop) => {
    const done = loop.createFuture<number>();
    done.setResult(7);
    assert.equal(shield(done), done);
    await loop.runUntilComplete(sleep(0));
  });
});

Deno.test("shield() refuses what is not awaitable with a TypeError naming it", () => {
  assert.throws(() => shield(3 as never), (error) => error instanceof TypeError && /received 3/.test(error.message));
  assert.throws(() => shield({} as never), (error) => error instanceof TypeError && /Object/.test(error.message));
});
