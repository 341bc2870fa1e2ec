import assert from "node:assert/strict";
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, wait } from "../wait.ts";
import { waitFor } from "../wait_for.ts";
import { shield } from "../shield.ts";
import { CancelledError, TimeoutError } from "../errors.ts";
import type { Future } from "../future.ts";
import { type EventLoop, newEventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import { createTask, currentTask, type Task } from "../task.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { inVirtualTime } from "./_helpers.ts";

const KINDS = ["async function", "generator"] as const;

// ---- wait() -------------------------------------------------------------------------------------------------

Deno.test("wait() exports FIRST_COMPLETED, FIRST_EXCEPTION and ALL_COMPLETED, as CPython's constants", () => {
  assert.equal(FIRST_COMPLETED, "FIRST_COMPLETED");
  assert.equal(FIRST_EXCEPTION, "FIRST_EXCEPTION");
  assert.equal(ALL_COMPLETED, "ALL_COMPLETED");
});

Deno.test("wait() waits for all by default and returns { done, pending }, as CPython's ALL_COMPLETED", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const tasks: Task<number>[] = [];
        const start = () => {
          tasks.push(createTask(async () => await sleep(30, 1)), createTask(async () => await sleep(10, 2)));
          return tasks;
        };
        const result = kind === "async function"
          ? await loop.runUntilComplete(async () => await wait(start()))
          : await loop.runUntilComplete(function* () {
            return yield* wait(start());
          }());
        assert.deepEqual(new Set(result.done), new Set(tasks));
        assert.equal(result.pending.size, 0);
        assert.equal(loop.time(), 30);
      });
    });
  }
});

Deno.test("wait() with FIRST_COMPLETED returns after the first and cancels nothing, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const fast = createTask(async () => await sleep(10, "fast"));
      const slow = createTask(async () => await sleep(50, "slow"));
      const { done, pending } = await wait([slow, fast], { returnWhen: FIRST_COMPLETED });
      assert.deepEqual([...done], [fast]);
      assert.deepEqual([...pending], [slow]);
      assert.equal(loop.time(), 10);
      assert.equal(slow.cancelled(), false);
      assert.equal(await slow, "slow");
    });
  });
});

Deno.test("wait() with FIRST_EXCEPTION returns at the first failure; a cancelled future does not count, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cancelled = createTask(async () => await sleep(100));
      const failing = createTask(async () => {
        await sleep(20);
        throw new RangeError("failed");
      });
      const slow = createTask(async () => await sleep(50, "slow"));
      loop.callLater(5, () => cancelled.cancel());
      const { done, pending } = await wait([cancelled, failing, slow], { returnWhen: FIRST_EXCEPTION });
      assert.equal(loop.time(), 20);
      assert.deepEqual(done, new Set([cancelled, failing]));
      assert.deepEqual(pending, new Set([slow]));
      await slow;
    });
  });
});

Deno.test("wait() with FIRST_EXCEPTION and no failure waits for all, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    const { done, pending } = await loop.runUntilComplete(async () =>
      await wait([sleep(10), sleep(40)], { returnWhen: FIRST_EXCEPTION })
    );
    assert.equal(done.size, 2);
    assert.equal(pending.size, 0);
    assert.equal(loop.time(), 40);
  });
});

Deno.test("wait() with a timeout returns what is done and leaves the rest pending, uncancelled, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    await loop.runUntilComplete(async () => {
      const fast = createTask(async () => await sleep(10, "fast"));
      const slow = createTask(async () => await sleep(100, "slow"));
      const { done, pending } = await wait([fast, slow], { timeout: 30 });
      assert.equal(loop.time(), 30);
      assert.deepEqual(done, new Set([fast]));
      assert.deepEqual(pending, new Set([slow]));
      assert.equal(await slow, "slow");
      assert.equal(loop.time(), 100);
    });
  });
});

Deno.test("wait() with timeout null or undefined waits without limit, as CPython's timeout=None", async () => {
  await inVirtualTime(async (loop) => {
    const result = await loop.runUntilComplete(async () => await wait([sleep(1e6)], { timeout: null }));
    assert.equal(result.done.size, 1);
    assert.equal(loop.time(), 1e6);
  });
});

Deno.test("cancelling the task in wait() raises CancelledError there and cancels none of the awaitables, as CPython", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const child = loop.createTask(async () => await sleep(50, "child"));
        const waiter = kind === "async function"
          ? loop.createTask(async () => await wait([child]))
          : loop.createTask(function* () {
            return yield* wait([child]);
          }());
        loop.callLater(10, () => waiter.cancel());
        await assert.rejects(loop.runUntilComplete(waiter), CancelledError);
        assert.equal(child.done(), false);
        assert.equal(await loop.runUntilComplete(child), "child");
      });
    });
  }
});

Deno.test("wait() accepts coroutines and promises, wraps them in futures and counts a duplicate once", async () => {
  await inVirtualTime(async (loop) => {
    let runs = 0;
    const work = async () => {
      runs++;
      return await sleep(10, "work");
    };
    const generator = function* () {
      return yield* sleep(20, "generator");
    }();
    const { done, pending } = await loop.runUntilComplete(async () =>
      await wait([work, generator, Promise.resolve("promise"), work])
    );
    assert.equal(runs, 1);
    assert.equal(pending.size, 0);
    assert.deepEqual(new Set([...done].map((future) => future.result())), new Set(["work", "generator", "promise"]));
  });
});

Deno.test("wait() returns at once with futures that are already done, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    const ready = loop.createFuture<number>();
    ready.setResult(1);
    const { done } = await loop.runUntilComplete(async () => await wait([ready]));
    assert.deepEqual([...done], [ready]);
    assert.equal(loop.time(), 0);
  });
});

Deno.test("wait() of an empty iterable is a RangeError, as CPython's ValueError", () => {
  assert.throws(
    () => wait([]),
    (error) => error instanceof RangeError && /Set of awaitables is empty/.test(error.message),
  );
});

Deno.test("wait() refuses a bad returnWhen with a TypeError naming it, as CPython's ValueError", async () => {
  await inVirtualTime(async (loop) => {
    const future = loop.createFuture();
    assert.throws(
      () => wait([future], { returnWhen: "LATER" as never }),
      (error) => error instanceof TypeError && /received "LATER"/.test(error.message),
    );
    await Promise.resolve();
  });
});

Deno.test("wait() refuses a single awaitable, a non-awaitable item and a bad timeout, as CPython's TypeError", async () => {
  await inVirtualTime(async (loop) => {
    const future = loop.createFuture();
    assert.throws(
      () => wait(future as never),
      (error) => error instanceof TypeError && /<Future pending>/.test(error.message),
    );
    assert.throws(
      () => wait([future, 7] as never),
      (error) => error instanceof TypeError && /received 7 at index 1/.test(error.message),
    );
    assert.throws(
      () => wait([future], { timeout: "10" as never }),
      (error) => error instanceof TypeError && /"10"/.test(error.message),
    );
    assert.throws(() => wait([future], { timeout: NaN }), RangeError);
    await Promise.resolve();
  });
});

// ---- waitFor() ----------------------------------------------------------------------------------------------

Deno.test("waitFor() returns the result when the awaitable is in time, from both coroutine kinds, as CPython's wait_for", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const value = kind === "async function"
          ? await loop.runUntilComplete(async () => await waitFor(async () => await sleep(10, "in time"), 100))
          : await loop.runUntilComplete(function* () {
            return yield* waitFor(
              function* () {
                return yield* sleep(10, "in time");
              }(),
              100,
            );
          }());
        assert.equal(value, "in time");
        assert.equal(loop.time(), 10);
      });
    });
  }
});

Deno.test("waitFor() on timeout cancels the awaitable, waits for it to finish, then throws TimeoutError caused by the CancelledError, as CPython 3.12", async (t) => {
  const inners = {
    "async function": (log: string[], loop: EventLoop) => async () => {
      try {
        await sleep(1000);
      } finally {
        await sleep(50);
        log.push(`cleaned up at ${loop.time()}`);
      }
    },
    "generator": (log: string[], loop: EventLoop) =>
      function* () {
        try {
          yield* sleep(1000);
        } finally {
          yield* sleep(50);
          log.push(`cleaned up at ${loop.time()}`);
        }
      }(),
    "task": (log: string[], loop: EventLoop) =>
      loop.createTask(async () => {
        try {
          await sleep(1000);
        } finally {
          await sleep(50);
          log.push(`cleaned up at ${loop.time()}`);
        }
      }),
  };
  for (const outerKind of KINDS) {
    for (const [innerKind, makeInner] of Object.entries(inners)) {
      await t.step(`${innerKind} awaited from a ${outerKind}`, async () => {
        await inVirtualTime(async (loop) => {
          const log: string[] = [];
          const inner = makeInner(log, loop);
          const outer = outerKind === "async function"
            ? loop.createTask(async () => await waitFor(inner, 100))
            : loop.createTask(function* () {
              return yield* waitFor(inner, 100);
            }());
          await assert.rejects(
            loop.runUntilComplete(outer),
            (error) => error instanceof TimeoutError && error.cause instanceof CancelledError,
          );
          assert.deepEqual(log, ["cleaned up at 150"]);
          assert.equal(loop.time(), 150);
          assert.equal(outer.cancelling(), 0, "the deadline's cancel was withdrawn");
          if (innerKind === "task") assert.equal((inner as Task<void>).cancelled(), true);
        });
      });
    }
  }
});

Deno.test("waitFor() returns the result of an awaitable that swallows the timeout's cancel, as CPython 3.12", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const stubborn = async () => {
          try {
            await sleep(1000);
          } catch {
            return "swallowed";
          }
          return "finished";
        };
        const outer = kind === "async function"
          ? loop.createTask(async () => await waitFor(stubborn, 100))
          : loop.createTask(function* () {
            return yield* waitFor(stubborn, 100);
          }());
        assert.equal(await loop.runUntilComplete(outer), "swallowed");
        assert.equal(loop.time(), 100);
        assert.equal(outer.cancelling(), 0);
      });
    });
  }
});

Deno.test("waitFor() with timeout null waits without limit, as CPython's wait_for(aw, None)", async () => {
  await inVirtualTime(async (loop) => {
    assert.equal(await loop.runUntilComplete(async () => await waitFor(sleep(1e7, "late"), null)), "late");
    assert.equal(loop.time(), 1e7);
  });
});

Deno.test("waitFor() with a timeout <= 0 returns the result of a done future, as CPython's special case", async () => {
  await inVirtualTime(async (loop) => {
    const done = loop.createFuture<string>();
    done.setResult("ready");
    assert.equal(await loop.runUntilComplete(async () => await waitFor(done, 0)), "ready");
    assert.equal(await loop.runUntilComplete(async () => await waitFor(done, -5)), "ready");
  });
});

Deno.test("waitFor() with a timeout <= 0 cancels a pending awaitable, waits for it and throws TimeoutError, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    let started = false;
    const never = async () => {
      started = true;
      return await sleep(10, "never");
    };
    await assert.rejects(
      loop.runUntilComplete(async () => await waitFor(never, 0)),
      (error) => error instanceof TimeoutError && error.cause instanceof CancelledError,
    );
    assert.equal(started, false, "a coroutine cancelled before its first step never runs");
    const task = loop.createTask(async () => {
      try {
        await sleep(100);
      } finally {
        await sleep(20);
      }
    });
    await loop.runUntilComplete(sleep(0));
    const start = loop.time();
    await assert.rejects(
      loop.runUntilComplete(function* () {
        return yield* waitFor(task, 0);
      }()),
      TimeoutError,
    );
    assert.equal(task.cancelled(), true);
    assert.equal(loop.time() - start, 20);
  });
});

Deno.test("waitFor() with a timeout <= 0 returns the result if the awaitable swallows the cancel, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    const task = loop.createTask(async () => {
      try {
        await sleep(100);
      } catch {
        // Swallowed.
      }
      return "kept";
    });
    await loop.runUntilComplete(sleep(0));
    assert.equal(await loop.runUntilComplete(async () => await waitFor(task, 0)), "kept");
  });
});

Deno.test("waitFor() passes on the awaitable's own error, as CPython", async () => {
  await inVirtualTime(async (loop) => {
    const failing = async () => {
      await sleep(10);
      throw new RangeError("own error");
    };
    await assert.rejects(loop.runUntilComplete(async () => await waitFor(failing, 100)), RangeError);
  });
});

Deno.test("a cancel of the task in waitFor() cancels the awaitable and propagates CancelledError, not TimeoutError, as CPython", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const inner = loop.createTask(async () => await sleep(1000));
        const outer = kind === "async function"
          ? loop.createTask(async () => await waitFor(inner, 100))
          : loop.createTask(function* () {
            return yield* waitFor(inner, 100);
          }());
        loop.callLater(30, () => outer.cancel("outer"));
        await assert.rejects(
          loop.runUntilComplete(outer),
          (error) => error instanceof CancelledError && !(error instanceof TimeoutError),
        );
        assert.equal(inner.cancelled(), true);
        assert.equal(loop.time(), 30);
      });
    });
  }
});

Deno.test("an outer cancel that coincides with waitFor()'s deadline wins as CancelledError, as CPython 3.12 (gh-86296)", async (t) => {
  for (const kind of KINDS) {
    for (const order of ["outer cancel first", "deadline first"] as const) {
      await t.step(`${kind}, ${order}`, async () => {
        await inVirtualTime(async (loop) => {
          // Both timers are due at t=100 and run in the same loop iteration, in the order they were armed.
          const cancellingSeen: number[] = [];
          const cancelOuter = () => {
            cancellingSeen.push(outer.cancelling());
            outer.cancel("outer");
          };
          if (order === "outer cancel first") loop.callLater(100, cancelOuter);
          // Runs right after waitFor() armed its deadline, at the same virtual time.
          const armAfterDeadline = () => {
            if (order === "deadline first") loop.callLater(100, cancelOuter);
          };
          let innerSawCancel = false;
          const outer: Task<unknown> = kind === "async function"
            ? loop.createTask(async () =>
              await waitFor(async () => {
                armAfterDeadline();
                try {
                  await sleep(1000);
                } catch (error) {
                  innerSawCancel = error instanceof CancelledError;
                  throw error;
                }
              }, 100)
            )
            : loop.createTask(function* () {
              return yield* waitFor(
                function* () {
                  armAfterDeadline();
                  try {
                    yield* sleep(1000);
                  } catch (error) {
                    innerSawCancel = error instanceof CancelledError;
                    throw error;
                  }
                }(),
                100,
              );
            }());
          await assert.rejects(
            loop.runUntilComplete(outer),
            (error) => error instanceof CancelledError && !(error instanceof TimeoutError),
          );
          // The deadline's own cancel was already counted when the outer cancel ran, or not yet.
          assert.deepEqual(cancellingSeen, [order === "deadline first" ? 1 : 0]);
          assert.equal(loop.time(), 100);
          assert.equal(innerSawCancel, true);
          assert.equal(outer.cancelled(), true);
        });
      });
    }
  }
});

Deno.test("an outer cancel while the awaitable handles waitFor()'s timeout propagates as CancelledError, as CPython 3.12", async () => {
  await inVirtualTime(async (loop) => {
    const inner = loop.createTask(async () => {
      try {
        await sleep(1000);
      } finally {
        await sleep(50);
      }
    });
    const outer = loop.createTask(async () => await waitFor(inner, 100));
    loop.callLater(120, () => outer.cancel());
    await assert.rejects(
      loop.runUntilComplete(outer),
      (error) => error instanceof CancelledError && !(error instanceof TimeoutError),
    );
    // The outer cancel reached the inner's cleanup too.
    assert.equal(loop.time(), 120);
    assert.equal(inner.cancelled(), true);
  });
});

Deno.test("waitFor() does not swallow an outer cancel that arrives as the awaitable completes, as CPython 3.12 (gh-86296)", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      await inVirtualTime(async (loop) => {
        const inner = loop.createFuture<string>();
        const outer = kind === "async function"
          ? loop.createTask(async () => await waitFor(inner, 100))
          : loop.createTask(function* () {
            return yield* waitFor(inner, 100);
          }());
        // The inner completes and the outer is cancelled in the same callback: the task has not resumed yet.
        loop.callLater(10, () => {
          inner.setResult("lost");
          outer.cancel();
        });
        await assert.rejects(loop.runUntilComplete(outer), CancelledError);
        assert.equal(outer.cancelled(), true);
      });
    });
  }
});

Deno.test("nested waitFor(): the deadline that expires is the one that throws TimeoutError, as CPython's nested timeouts", async () => {
  await inVirtualTime(async (loop) => {
    // The outer deadline comes first: the inner waitFor sees a cancel that is not its own and lets it through.
    const seen: string[] = [];
    const outerFirst = await loop.runUntilComplete(async () => {
      try {
        await waitFor(async () => {
          try {
            await waitFor(sleep(1000), 500);
          } catch (error) {
            seen.push(`inner saw ${(error as Error).name}`);
            throw error;
          }
        }, 100);
      } catch (error) {
        return `outer threw ${(error as Error).name} at ${loop.time()}`;
      }
    });
    assert.equal(outerFirst, "outer threw TimeoutError at 100");
    assert.deepEqual(seen, ["inner saw CancelledError"]);
    // The inner deadline comes first: its TimeoutError reaches the outer waitFor as an ordinary error.
    const innerFirst = await loop.runUntilComplete(function* () {
      const start = loop.time();
      try {
        yield* waitFor(
          function* () {
            yield* waitFor(sleep(1000), 50);
          }(),
          500,
        );
      } catch (error) {
        return `${(error as Error).name} after ${loop.time() - start}, cancelling ${currentTask()!.cancelling()}`;
      }
    }());
    assert.equal(innerFirst, "TimeoutError after 50, cancelling 0");
  });
});

Deno.test("waitFor(shield(task)) times out without cancelling the task, as CPython's documented pattern", async () => {
  await inVirtualTime(async (loop) => {
    const task = loop.createTask(async () => await sleep(200, "finished anyway"));
    await assert.rejects(loop.runUntilComplete(async () => await waitFor(shield(task), 50)), TimeoutError);
    assert.equal(loop.time(), 50);
    assert.equal(task.done(), false);
    assert.equal(await loop.runUntilComplete(task), "finished anyway");
  });
});

Deno.test("waitFor() on a promise times out, abandoning the promise, as CPython with an uncancellable awaitable", async () => {
  await inVirtualTime(async (loop) => {
    let resolve!: (value: string) => void;
    const promise = new Promise<string>((r) => resolve = r);
    await assert.rejects(loop.runUntilComplete(async () => await waitFor(promise, 20)), TimeoutError);
    assert.equal(loop.time(), 20);
    resolve("late");
  });
});

Deno.test("waitFor() refuses a non-awaitable and a bad timeout with a TypeError or RangeError naming them", async () => {
  await inVirtualTime(async (loop) => {
    const future: Future<number> = loop.createFuture<number>();
    assert.throws(
      () => waitFor(42 as never, 10),
      (error) => error instanceof TypeError && /received 42/.test(error.message),
    );
    assert.throws(
      () => waitFor(future, "10" as never),
      (error) => error instanceof TypeError && /"10"/.test(error.message),
    );
    assert.throws(() => waitFor(future, undefined as never), TypeError);
    assert.throws(() => waitFor(future, NaN), RangeError);
    await Promise.resolve();
  });
});

Deno.test("waitFor() awaited outside any task cancels the awaitable's Future itself on timeout", async () => {
  const loop = newEventLoop({ clock: new VirtualClock() });
  const running = loop.runForever();
  try {
    const future = loop.createFuture<string>();
    await assert.rejects(
      async () => await waitFor(future, 10),
      (error) => error instanceof TimeoutError && error.cause instanceof CancelledError,
    );
    assert.equal(future.cancelled(), true);
    assert.equal(loop.time(), 10);
    const ready = loop.createFuture<string>();
    loop.callLater(5, () => ready.setResult("in time"));
    assert.equal(await waitFor(ready, 10), "in time");
  } finally {
    loop.stop();
    await running;
    loop.close();
  }
});
