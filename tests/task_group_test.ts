// Tests of taskGroup() and TaskGroup against CPython 3.12's asyncio.TaskGroup with the 3.13 fixes that stop it
// losing cancellations (Lib/test/test_asyncio/test_taskgroups.py; gh-95289, gh-116720), for both coroutine kinds.
// Everything runs on a VirtualClock, so times are exact.

// A coroutine's kind is what a test is about, not whether its body happens to await.
// deno-lint-ignore-file require-await require-yield

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError, TimeoutError } from "../errors.ts";
import { sleep } from "../sleep.ts";
import { allTasks, type Coroutine, currentTask, Task } from "../task.ts";
import { TaskGroup, taskGroup } from "../task_group.ts";
import { timeout } from "../timeouts.ts";
import { coroutine, type Kind, KINDS, virtualLoop } from "./_helpers.ts";

/** A child that sleeps `ms`, then throws `error`, in the spelling of `kind`. */
function failAfter(kind: Kind, ms: number, error: unknown): Coroutine<never> {
  return coroutine(
    kind,
    function* () {
      yield* sleep(ms);
      throw error;
    },
    async () => {
      await sleep(ms);
      throw error;
    },
  );
}

/** A child that sleeps `ms` and logs how it ended, in the spelling of `kind`. */
function sleeper(kind: Kind, ms: number, log: string[], name: string): Coroutine<string> {
  return coroutine(
    kind,
    function* () {
      try {
        yield* sleep(ms);
        log.push(`${name} done`);
        return name;
      } catch (error) {
        log.push(`${name} ${error instanceof Error ? error.name : error}`);
        throw error;
      }
    },
    async () => {
      try {
        await sleep(ms);
        log.push(`${name} done`);
        return name;
      } catch (error) {
        log.push(`${name} ${error instanceof Error ? error.name : error}`);
        throw error;
      }
    },
  );
}

function errorsOf(error: unknown): unknown[] {
  assert.ok(error instanceof AggregateError, `expected an AggregateError, got ${error}`);
  return error.errors;
}

// ---- Waiting for the children -----------------------------------------------------------------------------------

Deno.test("taskGroup() waits for every child and returns the body's result, as CPython's TaskGroup.__aexit__ (test_taskgroup_01)", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const children: Task<string>[] = [];
      const result = await loop.runUntilComplete(coroutine(
        kind,
        function* () {
          const value = yield* taskGroup(function* (tg) {
            children.push(tg.createTask(sleeper(kind, 30, log, "a")));
            children.push(tg.createTask(sleeper(kind, 10, log, "b")));
            log.push("body done");
            return "body";
          });
          log.push("after group");
          return value;
        },
        async () => {
          const value = await taskGroup(async (tg) => {
            children.push(tg.createTask(sleeper(kind, 30, log, "a")));
            children.push(tg.createTask(sleeper(kind, 10, log, "b")));
            log.push("body done");
            return "body";
          });
          log.push("after group");
          return value;
        },
      ));
      assert.equal(result, "body");
      assert.deepEqual(log, ["body done", "b done", "a done", "after group"]);
      assert.deepEqual(children.map((child) => child.result()), ["a", "b"]);
      assert.equal(loop.time(), 30);
      loop.close();
    });
  }
});

Deno.test("taskGroup() children are real tasks of the running loop, named as asked, as CPython's TaskGroup.create_task (test_taskgroup_task_name)", async () => {
  const loop = virtualLoop();
  const children: Task<unknown>[] = [];
  let pending = false;
  await loop.runUntilComplete(async () =>
    await taskGroup(async (tg) => {
      const child = tg.createTask(async () => await sleep(5), { name: "yolo" });
      children.push(child);
      pending = allTasks(loop).has(child);
    })
  );
  const [child] = children;
  assert.ok(child instanceof Task);
  assert.equal(child.getLoop(), loop);
  assert.equal(child.getName(), "yolo");
  assert.equal(pending, true);
  assert.equal(child.done(), true);
  loop.close();
});

Deno.test("taskGroup() with a body that does not wait still waits for its children, as an async with block without await", async () => {
  const loop = virtualLoop();
  const log: string[] = [];
  await loop.runUntilComplete(async () =>
    await taskGroup((tg) => {
      tg.createTask(sleeper("async function", 10, log, "child"));
    })
  );
  assert.deepEqual(log, ["child done"]);
  assert.equal(loop.time(), 10);
  loop.close();
});

Deno.test("a child may start more children in its group while the group waits, as CPython's test_taskgroup_24", async () => {
  const loop = virtualLoop();
  const log: string[] = [];
  await loop.runUntilComplete(async () =>
    await taskGroup(async (tg) => {
      tg.createTask(async () => {
        await sleep(10);
        tg.createTask(sleeper("generator", 10, log, "grandchild 1"));
        tg.createTask(sleeper("async function", 20, log, "grandchild 2"));
      });
    })
  );
  assert.deepEqual(log, ["grandchild 1 done", "grandchild 2 done"]);
  assert.equal(loop.time(), 30);
  loop.close();
});

// ---- A child fails ----------------------------------------------------------------------------------------------

Deno.test("a failing child cancels the other children and the body, and the failure surfaces as an AggregateError, as CPython's test_cancel_children_on_child_error", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const failure = new RangeError("child failed");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* taskGroup(function* (tg) {
              tg.createTask(sleeper(kind, 1000, log, "sibling"));
              tg.createTask(failAfter(kind, 10, failure));
              try {
                yield* sleep(1000);
              } catch (error) {
                log.push(`body ${(error as Error).name}`);
                throw error;
              }
            });
          } catch (error) {
            log.push(`group ${(error as Error).message}`);
            assert.deepEqual(errorsOf(error), [failure]);
          }
          // The group withdrew its cancel of the task: code after it runs and can wait.
          log.push(`cancelling=${currentTask()!.cancelling()}`);
          yield* sleep(5);
          return "went on";
        },
        async () => {
          try {
            await taskGroup(async (tg) => {
              tg.createTask(sleeper(kind, 1000, log, "sibling"));
              tg.createTask(failAfter(kind, 10, failure));
              try {
                await sleep(1000);
              } catch (error) {
                log.push(`body ${(error as Error).name}`);
                throw error;
              }
            });
          } catch (error) {
            log.push(`group ${(error as Error).message}`);
            assert.deepEqual(errorsOf(error), [failure]);
          }
          log.push(`cancelling=${currentTask()!.cancelling()}`);
          await sleep(5);
          return "went on";
        },
      ));
      assert.equal(await loop.runUntilComplete(task), "went on");
      assert.deepEqual(log, [
        "sibling CancelledError",
        "body CancelledError",
        "group unhandled errors in a TaskGroup (1 sub-exception)",
        "cancelling=0",
      ]);
      assert.equal(loop.time(), 15);
      loop.close();
    });
  }
});

Deno.test("a child failing while the group waits after its body cancels the others and withdraws the group's cancel once all are done, as CPython 3.13's TaskGroup (gh-116720)", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const failure = new RangeError("late failure");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* taskGroup(function* (tg) {
              tg.createTask(sleeper(kind, 1000, log, "sibling"));
              tg.createTask(failAfter(kind, 10, failure));
              log.push("body done");
            });
          } catch (error) {
            assert.deepEqual(errorsOf(error), [failure]);
            log.push(`caught, cancelling=${currentTask()!.cancelling()}`);
          }
          // Nothing is left to cancel this wait.
          return yield* sleep(100, "went on");
        },
        async () => {
          try {
            await taskGroup(async (tg) => {
              tg.createTask(sleeper(kind, 1000, log, "sibling"));
              tg.createTask(failAfter(kind, 10, failure));
              log.push("body done");
            });
          } catch (error) {
            assert.deepEqual(errorsOf(error), [failure]);
            log.push(`caught, cancelling=${currentTask()!.cancelling()}`);
          }
          return await sleep(100, "went on");
        },
      ));
      assert.equal(await loop.runUntilComplete(task), "went on");
      assert.deepEqual(log, ["body done", "sibling CancelledError", "caught, cancelling=0"]);
      assert.equal(loop.time(), 110);
      loop.close();
    });
  }
});

Deno.test("taskGroup() collects every child failure but no CancelledError into the AggregateError, as CPython's ExceptionGroup of a TaskGroup (test_taskgroup_07)", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const first = new RangeError("first");
      const second = new SyntaxError("second");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* taskGroup(function* (tg) {
            tg.createTask(failAfter(kind, 10, first));
            // Fails while being cancelled: its error counts too.
            tg.createTask(coroutine(
              kind,
              function* () {
                try {
                  yield* sleep(1000);
                } finally {
                  // deno-lint-ignore no-unsafe-finally
                  throw second;
                }
              },
              async () => {
                try {
                  await sleep(1000);
                } finally {
                  // deno-lint-ignore no-unsafe-finally
                  throw second;
                }
              },
            ));
            tg.createTask(sleeper(kind, 1000, [], "cancelled quietly"));
          });
        },
        async () => {
          await taskGroup(async (tg) => {
            tg.createTask(failAfter(kind, 10, first));
            tg.createTask(async () => {
              try {
                await sleep(1000);
              } finally {
                // deno-lint-ignore no-unsafe-finally
                throw second;
              }
            });
            tg.createTask(sleeper(kind, 1000, [], "cancelled quietly"));
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), (error) => {
        assert.deepEqual(errorsOf(error), [first, second]);
        assert.equal((error as Error).message, "unhandled errors in a TaskGroup (2 sub-exceptions)");
        return true;
      });
      assert.equal(task.cancelled(), false);
      loop.close();
    });
  }
});

Deno.test("createTask() on a group shutting down after a failure throws InvalidStateError and closes the generator, as CPython's test_taskgroup_no_create_task_after_failure", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const refused: string[] = [];
      let ran = false;
      const late = function* () {
        ran = true;
        yield* sleep(1);
      }();
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* taskGroup(function* (tg) {
            tg.createTask(failAfter(kind, 10, new RangeError("boom")));
            try {
              yield* sleep(1000);
            } catch (error) {
              try {
                tg.createTask(late);
              } catch (refusal) {
                assert.ok(refusal instanceof InvalidStateError);
                refused.push((refusal as Error).message);
              }
              throw error;
            }
          });
        },
        async () => {
          await taskGroup(async (tg) => {
            tg.createTask(failAfter(kind, 10, new RangeError("boom")));
            try {
              await sleep(1000);
            } catch (error) {
              try {
                tg.createTask(late);
              } catch (refusal) {
                assert.ok(refusal instanceof InvalidStateError);
                refused.push((refusal as Error).message);
              }
              throw error;
            }
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), AggregateError);
      assert.equal(refused.length, 1);
      assert.match(refused[0], /^TaskGroup <TaskGroup errors=1 cancelling> is shutting down$/);
      // Closed, not left unstarted: it will never run.
      assert.deepEqual(late.next(), { value: undefined, done: true });
      assert.equal(ran, false);
      loop.close();
    });
  }
});

// ---- The body fails -----------------------------------------------------------------------------------------------

Deno.test("an error of the body cancels the children and is included in the AggregateError after theirs, as CPython's test_taskgroup_19", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const bodyError = new TypeError("body failed");
      const childError = new RangeError("child failed in cleanup");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* taskGroup(function* (tg) {
            tg.createTask(sleeper(kind, 1000, log, "sibling"));
            tg.createTask(coroutine(
              kind,
              function* () {
                try {
                  yield* sleep(1000);
                } finally {
                  // deno-lint-ignore no-unsafe-finally
                  throw childError;
                }
              },
              async () => {
                try {
                  await sleep(1000);
                } finally {
                  // deno-lint-ignore no-unsafe-finally
                  throw childError;
                }
              },
            ));
            yield* sleep(10);
            throw bodyError;
          });
        },
        async () => {
          await taskGroup(async (tg) => {
            tg.createTask(sleeper(kind, 1000, log, "sibling"));
            tg.createTask(async () => {
              try {
                await sleep(1000);
              } finally {
                // deno-lint-ignore no-unsafe-finally
                throw childError;
              }
            });
            await sleep(10);
            throw bodyError;
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), (error) => {
        assert.deepEqual(errorsOf(error), [childError, bodyError]);
        return true;
      });
      assert.deepEqual(log, ["sibling CancelledError"]);
      assert.equal(loop.time(), 10);
      loop.close();
    });
  }
});

Deno.test("an error of the body in a group without children still surfaces as an AggregateError, as CPython's TaskGroup.__aexit__", async () => {
  const loop = virtualLoop();
  const bodyError = new Error("alone");
  await assert.rejects(
    loop.runUntilComplete(function* () {
      yield* taskGroup(function* () {
        throw bodyError;
      });
    }()),
    (error) => errorsOf(error)[0] === bodyError && (error as Error).message.endsWith("(1 sub-exception)"),
  );
  loop.close();
});

// ---- A cancel from outside -------------------------------------------------------------------------------------

Deno.test("a cancel of the task from outside cancels the children and propagates as CancelledError once they are done, as CPython's test_taskgroup_22 and test_cancellation", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const slowCleanup = (name: string): Coroutine<void> =>
        coroutine(
          kind,
          function* () {
            try {
              yield* sleep(1000);
            } finally {
              yield* sleep(20);
              log.push(`${name} cleaned up at ${loop.time()}`);
            }
          },
          async () => {
            try {
              await sleep(1000);
            } finally {
              await sleep(20);
              log.push(`${name} cleaned up at ${loop.time()}`);
            }
          },
        );
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* taskGroup(function* (tg) {
            tg.createTask(slowCleanup("child"));
            // The body ends; the group waits for the child when the cancel comes.
          });
        },
        async () => {
          await taskGroup(async (tg) => {
            tg.createTask(slowCleanup("child"));
          });
        },
      ));
      loop.callLater(50, () => task.cancel("stop"));
      await assert.rejects(
        loop.runUntilComplete(task),
        (error) => error instanceof CancelledError && error.message === "stop",
      );
      assert.deepEqual(log, ["child cleaned up at 70"]);
      assert.equal(task.cancelled(), true);
      loop.close();
    });
  }
});

Deno.test("a cancel from outside while the body waits cancels the body and the children, and stays a CancelledError, as CPython's test_taskgroup_17", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* taskGroup(function* (tg) {
            tg.createTask(sleeper(kind, 1000, log, "child"));
            try {
              yield* sleep(1000);
            } catch (error) {
              log.push(`body ${(error as Error).name}`);
              throw error;
            }
          });
        },
        async () => {
          await taskGroup(async (tg) => {
            tg.createTask(sleeper(kind, 1000, log, "child"));
            try {
              await sleep(1000);
            } catch (error) {
              log.push(`body ${(error as Error).name}`);
              throw error;
            }
          });
        },
      ));
      loop.callLater(10, () => task.cancel());
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.deepEqual(log.sort(), ["body CancelledError", "child CancelledError"]);
      assert.equal(loop.time(), 10);
      loop.close();
    });
  }
});

Deno.test("a group cancelled from outside again and again still waits for every child, as CPython's while-loop in TaskGroup.__aexit__ (test_taskgroup_16)", async () => {
  const loop = virtualLoop();
  const log: string[] = [];
  const task = loop.createTask(async () =>
    await taskGroup(async (tg) => {
      tg.createTask(async () => {
        try {
          await sleep(1000);
        } finally {
          // Cleanup that the repeated cancels of the parent must not cut short.
          await sleep(0);
          await sleep(100);
          log.push(`child cleaned up at ${loop.time()}`);
        }
      });
    })
  );
  for (const at of [10, 20, 30]) loop.callLater(at, () => task.cancel());
  await assert.rejects(loop.runUntilComplete(task), CancelledError);
  assert.deepEqual(log, ["child cleaned up at 110"]);
  loop.close();
});

// ---- The traps: cancellations that must not be lost or corrupted ----------------------------------------------

Deno.test("a body that swallows the group's cancel still gets the AggregateError and leaves cancelling() at 0, as CPython's fix of gh-95289", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const failure = new RangeError("child failed");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* taskGroup(function* (tg) {
              tg.createTask(failAfter(kind, 0, failure));
              try {
                yield* sleep(1000);
              } catch {
                // Swallowed.
              }
            });
          } catch (error) {
            assert.deepEqual(errorsOf(error), [failure]);
          }
          return currentTask()!.cancelling();
        },
        async () => {
          try {
            await taskGroup(async (tg) => {
              tg.createTask(failAfter(kind, 0, failure));
              try {
                await sleep(1000);
              } catch {
                // Swallowed.
              }
            });
          } catch (error) {
            assert.deepEqual(errorsOf(error), [failure]);
          }
          return currentTask()!.cancelling();
        },
      ));
      assert.equal(await loop.runUntilComplete(task), 0);
      loop.close();
    });
  }
});

Deno.test("nested groups whose children fail together do not swallow the outer group's cancel, as CPython 3.13's fix of gh-116720", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const outerFailure = new RangeError("outer child");
      const innerFailure = new SyntaxError("inner child");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* taskGroup(function* (outer) {
            outer.createTask(failAfter(kind, 10, outerFailure));
            try {
              yield* taskGroup(function* (inner) {
                inner.createTask(failAfter(kind, 10, innerFailure));
                yield* sleep(1000);
              });
            } catch (error) {
              log.push(`inner group: ${errorsOf(error).map((e) => (e as Error).message)}`);
            }
            // The outer group's cancel must interrupt this at once, not after the full sleep.
            try {
              yield* sleep(10_000);
            } catch (error) {
              log.push(`outer body ${(error as Error).name} at ${loop.time()}`);
              throw error;
            }
          });
        },
        async () => {
          await taskGroup(async (outer) => {
            outer.createTask(failAfter(kind, 10, outerFailure));
            try {
              await taskGroup(async (inner) => {
                inner.createTask(failAfter(kind, 10, innerFailure));
                await sleep(1000);
              });
            } catch (error) {
              log.push(`inner group: ${errorsOf(error).map((e) => (e as Error).message)}`);
            }
            try {
              await sleep(10_000);
            } catch (error) {
              log.push(`outer body ${(error as Error).name} at ${loop.time()}`);
              throw error;
            }
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), (error) => {
        assert.deepEqual(errorsOf(error), [outerFailure]);
        return true;
      });
      assert.deepEqual(log, ["inner group: inner child", "outer body CancelledError at 10"]);
      assert.equal(task.cancelling(), 0);
      loop.close();
    });
  }
});

Deno.test("a cancel from outside arriving with a child's failure is not lost behind the AggregateError, as CPython 3.13's TaskGroup re-cancel (gh-116720)", async (t) => {
  const arrivals = [
    { when: "in the iteration the child fails", cancelAt: 10 },
    { when: "while the body handles the group's cancel", cancelAt: 12 },
  ];
  for (const kind of KINDS) {
    for (const { when, cancelAt } of arrivals) {
      await t.step(`${kind}, ${when}`, async () => {
        const loop = virtualLoop();
        const log: string[] = [];
        let task: Task<unknown> | null = null;
        const cancelFromOutside = () => task!.cancel("outer");
        task = loop.createTask(coroutine(
          kind,
          function* () {
            try {
              yield* taskGroup(function* (tg) {
                tg.createTask(failAfter(kind, 10, new RangeError("child")));
                // After the child's first step: its timer comes first at t=10, then the outer cancel.
                yield* sleep(0);
                loop.callAt(cancelAt, cancelFromOutside);
                try {
                  yield* sleep(1000);
                } finally {
                  yield* sleep(5);
                }
              });
            } catch (error) {
              log.push(`caught ${(error as Error).name}`);
            }
            yield* sleep(1000);
            log.push("not reached");
          },
          async () => {
            try {
              await taskGroup(async (tg) => {
                tg.createTask(failAfter(kind, 10, new RangeError("child")));
                await sleep(0);
                loop.callAt(cancelAt, cancelFromOutside);
                try {
                  await sleep(1000);
                } finally {
                  await sleep(5);
                }
              });
            } catch (error) {
              log.push(`caught ${(error as Error).name}`);
            }
            await sleep(1000);
            log.push("not reached");
          },
        ));
        await assert.rejects(loop.runUntilComplete(task), CancelledError);
        // The AggregateError first, then the outer cancel at the next await.
        assert.deepEqual(log, ["caught AggregateError"]);
        assert.equal(task.cancelled(), true);
        assert.equal(loop.time(), cancelAt);
        loop.close();
      });
    }
  }
});

// ---- With timeouts ---------------------------------------------------------------------------------------------

Deno.test("a timeout() around a taskGroup() cancels the children and raises TimeoutError, as CPython's timeout with a TaskGroup", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          yield* timeout(50, function* () {
            yield* taskGroup(function* (tg) {
              tg.createTask(sleeper(kind, 1000, log, "a"));
              tg.createTask(sleeper(kind, 2000, log, "b"));
            });
          });
        },
        async () => {
          await timeout(50, async () => {
            await taskGroup(async (tg) => {
              tg.createTask(sleeper(kind, 1000, log, "a"));
              tg.createTask(sleeper(kind, 2000, log, "b"));
            });
          });
        },
      ));
      await assert.rejects(loop.runUntilComplete(task), (error) => error instanceof TimeoutError);
      assert.deepEqual(log, ["a CancelledError", "b CancelledError"]);
      assert.equal(loop.time(), 50);
      assert.equal(task.cancelling(), 0);
      loop.close();
    });
  }
});

Deno.test("a timeout() expiring while a taskGroup() handles its body's error lets the AggregateError through and leaves no stray cancel, as CPython's test_timeout_taskgroup", async (t) => {
  for (const kind of KINDS) {
    await t.step(kind, async () => {
      const loop = virtualLoop();
      const crash = new RangeError("crash in cleanup");
      const task = loop.createTask(coroutine(
        kind,
        function* () {
          try {
            yield* timeout(100, function* () {
              yield* taskGroup(function* (tg) {
                tg.createTask(coroutine(
                  kind,
                  function* () {
                    try {
                      yield* sleep(2000);
                    } finally {
                      // deno-lint-ignore no-unsafe-finally
                      throw crash;
                    }
                  },
                  async () => {
                    try {
                      await sleep(2000);
                    } finally {
                      // deno-lint-ignore no-unsafe-finally
                      throw crash;
                    }
                  },
                ));
                try {
                  throw new SyntaxError("body");
                } finally {
                  yield* sleep(1000);
                }
              });
            });
          } catch (error) {
            assert.deepEqual(errorsOf(error), [crash]);
          }
          // The timeout withdrew its cancel: no cancel is left for the next await.
          return yield* sleep(10, `cancelling=${currentTask()!.cancelling()}`);
        },
        async () => {
          try {
            await timeout(100, async () => {
              await taskGroup(async (tg) => {
                tg.createTask(async () => {
                  try {
                    await sleep(2000);
                  } finally {
                    // deno-lint-ignore no-unsafe-finally
                    throw crash;
                  }
                });
                try {
                  throw new SyntaxError("body");
                } finally {
                  await sleep(1000);
                }
              });
            });
          } catch (error) {
            assert.deepEqual(errorsOf(error), [crash]);
          }
          return await sleep(10, `cancelling=${currentTask()!.cancelling()}`);
        },
      ));
      assert.equal(await loop.runUntilComplete(task), "cancelling=0");
      assert.equal(loop.time(), 110);
      loop.close();
    });
  }
});

// ---- Misuse and bad input ---------------------------------------------------------------------------------------

Deno.test("createTask() on a finished group throws InvalidStateError and closes the generator, as CPython's test_taskgroup_finished", async () => {
  const loop = virtualLoop();
  let group: TaskGroup | null = null;
  await loop.runUntilComplete(async () => await taskGroup(async (tg) => void (group = tg)));
  let ran = false;
  const late = function* () {
    ran = true;
  }();
  assert.throws(
    () => group!.createTask(late),
    (error) => error instanceof InvalidStateError && error.message === "TaskGroup <TaskGroup entered> is finished",
  );
  assert.deepEqual(late.next(), { value: undefined, done: true });
  assert.equal(ran, false);
  let called = false;
  assert.throws(() =>
    group!.createTask(async () => {
      called = true;
    }), InvalidStateError);
  assert.equal(called, false);
  loop.close();
});

Deno.test("new TaskGroup() throws a TypeError that shows taskGroup(body): CPython's not-entered group (test_taskgroup_not_entered) cannot exist", () => {
  assert.throws(
    () => new (TaskGroup as unknown as new () => TaskGroup)(),
    (error) => error instanceof TypeError && /taskGroup\(async \(group\)/.test(error.message),
  );
});

Deno.test("taskGroup() awaited outside a task throws InvalidStateError, as CPython's test_taskgroup_without_parent_task", async () => {
  // With no loop running at all, the error says how to run it instead.
  await assert.rejects(
    async () => await taskGroup(async () => {}),
    (error) => error instanceof InvalidStateError && /run\(main\)/.test(error.message),
  );
  // Awaited from a loop's plain callback, there is a loop but no parent task.
  const loop = virtualLoop();
  const outcome = loop.createFuture<unknown>();
  loop.callSoon(() => {
    Promise.resolve(taskGroup(async () => {})).then(
      () => outcome.setResult(null),
      (error) => outcome.setResult(error),
    );
  });
  const error = await loop.runUntilComplete(outcome);
  assert.ok(error instanceof InvalidStateError && /cannot determine the parent task/.test(error.message), `${error}`);
  loop.close();
});

Deno.test("taskGroup() refuses a body that is not a function and createTask() a value that is not a coroutine, naming the value", async () => {
  assert.throws(
    () => taskGroup(42 as unknown as () => void),
    (error) => error instanceof TypeError && /received 42/.test(error.message),
  );
  const loop = virtualLoop();
  await assert.rejects(
    loop.runUntilComplete(async () =>
      await taskGroup(async (tg) => {
        tg.createTask(42 as unknown as Coroutine<number>);
      })
    ),
    (error) => errorsOf(error)[0] instanceof TypeError && /received 42/.test((errorsOf(error)[0] as Error).message),
  );
  loop.close();
});

Deno.test("TaskGroup's string form follows CPython's repr: tasks=…, errors=…, entered / cancelling", async () => {
  const loop = virtualLoop();
  const seen: string[] = [];
  await assert.rejects(
    loop.runUntilComplete(async () =>
      await taskGroup(async (tg) => {
        tg.createTask(async () => await sleep(100));
        seen.push(String(tg));
        tg.createTask(async () => {
          throw new Error("x");
        });
        try {
          await sleep(1000);
        } finally {
          seen.push(String(tg));
        }
      })
    ),
    AggregateError,
  );
  assert.deepEqual(seen, ["<TaskGroup tasks=1 entered>", "<TaskGroup tasks=1 errors=1 cancelling>"]);
  loop.close();
});
