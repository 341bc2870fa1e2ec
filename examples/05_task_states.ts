/**
 * Port of the tutorial section "协程的状态" (the states of a coroutine), under "协程的停止":
 *
 *   Pending   — the task was created but has not run yet
 *   Running   — the event loop is running the task (it started, and is now suspended at an await)
 *   Done      — the task finished
 *   Cancelled — the task was cancelled
 *
 * `task.state` reports the four states; `String(task)` is CPython's repr, where a running task still reads
 * "pending" (CPython's repr has no "running").
 *
 * Time scale: one unit = 100 ms.
 *
 * Run: `deno run -A examples/05_task_states.ts`
 *
 * Expected output:
 *   created:                     state=pending   <Task pending name='finishing' coro=anonymous()>
 *   created:                     state=pending   <Task pending name='cancelling' coro=anonymous()>
 *   Waiting:  1
 *   Waiting:  5
 *   after one loop pass:         state=running   <Task pending name='finishing' coro=anonymous()>
 *   after one loop pass:         state=running   <Task pending name='cancelling' coro=anonymous()>
 *   after runUntilComplete:      state=done      <Task finished result='slept 1 units' name='finishing' coro=anonymous()>
 *   cancel() returned: true
 *   right after cancel():        state=running   <Task pending name='cancelling' coro=anonymous()>
 *   runUntilComplete raised CancelledError
 *   after the loop ran:          state=cancelled <Task cancelled name='cancelling' coro=anonymous()>
 */

import { CancelledError, type EventLoop, newEventLoop, sleep, type Task } from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

async function demoExp(x: number): Promise<string> {
  console.log("Waiting: ", x);
  await sleep(x * UNIT); // simulated I/O
  return `slept ${x} units`;
}

function show(stage: string, task: Task<string>): void {
  console.log(`${stage.padEnd(28)} state=${task.state.padEnd(9)} ${task}`);
}

async function main(): Promise<void> {
  const loop: EventLoop = newEventLoop();
  try {
    const finishing: Task<string> = loop.createTask(() => demoExp(1), { name: "finishing" });
    const cancelling: Task<string> = loop.createTask(() => demoExp(5), { name: "cancelling" });

    // Pending: created, not started (the loop has not run yet).
    show("created:", finishing);
    show("created:", cancelling);

    // Running: one pass through the loop starts both tasks; each is now suspended in its sleep.
    await loop.runUntilComplete(sleep(0));
    show("after one loop pass:", finishing);
    show("after one loop pass:", cancelling);

    // Done: run the loop until the first task finishes.
    await loop.runUntilComplete(finishing);
    show("after runUntilComplete:", finishing);

    // Cancelled: cancel() asks; the CancelledError is raised inside the coroutine at its await, on the next
    // loop pass — until then the task is still running.
    console.log("cancel() returned:", cancelling.cancel());
    show("right after cancel():", cancelling);
    try {
      await loop.runUntilComplete(cancelling);
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
      console.log("runUntilComplete raised CancelledError");
    }
    show("after the loop ran:", cancelling);
  } finally {
    loop.close();
  }
}

if (import.meta.main) {
  await main();
}
