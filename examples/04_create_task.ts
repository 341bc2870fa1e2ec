/**
 * Port of two tutorial sections:
 *
 * - "3. asyncio.create_task和loop.create_task以及asyncio.ensure_future": the three ways to make a Task —
 *   `ensureFuture(coro)`, `createTask(coro)` (since Python 3.7; it needs a running loop) and
 *   `loop.createTask(coro)` — and what ensureFuture does with a Future (returns it as it is).
 * - "1. await与yield对比" (await vs yield from): `sleep(n)` is an awaitable, not a Future; and the two kinds of
 *   coroutine, an `async` function using `await` (hello_1, hello_2) and a generator using `yield*` — the image of
 *   Python's `yield from` (hello_3, hello_4) — each awaiting either a coroutine or a Future.
 *
 * Time scale: one unit = 100 ms (the tutorial's `asyncio.sleep(2)` becomes `sleep(2 * UNIT)`).
 *
 * Run: `deno run -A examples/04_create_task.ts`
 *
 * Expected output (the hellos print in CPython's order: the four tasks start in turn, and the sleeps of hello_1
 * and hello_3 start at their tasks' first step, while those of hello_2 and hello_4 run in a Task that
 * `ensureFuture` made during that step, which starts one step later; timers due at the same moment fire first in,
 * first out):
 *   == Three ways to create a Task
 *   1. ensureFuture(coro): type=Task name=Task-1 <Task pending name='Task-1' coro=anonymous()>
 *      ensureFuture(task) is task: true
 *   2. createTask(coro) outside a running loop: InvalidStateError: Cannot createTask(): no running event loop; use loop.createTask() or ensureFuture()
 *   2. createTask(coro) inside a coroutine: type=Task name=made-inside <Task pending name='made-inside' coro=anonymous()>
 *   3. loop.createTask(coro): type=Task name=Task-3 <Task pending name='Task-3' coro=anonymous()>
 *   result: made by ensureFuture
 *   result: made by createTask
 *   result: made by loop.createTask
 *   == await vs yield* (Python: await vs yield from)
 *   sleep() is a Future: false | isFuture: false
 *   sleep() is awaitable: true | iterable (yield*): true
 *   Hello, hello_1 (hello_1: await + coroutine)
 *   Hello, hello_3 (hello_3: yield* + coroutine)
 *   Hello, hello_2 (hello_2: await + Future)
 *   Hello, hello_4 (hello_4: yield* + Future)
 *   done: type=Task name=Task-4 <Task finished result=undefined name='Task-4' coro=anonymous()>
 *   done: type=Task name=Task-5 <Task finished result=undefined name='Task-5' coro=anonymous()>
 *   done: type=Task name=Task-6 <Task finished result=undefined name='Task-6' coro=generator()>
 *   done: type=Task name=Task-7 <Task finished result=undefined name='Task-7' coro=generator()>
 */

import {
  createTask,
  ensureFuture,
  type EventLoop,
  Future,
  gather,
  getEventLoop,
  isFuture,
  setEventLoop,
  sleep,
  Task,
} from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

async function demoExp(how: string): Promise<string> {
  await sleep(1 * UNIT);
  return `made by ${how}`;
}

function describeTask(label: string, task: Future<unknown>): void {
  const name: string = task instanceof Task ? task.getName() : "(not a task)";
  console.log(`${label}: type=${task.constructor.name} name=${name} ${task}`);
}

// ---- await vs yield from ---------------------------------------------------------------------------------

// await + a coroutine
async function hello1(name: string): Promise<void> {
  await sleep(2 * UNIT);
  console.log("Hello,", name, "(hello_1: await + coroutine)");
}

// await + a Future
async function hello2(name: string): Promise<void> {
  await ensureFuture(sleep(2 * UNIT));
  console.log("Hello,", name, "(hello_2: await + Future)");
}

// yield from + a coroutine: a generator delegating with yield*
function* hello3(name: string): Generator<unknown, void, unknown> {
  yield* sleep(2 * UNIT);
  console.log("Hello,", name, "(hello_3: yield* + coroutine)");
}

// yield from + a Future
function* hello4(name: string): Generator<unknown, void, unknown> {
  yield* ensureFuture(sleep(2 * UNIT));
  console.log("Hello,", name, "(hello_4: yield* + Future)");
}

async function main(): Promise<void> {
  const loop: EventLoop = getEventLoop();
  try {
    console.log("== Three ways to create a Task");

    // 1. ensureFuture(coro): works without a running loop (it uses the thread's event loop).
    const task1: Future<string> = ensureFuture(() => demoExp("ensureFuture"));
    describeTask("1. ensureFuture(coro)", task1);

    // ensureFuture of a Future returns that very Future.
    console.log("   ensureFuture(task) is task:", ensureFuture(task1) === task1);

    // 2. createTask(coro) needs a running loop, as asyncio.create_task since Python 3.7 ...
    try {
      createTask(() => demoExp("createTask"));
    } catch (error) {
      console.log(`2. createTask(coro) outside a running loop: ${(error as Error).name}: ${(error as Error).message}`);
    }
    // ... so it is called from inside a coroutine the loop runs. (The task is handed out in an object: an async
    // function that returns a Task would await it, as JavaScript adopts every returned thenable.)
    // deno-lint-ignore require-await
    const { task: task2 } = await loop.runUntilComplete(async (): Promise<{ task: Task<string> }> => {
      const task: Task<string> = createTask(() => demoExp("createTask"), { name: "made-inside" });
      describeTask("2. createTask(coro) inside a coroutine", task);
      return { task };
    });

    // 3. loop.createTask(coro): the loop's own method, running or not.
    const task3: Task<string> = loop.createTask(() => demoExp("loop.createTask"));
    describeTask("3. loop.createTask(coro)", task3);

    for (const task of [task1, task2, task3]) {
      console.log("result:", await loop.runUntilComplete(task));
    }

    console.log("== await vs yield* (Python: await vs yield from)");

    // sleep() gives an awaitable, not a Future: it can be awaited (then) and delegated to (yield*).
    const func = sleep(2 * UNIT);
    console.log("sleep() is a Future:", func instanceof Future, "| isFuture:", isFuture(func));
    console.log(
      "sleep() is awaitable:",
      typeof func.then === "function",
      "| iterable (yield*):",
      Symbol.iterator in func,
    );

    // Both coroutine kinds: an async function is passed as `() => …`, a generator as its generator object.
    const hellos: Task<void>[] = [
      loop.createTask(() => hello1("hello_1")),
      loop.createTask(() => hello2("hello_2")),
      loop.createTask(hello3("hello_3")),
      loop.createTask(hello4("hello_4")),
    ];
    // They sleep concurrently: about 2 units in all.
    await loop.runUntilComplete(gather(hellos));
    for (const task of hellos) describeTask("done", task);
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
