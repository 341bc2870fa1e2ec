/**
 * Port of the tutorial section "2. 停止嵌套协程" (stopping nested coroutines): a main coroutine creates three tasks
 * (sleeping 1, 5 and 8 units) and awaits `wait(tasks)`, then would print each result. Press Ctrl+C while they
 * run: the program lists the tasks left, and stops them all at once by cancelling their gather —
 * `gather(...allTasks()).cancel()` cancels every child (main and the two sleeping tasks) and prints `true`.
 *
 * As in 06_cancel_on_ctrl_c.ts: JavaScript has no KeyboardInterrupt, so a SIGINT listener stops the loop and
 * `runUntilComplete` then rejects with "Event loop stopped before Future completed" — our KeyboardInterrupt. If no
 * Ctrl+C arrives within 2 units, the example sends itself one (`Deno.kill(Deno.pid, "SIGINT")`) and says so, so
 * that `deno task examples` never hangs.
 *
 * The tutorial then does `loop.stop(); loop.run_forever()` (one more loop pass) and closes the loop. That pass
 * delivers the cancellations to the tasks, but the gather only hears of them on the pass after, so we run the loop
 * until the gather and every task left are done instead, and print how they ended.
 *
 * Time scale: one unit = 100 ms.
 *
 * Run: `deno run -A examples/10_stop_nested_tasks.ts` (press Ctrl+C within 0.2 s to do it yourself).
 *
 * Expected output (without a Ctrl+C; with one, the line in parentheses is missing):
 *   Waiting:  1
 *   Waiting:  5
 *   Waiting:  8
 *   (no Ctrl+C within 2 units: sending SIGINT to ourselves)
 *   KeyboardInterrupt (SIGINT)
 *   allTasks: <Task pending name='Task-1' coro=main()> <Task pending name='Task-3' coro=asyncCoroutine2()> <Task pending name='Task-4' coro=asyncCoroutine3()>
 *   true
 *   after the cancellations were delivered:
 *     gather: failed with CancelledError, cancelled() false
 *     <Task cancelled name='Task-1' coro=main()>
 *     <Task finished result='slept 1 units' name='Task-2' coro=asyncCoroutine1()>
 *     <Task cancelled name='Task-3' coro=asyncCoroutine2()>
 *     <Task cancelled name='Task-4' coro=asyncCoroutine3()>
 */

import {
  allTasks,
  CancelledError,
  ensureFuture,
  type EventLoop,
  type Future,
  gather,
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

/** Every task the example made, to show how each ended (allTasks() lists only those not done). */
const made: Future<unknown>[] = [];

async function main(): Promise<void> {
  // Create the coroutines, then the Task objects.
  const asyncCoroutine1 = () => demoExp(1);
  const asyncCoroutine2 = () => demoExp(5);
  const asyncCoroutine3 = () => demoExp(8);
  const asyncTask: Future<string>[] = [
    ensureFuture(asyncCoroutine1),
    ensureFuture(asyncCoroutine2),
    ensureFuture(asyncCoroutine3),
  ];
  made.push(...asyncTask);

  const { done } = await wait(asyncTask);
  for (const task of done) console.log("Task ret: ", task.result());
}

async function run(): Promise<void> {
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
    const mainTask: Task<void> = loop.createTask(main);
    made.unshift(mainTask);
    await loop.runUntilComplete(mainTask);
    console.log("all tasks finished before any Ctrl+C");
  } catch (error) {
    if (!(interrupted && error instanceof InvalidStateError)) throw error;
    // Python: `except KeyboardInterrupt`.
    console.log("KeyboardInterrupt (SIGINT)");
    // The tasks not done yet: main (in its wait) and the 5 and 8 units sleeps.
    const left: Task<unknown>[] = [...allTasks(loop)];
    console.log("allTasks:", left.map(String).join(" "));
    // One cancel for the whole nest: the gather cancels each of its children.
    const all: Future<unknown[]> = gather(left);
    console.log(all.cancel());
    // Python: `loop.stop(); loop.run_forever()`. Run until the gather and every task left are done instead.
    for (const future of [all, ...left]) {
      try {
        await loop.runUntilComplete(future);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
    }
    console.log("after the cancellations were delivered:");
    // As CPython's: the cancelled gather *failed* with the CancelledError (gather.cancelled() is false).
    console.log(`  gather: failed with ${(all.exception() as Error).name}, cancelled() ${all.cancelled()}`);
    for (const task of made) console.log(`  ${task}`);
  } finally {
    clearTimeout(simulated);
    Deno.removeSignalListener("SIGINT", onSigint);
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await run();
}
