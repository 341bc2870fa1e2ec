// Tests of sleep() against CPython 3.12's asyncio.sleep: its checks, its result, sleep(0) as one pass through the
// ready queue, a pending cancel at the sleep, and laziness (the timer starts on the loop that awaits it). A sleep
// cancelled while a task waits on it is in task_test.ts's cancellation table.

import assert from "node:assert/strict";
import { CancelledError } from "../errors.ts";
import { newEventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { coroutine, type Kind, KINDS, virtualLoop } from "./_helpers.ts";

Deno.test("sleep(NaN) throws RangeError and sleep('1') throws TypeError, as CPython's checks on the delay", () => {
  assert.throws(() => sleep(NaN), RangeError);
  assert.throws(() => sleep("1" as unknown as number), TypeError);
});

for (const kind of KINDS) {
  Deno.test(`sleep(ms, result) resolves to result after exactly ms of loop time, and sleep(0, result) too, as CPython's sleep(delay, result) [${kind}]`, async () => {
    const loop = virtualLoop();
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        const a = yield* sleep(250, "a");
        const at = loop.time();
        const b = yield* sleep(0, { b: true });
        return [a, at, b, loop.time()];
      },
      async () => {
        const a = await sleep(250, "a");
        const at = loop.time();
        const b = await sleep(0, { b: true });
        return [a, at, b, loop.time()];
      },
    ));
    assert.deepEqual(await loop.runUntilComplete(task), ["a", 250, { b: true }, 250]);
    loop.close();
  });
}

for (const [kindA, kindB] of [...KINDS.map((kind) => [kind, kind]), ["generator", "async function"]] as const) {
  Deno.test(`sleep(0) lets the other ready tasks run in between (A1 B1 A2 B2), without loop time passing, as CPython's bare yield [${kindA} + ${kindB}]`, async () => {
    const loop = virtualLoop();
    const order: string[] = [];
    const worker = (kind: Kind, name: string) =>
      coroutine(
        kind,
        function* () {
          order.push(`${name}1`);
          yield* sleep(0);
          order.push(`${name}2`);
          yield* sleep(0);
          order.push(`${name}3`);
        },
        async () => {
          order.push(`${name}1`);
          await sleep(0);
          order.push(`${name}2`);
          await sleep(0);
          order.push(`${name}3`);
        },
      );
    const a = loop.createTask(worker(kindA, "A"));
    const b = loop.createTask(worker(kindB, "B"));
    await loop.runUntilComplete(async () => {
      await a;
      await b;
    });
    assert.deepEqual(order, ["A1", "B1", "A2", "B2", "A3", "B3"]);
    assert.equal(loop.time(), 0);
    loop.close();
  });
}

Deno.test("a cancel pending when an async function awaits sleep() is raised at that await without sleeping, as CPython's cancelled sleep", async () => {
  const loop = virtualLoop();
  let after = false;
  const task = loop.createTask(async () => {
    await Promise.resolve(); // a foreign await: the cancel below arrives while the task is between awaits
    await sleep(1_000_000);
    after = true;
  });
  loop.callSoon(() => task.cancel());
  await assert.rejects(loop.runUntilComplete(task), CancelledError);
  assert.equal(after, false);
  assert.equal(loop.time(), 0);
  loop.close();
});

Deno.test("sleep() called outside any task starts on the loop that awaits it, when it is awaited, as a Python coroutine", async () => {
  const first = newEventLoop({ clock: new VirtualClock() });
  const second = newEventLoop({ clock: new VirtualClock() });
  await first.runUntilComplete(sleep(50));
  const pending = sleep(100);
  await second.runUntilComplete(sleep(30));
  await second.runUntilComplete(pending);
  assert.deepEqual([first.time(), second.time()], [50, 130]);
  first.close();
  second.close();
});
