// Issue 9, point 3 (the rest): clear errors instead of silence. A generator coroutine that already ran, or is
// running in a task, given to another task fails that task with an error saying so (it used to resolve
// `undefined`); a Queue with maxsize <= 0 is unbounded, as CPython's; error messages name the function the user
// called and show a BigInt as `10n`.
//
// Reference (python3):
//   c = job(); await asyncio.create_task(c); await asyncio.create_task(c)
//   # RuntimeError('cannot reuse already awaited coroutine')
//   c3 = slow(); t3 = create_task(c3); await sleep(0); t4 = create_task(c3)
//   # await t4: RuntimeError('cannot reuse already awaited coroutine'); await t3: 2 (the first task is unharmed)
//   for m in (0, -1): q = asyncio.Queue(m); [q.put_nowait(i) for i in range(1000)]
//   # q.maxsize == m, q.full() False, q.qsize() 1000 (PriorityQueue and LifoQueue alike)
// The error class for reuse is left open (CPython's is RuntimeError): the tests assert an Error saying "already".

import assert from "node:assert/strict";
import { asCompleted } from "../as_completed.ts";
import { Future } from "../future.ts";
import { sleep } from "../sleep.ts";
import { ensureFuture } from "../task.ts";
import { gather } from "../gather.ts";
import type { EventLoop } from "../loop.ts";
import { LifoQueue, PriorityQueue, Queue } from "../queue.ts";
import { timeout } from "../timeouts.ts";
import { wait } from "../wait.ts";
import { waitFor } from "../wait_for.ts";
import { virtualLoop } from "./_helpers.ts";

function job(log: string[], value: number, ms = 1): Generator<unknown, number, unknown> {
  return (function* () {
    log.push(`start ${value}`);
    yield* sleep(ms);
    log.push(`end ${value}`);
    return value;
  })();
}

/** Whether `error` is an Error saying the coroutine was already awaited or is already running. */
function isReuseError(error: unknown): boolean {
  return error instanceof Error && /already/i.test(error.message);
}

/** The error that running `make()` (a task for a reused coroutine) ends with, whether createTask or the task throws. */
async function reuseFailure(loop: EventLoop, make: () => Future<unknown> | PromiseLike<unknown>): Promise<unknown> {
  try {
    const made = make();
    const value = made instanceof Future ? await loop.runUntilComplete(made) : await made;
    return `no error: it resolved ${String(value)}`;
  } catch (error) {
    return error;
  }
}

// ---- Reusing a coroutine --------------------------------------------------------------------------------------

Deno.test("a generator coroutine that ran to its end, given to a second task, fails it with an error saying it was already awaited, as CPython's RuntimeError 'cannot reuse already awaited coroutine'", async () => {
  const loop = virtualLoop();
  const log: string[] = [];
  const coro = job(log, 1);
  assert.equal(await loop.runUntilComplete(loop.createTask(coro)), 1);
  const failure = await reuseFailure(loop, () => loop.createTask(coro));
  assert.ok(isReuseError(failure), `expected an error saying "already", got ${String(failure)}`);
  assert.deepEqual(log, ["start 1", "end 1"], "the coroutine did not run again");
  loop.close();
});

Deno.test("a generator coroutine that ran, given again to runUntilComplete(), ensureFuture() or gather(), fails with an error saying it was already awaited, as CPython", async (t) => {
  const ways: [
    string,
    (loop: EventLoop, coro: Generator<unknown, number, unknown>) => Future<unknown> | PromiseLike<unknown>,
  ][] = [
    ["runUntilComplete", (loop, coro) => loop.runUntilComplete(coro)],
    ["ensureFuture", (loop, coro) => ensureFuture(coro, loop)],
    ["gather", (loop, coro) => loop.createTask(async () => await gather(coro))],
  ];
  for (const [name, reuse] of ways) {
    await t.step(name, async () => {
      const loop = virtualLoop();
      const log: string[] = [];
      const coro = job(log, 1);
      assert.equal(await loop.runUntilComplete(coro), 1);
      const failure = await reuseFailure(loop, () => reuse(loop, coro));
      assert.ok(isReuseError(failure), `expected an error saying "already", got ${String(failure)}`);
      assert.deepEqual(log, ["start 1", "end 1"]);
      loop.close();
    });
  }
});

Deno.test("a generator coroutine running in a task, given to a second task, fails the second with an error saying so and leaves the first unharmed, as CPython", async () => {
  const loop = virtualLoop();
  const log: string[] = [];
  const coro = job(log, 2, 10);
  const first = loop.createTask(coro);
  await loop.runUntilComplete(sleep(0)); // the first task is suspended inside the coroutine
  const failure = await reuseFailure(loop, () => loop.createTask(coro));
  assert.ok(isReuseError(failure), `expected an error saying "already", got ${String(failure)}`);
  assert.equal(await loop.runUntilComplete(first), 2);
  assert.deepEqual(log, ["start 2", "end 2"]);
  loop.close();
});

// ---- Queue maxsize <= 0 ---------------------------------------------------------------------------------------

Deno.test("new Queue({ maxsize }) with maxsize 0 or negative is unbounded and reports the maxsize given, as CPython's Queue(maxsize <= 0)", async (t) => {
  const makers = [
    ["Queue", (maxsize: number) => new Queue<number>({ maxsize })],
    ["PriorityQueue", (maxsize: number) => new PriorityQueue<number>({ maxsize })],
    ["LifoQueue", (maxsize: number) => new LifoQueue<number>({ maxsize })],
  ] as const;
  for (const [name, make] of makers) {
    for (const maxsize of [0, -1, -5]) {
      await t.step(`${name}, maxsize ${maxsize}`, async () => {
        const queue = make(maxsize);
        assert.equal(queue.maxsize, maxsize);
        for (let i = 0; i < 1000; i++) queue.putNowait(i);
        assert.deepEqual([queue.full(), queue.qsize()], [false, 1000]);
        // An awaited put() never waits either.
        const loop = virtualLoop();
        await loop.runUntilComplete(async () => {
          for (let i = 0; i < 100; i++) await queue.put(i);
        });
        assert.deepEqual([queue.qsize(), loop.time()], [1100, 0]);
        loop.close();
      });
    }
  }
});

// ---- Messages name the function called and show BigInt as 10n --------------------------------------------------

Deno.test("loop.callLater() and callAt() errors name the function the user called, not the one it delegates to", () => {
  const loop = virtualLoop();
  const callback = () => {};
  const checks: [string, () => unknown, string][] = [
    ["callLater(NaN, f)", () => loop.callLater(NaN, callback), "callLater"],
    ["callAt(NaN, f)", () => loop.callAt(NaN, callback), "callAt"],
    [
      "callLater(10, 'not a function')",
      () => loop.callLater(10, "not a function" as unknown as () => void),
      "callLater",
    ],
    ["callAt(10, 'not a function')", () => loop.callAt(10, "not a function" as unknown as () => void), "callAt"],
  ];
  const wrong: string[] = [];
  for (const [call, fn, name] of checks) {
    try {
      fn();
      wrong.push(`${call} did not throw`);
    } catch (error) {
      if (!(error instanceof TypeError || error instanceof RangeError)) wrong.push(`${call} threw ${error}`);
      else if (!error.message.includes(`${name}(`)) wrong.push(`${call}: "${error.message}" does not name ${name}`);
      else if (name === "callLater" && error.message.includes("callAt")) wrong.push(`${call}: "${error.message}"`);
    }
  }
  assert.deepEqual(wrong, []);
  loop.close();
});

Deno.test("an error about a BigInt argument shows it as 10n, so it is not mistaken for the number 10", () => {
  const loop = virtualLoop();
  const ten = 10n as unknown as number;
  const checks: [string, () => unknown][] = [
    ["loop.callLater", () => loop.callLater(ten, () => {})],
    ["loop.callAt", () => loop.callAt(ten, () => {})],
    ["loop.callSoon", () => loop.callSoon(ten as unknown as () => void)],
    ["sleep", () => sleep(ten)],
    ["waitFor", () => waitFor(sleep(1), ten)],
    ["timeout", () => timeout(ten, () => 1)],
    ["wait", () => wait([sleep(1)], { timeout: ten })],
    ["asCompleted", () => asCompleted([sleep(1)], { timeout: ten })],
    ["new Queue", () => new Queue({ maxsize: ten })],
  ];
  const wrong: string[] = [];
  for (const [call, fn] of checks) {
    try {
      fn();
      wrong.push(`${call} did not throw`);
    } catch (error) {
      if (!(error instanceof TypeError)) wrong.push(`${call} threw ${error}`);
      else if (!error.message.includes("10n")) wrong.push(`${call}: "${error.message}" does not show 10n`);
    }
  }
  assert.deepEqual(wrong, []);
  loop.close();
});
