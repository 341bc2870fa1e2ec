/**
 * Task spawn + await, for both coroutine kinds: 1000 tasks that each yield once (`sleep(0)`) or return at once,
 * spawned together and then awaited by a main task of the same kind; raw async functions as the reference.
 *
 * @module
 */

import { newEventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";

const TASKS = 1_000;

async function asyncYielder(): Promise<number> {
  await sleep(0);
  return 1;
}

function* generatorYielder(): Generator<unknown, number, unknown> {
  yield* sleep(0);
  return 1;
}

// deno-lint-ignore require-await
async function asyncReturner(): Promise<number> {
  return 1;
}

// deno-lint-ignore require-yield
function* generatorReturner(): Generator<unknown, number, unknown> {
  return 1;
}

async function rawYielder(): Promise<number> {
  await null;
  return 1;
}

function benchAsync(name: string, body: () => Promise<number>, baseline = false): void {
  Deno.bench({
    name,
    group: body === asyncYielder ? "spawn+await 1k, sleep(0)" : "spawn+await 1k, no await",
    baseline,
    async fn(b) {
      const loop = newEventLoop();
      b.start();
      const total = await loop.runUntilComplete(async () => {
        const tasks: Task<number>[] = [];
        for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(body));
        let sum = 0;
        for (const task of tasks) sum += await task;
        return sum;
      });
      b.end();
      loop.close();
      if (total !== TASKS) throw new Error("lost a task");
    },
  });
}

function benchGenerator(name: string, body: () => Generator<unknown, number, unknown>): void {
  Deno.bench({
    name,
    group: body === generatorYielder ? "spawn+await 1k, sleep(0)" : "spawn+await 1k, no await",
    async fn(b) {
      const loop = newEventLoop();
      b.start();
      const total = await loop.runUntilComplete(function* () {
        const tasks: Task<number>[] = [];
        for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(body()));
        let sum = 0;
        for (const task of tasks) sum += yield* task;
        return sum;
      }());
      b.end();
      loop.close();
      if (total !== TASKS) throw new Error("lost a task");
    },
  });
}

benchAsync("async-function tasks: await sleep(0)", asyncYielder, true);
benchGenerator("generator tasks: yield* sleep(0)", generatorYielder);
Deno.bench({
  name: "reference: raw async functions, await null (no loop)",
  group: "spawn+await 1k, sleep(0)",
  async fn() {
    const promises: Promise<number>[] = [];
    for (let i = 0; i < TASKS; i++) promises.push(rawYielder());
    let sum = 0;
    for (const promise of promises) sum += await promise;
    if (sum !== TASKS) throw new Error("lost a promise");
  },
});

benchAsync("async-function tasks: return at once", asyncReturner, true);
benchGenerator("generator tasks: return at once", generatorReturner);

Deno.bench({
  name: "async-function task: spawn one child and await it, 1k times",
  group: "spawn+await one by one",
  baseline: true,
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    await loop.runUntilComplete(async () => {
      for (let i = 0; i < TASKS; i++) await loop.createTask(asyncYielder);
    });
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "generator task: spawn one child and yield* it, 1k times",
  group: "spawn+await one by one",
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    await loop.runUntilComplete(function* () {
      for (let i = 0; i < TASKS; i++) yield* loop.createTask(generatorYielder());
    }());
    b.end();
    loop.close();
  },
});
