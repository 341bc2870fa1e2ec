// deno-lint-ignore-file require-await require-yield
// Eager tasks: CPython 3.12's eager_task_factory behaviours (Lib/test/test_asyncio/test_eager_task_factory.py),
// for both coroutine kinds, and what our surface adds (createEagerTask, bad input).

import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { createEagerTask, createEagerTaskFactory, eagerTaskFactory } from "../eager_tasks.ts";
import { CancelledError, InvalidStateError } from "../errors.ts";
import type { Awaitable } from "../future.ts";
import { gather } from "../gather.ts";
import { type EventLoop, newEventLoop } from "../loop.ts";
import { Queue } from "../queue.ts";
import { sleep } from "../sleep.ts";
import { allTasks, type Coroutine, currentTask, ensureFuture, Task, type TaskOptions } from "../task.ts";
import { taskGroup } from "../task_group.ts";
import { taskContextMechanism } from "../_task_context.ts";
import { coroutine, inVirtualTime, type Kind, KINDS } from "./_helpers.ts";

/** Runs `main` on a virtual-time loop whose task factory is `eagerTaskFactory`. */
function eagerLoop<T>(main: (loop: EventLoop) => Coroutine<T>): Promise<T> {
  return inVirtualTime((loop) => {
    loop.setTaskFactory(eagerTaskFactory);
    return loop.runUntilComplete(main(loop));
  });
}

/** `await`/`yield*` of `future` in the spelling of `kind`, then `then()`. */
function after<T>(kind: Kind, future: () => Awaitable<unknown>, then: () => T): Coroutine<T> {
  return coroutine(kind, function* () {
    yield* future();
    return then();
  }, async () => {
    await future();
    return then();
  });
}

/** A coroutine of `kind` that returns `body()` without awaiting anything. */
function atOnce<T>(kind: Kind, body: () => T): Coroutine<T> {
  return coroutine(kind, function* () {
    return body();
  }, async () => body());
}

for (const kind of KINDS) {
  Deno.test(`eager tasks, ${kind}`, async (t) => {
    await t.step("test_eager_task_factory_set: the factory is the loop's and makes Tasks", async () => {
      await eagerLoop((loop) =>
        atOnce("async function", () => {
          assert.equal(loop.getTaskFactory(), eagerTaskFactory);
          assert.ok(loop.createTask(atOnce(kind, () => {})) instanceof Task);
        })
      );
    });

    await t.step(
      "test_eager_completion: a coroutine that does not suspend is done when createTask returns",
      async () => {
        const result = await eagerLoop((loop) =>
          coroutine("async function", function* () {
            return "unused";
          }, async () => {
            const task = loop.createTask(atOnce(kind, () => "hello"));
            assert.equal(task.done(), true);
            assert.equal(task.state, "done");
            return await task;
          })
        );
        assert.equal(result, "hello");
      },
    );

    await t.step("test_await_future_during_eager_step: the eager step sets a future's result", async () => {
      const result = await eagerLoop((loop) => async () => {
        const future = loop.createFuture<string>();
        const task = loop.createTask(atOnce(kind, () => future.setResult("my message")));
        assert.equal(task.done(), true);
        return await future;
      });
      assert.equal(result, "my message");
    });

    await t.step("test_block_after_eager_step: a task that suspends goes on as any task", async () => {
      const result = await eagerLoop((loop) => async () => {
        const task = loop.createTask(after(kind, () => sleep(100), () => "finished after blocking"));
        assert.equal(task.done(), false);
        assert.equal(task.state, "running");
        const value = await task;
        assert.equal(task.done(), true);
        return value;
      });
      assert.equal(result, "finished after blocking");
    });

    await t.step("test_cancellation_after_eager_completion: cancel() of a task done eagerly is false", async () => {
      const result = await eagerLoop((loop) => async () => {
        const task = loop.createTask(atOnce(kind, () => "finished without blocking"));
        assert.equal(task.cancel(), false);
        const value = await task;
        assert.equal(task.cancelled(), false);
        return value;
      });
      assert.equal(result, "finished without blocking");
    });

    await t.step("test_cancellation_after_eager_step_blocks: the cancel reaches the await, message kept", async () => {
      let finallyRan = false;
      await assert.rejects(
        eagerLoop((loop) => async () => {
          const task = loop.createTask(coroutine(kind, function* () {
            try {
              yield* sleep(100);
            } finally {
              finallyRan = true;
            }
          }, async () => {
            try {
              await sleep(100);
            } finally {
              finallyRan = true;
            }
          }));
          assert.equal(task.cancel("cancellation message"), true);
          assert.ok(task.cancelling() > 0);
          await task;
        }),
        (error) => error instanceof CancelledError && error.message === "cancellation message",
      );
      assert.equal(finallyRan, true);
    });

    await t.step(
      "test_current_task: the eager step runs as the new task, the creator's code as the creator",
      async () => {
        await eagerLoop((loop) => {
          const createAndCheck = (): Task<unknown> => {
            const creator = currentTask();
            let captured: Task<unknown> | null = null;
            const task = loop.createTask(after(kind, () => {
              captured = currentTask();
              return sleep(100);
            }, () => assert.equal(currentTask(), captured)));
            assert.equal(captured, task);
            assert.equal(currentTask(), creator);
            return task;
          };
          return coroutine(kind, function* () {
            yield* createAndCheck();
          }, async () => {
            await createAndCheck();
          });
        });
      },
    );

    await t.step("test_all_tasks_with_eager_completion: in allTasks() during its step, not after", async () => {
      await eagerLoop((loop) => async () => {
        let captured = new Set<Task<unknown>>();
        const task = loop.createTask(atOnce(kind, () => void (captured = allTasks())));
        assert.ok(captured.has(task));
        assert.equal(allTasks().has(task), false);
      });
    });

    await t.step("test_all_tasks_with_blocking: in allTasks() while suspended, not once done", async () => {
      await eagerLoop((loop) => async () => {
        const first = loop.createFuture<void>();
        const second = loop.createFuture<void>();
        let captured = new Set<Task<unknown>>();
        const task = loop.createTask(after(kind, () => {
          captured = allTasks();
          return first;
        }, () => second.setResult()));
        assert.ok(captured.has(task));
        assert.ok(allTasks().has(task));
        first.setResult();
        await second;
        await sleep(0);
        assert.equal(allTasks().has(task), false);
      });
    });

    await t.step({
      name: "test_context_vars: the task sees the creator's context, in its eager step and after",
      ignore: taskContextMechanism !== "engine", // The AsyncLocalStorage fallback carries the loop's context.
      fn: async () => {
        const store = new AsyncLocalStorage<number>();
        const seen: (number | undefined)[] = [];
        await eagerLoop((loop) => async () => {
          await store.run(1, async () => {
            const task = loop.createTask(after(kind, () => {
              seen.push(store.getStore());
              return sleep(100);
            }, () => seen.push(store.getStore())));
            assert.deepEqual(seen, [1]); // the first step ran
            assert.equal(store.getStore(), 1);
            await task;
            assert.deepEqual(seen, [1, 1]);
          });
        });
      },
    });

    await t.step("an error in the eager step ends the task with it; createTask does not throw", async () => {
      await eagerLoop((loop) => async () => {
        const task = loop.createTask(atOnce(kind, () => {
          throw new RangeError("bad");
        }));
        assert.equal(task.done(), true);
        assert.ok(task.exception() instanceof RangeError);
      });
    });

    await t.step("a task that cancels itself in its eager step is cancelled at its first await", async () => {
      await eagerLoop((loop) => async () => {
        const task = loop.createTask(after(kind, () => {
          currentTask()!.cancel("self");
          return sleep(10);
        }, () => "not reached"));
        assert.equal(task.done(), false);
        await assert.rejects(
          async () => await task,
          (error) => error instanceof CancelledError && error.message === "self",
        );
        assert.equal(task.cancelled(), true);
      });
    });

    await t.step("the child's first step runs before the creator's next statement (the eager order)", async () => {
      const log: string[] = [];
      await eagerLoop((loop) => async () => {
        const task = loop.createTask(after(kind, () => {
          log.push("child starts");
          return sleep(0);
        }, () => log.push("child ends")));
        log.push("creator goes on");
        await task;
      });
      assert.deepEqual(log, ["child starts", "creator goes on", "child ends"]);
    });

    await t.step("ensureFuture, gather and taskGroup go through the factory", async () => {
      await eagerLoop(() => async () => {
        const viaEnsure = ensureFuture(atOnce(kind, () => 1));
        assert.equal(viaEnsure.done(), true);
        const children: Task<unknown>[] = [];
        const gathered = gather(...[2, 3].map((n) => atOnce(kind, () => n)));
        assert.deepEqual(await gathered, [2, 3]);
        await taskGroup(async (group) => {
          children.push(group.createTask(atOnce(kind, () => 4)));
          assert.equal(children[0].done(), true);
        });
        assert.equal(children[0].result(), 4);
      });
    });

    await t.step(
      "a loop that is not running schedules the task as usual (CPython: eager only if running)",
      async () => {
        await inVirtualTime(async (loop) => {
          loop.setTaskFactory(eagerTaskFactory);
          let ran = false;
          const task = loop.createTask(atOnce(kind, () => ran = true));
          assert.equal(ran, false);
          assert.equal(task.state, "pending");
          assert.equal(await loop.runUntilComplete(task), true);
        });
      },
    );

    await t.step(
      "nothing is lost: a cancel right after an eager step that awaits q.get() leaves or takes the item",
      async () => {
        await eagerLoop((loop) => async () => {
          const queue = new Queue<string>();
          queue.putNowait("item");
          const task = loop.createTask(coroutine(kind, function* () {
            return yield* queue.get();
          }, async () => await queue.get()));
          task.cancel();
          try {
            const got = await task;
            assert.equal(got, "item");
            assert.equal(queue.qsize(), 0);
          } catch (error) {
            assert.ok(error instanceof CancelledError);
            assert.equal(queue.getNowait(), "item");
          }
        });
      },
    );
  });
}

Deno.test("eager tasks: generator tasks created eagerly inside a generator step keep currentTask() right", async () => {
  const seen: string[] = [];
  await eagerLoop((loop) =>
    function* () {
      const outer = currentTask()!;
      outer.setName("outer");
      loop.createTask(
        function* () {
          seen.push(currentTask()!.getName());
          loop.createTask(async () => void seen.push(currentTask()!.getName()), { name: "grandchild" });
          seen.push(currentTask()!.getName());
        }(),
        { name: "child" },
      );
      seen.push(currentTask()!.getName());
      yield* sleep(0);
    }()
  );
  assert.deepEqual(seen, ["child", "grandchild", "child", "outer"]);
});

Deno.test("eager tasks: an async child created in a generator step awaits library awaitables as an async function", async () => {
  // Inside the child's synchronous part no generator is being stepped, so `queue.get()` must give an awaitable for
  // `await` (not the form for `yield*`) — a mistake here would hang or lose the item.
  await eagerLoop((loop) =>
    function* () {
      const queue = new Queue<number>();
      queue.putNowait(7);
      const child = loop.createTask(async () => await queue.get());
      assert.equal(yield* child, 7);
    }()
  );
});

Deno.test("eager tasks: recursive gather of coroutines that return at once creates no scheduled task (CPython's task counting)", async () => {
  let scheduled = 0;
  const counting = <T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions): Task<T> => {
    const task = new Task(coro, { ...options, loop, eagerStart: true });
    if (loop.isRunning() && !task.done()) scheduled++; // (the main task is made before the loop runs)
    return task;
  };
  function* recursiveGather(width: number, depth: number): Generator<unknown, void, unknown> {
    if (depth === 0) return;
    yield* gather(...Array.from({ length: width }, () => recursiveGather(width, depth - 1)));
  }
  await inVirtualTime(async (loop) => {
    loop.setTaskFactory(counting);
    await loop.runUntilComplete(function* () {
      yield* recursiveGather(5, 4);
    }());
  });
  assert.equal(scheduled, 0);
});

Deno.test("eager tasks: bad input", async (t) => {
  await t.step("setTaskFactory refuses what is not a function or null, naming it", async () => {
    await inVirtualTime(async (loop) => {
      assert.throws(() => loop.setTaskFactory(42 as never), (e) => e instanceof TypeError && /42/.test(e.message));
      assert.throws(() => loop.setTaskFactory("f" as never), (e) => e instanceof TypeError && /"f"/.test(e.message));
      assert.equal(loop.getTaskFactory(), null);
    });
  });
  await t.step("a factory that returns no task is a TypeError naming what it returned", async () => {
    await inVirtualTime(async (loop) => {
      loop.setTaskFactory((() => "nope") as never);
      assert.throws(() => loop.createTask(async () => {}), (e) => e instanceof TypeError && /"nope"/.test(e.message));
    });
  });
  await t.step("createEagerTask with no running loop is an InvalidStateError naming the fix", () => {
    assert.throws(
      () => createEagerTask(async () => {}),
      (e) => e instanceof InvalidStateError && /loop/.test(e.message),
    );
  });
  await t.step("createEagerTask refuses a promise with the () => … hint", async () => {
    await inVirtualTime(async (loop) => {
      await loop.runUntilComplete(async () => {
        assert.throws(
          () => createEagerTask(Promise.resolve(1) as never),
          (e) => e instanceof TypeError && /\(\) =>/.test(e.message),
        );
      });
    });
  });
  await t.step("createEagerTask on a closed loop is an InvalidStateError naming the loop", () => {
    const loop = newEventLoop();
    loop.close();
    assert.throws(
      () => createEagerTask(async () => {}, { loop }),
      (e) =>
        e instanceof InvalidStateError && /createEagerTask\(\): <EventLoop .*closed=true.*> is closed/.test(e.message),
    );
  });
  await t.step("createEagerTaskFactory needs a class", () => {
    assert.throws(() => createEagerTaskFactory(undefined as never), TypeError);
  });
  await t.step("setTaskFactory(null) restores ordinary tasks", async () => {
    await inVirtualTime(async (loop) => {
      loop.setTaskFactory(eagerTaskFactory);
      loop.setTaskFactory(null);
      await loop.runUntilComplete(async () => {
        const task = loop.createTask(async () => 1);
        assert.equal(task.done(), false);
        assert.equal(await task, 1);
      });
    });
  });
});
