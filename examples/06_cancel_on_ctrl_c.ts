/**
 * Port of the tutorial section "协程的停止" (stopping coroutines), part 1: three tasks sleep 1, 5 and 8 units;
 * press Ctrl+C while they run, and the program lists the tasks, cancels each one — `cancel()` returns false for
 * the task that already finished and true for the two still sleeping — then stops and closes the loop.
 *
 * In Python, Ctrl+C raises KeyboardInterrupt out of `loop.run_until_complete(...)`. JavaScript has no such
 * asynchronous exception, so a SIGINT listener (`Deno.addSignalListener`) stops the loop instead, and
 * `runUntilComplete` then rejects with "Event loop stopped before Future completed": that is our
 * KeyboardInterrupt. The listener is removed at the end, so a later Ctrl+C kills the process as usual.
 *
 * So that `deno task examples` never hangs, if no Ctrl+C arrives within 2 units the example sends itself one
 * (`Deno.kill(Deno.pid, "SIGINT")`) and says so.
 *
 * Time scale: one unit = 100 ms.
 *
 * Run: `deno run -A examples/06_cancel_on_ctrl_c.ts` (press Ctrl+C within 0.2 s to do it yourself).
 *
 * Expected output (without a Ctrl+C; with one, the line in parentheses is missing). The fourth task is the one
 * `runUntilComplete` made for `wait()`; its result is wait's `{ done, pending }`:
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   (no Ctrl+C within 2 units: sending SIGINT to ourselves)
 *   KeyboardInterrupt (SIGINT)
 *   allTasks: [
 *     "<Task pending name='Task-2' coro=anonymous()>",
 *     "<Task pending name='Task-3' coro=anonymous()>",
 *     "<Task pending name='Task-4' coro=generator()>"
 *   ]
 *   false
 *   true
 *   true
 *   after the cancellations were delivered:
 *     <Task finished result='slept 1 units' name='Task-1' coro=anonymous()>
 *     <Task cancelled name='Task-2' coro=anonymous()>
 *     <Task cancelled name='Task-3' coro=anonymous()>
 *     <Task finished result=an Object name='Task-4' coro=generator()>
 */

import {
  allTasks,
  CancelledError,
  ensureFuture,
  type EventLoop,
  getEventLoop,
  InvalidStateError,
  setEventLoop,
  sleep,
  type Task,
  wait,
} from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

async function demoExp(x: number): Promise<string> {
  console.log("Waiting: ", x);
  await sleep(x * UNIT); // simulated I/O
  return `slept ${x} units`;
}

async function main(): Promise<void> {
  const asyncTask: Task<string>[] = [
    ensureFuture(() => demoExp(1)) as Task<string>,
    ensureFuture(() => demoExp(5)) as Task<string>,
    ensureFuture(() => demoExp(8)) as Task<string>,
  ];

  const loop: EventLoop = getEventLoop();

  // If no Ctrl+C arrives within 2 units, simulate one so that the example never hangs.
  const simulated: ReturnType<typeof setTimeout> = setTimeout(() => {
    console.log("(no Ctrl+C within 2 units: sending SIGINT to ourselves)");
    Deno.kill(Deno.pid, "SIGINT");
  }, 2 * UNIT);

  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) return; // a second Ctrl+C while we clean up changes nothing
    interrupted = true;
    clearTimeout(simulated);
    loop.stop(); // wakes the loop if it idles; runUntilComplete then rejects
  };
  Deno.addSignalListener("SIGINT", onSigint);

  try {
    // wait() is not a Future: runUntilComplete wraps it in a Task of its own, the tutorial's `wait()` task.
    await loop.runUntilComplete(wait(asyncTask));
    console.log("all tasks finished before any Ctrl+C");
  } catch (error) {
    if (!(interrupted && error instanceof InvalidStateError)) throw error;
    // Python: `except KeyboardInterrupt`.
    console.log("KeyboardInterrupt (SIGINT)");
    // Python 3.7+'s all_tasks lists the tasks not done yet: wait's and the 5 and 8 units sleeps.
    console.log("allTasks:", [...allTasks(loop)].map(String));
    // Cancel each of our tasks: false for the one that already finished, true for the sleeping ones.
    for (const task of asyncTask) {
      console.log(task.cancel());
    }
    // The tutorial then does `loop.stop(); loop.run_forever()`: one more loop pass, which delivers the
    // cancellations to the sleeping tasks — but the task waiting on them only learns of it one pass later, and
    // CPython then warns "Task was destroyed but it is pending!" at close. So run the loop until every task left
    // is done instead (Runner.close() and run() do this for you).
    const leftOver: Task<unknown>[] = [...allTasks(loop)];
    for (const task of leftOver) {
      try {
        await loop.runUntilComplete(task);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
    }
    console.log("after the cancellations were delivered:");
    for (const task of new Set<Task<unknown>>([...asyncTask, ...leftOver])) console.log(`  ${task}`);
  } finally {
    clearTimeout(simulated);
    Deno.removeSignalListener("SIGINT", onSigint);
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
