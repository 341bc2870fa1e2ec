/**
 * Port of the tutorial section "3. asyncio.create_task和loop.create_task以及asyncio.ensure_future": all three make
 * a Task; `createTask` (Python 3.7's `asyncio.create_task`) is `loop.createTask` of the running loop, and
 * `loop.createTask` needs a coroutine. `ensureFuture` takes more — it "makes sure this is a Future":
 *
 *   1. a coroutine       → `loop.createTask(coro)`, a Task;
 *   2. a Future          → returned as it is;
 *   3. another awaitable → awaited by a new Task (an object with `[Symbol.iterator]`, Python's `__await__`, such
 *                          as `sleep()`), or wrapped in a Future (a promise or another thenable).
 *
 * Given anything but a coroutine, `createTask` and `loop.createTask` throw a `TypeError` that says what to pass.
 * (04_create_task.ts shows the three ways on coroutines, and that `createTask` needs a running loop.)
 *
 * Time scale: one unit = 100 ms; everything here sleeps 1 unit at most, at the same time.
 *
 * Run: `deno run -A examples/08_ensure_future_vs_create_task.ts`
 *
 * Expected output:
 *   == ensureFuture
 *   1. coroutine:             Task   <Task pending name='Task-1' coro=asyncCoroutine1()>
 *   2. Future:                Future returned as is: true
 *   2. Task:                  Task   returned as is: true
 *   3. awaitable (sleep()):   Task   <Task pending name='Task-2' coro=generator()>
 *   3. awaitable (__await__): Task   <Task pending name='Task-3' coro=generator()>
 *   3. awaitable (promise):   Future <Future pending>
 *   == createTask and loop.createTask
 *   createTask(coro):      Task <Task pending name='Task-5' coro=asyncCoroutine2()> on the running loop: true
 *   loop.createTask(coro): Task <Task pending name='Task-6' coro=asyncCoroutine3()>
 *   loop.createTask(a Future):  TypeError: A coroutine was expected, received <Future pending>; …
 *   loop.createTask(sleep()):   TypeError: A coroutine was expected, received a Sleep, …
 *   loop.createTask(a promise): TypeError: A coroutine was expected, received a Promise, …
 *   == results
 *   [
 *     "coroutine",
 *     "a Future's result",
 *     "slept",
 *     "awaited",
 *     "promised",
 *     "createTask",
 *     "loop.createTask"
 *   ]
 */

import {
  createTask,
  ensureFuture,
  type EventLoop,
  type Future,
  gather,
  getEventLoop,
  setEventLoop,
  sleep,
  Task,
} from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

async function demoExp(what: string): Promise<string> {
  await sleep(1 * UNIT); // simulated I/O
  return what;
}

/** An awaitable object that is neither a coroutine nor a Future: its `[Symbol.iterator]` is Python's `__await__`. */
class Delayed {
  constructor(readonly value: string) {}

  *[Symbol.iterator](): Generator<unknown, string, unknown> {
    yield* sleep(1 * UNIT);
    return this.value;
  }
}

function kind(future: Future<unknown>): string {
  return (future instanceof Task ? "Task" : "Future").padEnd(6);
}

/** Calls `make`, and prints the TypeError it throws (its message up to what it received). */
function showRefusal(label: string, make: () => unknown): void {
  try {
    make();
    console.log(`${label} accepted!`);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const message: string = error.message;
    const received: number = message.indexOf("received");
    const cut: number = received < 0 ? -1 : message.slice(received).search(/[,;]/) + received;
    console.log(`${label} ${error.name}: ${cut < received ? message : `${message.slice(0, cut + 1)} …`}`);
  }
}

async function main(): Promise<void> {
  const loop: EventLoop = getEventLoop();
  const all: Future<string>[] = [];
  try {
    console.log("== ensureFuture");

    // 1. A coroutine: ensureFuture uses loop.createTask and returns the Task.
    const asyncCoroutine1 = () => demoExp("coroutine");
    const fromCoroutine: Future<string> = ensureFuture(asyncCoroutine1);
    console.log(`1. coroutine:             ${kind(fromCoroutine)} ${fromCoroutine}`);

    // 2. A Future (a Task is one too) comes back as it is.
    const future: Future<string> = loop.createFuture<string>();
    loop.callLater(1 * UNIT, () => future.setResult("a Future's result"));
    console.log(`2. Future:                ${kind(future)} returned as is: ${ensureFuture(future) === future}`);
    console.log(
      `2. Task:                  ${kind(fromCoroutine)} returned as is: ${
        ensureFuture(fromCoroutine) === fromCoroutine
      }`,
    );

    // 3. Another awaitable: one with [Symbol.iterator] (Python's __await__) is awaited by a new Task; a promise
    //    (already running, it cannot be cancelled from outside) is wrapped in a Future.
    const fromSleep: Future<string> = ensureFuture(sleep(1 * UNIT, "slept"));
    console.log(`3. awaitable (sleep()):   ${kind(fromSleep)} ${fromSleep}`);
    const fromAwait: Future<string> = ensureFuture(new Delayed("awaited"));
    console.log(`3. awaitable (__await__): ${kind(fromAwait)} ${fromAwait}`);
    const promise: Promise<string> = new Promise((resolve) => setTimeout(() => resolve("promised"), 1 * UNIT));
    const fromPromise: Future<string> = ensureFuture(promise);
    console.log(`3. awaitable (promise):   ${kind(fromPromise)} ${fromPromise}`);
    all.push(fromCoroutine, future, fromSleep, fromAwait, fromPromise);

    console.log("== createTask and loop.createTask");
    // createTask needs a running loop: call it from a coroutine that the loop runs. (The task is handed out in an
    // object: an async function that returns a Task would await it, as JavaScript adopts returned thenables.)
    // deno-lint-ignore require-await
    const { task } = await loop.runUntilComplete(async (): Promise<{ task: Task<string> }> => {
      const asyncCoroutine2 = () => demoExp("createTask");
      const task: Task<string> = createTask(asyncCoroutine2);
      console.log(
        `createTask(coro):      ${kind(task).trim()} ${task} on the running loop: ${task.getLoop() === loop}`,
      );
      return { task };
    });
    const asyncCoroutine3 = () => demoExp("loop.createTask");
    const fromLoop: Task<string> = loop.createTask(asyncCoroutine3);
    console.log(`loop.createTask(coro): ${kind(fromLoop).trim()} ${fromLoop}`);
    all.push(task, fromLoop);

    // loop.createTask (and createTask) accept only a coroutine.
    showRefusal("loop.createTask(a Future): ", () => loop.createTask(future as never));
    showRefusal("loop.createTask(sleep()):  ", () => loop.createTask(sleep(1 * UNIT) as never));
    showRefusal("loop.createTask(a promise):", () => loop.createTask(Promise.resolve("x") as never));

    console.log("== results");
    console.log(await loop.runUntilComplete(gather(all)));
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
