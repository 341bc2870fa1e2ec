// How a task is found at an await: the async context of the task's function, never the context the loop happens
// to run in (see _current.ts).
import assert from "node:assert/strict";
import { newEventLoop } from "../loop.ts";
import { currentTask, sleep, type Task } from "../task.ts";
import { CancelledError } from "../errors.ts";
import { VirtualClock } from "../virtual_clock.ts";

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
