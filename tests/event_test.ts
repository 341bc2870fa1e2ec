// Tests of Event against CPython 3.12 asyncio.Event: set() wakes every waiter, wait() on a set event does not
// suspend, clear() affects later waits only, and a cancelled waiter leaves without consequence.
//
// Each behaviour is tested for both coroutine kinds on a VirtualClock.

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError } from "../errors.ts";
import { Event } from "../event.ts";
import type { EventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { coroutine, type Kind, KINDS, settle, virtualLoop } from "./_helpers.ts";

/** A task that starts waiting after `arriveMs` and returns [what wait() returned, the loop time it returned]. */
function waiter(loop: EventLoop, kind: Kind, event: Event, arriveMs = 0): Task<[boolean, number]> {
  return loop.createTask(coroutine(
    kind,
    function* (): Generator<unknown, [boolean, number], unknown> {
      if (arriveMs > 0) yield* sleep(arriveMs);
      const value = yield* event.wait();
      return [value, loop.time()];
    },
    async (): Promise<[boolean, number]> => {
      if (arriveMs > 0) await sleep(arriveMs);
      const value = await event.wait();
      return [value, loop.time()];
    },
  ));
}

for (const kind of KINDS) {
  Deno.test(`Event.set() wakes every waiting task and wait() returns true, as CPython's Event.set [${kind}]`, async () => {
    const loop = virtualLoop();
    const event = new Event();
    const waiters = [0, 3, 7].map((arrive) => waiter(loop, kind, event, arrive));
    loop.callLater(10, () => {
      assert.equal(String(event), "<Event [unset, waiters:3]>");
      event.set();
    });
    await settle(loop, waiters);
    for (const task of waiters) assert.deepEqual(task.result(), [true, 10]);
    assert.equal(String(event), "<Event [set]>");
    loop.close();
  });

  Deno.test(`wait() on a set Event returns true without suspending the task, as CPython's wait() returning before its first await [${kind}]`, async () => {
    const loop = virtualLoop();
    const event = new Event();
    event.set();
    let otherRan = false;
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        loop.callSoon(() => otherRan = true);
        const value = yield* event.wait();
        return [value, otherRan];
      },
      async () => {
        loop.callSoon(() => otherRan = true);
        const value = await event.wait();
        return [value, otherRan];
      },
    ));
    assert.deepEqual(await loop.runUntilComplete(task), [true, false]);
    loop.close();
  });

  Deno.test(`clear() right after set() does not stop the tasks set() woke, but later waits wait again, as CPython's Event [${kind}]`, async () => {
    const loop = virtualLoop();
    const event = new Event();
    const early = waiter(loop, kind, event);
    const late = waiter(loop, kind, event, 20);
    loop.callLater(10, () => {
      event.set();
      event.clear();
    });
    loop.callLater(30, () => event.set());
    await settle(loop, [early, late]);
    assert.deepEqual(early.result(), [true, 10]);
    assert.deepEqual(late.result(), [true, 30]);
    loop.close();
  });

  Deno.test(`a waiter cancelled before set() leaves the waiters and the others are still woken, as CPython's wait() finally clause [${kind}]`, async () => {
    const loop = virtualLoop();
    const event = new Event();
    const waiters = [waiter(loop, kind, event), waiter(loop, kind, event), waiter(loop, kind, event)];
    loop.callLater(5, () => waiters[1].cancel());
    loop.callLater(8, () => {
      assert.equal(String(event), "<Event [unset, waiters:2]>");
      event.set();
    });
    await settle(loop, waiters);
    assert.equal(waiters[1].cancelled(), true);
    assert.deepEqual(waiters[0].result(), [true, 8]);
    assert.deepEqual(waiters[2].result(), [true, 8]);
    assert.equal(String(event), "<Event [set]>");
    loop.close();
  });

  Deno.test(`a waiter cancelled after set() woke it ends cancelled and leaves no waiter behind, as CPython's Event [${kind}]`, async () => {
    const loop = virtualLoop();
    const event = new Event();
    const cancelled = waiter(loop, kind, event);
    const other = waiter(loop, kind, event);
    loop.callLater(5, () => {
      event.set();
      cancelled.cancel();
    });
    await settle(loop, [cancelled, other]);
    assert.throws(() => cancelled.result(), CancelledError);
    assert.deepEqual(other.result(), [true, 5]);
    event.clear();
    assert.equal(String(event), "<Event [unset]>");
    loop.close();
  });
}

Deno.test("isSet() follows set() and clear(), and set() twice is harmless, as CPython's is_set()", () => {
  const event = new Event();
  assert.equal(event.isSet(), false);
  event.set();
  event.set();
  assert.equal(event.isSet(), true);
  event.clear();
  assert.equal(event.isSet(), false);
});

Deno.test("an Event that made a task of one loop wait refuses to make a task of another loop wait, as CPython's _LoopBoundMixin RuntimeError", async () => {
  const first = virtualLoop();
  const second = virtualLoop();
  const event = new Event();
  const waiting = first.createTask(async () => await event.wait());
  await first.runUntilComplete(sleep(1));
  await assert.rejects(
    second.runUntilComplete(async () => await event.wait()),
    (e) => e instanceof InvalidStateError && /bound to a different event loop/.test(e.message),
  );
  event.set();
  assert.equal(await first.runUntilComplete(waiting), true);
  first.close();
  second.close();
});
