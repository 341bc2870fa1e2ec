/**
 * Port of the tutorial section "2. asyncio.gather和asyncio.wait的区别" (the difference between gather and wait):
 *
 * - `gather(...tasks)` collects the coroutines' results, kept in the order the coroutines were *given* (not the
 *   order they finished in);
 * - `wait(tasks)` returns two sets, `{ done, pending }`: the tasks that are done and those still running. The
 *   results are read from the done tasks (`task.result()`).
 *
 * The tutorial runs both on tasks sleeping 1 and 5 units, and prints the results list, then the done set (two
 * finished tasks) and the empty pending set. We add two lines that make the difference visible: gather given the
 * 5-unit task first still lists its result first, and a `wait` with a timeout of 2 units leaves the 5-unit task in
 * `pending`.
 *
 * Time scale: one unit = 50 ms (the tutorial's seconds, scaled down more than in 01–06 so that the four runs stay
 * quick). The whole example takes about 20 units (1 s).
 *
 * Run: `deno run -A examples/07_gather_vs_wait.ts`
 *
 * Expected output (the tutorial prints Python's reprs: a list, then two sets; sets print as `{…}` or `set()`):
 *   == 1. gather
 *   Waiting:  1
 *   Waiting:  5
 *   [ "slept 1 units", "slept 5 units" ]
 *   == 2. wait
 *   Waiting:  1
 *   Waiting:  5
 *   {<Task finished result='slept 1 units' name='Task-3' coro=anonymous()>,
 *    <Task finished result='slept 5 units' name='Task-4' coro=anonymous()>}
 *   set()
 *   == gather keeps the input order, not the completion order
 *   Waiting:  5
 *   Waiting:  1
 *   [ "slept 5 units", "slept 1 units" ]
 *   == wait with a timeout of 2 units: the 5-unit task is still pending
 *   Waiting:  1
 *   Waiting:  5
 *   done:    {<Task finished result='slept 1 units' name='Task-8' coro=anonymous()>}
 *   pending: {<Task pending name='Task-9' coro=anonymous()>}
 */

import { ensureFuture, type EventLoop, type Future, gather, getEventLoop, setEventLoop, sleep, wait } from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 50;

async function demoExp(x: number): Promise<string> {
  console.log("Waiting: ", x);
  await sleep(x * UNIT); // simulated I/O
  return `slept ${x} units`;
}

/** The tasks of the tutorial: one per duration, created (and scheduled) at once. */
function makeTasks(...durations: number[]): Future<string>[] {
  return durations.map((x) => ensureFuture(() => demoExp(x)));
}

/** A set of tasks as Python prints it: `{<Task …>, <Task …>}`, or `set()` when empty. */
function showSet(tasks: Set<Future<string>>, indent = ""): string {
  if (tasks.size === 0) return "set()";
  return `{${[...tasks].map(String).join(`,\n${indent} `)}}`;
}

async function main(): Promise<void> {
  const loop: EventLoop = getEventLoop();
  try {
    // 1. gather: the results, in input order.
    console.log("== 1. gather");
    const resultList: string[] = await loop.runUntilComplete(gather(makeTasks(1, 5)));
    console.log(resultList);

    // 2. wait: two sets of tasks, done and pending; ALL_COMPLETED by default, so pending is empty.
    console.log("== 2. wait");
    const { done, pending } = await loop.runUntilComplete(wait(makeTasks(1, 5)));
    console.log(showSet(done));
    console.log(showSet(pending));

    // gather's list follows the arguments: the 5-unit task is given first, so its result comes first although it
    // finished last.
    console.log("== gather keeps the input order, not the completion order");
    console.log(await loop.runUntilComplete(gather(makeTasks(5, 1))));

    // wait never cancels: on timeout it returns, and what has not finished is in `pending`.
    console.log("== wait with a timeout of 2 units: the 5-unit task is still pending");
    const tasks: Future<string>[] = makeTasks(1, 5);
    const early = await loop.runUntilComplete(wait(tasks, { timeout: 2 * UNIT }));
    console.log("done:   ", showSet(early.done, "         "));
    console.log("pending:", showSet(early.pending, "         "));
    // Let the pending task finish, so that the loop closes with nothing left running.
    await loop.runUntilComplete(gather(tasks));
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
