// Issue 9, point 2 (first half): a returned task keeps its value. CPython ends a task inside the very step in
// which its coroutine returned (`Task.__step` catches StopIteration and calls `set_result`), so a `cancel()` that
// comes later — from a callback further along in the same loop iteration, or from another task woken in that
// iteration — finds the task done: it returns False and the value stands. An async function's promise settles a
// microtask after its last step; that gap must not let a cancel in and drop the value (an item got from a queue).
//
// Reference (python3, asyncio):
//   async def five(): return 5
//   t = asyncio.create_task(five()); loop.call_soon(lambda: res.append(t.cancel()))
//   # res == [False], t.cancelled() False, t.result() 5
//   async def v(): await asyncio.sleep(0); return 6
//   async def canceller(): await asyncio.sleep(0); res2.append(t2.cancel())
//   t2 = create_task(v()); c = create_task(canceller())        # res2 == [False], t2.result() 6
//   getters = [create_task(q.get()) for _ in range(100)]; await sleep(0)
//   for each getter g, item i: loop.call_soon(put_then_cancel)  # q.put_nowait(i); loop.call_soon(g.cancel)
//   # 100 kept; every cancel() returned False; q.qsize() 0
//   def put_then_cancel_sync(): q2.put_nowait("y"); res3.append(g2.cancel())
//   # res3 == [True], g2.cancelled() True, q2.qsize() 1: cancelled before its step, the item stays

// A coroutine's kind is what a test is about, not whether its body happens to await.
// deno-lint-ignore-file require-await require-yield

import assert from "node:assert/strict";
import { Queue } from "../queue.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { coroutine, KINDS, virtualLoop } from "./_helpers.ts";

for (const kind of KINDS) {
  Deno.test(`a task that returned in its step keeps its value when a callSoon() cancel comes later in the same iteration: cancel() returns false, as CPython's Task.__step (${kind})`, async () => {
    const loop = virtualLoop();
    const task = loop.createTask(coroutine(kind, function* () {
      return 5;
    }, async () => 5));
    const cancels: boolean[] = [];
    loop.callSoon(() => cancels.push(task.cancel()));
    await loop.runUntilComplete(sleep(0));
    await loop.runUntilComplete(sleep(0));
    assert.deepEqual(cancels, [false]);
    assert.equal(task.cancelled(), false);
    assert.equal(task.cancelling(), 0);
    assert.equal(task.result(), 5);
    loop.close();
  });

  Deno.test(`a task that returned in its step keeps its value when another task woken in the same iteration cancels it, as CPython (${kind})`, async () => {
    const loop = virtualLoop();
    const task = loop.createTask(coroutine(kind, function* () {
      yield* sleep(0);
      return 6;
    }, async () => {
      await sleep(0);
      return 6;
    }));
    const cancels: boolean[] = [];
    const canceller = loop.createTask(coroutine(kind, function* () {
      yield* sleep(0);
      cancels.push(task.cancel());
    }, async () => {
      await sleep(0);
      cancels.push(task.cancel());
    }));
    await loop.runUntilComplete(canceller);
    await loop.runUntilComplete(sleep(0));
    assert.deepEqual(cancels, [false]);
    assert.equal(task.cancelled(), false);
    assert.equal(task.result(), 6);
    loop.close();
  });

  Deno.test(`100 of 100 getters that return the item they were woken for keep it when cancelled right after their step, as CPython (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    const getters: Task<number>[] = [];
    for (let i = 0; i < 100; i++) {
      getters.push(loop.createTask(coroutine(kind, function* () {
        return yield* queue.get();
      }, async () => await queue.get())));
    }
    await loop.runUntilComplete(sleep(0));
    const cancels: boolean[] = [];
    getters.forEach((getter, item) => {
      loop.callSoon(() => {
        queue.putNowait(item); // wakes `getter`: its step is scheduled now…
        loop.callSoon(() => cancels.push(getter.cancel())); // …and this cancel right after it
      });
    });
    await loop.runUntilComplete(sleep(5));
    const kept = getters.filter((getter) => getter.done() && !getter.cancelled());
    assert.equal(kept.length, 100, `${100 - kept.length} of 100 getters lost the item they got`);
    assert.deepEqual(getters.map((getter) => getter.result()), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual([...new Set(cancels)], [false]);
    assert.equal(queue.qsize(), 0);
    loop.close();
  });

  Deno.test(`a getter woken by a put and cancelled before its step ends cancelled and the item stays in the queue, as CPython's Queue.get (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    const getter = loop.createTask(coroutine(kind, function* () {
      return yield* queue.get();
    }, async () => await queue.get()));
    await loop.runUntilComplete(sleep(0));
    const cancels: boolean[] = [];
    loop.callSoon(() => {
      queue.putNowait("y");
      cancels.push(getter.cancel());
    });
    await loop.runUntilComplete(sleep(5));
    assert.deepEqual(cancels, [true]);
    assert.equal(getter.cancelled(), true);
    assert.deepEqual([queue.qsize(), queue.getNowait()], [1, "y"]);
    loop.close();
  });

  Deno.test(`a task whose coroutine returned keeps its value whatever the timing of its end: a cancel from a done-callback of the future it awaited, as CPython (${kind})`, async () => {
    // The future's done-callbacks run in registration order: the task's wake-up first, then this one, in the same
    // iteration — the task has returned by then.
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    const task = loop.createTask(coroutine(kind, function* () {
      return (yield* future) + 1;
    }, async () => (await future) + 1));
    await loop.runUntilComplete(sleep(0));
    const cancels: boolean[] = [];
    future.addDoneCallback(() => cancels.push(task.cancel()));
    future.setResult(41);
    await loop.runUntilComplete(sleep(5));
    assert.deepEqual(cancels, [false]);
    assert.equal(task.result(), 42);
    loop.close();
  });
}
