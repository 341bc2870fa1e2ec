// How a task is found at an await: the async context of the task's function, never the context the loop happens
// to run in (see _task_context.ts).
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { newEventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import { currentTask, type Task } from "../task.ts";
import { CancelledError } from "../errors.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { taskContextMechanism } from "../_task_context.ts";

Deno.test("currentTask() is null in a plain callback scheduled from a task, as CPython's current_task() outside tasks", async () => {
  const loop = newEventLoop({ clock: new VirtualClock() });
  let seen: unknown = "not run";
  await loop.runUntilComplete(async () => {
    await sleep(0);
    loop.callSoon(() => {
      seen = currentTask();
    });
    await sleep(1);
  });
  assert.equal(seen, null);
  loop.close();
});

Deno.test("a cancel reaches every future a task awaits through Promise.all, as CPython's gather cancels its children", async () => {
  const loop = newEventLoop({ clock: new VirtualClock() });
  const fast = loop.createTask(async () => await sleep(10, "fast"));
  const slow = loop.createTask(async () => await sleep(1e9, "slow"));
  const parent = loop.createTask(async () => {
    try {
      return await Promise.all([fast, slow]);
    } catch (error) {
      return error instanceof CancelledError ? "cancelled" : "other";
    }
  });
  loop.callLater(20, () => parent.cancel());
  assert.equal(await loop.runUntilComplete(parent), "cancelled");
  assert.equal(fast.result(), "fast");
  assert.equal(slow.cancelled(), true);
  assert.equal(loop.time(), 20);
  loop.close();
});

Deno.test("tasks started in the same iteration each see themselves as currentTask() after every await", async () => {
  const loop = newEventLoop({ clock: new VirtualClock() });
  const mismatches: string[] = [];
  const tasks: Task<void>[] = [];
  for (let i = 0; i < 50; i++) {
    const task: Task<void> = loop.createTask(async () => {
      for (let step = 0; step < 3; step++) {
        await (step % 2 === 0 ? sleep(0) : sleep(i % 7));
        if (currentTask() !== task) mismatches.push(`${i}/${step}`);
      }
    });
    tasks.push(task);
  }
  await loop.runUntilComplete(async () => {
    for (const task of tasks) await task;
  });
  assert.deepEqual(mismatches, []);
  loop.close();
});

Deno.test("a user's AsyncLocalStorage value set outside a task is visible inside it, as CPython tasks copy the context", async () => {
  const storage = new AsyncLocalStorage<string>();
  const loop = newEventLoop({ clock: new VirtualClock() });
  const seen = await storage.run("outer", () =>
    loop.runUntilComplete(async () => {
      const before = storage.getStore();
      await sleep(5);
      return [before, storage.getStore(), currentTask() !== null];
    }));
  assert.deepEqual(seen, ["outer", "outer", true]);
  loop.close();
});

Deno.test("awaits inside a user's AsyncLocalStorage.run() within a task still belong to the task: cancel reaches them", async () => {
  const storage = new AsyncLocalStorage<number>();
  const loop = newEventLoop({ clock: new VirtualClock() });
  const events: unknown[] = [];
  const task = loop.createTask(async () => {
    await storage.run(42, async () => {
      events.push(["task inside run", currentTask() === task, storage.getStore()]);
      try {
        await sleep(1e9);
      } catch (error) {
        events.push(["caught", (error as Error).constructor.name, storage.getStore()]);
        throw error;
      }
    });
  });
  loop.callLater(10, () => task.cancel());
  await assert.rejects(loop.runUntilComplete(task), CancelledError);
  assert.deepEqual(events, [["task inside run", true, 42], ["caught", "CancelledError", 42]]);
  assert.equal(storage.getStore(), undefined);
  loop.close();
});

Deno.test({
  name: "tasks started inside another task's AsyncLocalStorage.run() are themselves, not their creator",
  ignore: taskContextMechanism !== "engine", // The AsyncLocalStorage fallback carries the loop's context.
  fn: async () => {
    const storage = new AsyncLocalStorage<string>();
    const loop = newEventLoop({ clock: new VirtualClock() });
    const main: Task<unknown> = loop.createTask(async (): Promise<unknown> => {
      const child = await storage.run("scoped", async () => {
        const child: Task<unknown> = loop.createTask(async () => {
          await sleep(1);
          return [currentTask() === child, storage.getStore()];
        });
        return await child;
      });
      return [child, currentTask() === main];
    });
    assert.deepEqual(await loop.runUntilComplete(main), [[true, "scoped"], true]);
    loop.close();
  },
});

Deno.test({
  name:
    "a generator task sees the AsyncLocalStorage values of its creation in every step, as CPython's Task(context=copy_context())",
  ignore: taskContextMechanism !== "engine", // The AsyncLocalStorage fallback carries the loop's context.
  fn: async () => {
    const storage = new AsyncLocalStorage<string>();
    const loop = newEventLoop({ clock: new VirtualClock() });
    const seen: unknown[] = [];
    const task = storage.run("created", () =>
      loop.createTask(function* () {
        seen.push(storage.getStore());
        yield* sleep(5);
        seen.push(storage.getStore());
      }()));
    await storage.run("elsewhere", () => loop.runUntilComplete(task));
    assert.deepEqual(seen, ["created", "created"]);
    loop.close();
  },
});

Deno.test({
  name: "a task created outside every AsyncLocalStorage value does not see the values its loop runs under, as CPython",
  ignore: taskContextMechanism !== "engine", // The AsyncLocalStorage fallback carries the loop's context.
  fn: async () => {
    const storage = new AsyncLocalStorage<string>();
    const loop = newEventLoop({ clock: new VirtualClock() });
    const task = loop.createTask(async () => {
      const first = storage.getStore();
      await sleep(5);
      return [first, storage.getStore()];
    });
    assert.deepEqual(await storage.run("loop's", () => loop.runUntilComplete(task)), [undefined, undefined]);
    loop.close();
  },
});

Deno.test({
  name: "on this Deno, tasks are carried by the engine's async-context hooks, not by an AsyncLocalStorage",
  ignore: (globalThis as { asyncioWithoutContextHooks?: boolean }).asyncioWithoutContextHooks === true,
  fn: () => {
    assert.equal(taskContextMechanism, "engine");
  },
});
