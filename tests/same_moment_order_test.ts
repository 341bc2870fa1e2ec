// Issue 9, point 4: order as CPython. Callbacks, task steps and timers due at the same moment run first in, first
// out, whatever coroutine kind scheduled them: an async-function task must not schedule its wake-ups or timers a
// microtask later than a generator task created after it.
//
// Reference (python3):
//   async def worker(name):
//       for i in range(3):
//           log.append(f"{name}{i}"); loop.call_soon(log.append, f"cb-{name}{i}"); await asyncio.sleep(0)
//   gather(*(worker(n) for n in ("G1", "A1", "G2", "A2")))
//   # ['G10', 'A10', 'G20', 'A20', 'cb-G10', 'G11', 'cb-A10', 'A11', 'cb-G20', 'G21', 'cb-A20', 'A21',
//   #  'cb-G11', 'G12', 'cb-A11', 'A12', 'cb-G21', 'G22', 'cb-A21', 'A22', 'cb-G12', 'cb-A12', 'cb-G22', 'cb-A22']
//   async def worker(name): loop.call_later(0.01, log.append, "cb-" + name); await asyncio.sleep(0.01); log(name+" woke")
//   # ['cb-G1', 'cb-A1', 'cb-G2', 'cb-A2', 'G1 woke', 'A1 woke', 'G2 woke', 'A2 woke']
//   hello1: await sleep(0.2) | hello2: await ensure_future(sleep(0.2)) | hello3/4: the same with yield from
//   # ['hello_1', 'hello_3', 'hello_2', 'hello_4']  (examples/04_create_task.ts)
// CPython's timer heap does not itself keep equal deadlines in order (heapq: ten call_at(when) with one `when`
// fire as [0, 2, 6, 5, 9, 8, 7, 1, 3, 4]); with a real clock two timers practically never share a deadline, so
// scheduling order is what users see. On the virtual clock deadlines are equal, and the issue asks for FIFO.

import assert from "node:assert/strict";
import { sleep } from "../sleep.ts";
import { ensureFuture } from "../task.ts";
import { gather } from "../gather.ts";
import { coroutine, type Kind, virtualLoop } from "./_helpers.ts";

const KIND_OF: Record<string, Kind> = { G: "generator", A: "async function" };

/** CPython's log for `worker` over `names` (see the reference above), for any names. */
function roundRobin(names: string[], rounds: number): string[] {
  const log = names.map((name) => `${name}0`);
  for (let round = 1; round < rounds; round++) {
    for (const name of names) log.push(`cb-${name}${round - 1}`, `${name}${round}`);
  }
  for (const name of names) log.push(`cb-${name}${rounds - 1}`);
  return log;
}

Deno.test("roundRobin() reproduces CPython's printed order", () => {
  assert.deepEqual(roundRobin(["G1", "A1", "G2", "A2"], 3), [
    "G10",
    "A10",
    "G20",
    "A20",
    "cb-G10",
    "G11",
    "cb-A10",
    "A11",
    "cb-G20",
    "G21",
    "cb-A20",
    "A21",
    "cb-G11",
    "G12",
    "cb-A11",
    "A12",
    "cb-G21",
    "G22",
    "cb-A21",
    "A22",
    "cb-G12",
    "cb-A12",
    "cb-G22",
    "cb-A22",
  ]);
});

for (const names of [["G1", "A1", "G2", "A2"], ["A1", "G1", "A2", "G2"]]) {
  Deno.test(`callSoon() callbacks and sleep(0) wake-ups from generator and async-function tasks run first-in first-out, as CPython's ready queue (${names})`, async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const worker = (name: string) =>
      coroutine(KIND_OF[name[0]], function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`${name}${i}`);
          loop.callSoon(() => log.push(`cb-${name}${i}`));
          yield* sleep(0);
        }
      }, async () => {
        for (let i = 0; i < 3; i++) {
          log.push(`${name}${i}`);
          loop.callSoon(() => log.push(`cb-${name}${i}`));
          await sleep(0);
        }
      });
    const tasks = names.map((name) => loop.createTask(worker(name)));
    await loop.runUntilComplete(gather(tasks));
    assert.deepEqual(log, roundRobin(names, 3));
    loop.close();
  });

  Deno.test(`timers due at the same moment fire first-in first-out whatever coroutine kind scheduled them, as CPython with distinct clock readings (${names})`, async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const worker = (name: string) =>
      coroutine(KIND_OF[name[0]], function* () {
        loop.callLater(10, () => log.push(`cb-${name}`));
        yield* sleep(10);
        log.push(`${name} woke`);
      }, async () => {
        loop.callLater(10, () => log.push(`cb-${name}`));
        await sleep(10);
        log.push(`${name} woke`);
      });
    await loop.runUntilComplete(gather(names.map((name) => loop.createTask(worker(name)))));
    assert.deepEqual(log, [...names.map((name) => `cb-${name}`), ...names.map((name) => `${name} woke`)]);
    assert.equal(loop.time(), 10);
    loop.close();
  });
}

Deno.test("callAt() timers with equal deadlines fire in the order they were scheduled, among others of earlier and later deadlines", async () => {
  const loop = virtualLoop();
  const fired: number[] = [];
  for (let i = 0; i < 10; i++) loop.callAt(10, () => fired.push(i));
  await loop.runUntilComplete(sleep(20));
  assert.deepEqual(fired, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Many timers on three deadlines, scheduled in a shuffled order: by deadline, then by scheduling order.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const scheduled: [number, number][] = [];
  const order: [number, number][] = [];
  const base = loop.time();
  for (let i = 0; i < 300; i++) {
    const deadline = base + 10 * (1 + Math.floor(next() * 3));
    scheduled.push([deadline, i]);
    loop.callAt(deadline, () => order.push([deadline, i]));
  }
  await loop.runUntilComplete(sleep(50));
  assert.deepEqual(order, [...scheduled].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  loop.close();
});

Deno.test("example 04's four hellos — await sleep, await ensureFuture(sleep), and the same with yield* — finish in CPython's order", async () => {
  const loop = virtualLoop();
  const log: string[] = [];
  const tasks = [
    loop.createTask(async () => {
      await sleep(200);
      log.push("hello_1");
    }),
    loop.createTask(async () => {
      await ensureFuture(sleep(200));
      log.push("hello_2");
    }),
    loop.createTask(function* () {
      yield* sleep(200);
      log.push("hello_3");
    }()),
    loop.createTask(function* () {
      yield* ensureFuture(sleep(200));
      log.push("hello_4");
    }()),
  ];
  await loop.runUntilComplete(gather(tasks));
  assert.deepEqual(log, ["hello_1", "hello_3", "hello_2", "hello_4"]);
  loop.close();
});
