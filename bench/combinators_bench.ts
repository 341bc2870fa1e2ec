/**
 * Queue and combinators, for both coroutine kinds: 1000 items from one producer task to one consumer task through
 * a `Queue` (maxsize 16 and unbounded), and `gather` of 1000 tasks (trivial coroutines that return at once, and
 * ones that yield once with `sleep(0)`); `wait` of 1000 tasks and raw `Promise.all` as references.
 *
 * @module
 */

import { gather } from "../gather.ts";
import { type EventLoop, newEventLoop } from "../loop.ts";
import { Queue } from "../queue.ts";
import { sleep } from "../sleep.ts";
import { wait } from "../wait.ts";

const ITEMS = 1_000;
const TASKS = 1_000;

// ---- Queue: put/get between two tasks --------------------------------------------------------------------------

function expectSum(sum: number): void {
  if (sum !== ITEMS * (ITEMS - 1) / 2) throw new Error("the consumer lost an item");
}

function benchQueueAsync(maxsize: number, baseline: boolean): void {
  Deno.bench({
    name: `async-function tasks: await put/get, maxsize ${maxsize || "unbounded"}`,
    group: `queue 1k items, maxsize ${maxsize || "unbounded"}`,
    baseline,
    async fn(b) {
      const loop: EventLoop = newEventLoop();
      const queue = new Queue<number>({ maxsize });
      b.start();
      const sum = await loop.runUntilComplete(async () => {
        const producer = loop.createTask(async () => {
          for (let i = 0; i < ITEMS; i++) await queue.put(i);
        });
        let total = 0;
        for (let i = 0; i < ITEMS; i++) total += await queue.get();
        await producer;
        return total;
      });
      b.end();
      loop.close();
      expectSum(sum);
    },
  });
}

function benchQueueGenerator(maxsize: number): void {
  Deno.bench({
    name: `generator tasks: yield* put/get, maxsize ${maxsize || "unbounded"}`,
    group: `queue 1k items, maxsize ${maxsize || "unbounded"}`,
    async fn(b) {
      const loop: EventLoop = newEventLoop();
      const queue = new Queue<number>({ maxsize });
      b.start();
      const sum = await loop.runUntilComplete(function* () {
        const producer = loop.createTask(function* () {
          for (let i = 0; i < ITEMS; i++) yield* queue.put(i);
        }());
        let total = 0;
        for (let i = 0; i < ITEMS; i++) total += yield* queue.get();
        yield* producer;
        return total;
      }());
      b.end();
      loop.close();
      expectSum(sum);
    },
  });
}

for (const maxsize of [16, 0]) {
  benchQueueAsync(maxsize, true);
  benchQueueGenerator(maxsize);
}

Deno.bench({
  name: "putNowait + getNowait, 1k items (no waiting, no loop pass)",
  group: "queue 1k items, nowait",
  fn() {
    const queue = new Queue<number>();
    let total = 0;
    for (let i = 0; i < ITEMS; i++) queue.putNowait(i);
    for (let i = 0; i < ITEMS; i++) total += queue.getNowait();
    expectSum(total);
  },
});

// ---- gather / wait of many tasks -------------------------------------------------------------------------------

// deno-lint-ignore require-await
async function asyncReturner(): Promise<number> {
  return 1;
}

// deno-lint-ignore require-yield
function* generatorReturner(): Generator<unknown, number, unknown> {
  return 1;
}

async function asyncYielder(): Promise<number> {
  await sleep(0);
  return 1;
}

function* generatorYielder(): Generator<unknown, number, unknown> {
  yield* sleep(0);
  return 1;
}

function expectTotal(results: number[]): void {
  if (results.length !== TASKS || results.some((r) => r !== 1)) throw new Error("lost a task");
}

function benchGatherAsync(group: string, body: () => Promise<number>): void {
  Deno.bench({
    name: `gather of async-function tasks (${group})`,
    group: `gather 1k tasks, ${group}`,
    baseline: true,
    async fn(b) {
      const loop: EventLoop = newEventLoop();
      b.start();
      const results = await loop.runUntilComplete(async () => {
        // A fresh `() => …` each: gather runs an awaitable given twice only once.
        const coroutines: (() => Promise<number>)[] = [];
        for (let i = 0; i < TASKS; i++) coroutines.push(() => body());
        return await gather(coroutines);
      });
      b.end();
      loop.close();
      expectTotal(results);
    },
  });
}

function benchGatherGenerator(group: string, body: () => Generator<unknown, number, unknown>): void {
  Deno.bench({
    name: `gather of generator tasks (${group})`,
    group: `gather 1k tasks, ${group}`,
    async fn(b) {
      const loop: EventLoop = newEventLoop();
      b.start();
      const results = await loop.runUntilComplete(function* () {
        const coroutines: Generator<unknown, number, unknown>[] = [];
        for (let i = 0; i < TASKS; i++) coroutines.push(body());
        return yield* gather(coroutines);
      }());
      b.end();
      loop.close();
      expectTotal(results);
    },
  });
}

benchGatherAsync("return at once", asyncReturner);
benchGatherGenerator("return at once", generatorReturner);
Deno.bench({
  name: "reference: Promise.all of raw async functions (no loop)",
  group: "gather 1k tasks, return at once",
  async fn() {
    const promises: Promise<number>[] = [];
    for (let i = 0; i < TASKS; i++) promises.push(asyncReturner());
    expectTotal(await Promise.all(promises));
  },
});

benchGatherAsync("sleep(0)", asyncYielder);
benchGatherGenerator("sleep(0)", generatorYielder);
Deno.bench({
  name: "wait of async-function tasks (sleep(0))",
  group: "gather 1k tasks, sleep(0)",
  async fn(b) {
    const loop: EventLoop = newEventLoop();
    b.start();
    const done = await loop.runUntilComplete(async () => {
      const tasks = [];
      for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(asyncYielder));
      return (await wait(tasks)).done;
    });
    b.end();
    loop.close();
    if (done.size !== TASKS) throw new Error("lost a task");
  },
});
