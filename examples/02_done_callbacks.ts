/**
 * Port of the tutorial section "3. 绑定回调函数(add_done_callback)" (binding done-callbacks): a task gets two
 * done-callbacks, one that receives only the future, and one with an extra argument bound — Python's
 * `functools.partial(exp_callback_2, info="Python")` is the closure `(f) => expCallback2(f, "Python")`.
 *
 * Time scale: one unit = 100 ms (`asyncio.sleep(1)` becomes `sleep(1 * UNIT)`).
 *
 * Run: `deno run -A examples/02_done_callbacks.ts`
 *
 * Expected output (the tutorial's second callback prints "callback_1" by a copy-paste slip; we print
 * "callback_2"):
 *   The demo_exp data is  Hello World
 *   callback_1: OK
 *   callback_2: OK_Python
 */

import { ensureFuture, type EventLoop, type Future, getEventLoop, setEventLoop, sleep } from "../mod.ts";

/** One tutorial second, scaled down. */
const UNIT = 100;

async function demoExp(data: string): Promise<string> {
  await sleep(1 * UNIT); // simulated I/O
  console.log("The demo_exp data is ", data);
  return "OK";
}

// A done-callback receives the finished future; its return value is ignored, as in Python.
function expCallback1(future: Future<string>): boolean {
  const data = future.result();
  console.log(`callback_1: ${data}`);
  return true;
}

function expCallback2(future: Future<string>, info: string): boolean {
  const data = future.result();
  console.log(`callback_2: ${data}_${info}`);
  return true;
}

async function main(): Promise<void> {
  const loop: EventLoop = getEventLoop();
  const asyncTask: Future<string> = ensureFuture(() => demoExp("Hello World"));

  // 1. A callback that takes only the future.
  asyncTask.addDoneCallback(expCallback1);
  // 2. A callback with a bound extra argument (functools.partial).
  asyncTask.addDoneCallback((f: Future<string>) => expCallback2(f, "Python"));

  try {
    await loop.runUntilComplete(asyncTask);
    // Done-callbacks run through loop.callSoon, so they ran before runUntilComplete returned.
  } finally {
    loop.close();
    setEventLoop(null);
  }
}

if (import.meta.main) {
  await main();
}
