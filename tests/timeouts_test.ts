// Tests of timeout(), timeoutAt() and Timeout against CPython 3.12's asyncio.timeouts (Lib/test/test_asyncio/
// test_timeouts.py), for both coroutine kinds. The traps are the cancellations that are not the scope's own: a
// cancel from another task arriving with the deadline, and nested scopes expiring together (gh-95289, gh-116720
// taught CPython to count cancels with cancelling()/uncancel() for exactly these). Everything runs on a
// VirtualClock, so times are exact.

// A coroutine's kind is what a test is about, not whether its body happens to await.
// deno-lint-ignore-file require-await require-yield

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError, TimeoutError } from "../errors.ts";
import { sleep } from "../sleep.ts";
import { currentTask, type Task } from "../task.ts";
import { Timeout, timeout, timeoutAt } from "../timeouts.ts";
import { coroutine, KINDS, timeOnceIdle, virtualLoop } from "./_helpers.ts";

function isTimeoutFromCancel(error: unknown): boolean {
  return error instanceof TimeoutError && error.cause instanceof CancelledError;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

// ---- Expiry -----------------------------------------------------------------------------------------------------

Deno.test("timeout() converts the expired scope's CancelledError into TimeoutError with the cancel as cause, as CPython's Timeout.__aexit__", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      let scope: Timeout | null = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          return yield* timeout(100, function* (entered) {
            scope = entered;
            try {
              yield* sleep(10_000);
            } catch (error) {
              log.push(describeError(error));
              throw error;
            }
          });
        },
        async () =>
          await timeout(100, async (entered) => {
            scope = entered;
            try {
              await sleep(10_000);
            } catch (error) {
              log.push(describeError(error));
              throw error;
            }
          }),
      ));
      await assert.rejects(loop.runUntilComplete(task), isTimeoutFromCancel);
      assert.deepEqual(log, ["CancelledError"]);
      assert.equal(loop.time(), 100);
      assert.equal(scope!.expired(), true);
      assert.equal(scope!.when(), 100);
      assert.equal(String(scope), "<Timeout [expired]>");
      // The task failed with the TimeoutError; it was not cancelled, and the scope withdrew its cancel.
      assert.equal(task.cancelled(), false);
      assert.equal(task.cancelling(), 0);
      loop.close();
    });
  }
});

Deno.test("timeout() with an async body awaited from a generator coroutine, and a generator body awaited from an async function, expires as CPython's timeout()", async (t) => {
  await t.step("async body, yield*", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(function* () {
      return yield* timeout(50, async () => {
        try {
          await sleep(1000);
        } finally {
          log.push("body cleaned up");
        }
      });
    }());
    await assert.rejects(loop.runUntilComplete(task), isTimeoutFromCancel);
    assert.deepEqual(log, ["body cleaned up"]);
    assert.equal(loop.time(), 50);
    assert.equal(task.cancelling(), 0);
    loop.close();
  });
  await t.step("generator body, await", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(async () =>
      await timeout(50, function* () {
        try {
          yield* sleep(1000);
        } finally {
          log.push("body cleaned up");
        }
      })
    );
    await assert.rejects(loop.runUntilComplete(task), isTimeoutFromCancel);
    assert.deepEqual(log, ["body cleaned up"]);
    assert.equal(loop.time(), 50);
    loop.close();
  });
});

Deno.test("timeout() returns the body's result, leaves the scope unexpired and cancels its timer, as CPython's test_timeout_not_called", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      let scope: Timeout | null = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          return yield* timeout(100, function* (entered) {
            scope = entered;
            return yield* sleep(10, "fast");
          });
        },
        async () =>
          await timeout(100, async (entered) => {
            scope = entered;
            return await sleep(10, "fast");
          }),
      ));
      assert.equal(await loop.runUntilComplete(task), "fast");
      assert.equal(scope!.expired(), false);
      assert.equal(scope!.when(), 100);
      assert.equal(String(scope), "<Timeout [finished]>");
      // No timer left behind: the idle virtual clock has nothing to jump to.
      assert.equal(await timeOnceIdle(loop), 10);
      loop.close();
    });
  }
});

Deno.test("timeout(null) and timeoutAt(null) never expire, as CPython's test_timeout_disabled", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const whens: (number | null)[] = [];
      const result = await loop.runUntilComplete(coroutine(
        kind,
        function* () {
          const a = yield* timeout(null, function* (scope) {
            whens.push(scope.when());
            assert.equal(String(scope), "<Timeout [active] when=null>");
            return yield* sleep(10_000, "a");
          });
          const b = yield* timeoutAt(null, function* (scope) {
            whens.push(scope.when());
            return yield* sleep(10_000, "b");
          });
          return a + b;
        },
        async () => {
          const a = await timeout(null, async (scope) => {
            whens.push(scope.when());
            assert.equal(String(scope), "<Timeout [active] when=null>");
            return await sleep(10_000, "a");
          });
          const b = await timeoutAt(null, async (scope) => {
            whens.push(scope.when());
            return await sleep(10_000, "b");
          });
          return a + b;
        },
      ));
      assert.equal(result, "ab");
      assert.deepEqual(whens, [null, null]);
      assert.equal(loop.time(), 20_000);
      loop.close();
    });
  }
});

Deno.test("timeoutAt() expires at the given loop time and when() reports it, as CPython's test_timeout_at_basic", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      let scope: Timeout | null = null;
      await loop.runUntilComplete(sleep(30));
      const deadline = loop.time() + 70;
      await assert.rejects(
        loop.runUntilComplete(coroutine(
          kind,
          function* () {
            yield* timeoutAt(deadline, function* (entered) {
              scope = entered;
              yield* sleep(1000);
            });
          },
          async () => {
            await timeoutAt(deadline, async (entered) => {
              scope = entered;
              await sleep(1000);
            });
          },
        )),
        TimeoutError,
      );
      assert.equal(loop.time(), 100);
      assert.equal(scope!.when(), 100);
      assert.equal(scope!.expired(), true);
      loop.close();
    });
  }
});

Deno.test("timeout() of zero or a negative delay expires on the next iteration, never synchronously, as CPython's test_timeout_zero_sleep_zero and call_soon", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      for (const delay of [0, -11]) {
        // A sleep(0) is one pass through the loop: the expiry comes first.
        await assert.rejects(
          loop.runUntilComplete(coroutine(
            kind,
            function* () {
              yield* timeout(delay, function* () {
                yield* sleep(0);
              });
            },
            async () => {
              await timeout(delay, async () => {
                await sleep(0);
              });
            },
          )),
          isTimeoutFromCancel,
        );
        // A body that never waits finishes before the next iteration: no timeout.
        const result = await loop.runUntilComplete(coroutine(
          kind,
          function* () {
            return yield* timeout(delay, function* (scope) {
              return scope.when()! <= loop.time() ? "finished first" : "?";
            });
          },
          async () =>
            await timeout(delay, async (scope) => {
              return scope.when()! <= loop.time() ? "finished first" : "?";
            }),
        ));
        assert.equal(result, "finished first");
      }
      assert.equal(loop.time(), 0);
      loop.close();
    });
  }
});

// ---- Errors that are not the scope's ---------------------------------------------------------------------------

Deno.test("timeout() lets the body's own error through unchanged and cancels its timer, as CPython's test_foreign_exception_passed", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const failure = new RangeError("body failed");
      let scope: Timeout | null = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* timeout(100, function* (entered) {
              scope = entered;
              yield* sleep(10);
              throw failure;
            });
          } catch (error) {
            assert.equal(error, failure);
          }
          yield* sleep(1000);
          return "went on";
        },
        async () => {
          try {
            await timeout(100, async (entered) => {
              scope = entered;
              await sleep(10);
              throw failure;
            });
          } catch (error) {
            assert.equal(error, failure);
          }
          await sleep(1000);
          return "went on";
        },
      ));
      assert.equal(await loop.runUntilComplete(task), "went on");
      assert.equal(scope!.expired(), false);
      assert.equal(loop.time(), 1010);
      loop.close();
    });
  }
});

Deno.test("timeout() lets an error raised while handling its cancel through instead of TimeoutError, as CPython's test_foreign_exception_on_timeout", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* timeout(10, function* () {
            try {
              yield* sleep(1000);
            } finally {
              // deno-lint-ignore no-unsafe-finally
              throw new SyntaxError("crash in cleanup");
            }
          });
        },
        async () => {
          await timeout(10, async () => {
            try {
              await sleep(1000);
            } finally {
              // deno-lint-ignore no-unsafe-finally
              throw new SyntaxError("crash in cleanup");
            }
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), SyntaxError);
      assert.equal(task.cancelling(), 0);
      loop.close();
    });
  }
});

Deno.test("timeout() lets a cancel of its task through as CancelledError while the scope has not expired, as CPython's test_foreign_cancel_doesnt_timeout_if_not_expired", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      let scope: Timeout | null = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* timeout(1000, function* (entered) {
            scope = entered;
            yield* sleep(10_000);
          });
        },
        async () => {
          await timeout(1000, async (entered) => {
            scope = entered;
            await sleep(10_000);
          });
        },
      ));
      loop.callLater(10, () => task.cancel("from outside"));
      await assert.rejects(
        loop.runUntilComplete(task),
        (error) => error instanceof CancelledError && error.message === "from outside",
      );
      assert.equal(task.cancelled(), true);
      assert.equal(scope!.expired(), false);
      assert.equal(loop.time(), 10);
      loop.close();
    });
  }
});

Deno.test("timeout() lets a cancel from another task arriving in the same iteration as its deadline through as CancelledError, as CPython's uncancel() count check (gh-95289, gh-116720)", async (t) => {
  for (const kind of KINDS) {
    for (const order of ["before the deadline's callback", "after the deadline's callback"]) {
      await t.step(`${kind}, outer cancel ${order}`, async () => {
        const loop = virtualLoop();
        let scope: Timeout | null = null;
        let task: Task<unknown> | null = null;
        const cancelFromOutside = () => task!.cancel("outer");
        // Timers due at the same time run in the order they were scheduled: this one before the scope's.
        if (order.startsWith("before")) loop.callAt(100, cancelFromOutside);
        task = loop.createTask(coroutine(
          kind,
          function* () {
            yield* timeout(100, function* (entered) {
              scope = entered;
              if (order.startsWith("after")) loop.callAt(100, cancelFromOutside);
              yield* sleep(10_000);
            });
          },
          async () => {
            await timeout(100, async (entered) => {
              scope = entered;
              if (order.startsWith("after")) loop.callAt(100, cancelFromOutside);
              await sleep(10_000);
            });
          },
        ));
        await assert.rejects(loop.runUntilComplete(task), (error) => error instanceof CancelledError);
        assert.equal(loop.time(), 100);
        assert.equal(scope!.expired(), true);
        // The task ends cancelled: the outer cancel was not mistaken for the timeout, nor lost.
        assert.equal(task.cancelled(), true);
        loop.close();
      });
    }
  }
});

// ---- Nested scopes ----------------------------------------------------------------------------------------------

Deno.test("an expired inner timeout() raises TimeoutError in the inner scope only and the outer body goes on, as CPython's test_nested_timeouts_loop_busy", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      let outer: Timeout | null = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* timeout(500, function* (scope) {
            outer = scope;
            try {
              yield* timeout(10, function* () {
                yield* sleep(1000);
              });
            } catch (error) {
              log.push(`inner: ${describeError(error)} at ${loop.time()}`);
            }
            log.push(`outer expired: ${scope.expired()}`);
            yield* sleep(10_000);
          });
        },
        async () => {
          await timeout(500, async (scope) => {
            outer = scope;
            try {
              await timeout(10, async () => {
                await sleep(1000);
              });
            } catch (error) {
              log.push(`inner: ${describeError(error)} at ${loop.time()}`);
            }
            log.push(`outer expired: ${scope.expired()}`);
            await sleep(10_000);
          });
        },
      ));
      // The outer deadline still interrupts the sleep after the inner scope.
      await assert.rejects(loop.runUntilComplete(task), isTimeoutFromCancel);
      assert.deepEqual(log, ["inner: TimeoutError at 10", "outer expired: false"]);
      assert.equal(outer!.expired(), true);
      assert.equal(loop.time(), 500);
      assert.equal(task.cancelling(), 0);
      loop.close();
    });
  }
});

Deno.test("nested timeout() scopes expiring together raise TimeoutError from the outer scope only, the inner letting CancelledError through, as CPython's test_nested_timeouts", async (t) => {
  for (const kind of KINDS) {
    // (The inner scope expiring first is the test above.)
    for (const [outerDeadline, innerDeadline] of [[100, 100], [100, 200]]) {
      const innerExpires = innerDeadline === outerDeadline;
      await t.step(`${kind}, outer at ${outerDeadline}, inner at ${innerDeadline}`, async () => {
        const loop = virtualLoop();
        const seenByOuterBody: string[] = [];
        let inner: Timeout | null = null;
        let outer: Timeout | null = null;
        const task = loop.createTask(coroutine(
          kind,
          function* () {
            yield* timeoutAt(outerDeadline, function* (scope) {
              outer = scope;
              try {
                yield* timeoutAt(innerDeadline, function* (innerScope) {
                  inner = innerScope;
                  yield* sleep(10_000);
                });
              } catch (error) {
                seenByOuterBody.push(describeError(error));
                throw error;
              }
            });
          },
          async () => {
            await timeoutAt(outerDeadline, async (scope) => {
              outer = scope;
              try {
                await timeoutAt(innerDeadline, async (innerScope) => {
                  inner = innerScope;
                  await sleep(10_000);
                });
              } catch (error) {
                seenByOuterBody.push(describeError(error));
                throw error;
              }
            });
          },
        ));
        await assert.rejects(loop.runUntilComplete(task), isTimeoutFromCancel);
        assert.deepEqual(seenByOuterBody, ["CancelledError"]);
        assert.equal(outer!.expired(), true);
        assert.equal(inner!.expired(), innerExpires);
        assert.equal(loop.time(), 100);
        assert.equal(task.cancelling(), 0);
        loop.close();
      });
    }
  }
});

Deno.test("a timeout() in the finally of an expired timeout() raises its own TimeoutError, as CPython's test_nested_timeout_in_finally", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* timeout(10, function* () {
            try {
              yield* sleep(1000);
            } finally {
              try {
                yield* timeout(10, function* () {
                  yield* sleep(10_000);
                });
              } catch (error) {
                log.push(`${describeError(error)} at ${loop.time()}`);
              }
            }
          });
        },
        async () => {
          await timeout(10, async () => {
            try {
              await sleep(1000);
            } finally {
              try {
                await timeout(10, async () => {
                  await sleep(10_000);
                });
              } catch (error) {
                log.push(`${describeError(error)} at ${loop.time()}`);
              }
            }
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), TimeoutError);
      assert.deepEqual(log, ["TimeoutError at 20"]);
      loop.close();
    });
  }
});

// ---- A task cancelled before the scope -----------------------------------------------------------------------

Deno.test("timeout() entered after the task swallowed a cancel still times out, and a new cancel inside it stays a CancelledError, as CPython's test_timeout_after_cancellation", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const outcomes: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          const self = currentTask()!;
          self.cancel();
          try {
            yield* sleep(1000);
          } catch {
            outcomes.push(`swallowed, cancelling=${self.cancelling()}`);
          }
          try {
            yield* timeout(0, function* () {
              yield* sleep(1000);
            });
          } catch (error) {
            outcomes.push(describeError(error));
          }
          try {
            yield* timeout(1000, function* () {
              self.cancel();
              yield* sleep(2000);
            });
          } catch (error) {
            outcomes.push(describeError(error));
          }
        },
        async () => {
          const self = currentTask()!;
          self.cancel();
          try {
            await sleep(1000);
          } catch {
            outcomes.push(`swallowed, cancelling=${self.cancelling()}`);
          }
          try {
            await timeout(0, async () => {
              await sleep(1000);
            });
          } catch (error) {
            outcomes.push(describeError(error));
          }
          try {
            await timeout(1000, async () => {
              self.cancel();
              await sleep(2000);
            });
          } catch (error) {
            outcomes.push(describeError(error));
          }
        },
      ));
      await loop.runUntilComplete(task);
      assert.deepEqual(outcomes, ["swallowed, cancelling=1", "TimeoutError", "CancelledError"]);
      loop.close();
    });
  }
});

// ---- A body that swallows the scope's cancel ------------------------------------------------------------------

Deno.test("timeout() returns normally when the body swallows the scope's cancel, and the task is not left cancelled, as CPython 3.12's test_timeout_expiring", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      let scope: Timeout | null = null;
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          const value = yield* timeout(10, function* (entered) {
            scope = entered;
            try {
              yield* sleep(1000);
            } catch (error) {
              log.push(describeError(error));
            }
            assert.throws(() => entered.reschedule(loop.time() + 5), /Cannot change state of expiring Timeout/);
            return "swallowed";
          });
          // The scope withdrew its cancel: the task goes on uncancelled.
          log.push(`cancelling=${currentTask()!.cancelling()}`);
          yield* sleep(100);
          return value;
        },
        async () => {
          const value = await timeout(10, async (entered) => {
            scope = entered;
            try {
              await sleep(1000);
            } catch (error) {
              log.push(describeError(error));
            }
            assert.throws(() => entered.reschedule(loop.time() + 5), /Cannot change state of expiring Timeout/);
            return "swallowed";
          });
          log.push(`cancelling=${currentTask()!.cancelling()}`);
          await sleep(100);
          return value;
        },
      ));
      assert.equal(await loop.runUntilComplete(task), "swallowed");
      assert.deepEqual(log, ["CancelledError", "cancelling=0"]);
      assert.equal(scope!.expired(), true);
      assert.equal(loop.time(), 110);
      loop.close();
    });
  }
});

// ---- reschedule ---------------------------------------------------------------------------------------------------

Deno.test("Timeout.reschedule() moves, removes and brings forward the deadline, as CPython's test_reschedule", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* timeout(10, function* (scope) {
            scope.reschedule(1000);
            yield* sleep(500);
            log.push(`later deadline kept at ${loop.time()}: ${scope.when()}`);
            scope.reschedule(null);
            yield* sleep(5000);
            log.push(`no deadline at ${loop.time()}`);
            // A deadline already past expires the scope on the next iteration.
            scope.reschedule(0);
            log.push(`still active: ${!scope.expired()}`);
            yield* sleep(10_000);
          });
        },
        async () => {
          await timeout(10, async (scope) => {
            scope.reschedule(1000);
            await sleep(500);
            log.push(`later deadline kept at ${loop.time()}: ${scope.when()}`);
            scope.reschedule(null);
            await sleep(5000);
            log.push(`no deadline at ${loop.time()}`);
            scope.reschedule(0);
            log.push(`still active: ${!scope.expired()}`);
            await sleep(10_000);
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), isTimeoutFromCancel);
      assert.deepEqual(log, ["later deadline kept at 500: 1000", "no deadline at 5500", "still active: true"]);
      assert.equal(loop.time(), 5500);
      loop.close();
    });
  }
});

Deno.test("Timeout.reschedule() from another task moves the deadline of a running scope, as CPython's test_reschedule", async () => {
  const loop = virtualLoop();
  let scope: Timeout | null = null;
  const sleeper = loop.createTask(async () =>
    await timeoutAt(100, async (entered) => {
      scope = entered;
      return await sleep(150, "woke");
    })
  );
  loop.createTask(async () => {
    await sleep(50);
    scope!.reschedule(200);
  });
  assert.equal(await loop.runUntilComplete(sleeper), "woke");
  assert.equal(scope!.when(), 200);
  assert.equal(scope!.expired(), false);
  loop.close();
});

Deno.test("Timeout.reschedule() refuses a scope not entered, expired or finished with InvalidStateError, as CPython's test_timeout_not_entered / _expired / _finished", async () => {
  const loop = virtualLoop();
  // A scope that was never entered cannot exist: CPython's test_timeout_not_entered is the constructor's TypeError.
  assert.throws(
    () => new (Timeout as unknown as new (when: number) => Timeout)(5),
    (error) => error instanceof TypeError && /timeout\(ms, async \(scope\)/.test(error.message),
  );
  let finished: Timeout | null = null;
  await loop.runUntilComplete(async () => await timeout(10, async (scope) => void (finished = scope)));
  assert.throws(
    () => finished!.reschedule(20),
    (error) => error instanceof InvalidStateError && /finished/.test(error.message),
  );
  let expired: Timeout | null = null;
  await assert.rejects(
    loop.runUntilComplete(async () =>
      await timeout(10, async (scope) => {
        expired = scope;
        await sleep(100);
      })
    ),
    TimeoutError,
  );
  assert.throws(
    () => expired!.reschedule(20),
    (error) => error instanceof InvalidStateError && /expired/.test(error.message),
  );
  loop.close();
});

// ---- Misuse and bad input ---------------------------------------------------------------------------------------

Deno.test("timeout() awaited outside a task throws InvalidStateError, as CPython's test_timeout_without_task", async () => {
  await assert.rejects(
    async () => await timeout(10, async () => "never"),
    (error) => error instanceof InvalidStateError && /no event loop is running.*run\(main\)/.test(error.message),
  );
  const loop = virtualLoop();
  const outcome = loop.createFuture<unknown>();
  loop.callSoon(() => {
    Promise.resolve(timeout(10, async () => "never")).then(
      () => outcome.setResult(null),
      (error) => outcome.setResult(error),
    );
  });
  const error = await loop.runUntilComplete(outcome);
  assert.ok(error instanceof InvalidStateError && error.message === "Timeout should be used inside a task", `${error}`);
  loop.close();
  const delegated = timeoutAt(10, function* () {
    return "never";
  })[Symbol.iterator]();
  assert.throws(() => delegated.next(), InvalidStateError);
});

Deno.test("timeout() and timeoutAt() refuse a delay or deadline that is not a number or null, and a body that is not a function, naming the value", async () => {
  const body = async () => {};
  // deno-lint-ignore no-explicit-any
  const untyped = timeout as any;
  assert.throws(() => untyped("5", body), (error) => error instanceof TypeError && error.message.includes('"5"'));
  assert.throws(
    () => untyped(undefined, body),
    (error) => error instanceof TypeError && /undefined/.test(error.message),
  );
  assert.throws(() => timeout(NaN, body), (error) => error instanceof RangeError && /NaN/.test(error.message));
  // deno-lint-ignore no-explicit-any
  assert.throws(() => (timeoutAt as any)({}, body), TypeError);
  assert.throws(() => timeoutAt(NaN, body), RangeError);
  assert.throws(() => untyped(10, 42), (error) => error instanceof TypeError && /received 42/.test(error.message));
  assert.throws(() => untyped(10, Promise.resolve()), TypeError);
  await virtualLoop().runUntilComplete(async () =>
    await timeout(5, async (scope) => {
      assert.throws(
        () => scope.reschedule("later" as unknown as number),
        (error) => error instanceof TypeError && error.message.includes('"later"'),
      );
    })
  );
});

Deno.test("a timeout() awaitable can be awaited once, as a Python coroutine object", async () => {
  const loop = virtualLoop();
  const scoped = timeout(10, async () => "once");
  assert.equal(await loop.runUntilComplete(async () => await scoped), "once");
  await assert.rejects(loop.runUntilComplete(async () => await scoped), /already awaited/);
  loop.close();
});

Deno.test("Timeout's string form follows CPython's repr: [created], [active] when=…, [expiring], [expired], [finished]", async () => {
  const loop = virtualLoop();
  const seen: string[] = [];
  let outer: Timeout | null = null;
  await loop.runUntilComplete(async () =>
    await timeout(100, async (scope) => {
      outer = scope;
      seen.push(String(scope));
      let inner: Timeout | null = null;
      try {
        await timeout(5, async (entered) => {
          inner = entered;
          try {
            await sleep(50);
          } finally {
            seen.push(String(entered));
          }
        });
      } catch {
        seen.push(String(inner));
      }
      scope.reschedule(null);
      seen.push(String(scope));
    })
  );
  seen.push(String(outer));
  assert.deepEqual(seen, [
    "<Timeout [active] when=100>",
    "<Timeout [expiring]>",
    "<Timeout [expired]>",
    "<Timeout [active] when=null>",
    "<Timeout [finished]>",
  ]);
  loop.close();
});

// ---- A core bug met on the way ------------------------------------------------------------------------------------

Deno.test({
  name:
    "an awaitable() whose steps yield* sleep(0) passes once through the ready queue when awaited, as a task's bare yield",
  fn: async () => {
    const { awaitable } = await import("../_awaitable.ts");
    const loop = virtualLoop();
    const log: string[] = [];
    await loop.runUntilComplete(async () => {
      loop.callSoon(() => log.push("callSoon ran"));
      await awaitable(function* () {
        yield* sleep(0);
        log.push("after the yield");
      });
    });
    assert.deepEqual(log, ["callSoon ran", "after the yield"]);
    loop.close();
  },
});
