// Tests of Task, createTask, ensureFuture, currentTask and allTasks against CPython 3.12 asyncio semantics (sleep's
// own are in sleep_test.ts).
//
// Cancellation is tested for both coroutine kinds — a generator object (`function*` awaiting with `yield*`) and a
// function returning a promise — from one table of cases. Time-dependent tests run on a VirtualClock, so loop time
// is exact and nothing waits for real time.

// A coroutine's kind is what a test is about, not whether its body happens to await: async functions without an
// await and generators without a yield are deliberate here.
// deno-lint-ignore-file require-await require-yield

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError } from "../errors.ts";
import type { Future } from "../future.ts";
import { newEventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import { allTasks, type Coroutine, createTask, currentTask, ensureFuture, Task } from "../task.ts";
import { _continueTaskNumbersFrom, _LARGEST_INLINE_TASK_NUMBER } from "../_task_number.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { coroutine, type Kind, KINDS, timeOnceIdle, virtualLoop } from "./_helpers.ts";

function isCancelled(message: string): (error: unknown) => boolean {
  return (error) => error instanceof CancelledError && error.message === message;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}:${error.message}` : String(error);
}

// ---- Cancellation, for both coroutine kinds -------------------------------------------------------------------

interface CancelCase {
  title: string;
  /** Kinds for which the case is skipped because of a library bug (the reason is in a BUG comment). */
  ignore?: Kind[];
  fn(kind: Kind): Promise<void>;
}

const cancelCases: CancelCase[] = [
  {
    title: "Task.cancel() before the first step: the coroutine never runs and the task ends cancelled, " +
      "as CPython's _must_cancel at the first __step",
    async fn(kind) {
      const loop = virtualLoop();
      let ran = false;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          ran = true;
          yield* sleep(0);
          return 1;
        },
        async () => {
          ran = true;
          await sleep(0);
          return 1;
        },
      ));
      assert.equal(task.cancel("early"), true);
      assert.equal(task.cancelling(), 1);
      assert.equal(task.done(), false, "cancel() only requests: the task is done after its next step");
      await assert.rejects(loop.runUntilComplete(task), isCancelled("early"));
      assert.equal(ran, false);
      assert.equal(task.cancelled(), true);
      assert.equal(task.state, "cancelled");
      loop.close();
    },
  },
  {
    title: "Task.cancel() while awaiting a Future cancels that Future and raises CancelledError at the await " +
      "(catch sees it, finally runs), as CPython's _fut_waiter",
    async fn(kind) {
      const loop = virtualLoop();
      const fut = loop.createFuture<string>();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            log.push(yield* fut);
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          } finally {
            log.push("finally");
          }
        },
        async () => {
          try {
            log.push(await fut);
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          } finally {
            log.push("finally");
          }
        },
      ));
      loop.callLater(10, () => assert.equal(task.cancel("stop"), true));
      await assert.rejects(loop.runUntilComplete(task), isCancelled("stop"));
      assert.deepEqual(log, ["caught CancelledError:stop", "finally"]);
      assert.equal(fut.cancelled(), true, "the awaited Future is cancelled too");
      assert.throws(() => fut.result(), isCancelled("stop"));
      assert.equal(task.cancelled(), true);
      assert.equal(loop.time(), 10);
      loop.close();
    },
  },
  {
    title: "Task.cancel() while awaiting another Task cancels that Task too, and both end cancelled, " +
      "as CPython's Task.cancel() forwarding to _fut_waiter",
    async fn(kind) {
      const loop = virtualLoop();
      const log: string[] = [];
      const inner = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* sleep(1000);
          } finally {
            log.push("inner finally");
          }
        },
        async () => {
          try {
            await sleep(1000);
          } finally {
            log.push("inner finally");
          }
        },
      ));
      const outer = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* inner;
          } catch (error) {
            log.push(`outer caught ${describeError(error)}`);
            throw error;
          }
        },
        async () => {
          try {
            await inner;
          } catch (error) {
            log.push(`outer caught ${describeError(error)}`);
            throw error;
          }
        },
      ));
      loop.callLater(10, () => outer.cancel("stop"));
      await assert.rejects(loop.runUntilComplete(outer), isCancelled("stop"));
      assert.equal(inner.cancelled(), true);
      assert.equal(outer.cancelled(), true);
      assert.deepEqual(log, ["inner finally", "outer caught CancelledError:stop"]);
      assert.equal(inner.cancelling(), 1);
      assert.equal(outer.cancelling(), 1);
      loop.close();
    },
  },
  {
    title: "Task.cancel() while awaiting a Task that swallows the cancel resumes the awaiter with that Task's " +
      "result, as CPython leaving _fut_waiter in place",
    async fn(kind) {
      const loop = virtualLoop();
      const inner = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* sleep(1000);
            return "slept";
          } catch (error) {
            if (error instanceof CancelledError) return "inner ignored the cancel";
            throw error;
          }
        },
        async () => {
          try {
            await sleep(1000);
            return "slept";
          } catch (error) {
            if (error instanceof CancelledError) return "inner ignored the cancel";
            throw error;
          }
        },
      ));
      const outer = loop.createTask(coroutine(
        kind,
        function* () {
          return `outer got: ${yield* inner}`;
        },
        async () => `outer got: ${await inner}`,
      ));
      loop.callLater(10, () => outer.cancel());
      assert.equal(await loop.runUntilComplete(outer), "outer got: inner ignored the cancel");
      assert.equal(outer.cancelled(), false);
      assert.equal(inner.cancelled(), false);
      assert.equal(outer.cancelling(), 1);
      loop.close();
    },
  },
  {
    title: "Task.cancel() while on sleep(ms) raises CancelledError at the sleep and cancels its timer, " +
      "as CPython's sleep future cancelling its TimerHandle",
    async fn(kind) {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* sleep(1000);
            log.push("woke");
          } finally {
            log.push(`finally at ${loop.time()}`);
          }
        },
        async () => {
          try {
            await sleep(1000);
            log.push("woke");
          } finally {
            log.push(`finally at ${loop.time()}`);
          }
        },
      ));
      loop.callLater(10, () => task.cancel());
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.deepEqual(log, ["finally at 10"]);
      assert.equal(await timeOnceIdle(loop), 10, "the sleep's timer no longer fires (time does not jump to it)");
      loop.close();
    },
  },
  {
    title: "Task.cancel() while on sleep(0) raises CancelledError at that sleep(0), as CPython's bare yield " +
      "followed by _must_cancel",
    async fn(kind) {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          const me = currentTask()!;
          // Runs in the next iteration, before this task is woken from sleep(0).
          loop.callSoon(() => log.push(`cancel() -> ${me.cancel("at yield")}`));
          try {
            yield* sleep(0);
            log.push("not reached");
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          }
        },
        async () => {
          const me = currentTask()!;
          loop.callSoon(() => log.push(`cancel() -> ${me.cancel("at yield")}`));
          try {
            await sleep(0);
            log.push("not reached");
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          }
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), isCancelled("at yield"));
      assert.deepEqual(log, ["cancel() -> true", "caught CancelledError:at yield"]);
      assert.equal(task.cancelled(), true);
      loop.close();
    },
  },
  {
    title: "A coroutine that catches CancelledError and returns a value ends the task done with that value, " +
      "later awaits are not cancelled again, and cancelling() stays 1, as CPython",
    async fn(kind) {
      const loop = virtualLoop();
      let caught = 0;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* sleep(1000);
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            caught++;
          }
          yield* sleep(100);
          return "swallowed";
        },
        async () => {
          try {
            await sleep(1000);
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            caught++;
          }
          await sleep(100);
          return "swallowed";
        },
      ));
      loop.callLater(10, () => task.cancel());
      assert.equal(await loop.runUntilComplete(task), "swallowed");
      assert.equal(caught, 1);
      assert.equal(loop.time(), 110, "the sleep after the swallowed cancel ran in full");
      assert.equal(task.cancelled(), false);
      assert.equal(task.state, "done");
      assert.equal(task.cancelling(), 1);
      loop.close();
    },
  },
  {
    title: "Task.cancel() then uncancel() before the first step: the task runs normally, as CPython 3.13's " +
      "uncancel() clearing _must_cancel at zero",
    async fn(kind) {
      const loop = virtualLoop();
      let ran = false;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          ran = true;
          yield* sleep(5);
          return "ran";
        },
        async () => {
          ran = true;
          await sleep(5);
          return "ran";
        },
      ));
      assert.equal(task.cancel(), true);
      assert.equal(task.uncancel(), 0);
      assert.equal(task.cancelling(), 0);
      assert.equal(await loop.runUntilComplete(task), "ran");
      assert.equal(ran, true);
      assert.equal(task.cancelled(), false);
      loop.close();
    },
  },
  {
    title: "cancelling() counts every cancel() and uncancel() takes one back, while the coroutine gets a " +
      "single CancelledError, as CPython's _num_cancels_requested",
    async fn(kind) {
      const loop = virtualLoop();
      const fut = loop.createFuture<string>();
      let caught = 0;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* fut;
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            caught++;
          }
          yield* sleep(10);
          return "after";
        },
        async () => {
          try {
            await fut;
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            caught++;
          }
          await sleep(10);
          return "after";
        },
      ));
      assert.equal(task.cancelling(), 0);
      loop.callLater(5, () => {
        assert.equal(task.cancel(), true);
        assert.equal(task.cancel(), true);
        assert.equal(task.cancel(), true);
        assert.equal(task.cancelling(), 3);
        assert.equal(task.uncancel(), 2);
      });
      assert.equal(await loop.runUntilComplete(task), "after");
      assert.equal(caught, 1);
      assert.equal(task.cancelling(), 2);
      assert.equal(loop.time(), 15);
      loop.close();
    },
  },
  {
    title: "The cancel message is the message of the CancelledError raised in the coroutine and of the one " +
      "result() and exception() raise, as CPython 3.9+ cancel(msg)",
    async fn(kind) {
      const loop = virtualLoop();
      let seen: unknown = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* loop.createFuture();
          } catch (error) {
            seen = error;
            throw error;
          }
        },
        async () => {
          try {
            await loop.createFuture();
          } catch (error) {
            seen = error;
            throw error;
          }
        },
      ));
      loop.callLater(1, () => task.cancel("the reason"));
      await assert.rejects(loop.runUntilComplete(task), isCancelled("the reason"));
      assert.ok(seen instanceof CancelledError);
      assert.equal((seen as CancelledError).message, "the reason");
      assert.throws(() => task.result(), isCancelled("the reason"));
      assert.throws(() => task.exception(), isCancelled("the reason"));
      loop.close();
    },
  },
  {
    title: "Task.cancel() on a done task returns false and changes nothing, as CPython",
    async fn(kind) {
      const loop = virtualLoop();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* sleep(0);
          return 7;
        },
        async () => {
          await sleep(0);
          return 7;
        },
      ));
      assert.equal(await loop.runUntilComplete(task), 7);
      assert.equal(task.cancel(), false);
      assert.equal(task.cancelling(), 0);
      assert.equal(task.cancelled(), false);
      assert.equal(task.result(), 7);
      loop.close();
    },
  },
  {
    title: "A task cancelling itself (currentTask().cancel()) goes on until its next await, which raises " +
      "CancelledError, as CPython",
    async fn(kind) {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          log.push(`cancel() -> ${currentTask()!.cancel("self")}`);
          log.push("still running");
          try {
            yield* sleep(50);
            log.push("not reached");
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          }
        },
        async () => {
          log.push(`cancel() -> ${currentTask()!.cancel("self")}`);
          log.push("still running");
          try {
            await sleep(50);
            log.push("not reached");
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          }
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), isCancelled("self"));
      assert.deepEqual(log, ["cancel() -> true", "still running", "caught CancelledError:self"]);
      assert.equal(loop.time(), 0, "the sleep never happened");
      assert.equal(task.cancelling(), 1);
      loop.close();
    },
  },
  {
    title: "A task cancelled after its last await ends cancelled even though its coroutine returned, as " +
      "CPython's __step calling super().cancel() when _must_cancel is set at StopIteration",
    async fn(kind) {
      const loop = virtualLoop();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* sleep(0);
          currentTask()!.cancel("too late to raise");
          return "returned";
        },
        async () => {
          await sleep(0);
          currentTask()!.cancel("too late to raise");
          return "returned";
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), isCancelled("too late to raise"));
      assert.equal(task.cancelled(), true);
      loop.close();
    },
  },
  {
    title: "A cancel that arrives after the awaited Future finished but before the task woke still raises " +
      "CancelledError at that await, as CPython's _must_cancel when _fut_waiter.cancel() returns False",
    async fn(kind) {
      const loop = virtualLoop();
      const fut = loop.createFuture<string>();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            log.push(yield* fut);
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          }
        },
        async () => {
          try {
            log.push(await fut);
          } catch (error) {
            log.push(`caught ${describeError(error)}`);
            throw error;
          }
        },
      ));
      loop.callLater(5, () => {
        fut.setResult("result");
        assert.equal(task.cancel("late"), true);
      });
      await assert.rejects(loop.runUntilComplete(task), isCancelled("late"));
      assert.deepEqual(log, ["caught CancelledError:late"]);
      assert.equal(fut.cancelled(), false);
      loop.close();
    },
  },
  {
    title: "task.signal is aborted with a CancelledError carrying the message when the task is cancelled, " +
      "for foreign promises that cannot be cancelled otherwise",
    async fn(kind) {
      const loop = virtualLoop();
      const reasons: unknown[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          currentTask()!.signal.addEventListener("abort", (event) => {
            reasons.push((event.target as AbortSignal).reason);
          });
          yield* sleep(1000);
        },
        async () => {
          currentTask()!.signal.addEventListener("abort", (event) => {
            reasons.push((event.target as AbortSignal).reason);
          });
          await sleep(1000);
        },
      ));
      loop.callLater(10, () => {
        assert.equal(task.signal.aborted, false);
        task.cancel("abort it");
        assert.equal(task.signal.aborted, true);
      });
      await assert.rejects(loop.runUntilComplete(task), isCancelled("abort it"));
      assert.equal(reasons.length, 1);
      assert.ok(reasons[0] instanceof CancelledError);
      assert.equal((reasons[0] as CancelledError).message, "abort it");
      loop.close();
    },
  },
  {
    title: "A task whose coroutine raises an Error ends done with that error as exception() and result() " +
      "raising it, not cancelled, as CPython's set_exception in __step",
    async fn(kind) {
      const loop = virtualLoop();
      const boom = new RangeError("boom");
      const task = loop.createTask(coroutine(
        kind,
        function* (): Generator<unknown, number, unknown> {
          yield* sleep(5);
          throw boom;
        },
        async (): Promise<number> => {
          await sleep(5);
          throw boom;
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), (error) => error === boom);
      assert.equal(task.exception(), boom);
      assert.throws(() => task.result(), (error) => error === boom);
      assert.equal(task.cancelled(), false);
      assert.equal(task.state, "done");
      loop.close();
    },
  },
  {
    title: "A task awaiting itself gets a TypeError at that await, as CPython's 'Task cannot await on itself'",
    async fn(kind) {
      const loop = virtualLoop();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* currentTask()!;
            return "no error";
          } catch (error) {
            return describeError(error);
          }
        },
        async () => {
          try {
            await currentTask()!;
            return "no error";
          } catch (error) {
            return describeError(error);
          }
        },
      ));
      const outcome = await loop.runUntilComplete(task);
      assert.match(outcome, /^TypeError:/);
      assert.match(outcome, /itself/);
      loop.close();
    },
  },
  {
    title: "A task awaiting a Future of another loop gets a TypeError at that await, as CPython's " +
      "'attached to a different loop'",
    async fn(kind) {
      const loop = virtualLoop();
      const other = virtualLoop();
      const foreignFuture = other.createFuture<number>();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* foreignFuture;
            return "no error";
          } catch (error) {
            return describeError(error);
          }
        },
        async () => {
          try {
            await foreignFuture;
            return "no error";
          } catch (error) {
            return describeError(error);
          }
        },
      ));
      assert.match(await loop.runUntilComplete(task), /^TypeError:.*different loop/);
      foreignFuture.cancel();
      loop.close();
      other.close();
    },
  },
  {
    title: "Task.cancel() reaches an await inside a nested coroutine (a sub-generator, or a helper async function " +
      "the coroutine awaits) and unwinds both, as CPython's cancel through an await chain",
    async fn(kind) {
      const loop = virtualLoop();
      const log: string[] = [];
      function* helperGenerator(): Generator<unknown, string, unknown> {
        try {
          yield* sleep(1000);
          return "helper done";
        } finally {
          log.push("helper finally");
        }
      }
      async function helperFunction(): Promise<string> {
        try {
          await sleep(1000);
          return "helper done";
        } finally {
          log.push("helper finally");
        }
      }
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            return yield* helperGenerator();
          } finally {
            log.push("outer finally");
          }
        },
        async () => {
          try {
            return await helperFunction();
          } finally {
            log.push("outer finally");
          }
        },
      ));
      loop.callLater(10, () => task.cancel("deep"));
      await assert.rejects(loop.runUntilComplete(task), isCancelled("deep"));
      assert.deepEqual(log, ["helper finally", "outer finally"]);
      assert.equal(loop.time(), 10);
      loop.close();
    },
  },
  {
    title: "A coroutine that turns the CancelledError into another error ends the task failed with that error, " +
      "not cancelled, as CPython",
    async fn(kind) {
      const loop = virtualLoop();
      const replaced = new EvalError("replaced the cancel");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* sleep(1000);
          } catch {
            throw replaced;
          }
        },
        async () => {
          try {
            await sleep(1000);
          } catch {
            throw replaced;
          }
        },
      ));
      loop.callLater(10, () => task.cancel());
      await assert.rejects(loop.runUntilComplete(task), (error) => error === replaced);
      assert.equal(task.cancelled(), false);
      assert.equal(task.exception(), replaced);
      loop.close();
    },
  },
  {
    title: "A pending cancel raised at `await sleep(ms)` leaves no live timer behind, as CPython's sleep() " +
      "cancelling its TimerHandle when its future is cancelled",
    async fn(kind) {
      const loop = virtualLoop();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          currentTask()!.cancel();
          yield* sleep(1000);
        },
        async () => {
          currentTask()!.cancel();
          await sleep(1000);
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.equal(await timeOnceIdle(loop), 0, "no live timer for the cancelled sleep (time does not jump to it)");
      loop.close();
    },
  },
];

for (const testCase of cancelCases) {
  for (const kind of KINDS) {
    Deno.test({
      name: `${testCase.title} [${kind}]`,
      ignore: testCase.ignore?.includes(kind) ?? false,
      fn: () => testCase.fn(kind),
    });
  }
}

// ---- Cancellation specific to async functions (foreign promises) ---------------------------------------------

Deno.test("A cancel that arrives while an async function awaits a foreign promise is delivered at its next library await, and task.signal is aborted with a CancelledError, as the API's foreign-promise rule", async () => {
  const loop = virtualLoop();
  const foreign = Promise.withResolvers<string>();
  const log: string[] = [];
  const task = loop.createTask(async () => {
    try {
      log.push(`foreign gave ${await foreign.promise}`);
      log.push(`signal aborted: ${currentTask()!.signal.aborted}`);
      await sleep(0);
      log.push("not reached");
    } catch (error) {
      log.push(`caught ${describeError(error)}`);
      throw error;
    } finally {
      log.push("finally");
    }
  });
  loop.callLater(10, () => {
    assert.equal(task.cancel("while foreign"), true);
    assert.equal(task.signal.aborted, true);
    assert.ok(task.signal.reason instanceof CancelledError);
    assert.equal(task.signal.reason.message, "while foreign");
    foreign.resolve("value");
  });
  await assert.rejects(loop.runUntilComplete(task), isCancelled("while foreign"));
  assert.deepEqual(log, [
    "foreign gave value",
    "signal aborted: true",
    "caught CancelledError:while foreign",
    "finally",
  ]);
  assert.equal(task.cancelled(), true);
  loop.close();
});

Deno.test("A cancel delivered through task.signal to a foreign promise (rejecting with signal.reason) ends the task cancelled, as a cancelled await in CPython", async () => {
  const loop = virtualLoop();
  const task = loop.createTask(async () => {
    const signal = currentTask()!.signal;
    await new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    return "not reached";
  });
  loop.callLater(10, () => task.cancel("abort the fetch"));
  await assert.rejects(loop.runUntilComplete(task), isCancelled("abort the fetch"));
  assert.equal(task.cancelled(), true);
  loop.close();
});

Deno.test("A generator coroutine that yields something other than a Future gets a TypeError at that yield, as CPython's 'Task got bad yield'", async () => {
  const loop = virtualLoop();
  const task = loop.createTask(function* () {
    try {
      yield 42;
      return "no error";
    } catch (error) {
      return describeError(error);
    }
  }());
  assert.match(await loop.runUntilComplete(task), /^TypeError:.*bad yield/);
  loop.close();
});

// ---- createTask --------------------------------------------------------------------------------------------------

Deno.test("createTask(promise) throws a TypeError that shows the () => form, as CPython's 'a coroutine was expected'", async () => {
  const loop = virtualLoop();
  const promise = Promise.resolve(1);
  const error = await loop.runUntilComplete(async () => {
    try {
      createTask(promise as unknown as Coroutine<number>);
      return null;
    } catch (error) {
      return error;
    }
  });
  assert.ok(error instanceof TypeError);
  assert.match(error.message, /\(\) =>/);
  assert.equal(allTasks(loop).size, 0, "no task was registered");
  loop.close();
});

Deno.test("createTask(42) throws a TypeError naming 42, as CPython's 'a coroutine was expected, got 42'", () => {
  const loop = virtualLoop();
  assert.throws(
    () => createTask(42 as unknown as Coroutine<number>, { loop }),
    (error) => error instanceof TypeError && /\b42\b/.test(error.message),
  );
  assert.throws(
    () => loop.createTask(42 as unknown as Coroutine<number>),
    (error) => error instanceof TypeError && /\b42\b/.test(error.message),
  );
  loop.close();
});

Deno.test("createTask() with no running loop throws InvalidStateError, as CPython's 'no running event loop'", () => {
  let called = false;
  assert.throws(() =>
    createTask(async () => {
      called = true;
    }), InvalidStateError);
  assert.equal(called, false);
});

Deno.test("loop.createTask() on a closed loop throws InvalidStateError, as CPython's 'Event loop is closed'", () => {
  const loop = virtualLoop();
  loop.close();
  assert.throws(() => loop.createTask(async () => 1), InvalidStateError);
});

// ---- Task introspection ------------------------------------------------------------------------------------------

Deno.test("Task names: Task-N by default with N counting up, the name option, and setName(), as CPython's get_name/set_name", async (t) => {
  const loop = virtualLoop();
  const first = loop.createTask(async () => {});
  const second = loop.createTask(function* () {}());
  const named = loop.createTask(async () => {}, { name: "worker" });
  await t.step("default names are Task-N, numbered in creation order", () => {
    const firstNumber = Number(/^Task-(\d+)$/.exec(first.getName())?.[1]);
    const secondNumber = Number(/^Task-(\d+)$/.exec(second.getName())?.[1]);
    assert.ok(Number.isInteger(firstNumber), first.getName());
    assert.equal(secondNumber, firstNumber + 1);
  });
  await t.step("the name option", () => {
    assert.equal(named.getName(), "worker");
  });
  await t.step("setName() renames, converting to a string", () => {
    named.setName("renamed");
    assert.equal(named.getName(), "renamed");
    first.setName(7);
    assert.equal(first.getName(), "7");
  });
  await t.step(
    "numbers too large for a task's flags word still name it Task-N (CPython's counter is unbounded)",
    () => {
      const was = _continueTaskNumbersFrom(_LARGEST_INLINE_TASK_NUMBER);
      try {
        const last = loop.createTask(async () => {});
        const past = loop.createTask(function* () {}());
        const further = loop.createTask(async () => {});
        assert.equal(last.getName(), `Task-${_LARGEST_INLINE_TASK_NUMBER}`);
        assert.equal(past.getName(), `Task-${_LARGEST_INLINE_TASK_NUMBER + 1}`);
        assert.equal(further.getName(), `Task-${_LARGEST_INLINE_TASK_NUMBER + 2}`);
        assert.match(String(past), new RegExp(`name='Task-${_LARGEST_INLINE_TASK_NUMBER + 1}'`));
        past.setName("renamed");
        assert.equal(past.getName(), "renamed");
        assert.equal(further.getName(), `Task-${_LARGEST_INLINE_TASK_NUMBER + 2}`);
      } finally {
        _continueTaskNumbersFrom(was);
      }
    },
  );
  await t.step("createTask() with a name option outside loop.createTask()", async () => {
    const name = await loop.runUntilComplete(async () => createTask(async () => {}, { name: "child" }).getName());
    assert.equal(name, "child");
  });
  await loop.runUntilComplete(async () => {
    for (const task of [first, second, named]) await task;
  });
  loop.close();
});

Deno.test("getCoro() returns the coroutine the task runs (generator object or function), as CPython's get_coro", async () => {
  const loop = virtualLoop();
  const generator = (function* () {
    return 1;
  })();
  const fn = async () => 2;
  const fromGenerator = loop.createTask(generator);
  const fromFunction = loop.createTask(fn);
  assert.equal(fromGenerator.getCoro(), generator);
  assert.equal(fromFunction.getCoro(), fn);
  assert.equal(await loop.runUntilComplete(fromGenerator), 1);
  assert.equal(await loop.runUntilComplete(fromFunction), 2);
  assert.equal(fromFunction.getCoro(), fn, "still available once done");
  loop.close();
});

Deno.test("getStack() returns an array of frame lines, naming the suspended async function in debug mode, as CPython's get_stack", async () => {
  const loop = newEventLoop({ clock: new VirtualClock(), debug: true });
  const fut = loop.createFuture();
  async function suspendedWorker(): Promise<void> {
    await fut;
  }
  const asyncTask = loop.createTask(suspendedWorker);
  const generatorTask = loop.createTask(function* () {
    yield* fut;
  }());
  await loop.runUntilComplete(sleep(0));
  const asyncStack = asyncTask.getStack();
  assert.ok(Array.isArray(asyncStack));
  assert.ok(asyncStack.length > 0);
  assert.ok(asyncStack.every((line) => typeof line === "string" && line.startsWith("at ")));
  assert.ok(asyncStack.some((line) => line.includes("suspendedWorker")), asyncStack.join("\n"));
  assert.ok(Array.isArray(generatorTask.getStack()));
  fut.setResult(undefined);
  await loop.runUntilComplete(asyncTask);
  await loop.runUntilComplete(generatorTask);
  assert.deepEqual(asyncTask.getStack(), [], "a done task has no stack");
  loop.close();
});

for (const kind of KINDS) {
  Deno.test(`task.state goes pending -> running -> done, or to cancelled, as the four states of a CPython task [${kind}]`, async (t) => {
    const loop = virtualLoop();
    await t.step("pending -> running -> done", async () => {
      const fut = loop.createFuture<number>();
      const task = loop.createTask(coroutine(kind, function* () {
        return yield* fut;
      }, async () => await fut));
      assert.equal(task.state, "pending");
      await loop.runUntilComplete(sleep(0));
      assert.equal(task.state, "running");
      assert.equal(task.done(), false);
      fut.setResult(3);
      assert.equal(await loop.runUntilComplete(task), 3);
      assert.equal(task.state, "done");
    });
    await t.step("running -> cancelled", async () => {
      const task = loop.createTask(coroutine(kind, function* () {
        yield* sleep(100);
      }, async () => await sleep(100)));
      await loop.runUntilComplete(sleep(0));
      assert.equal(task.state, "running");
      task.cancel();
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.equal(task.state, "cancelled");
    });
    await t.step("pending -> cancelled", async () => {
      const task = loop.createTask(coroutine(kind, function* () {
        yield* sleep(100);
      }, async () => await sleep(100)));
      task.cancel();
      assert.equal(task.state, "pending");
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.equal(task.state, "cancelled");
    });
    loop.close();
  });
}

Deno.test("Task toString() shows the state, the name and the coroutine function, as CPython's Task repr", async () => {
  const loop = virtualLoop();
  const fut = loop.createFuture();
  const task = loop.createTask(async function work() {
    await fut;
    return 1;
  }, { name: "w" });
  assert.equal(String(task), "<Task pending name='w' coro=work()>");
  await loop.runUntilComplete(sleep(0));
  assert.equal(String(task), "<Task pending name='w' coro=work()>", "a running task is still pending");
  fut.setResult(undefined);
  await loop.runUntilComplete(task);
  assert.match(String(task), /^<Task finished .*name='w'.*coro=work\(\).*>$/);
  assert.match(String(task), /result=1/);
  const cancelled = loop.createTask(async function other() {}, { name: "c" });
  cancelled.cancel();
  await assert.rejects(loop.runUntilComplete(cancelled), CancelledError);
  assert.match(String(cancelled), /^<Task cancelled name='c' coro=other\(\)>$/);
  const generatorTask = loop.createTask(function* () {}(), { name: "g" });
  assert.match(String(generatorTask), /^<Task pending name='g' coro=.*>$/);
  await loop.runUntilComplete(generatorTask);
  loop.close();
});

Deno.test("currentTask() is the task inside both coroutine kinds (also after an await) and null outside tasks and in plain callbacks, as CPython's current_task", async () => {
  const loop = virtualLoop();
  assert.equal(currentTask(), null);
  const seen: Record<string, unknown> = {};
  const generatorTask: Task<void> = loop.createTask(function* () {
    seen.generatorBefore = currentTask();
    yield* sleep(5);
    seen.generatorAfter = currentTask();
    loop.callSoon(() => {
      seen.generatorCallback = currentTask();
    });
  }());
  const asyncTask: Task<void> = loop.createTask(async () => {
    seen.asyncBefore = currentTask();
    await sleep(5);
    seen.asyncAfterSleep = currentTask();
    await Promise.resolve();
    seen.asyncAfterForeign = currentTask();
    loop.callSoon(() => {
      seen.asyncCallback = currentTask();
    });
  });
  await loop.runUntilComplete(async () => {
    await generatorTask;
    await asyncTask;
    await sleep(0);
  });
  assert.equal(seen.generatorBefore, generatorTask);
  assert.equal(seen.generatorAfter, generatorTask);
  assert.equal(seen.asyncBefore, asyncTask);
  assert.equal(seen.asyncAfterSleep, asyncTask);
  assert.equal(seen.asyncAfterForeign, asyncTask);
  assert.equal(seen.generatorCallback, null);
  assert.equal(seen.asyncCallback, null);
  assert.equal(currentTask(), null);
  loop.close();
});

Deno.test("allTasks(loop) includes pending tasks (the running one too) and excludes finished ones, as CPython's all_tasks", async () => {
  const loop = virtualLoop();
  const quick = loop.createTask(async () => "quick");
  const slow = loop.createTask(function* () {
    yield* sleep(100);
  }());
  assert.deepEqual(allTasks(loop), new Set([quick, slow]));
  await loop.runUntilComplete(quick);
  assert.deepEqual(allTasks(loop), new Set([slow]));
  const insideView = await loop.runUntilComplete(async () => {
    const me = currentTask();
    const tasks = allTasks();
    return { includesMe: tasks.has(me!), includesSlow: tasks.has(slow), size: tasks.size };
  });
  assert.deepEqual(insideView, { includesMe: true, includesSlow: true, size: 2 });
  await loop.runUntilComplete(slow);
  assert.equal(allTasks(loop).size, 0);
  assert.throws(() => allTasks(), InvalidStateError, "no loop given and none running");
  loop.close();
});

// ---- ensureFuture ------------------------------------------------------------------------------------------------

Deno.test("ensureFuture() returns a Future as it is, wraps coroutines in Tasks and promises in awaitable Futures, and refuses another loop's Future, as CPython's ensure_future", async (t) => {
  const loop = virtualLoop();
  await t.step("a Future or Task is returned as it is", () => {
    const fut = loop.createFuture();
    assert.equal(ensureFuture(fut, loop), fut);
    fut.cancel();
  });
  await t.step("a coroutine of either kind becomes a Task", async () => {
    const fromAsync = ensureFuture(async () => "async", loop);
    const fromGenerator = ensureFuture(
      function* () {
        yield* sleep(1);
        return "generator";
      }(),
      loop,
    );
    assert.ok(fromAsync instanceof Task);
    assert.ok(fromGenerator instanceof Task);
    assert.equal(ensureFuture(fromAsync, loop), fromAsync);
    assert.equal(await loop.runUntilComplete(fromAsync), "async");
    assert.equal(await loop.runUntilComplete(fromGenerator), "generator");
  });
  await t.step("a promise becomes an awaitable Future of the loop", async () => {
    const fromPromise = ensureFuture(Promise.resolve("promise"), loop);
    assert.equal(fromPromise.getLoop(), loop);
    assert.equal(await loop.runUntilComplete(fromPromise), "promise");
  });
  await t.step("sleep() becomes an awaitable Future", async () => {
    assert.equal(await loop.runUntilComplete(ensureFuture(sleep(10, "slept"), loop)), "slept");
  });
  await t.step("a Future of another loop is a TypeError", () => {
    const other = virtualLoop();
    const foreign: Future<unknown> = other.createFuture();
    assert.throws(() => ensureFuture(foreign, loop), TypeError);
    other.close();
  });
  await t.step("a value that is not awaitable is a TypeError", () => {
    assert.throws(() => ensureFuture(42 as unknown as Future<number>, loop), TypeError);
  });
  loop.close();
});

Deno.test({
  name: "ensureFuture() of an already rejected promise delivers the rejection through the Future, with no " +
    "unhandled rejection, as CPython's ensure_future of an awaitable that raises",
  async fn() {
    const unhandled: unknown[] = [];
    const onUnhandled = (event: PromiseRejectionEvent) => {
      unhandled.push(event.reason);
      event.preventDefault();
    };
    globalThis.addEventListener("unhandledrejection", onUnhandled);
    const loop = virtualLoop();
    try {
      const failsAtOnce = async (): Promise<number> => {
        throw new URIError("no");
      };
      const fut = ensureFuture(failsAtOnce(), loop);
      await assert.rejects(loop.runUntilComplete(fut), URIError);
      assert.deepEqual(unhandled, []);
    } finally {
      globalThis.removeEventListener("unhandledrejection", onUnhandled);
      loop.close();
    }
  },
});

// ---- Task is finished by its coroutine only ----------------------------------------------------------------------

Deno.test("Task.setResult() and Task.setException() throw InvalidStateError and leave the task running, as CPython", async () => {
  const loop = virtualLoop();
  const task = loop.createTask(async () => {
    await sleep(5);
    return "own result";
  });
  assert.throws(() => task.setResult("forced"), InvalidStateError);
  assert.throws(() => task.setException(new Error("forced")), InvalidStateError);
  assert.equal(task.done(), false);
  assert.equal(await loop.runUntilComplete(task), "own result");
  loop.close();
});

// ---- Awaiting tasks and done-callbacks ---------------------------------------------------------------------------

Deno.test("A task awaiting another task gets its result, across coroutine kinds, as CPython's await task", async () => {
  const loop = virtualLoop();
  const fromGenerator = loop.createTask(function* () {
    yield* sleep(10);
    return "g";
  }());
  const fromAsync = loop.createTask(async () => {
    await sleep(20);
    return "a";
  });
  const asyncAwaitsGenerator = loop.createTask(async () => `${await fromGenerator}+`);
  const generatorAwaitsAsync = loop.createTask(function* () {
    return `${yield* fromAsync}+`;
  }());
  assert.equal(await loop.runUntilComplete(asyncAwaitsGenerator), "g+");
  assert.equal(await loop.runUntilComplete(generatorAwaitsAsync), "a+");
  assert.equal(loop.time(), 20);
  loop.close();
});

Deno.test("Task done-callbacks run in registration order, with the task, on a later loop iteration, as CPython's add_done_callback", async () => {
  const loop = virtualLoop();
  const calls: string[] = [];
  const task = loop.createTask(async () => {
    await sleep(5);
    return "r";
  });
  const removed = () => calls.push("removed");
  task.addDoneCallback((t) => calls.push(`first ${t === task} ${t.result()}`));
  task.addDoneCallback(removed);
  task.addDoneCallback(() => calls.push("second"));
  task.addDoneCallback(() => calls.push("third"));
  assert.equal(task.removeDoneCallback(removed), 1);
  const watcher = loop.createTask(async () => {
    await task;
    // This task was woken by its own done-callback, registered after the others.
    calls.push("awaiter resumed");
  });
  await loop.runUntilComplete(watcher);
  assert.deepEqual(calls, ["first true r", "second", "third", "awaiter resumed"]);
  task.addDoneCallback(() => calls.push("added after done"));
  assert.equal(calls.length, 4, "a callback added after done is scheduled, not called at once");
  await loop.runUntilComplete(sleep(0));
  assert.equal(calls[4], "added after done");
  loop.close();
});
