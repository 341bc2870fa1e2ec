/**
 * Port of the tutorial section "2. 协程实现" (implementing a coroutine): the whole flow of a coroutine —
 * define the coroutine, get an event loop, wrap the coroutine in a Task, run the loop until the task completes,
 * then look at the task's state and result.
 *
 * Time scale: nothing sleeps here (the coroutine returns at once).
 *
 * Run: `deno run -A examples/01_coroutine.ts`
 *
 * Expected output:
 *   The demo_exp data is  Hello World
 *   true
 *   OK
 */

import { type Coroutine, ensureFuture, type EventLoop, type Future, getEventLoop, setEventLoop } from "../mod.ts";

// `async def demo_exp(data)`: an async function is a coroutine *function*; a coroutine *object* is the function
// with its arguments bound, `() => demoExp(data)`, which does not run until the loop steps it.
// (It awaits nothing, as in the tutorial; it is a coroutine all the same.)
// deno-lint-ignore require-await
async function demoExp(data: string): Promise<string> {
  console.log("The demo_exp data is ", data);
  return "OK";
}

async function main(): Promise<void> {
  // 1. Define/create the coroutine object.
  const asyncCoroutine: Coroutine<string> = () => demoExp("Hello World");

  // 2. The event loop (the "container" of the tutorial).
  const loop: EventLoop = getEventLoop();

  // 3. Turn the coroutine into a Task. The three ways (see 04_create_task.ts):
  //      1. ensureFuture(coro)     2. createTask(coro) (needs a running loop)     3. loop.createTask(coro)
  const asyncTask: Future<string> = ensureFuture(asyncCoroutine);

  // 4. Run the loop until the task is complete.
  try {
    await loop.runUntilComplete(asyncTask);

    // Is the task done?
    console.log(asyncTask.done());
    // The coroutine's return value (result() throws InvalidStateError while the task is not done).
    if (asyncTask.done()) {
      console.log(asyncTask.result());
    }
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
