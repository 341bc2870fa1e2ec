// Unit tests of `Future` (future.ts), each reproducing a behaviour of CPython 3.12's `asyncio.Future`.
// Everything runs on loops made here and closed here; time-dependent cases use a VirtualClock.

// Coroutines here are often async functions with nothing to await: a task needs a function returning a promise.
// deno-lint-ignore-file require-await

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError } from "../errors.ts";
import { Future, isFuture, wrapFuture } from "../future.ts";
import type { EventLoop, ExceptionContext } from "../loop.ts";
import { hostTick, virtualLoop } from "./_helpers.ts";

// Runs the loop for one iteration (CPython's `loop.stop(); loop.run_forever()` idiom).
async function runOnce(loop: EventLoop): Promise<void> {
  loop.stop();
  await loop.runForever();
}

Deno.test("Future state machine: pending -> finished with a result, as CPython's Future.set_result", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    assert.equal(fut.done(), false);
    assert.equal(fut.cancelled(), false);
    assert.equal(fut.state, "pending");
    fut.setResult(42);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), false);
    assert.equal(fut.state, "done");
    assert.equal(fut.result(), 42);
    // CPython: exception() of a future that succeeded is None.
    assert.equal(fut.exception(), undefined);
  } finally {
    loop.close();
  }
});

Deno.test("Future state machine: pending -> finished with an exception, result() re-raises it, as CPython", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const boom = new RangeError("boom");
    fut.setException(boom);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), false);
    assert.equal(fut.state, "done");
    assert.equal(fut.exception(), boom);
    // The very same object is raised, not a copy.
    assert.throws(() => fut.result(), (error) => error === boom);
  } finally {
    loop.close();
  }
});

Deno.test("Future state machine: pending -> cancelled, as CPython's Future.cancel", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture();
    assert.equal(fut.cancel(), true);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), true);
    assert.equal(fut.state, "cancelled");
  } finally {
    loop.close();
  }
});

Deno.test("Future.result() and exception() on a pending future raise InvalidStateError, as CPython", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture();
    assert.throws(() => fut.result(), InvalidStateError);
    assert.throws(() => fut.exception(), InvalidStateError);
    // Reading did not change the state.
    assert.equal(fut.done(), false);
  } finally {
    loop.close();
  }
});

Deno.test("Future.result() and exception() on a cancelled future raise CancelledError with the cancel message, as CPython", async (t) => {
  const loop = virtualLoop();
  try {
    await t.step("with a message", () => {
      const fut = loop.createFuture();
      fut.cancel("no longer needed");
      assert.throws(() => fut.result(), (e) => e instanceof CancelledError && e.message === "no longer needed");
      assert.throws(() => fut.exception(), (e) => e instanceof CancelledError && e.message === "no longer needed");
    });
    await t.step("without a message the CancelledError's message is empty", () => {
      const fut = loop.createFuture();
      fut.cancel();
      assert.throws(() => fut.result(), (e) => e instanceof CancelledError && e.message === "");
    });
  } finally {
    loop.close();
  }
});

Deno.test("Future.setResult() twice raises InvalidStateError naming the value, as CPython's set_result on a done future", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    fut.setResult(1);
    assert.throws(() => fut.setResult(2), (e) => e instanceof InvalidStateError && /2/.test(e.message));
    assert.equal(fut.result(), 1);
  } finally {
    loop.close();
  }
});

Deno.test("Future.setException() on a done future raises InvalidStateError, as CPython's set_exception", async (t) => {
  const loop = virtualLoop();
  try {
    await t.step("after setException", () => {
      const fut = loop.createFuture();
      const first = new Error("first");
      fut.setException(first);
      assert.throws(() => fut.setException(new Error("second")), InvalidStateError);
      assert.equal(fut.exception(), first);
    });
    await t.step("after setResult", () => {
      const fut = loop.createFuture<string>();
      fut.setResult("ok");
      assert.throws(() => fut.setException(new Error("late")), InvalidStateError);
      assert.equal(fut.result(), "ok");
    });
    await t.step("after cancel", () => {
      const fut = loop.createFuture<string>();
      fut.cancel();
      assert.throws(() => fut.setResult("late"), (e) => e instanceof InvalidStateError && /"late"/.test(e.message));
      assert.throws(() => fut.setException(new Error("late")), InvalidStateError);
      assert.equal(fut.cancelled(), true);
    });
  } finally {
    loop.close();
  }
});

Deno.test("Future.setException(undefined) and setException(new CancelledError()) raise TypeError, as CPython refuses None/CancelledError", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture();
    assert.throws(() => fut.setException(undefined), (e) => e instanceof TypeError && /undefined/.test(e.message));
    assert.throws(
      () => fut.setException(new CancelledError("x")),
      (e) => e instanceof TypeError && /CancelledError/.test(e.message),
    );
    // Neither refused call finished the future.
    assert.equal(fut.done(), false);
    fut.setResult(1);
    assert.equal(fut.result(), 1);
  } finally {
    loop.close();
  }
});

Deno.test("Future.cancel() returns true on a pending future and false once done, as CPython", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    assert.equal(fut.cancel("first"), true);
    assert.equal(fut.cancel("second"), false);
    // The first message stays.
    assert.throws(() => fut.result(), (e) => e instanceof CancelledError && e.message === "first");
    const finished = loop.createFuture<number>();
    finished.setResult(3);
    assert.equal(finished.cancel(), false);
    assert.equal(finished.cancelled(), false);
    assert.equal(finished.result(), 3);
  } finally {
    loop.close();
  }
});

Deno.test("Future done-callbacks run through the loop in registration order, each with the future, as CPython's call_soon", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<string>();
    const order: string[] = [];
    const seen: Future<string>[] = [];
    fut.addDoneCallback((f) => {
      order.push("first");
      seen.push(f);
    });
    fut.addDoneCallback(() => order.push("second"));
    fut.addDoneCallback(() => order.push("third"));
    fut.setResult("x");
    // Not run synchronously by setResult.
    assert.equal(order.length, 0);
    await loop.runUntilComplete(fut);
    assert.deepEqual(order, ["first", "second", "third"]);
    assert.equal(seen[0], fut);
  } finally {
    loop.close();
  }
});

Deno.test("Future done-callbacks are scheduled when the future finishes, interleaved FIFO with callSoon, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const order: string[] = [];
    fut.addDoneCallback(() => order.push("done-1"));
    fut.addDoneCallback(() => order.push("done-2"));
    loop.callSoon(() => order.push("before"));
    fut.setResult(1);
    loop.callSoon(() => order.push("after"));
    await runOnce(loop);
    assert.deepEqual(order, ["before", "done-1", "done-2", "after"]);
  } finally {
    loop.close();
  }
});

Deno.test("Future done-callbacks only run while the loop runs, as CPython's ready queue", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    let calls = 0;
    fut.addDoneCallback(() => calls++);
    fut.setResult(1);
    await hostTick();
    await hostTick();
    assert.equal(calls, 0);
    await runOnce(loop);
    assert.equal(calls, 1);
  } finally {
    loop.close();
  }
});

Deno.test("Future.addDoneCallback() on a done future schedules the callback instead of calling it, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    fut.setResult(7);
    const results: number[] = [];
    fut.addDoneCallback((f) => results.push(f.result()));
    assert.equal(results.length, 0);
    await runOnce(loop);
    assert.deepEqual(results, [7]);
  } finally {
    loop.close();
  }
});

Deno.test("Future.addDoneCallback() with a non-function raises TypeError naming the value", () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture();
    assert.throws(
      () => fut.addDoneCallback("not a function" as never),
      (e) => e instanceof TypeError && /"not a function"/.test(e.message),
    );
  } finally {
    loop.close();
  }
});

Deno.test("Future.removeDoneCallback() returns how many registrations it removed, as CPython's remove_done_callback", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const order: string[] = [];
    const twice = () => order.push("twice");
    const kept = () => order.push("kept");
    fut.addDoneCallback(twice);
    fut.addDoneCallback(kept);
    fut.addDoneCallback(twice);
    assert.equal(fut.removeDoneCallback(twice), 2);
    assert.equal(fut.removeDoneCallback(twice), 0);
    assert.equal(fut.removeDoneCallback(() => {}), 0);
    fut.setResult(1);
    await runOnce(loop);
    assert.deepEqual(order, ["kept"]);
  } finally {
    loop.close();
  }
});

Deno.test("Future done-callback that throws goes to the exception handler and the next callback still runs, as CPython's Handle._run", async () => {
  const loop = virtualLoop();
  try {
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => contexts.push(context));
    const fut = loop.createFuture<number>();
    const boom = new Error("callback failed");
    const order: string[] = [];
    fut.addDoneCallback(() => {
      throw boom;
    });
    fut.addDoneCallback(() => order.push("second"));
    fut.setResult(1);
    await runOnce(loop);
    assert.deepEqual(order, ["second"]);
    assert.equal(contexts.length, 1);
    assert.equal(contexts[0].exception, boom);
    assert.match(contexts[0].message, /Exception in callback/);
  } finally {
    loop.close();
  }
});

Deno.test("await fut in an async-function task returns the result, as CPython's await future", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const task = loop.createTask(async () => (await fut) + 1);
    loop.callLater(50, () => fut.setResult(41));
    assert.equal(await loop.runUntilComplete(task), 42);
    assert.equal(loop.time(), 50);
  } finally {
    loop.close();
  }
});

Deno.test("await fut in an async-function task raises the future's exception or CancelledError, as CPython", async (t) => {
  const loop = virtualLoop();
  try {
    await t.step("exception", async () => {
      const fut = loop.createFuture<number>();
      const boom = new TypeError("bad");
      const task = loop.createTask(async () => {
        try {
          await fut;
          return null;
        } catch (error) {
          return error;
        }
      });
      loop.callSoon(() => fut.setException(boom));
      assert.equal(await loop.runUntilComplete(task), boom);
    });
    await t.step("cancelled future", async () => {
      const fut = loop.createFuture<number>();
      const task = loop.createTask(async () => {
        try {
          await fut;
          return null;
        } catch (error) {
          return error;
        }
      });
      loop.callSoon(() => fut.cancel("gone"));
      const error = await loop.runUntilComplete(task);
      assert.ok(error instanceof CancelledError);
      assert.equal(error.message, "gone");
    });
  } finally {
    loop.close();
  }
});

Deno.test("yield* fut in a generator task returns the result, as CPython's yield from future", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const task = loop.createTask(function* () {
      const value: number = yield* fut;
      return value * 2;
    }());
    loop.callLater(10, () => fut.setResult(21));
    assert.equal(await loop.runUntilComplete(task), 42);
    assert.equal(loop.time(), 10);
  } finally {
    loop.close();
  }
});

Deno.test("yield* fut in a generator task raises the future's exception at the yield*, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const boom = new Error("failed");
    const task = loop.createTask(function* () {
      try {
        yield* fut;
        return null;
      } catch (error) {
        return error;
      }
    }());
    loop.callSoon(() => fut.setException(boom));
    assert.equal(await loop.runUntilComplete(task), boom);
  } finally {
    loop.close();
  }
});

Deno.test("yield* of a future that is already done does not suspend, as CPython's Future.__await__", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<string>();
    fut.setResult("ready");
    const order: string[] = [];
    const task = loop.createTask(function* () {
      const value: string = yield* fut;
      order.push(`task got ${value}`);
      return value;
    }());
    // Both are queued for the same iteration; the task's first step finishes it without another pass.
    loop.callSoon(() => order.push("callSoon"));
    await runOnce(loop);
    assert.equal(task.done(), true);
    assert.equal(task.result(), "ready");
    assert.deepEqual(order, ["task got ready", "callSoon"]);
  } finally {
    loop.close();
  }
});

Deno.test("await fut outside any task resolves once the loop runs the future to completion", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<number>();
    const awaited = (async () => await fut)();
    loop.callSoon(() => fut.setResult(5));
    await loop.runUntilComplete(fut);
    assert.equal(await awaited, 5);
  } finally {
    loop.close();
  }
});

Deno.test("Awaiting a pending future of a closed loop rejects with InvalidStateError (it can never finish)", async () => {
  const loop = virtualLoop();
  const fut = loop.createFuture<number>();
  loop.close();
  await assert.rejects(async () => {
    await fut;
  }, InvalidStateError);
});

Deno.test("Awaiting a future of another loop inside a task raises TypeError, as CPython's 'attached to a different loop'", async (t) => {
  const loop = virtualLoop();
  const other = virtualLoop();
  try {
    await t.step("async-function task", async () => {
      const foreign = other.createFuture<number>();
      await assert.rejects(
        loop.runUntilComplete(async () => await foreign),
        (e) => e instanceof TypeError && /different loop/.test(e.message),
      );
      assert.equal(foreign.done(), false);
    });
    await t.step("generator task", async () => {
      const foreign = other.createFuture<number>();
      const task = loop.createTask(function* () {
        return yield* foreign;
      }());
      await assert.rejects(
        loop.runUntilComplete(task),
        (e) => e instanceof TypeError && /different loop/.test(e.message),
      );
    });
  } finally {
    loop.close();
    other.close();
  }
});

Deno.test("new Future() without a loop belongs to the running loop, as CPython's Future() inside a coroutine", async () => {
  const loop = virtualLoop();
  try {
    const owner = await loop.runUntilComplete(async () => new Future().getLoop());
    assert.equal(owner, loop);
    assert.equal(new Future({ loop }).getLoop(), loop);
  } finally {
    loop.close();
  }
});

Deno.test("Future.toString() describes the state, as CPython's Future.__repr__", () => {
  const loop = virtualLoop();
  try {
    const pending = loop.createFuture();
    assert.equal(String(pending), "<Future pending>");
    const withResult = loop.createFuture<number>();
    withResult.setResult(1);
    assert.equal(String(withResult), "<Future finished result=1>");
    const withString = loop.createFuture<string>();
    withString.setResult("hi");
    assert.equal(String(withString), "<Future finished result='hi'>");
    const cancelled = loop.createFuture();
    cancelled.cancel();
    assert.equal(String(cancelled), "<Future cancelled>");
    const failed = loop.createFuture();
    failed.setException(new RangeError("boom"));
    assert.match(String(failed), /^<Future finished exception=RangeError\(.*boom.*\)>$/);
    failed.exception();
  } finally {
    loop.close();
  }
});

Deno.test("isFuture() is true for futures and tasks only, as CPython's asyncio.isfuture", async () => {
  const loop = virtualLoop();
  try {
    assert.equal(isFuture(loop.createFuture()), true);
    const task = loop.createTask(async () => 1);
    assert.equal(isFuture(task), true);
    assert.equal(isFuture(Promise.resolve(1)), false);
    assert.equal(isFuture({ then() {} }), false);
    assert.equal(isFuture(null), false);
    assert.equal(isFuture(undefined), false);
    await loop.runUntilComplete(task);
  } finally {
    loop.close();
  }
});

Deno.test("wrapFuture() of a promise gives a Future of the loop with the promise's result, as CPython's wrap_future", async () => {
  const loop = virtualLoop();
  try {
    const fut = wrapFuture(Promise.resolve("from a promise"), loop);
    assert.ok(isFuture(fut));
    assert.equal(fut.getLoop(), loop);
    assert.equal(await loop.runUntilComplete(fut), "from a promise");
    assert.equal(fut.result(), "from a promise");
  } finally {
    loop.close();
  }
});

Deno.test("wrapFuture() of a rejected promise gives a Future with that exception, as CPython's wrap_future", async () => {
  const loop = virtualLoop();
  try {
    const boom = new Error("rejected");
    const fut = wrapFuture(Promise.reject(boom), loop);
    await assert.rejects(loop.runUntilComplete(fut), (e) => e === boom);
    assert.equal(fut.exception(), boom);
  } finally {
    loop.close();
  }
});

Deno.test("wrapFuture() of a promise rejected with CancelledError gives a cancelled Future", async () => {
  const loop = virtualLoop();
  try {
    const fut = wrapFuture(Promise.reject(new CancelledError("upstream")), loop);
    await assert.rejects(loop.runUntilComplete(fut), (e) => e instanceof CancelledError && e.message === "upstream");
    assert.equal(fut.cancelled(), true);
  } finally {
    loop.close();
  }
});

Deno.test("wrapFuture() of a Future returns it, refuses another loop's future and non-awaitables with TypeError", () => {
  const loop = virtualLoop();
  const other = virtualLoop();
  try {
    const fut = loop.createFuture();
    assert.equal(wrapFuture(fut, loop), fut);
    assert.equal(wrapFuture(fut), fut);
    assert.throws(() => wrapFuture(fut, other), (e) => e instanceof TypeError && /another event loop/.test(e.message));
    assert.throws(() => wrapFuture(42 as never, loop), (e) => e instanceof TypeError && /42/.test(e.message));
    assert.throws(() => wrapFuture(null as never, loop), (e) => e instanceof TypeError && /null/.test(e.message));
  } finally {
    loop.close();
    other.close();
  }
});

Deno.test("Cancelling a wrapFuture() wrapper calls the source's cancel(), as CPython's wrap_future of a concurrent future", async () => {
  const loop = virtualLoop();
  try {
    let sourceCancels = 0;
    const source = {
      then(_onFulfilled: (value: number) => unknown, _onRejected: (reason: unknown) => unknown): void {},
      cancel(): boolean {
        sourceCancels++;
        return true;
      },
    };
    const fut = wrapFuture(source, loop);
    assert.equal(fut.cancel(), true);
    // The cancel travels through a done-callback, so through the loop.
    assert.equal(sourceCancels, 0);
    await runOnce(loop);
    assert.equal(sourceCancels, 1);
  } finally {
    loop.close();
  }
});
