// Tests of Condition against CPython 3.12 asyncio.Condition, with the 3.13 fix that keeps a notification from
// being lost when the notified waiter is cancelled: wait() releases the lock and takes it back (even when
// cancelled, even when cancelled again while taking it back), notify(n) wakes waiters in FIFO order, waitFor()
// re-checks its predicate, and notify()/wait() refuse an un-acquired lock.
//
// Each behaviour is tested for both coroutine kinds on a VirtualClock.

import assert from "node:assert/strict";
import { Condition } from "../condition.ts";
import { InvalidStateError } from "../errors.ts";
import { Lock } from "../lock.ts";
import type { EventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { coroutine, type Kind, KINDS, settle, virtualLoop } from "./_helpers.ts";

/**
 * A task that arrives after `arriveMs`, takes the lock, waits on the condition, and logs `name` with the loop
 * time and whether it holds the lock when wait() returns or throws.
 */
function waiter(
  loop: EventLoop,
  kind: Kind,
  condition: Condition,
  log: string[],
  name: string,
  arriveMs = 0,
): Task<boolean> {
  const note = (what: string) => log.push(`${name} ${what} at ${loop.time()} locked=${condition.locked()}`);
  return loop.createTask(coroutine(
    kind,
    function* () {
      if (arriveMs > 0) yield* sleep(arriveMs);
      using _ = yield* condition.acquire();
      try {
        const value = yield* condition.wait();
        note("woke");
        return value;
      } catch (error) {
        note(`got ${(error as Error).name}`);
        throw error;
      }
    },
    async () => {
      if (arriveMs > 0) await sleep(arriveMs);
      using _ = await condition.acquire();
      try {
        const value = await condition.wait();
        note("woke");
        return value;
      } catch (error) {
        note(`got ${(error as Error).name}`);
        throw error;
      }
    },
  ));
}

/** Takes the lock at `atMs`, runs `action` holding it, holds it until `releaseMs`, then releases it. */
function holder(
  loop: EventLoop,
  condition: Condition,
  atMs: number,
  releaseMs: number,
  action: () => void,
): Task<void> {
  return loop.createTask(async () => {
    await sleep(atMs);
    using _ = await condition.acquire();
    action();
    await sleep(releaseMs - atMs);
  });
}

for (const kind of KINDS) {
  Deno.test(`Condition.wait() releases the lock while waiting and holds it again when it returns, as CPython's Condition.wait [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const log: string[] = [];
    const task = waiter(loop, kind, condition, log, "w");
    let freeWhileWaiting = false;
    const notifier = holder(loop, condition, 5, 10, () => {
      freeWhileWaiting = true;
      condition.notify();
    });
    await settle(loop, [task, notifier]);
    assert.equal(freeWhileWaiting, true);
    assert.equal(task.result(), true);
    // Notified at 5, it returns only once the notifier released the lock at 10, holding the lock.
    assert.deepEqual(log, ["w woke at 10 locked=true"]);
    assert.equal(condition.locked(), false);
    loop.close();
  });

  Deno.test(`notify(n) wakes the first n waiters in the order they started waiting and notifyAll() the rest, as CPython's notify and notify_all [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const log: string[] = [];
    const waiters = ["w1", "w2", "w3", "w4"].map((name, i) => waiter(loop, kind, condition, log, name, 4 - i));
    const first = holder(loop, condition, 10, 11, () => {
      assert.equal(String(condition), "<Condition [locked, waiters:4]>");
      condition.notify(2);
    });
    const rest = holder(loop, condition, 20, 21, () => condition.notifyAll());
    await settle(loop, [...waiters, first, rest]);
    assert.deepEqual(log, [
      "w4 woke at 11 locked=true",
      "w3 woke at 11 locked=true",
      "w2 woke at 21 locked=true",
      "w1 woke at 21 locked=true",
    ]);
    assert.equal(String(condition), "<Condition [unlocked]>");
    loop.close();
  });

  Deno.test(`a waiter cancelled during wait() takes the lock back before the CancelledError reaches it, as CPython's Condition.wait finally clause [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const log: string[] = [];
    const task = waiter(loop, kind, condition, log, "w");
    // The lock is held by another task from 5 to 10; the waiter is cancelled at 6 and must wait for the lock.
    const other = holder(loop, condition, 5, 10, () => {});
    loop.callLater(6, () => task.cancel());
    await settle(loop, [task, other]);
    assert.equal(task.cancelled(), true);
    assert.deepEqual(log, ["w got CancelledError at 10 locked=true"]);
    assert.equal(condition.locked(), false);
    loop.close();
  });

  Deno.test(`a waiter cancelled again while taking the lock back keeps trying and raises CancelledError holding the lock, as CPython's careful re-acquire loop [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const log: string[] = [];
    const task = waiter(loop, kind, condition, log, "w");
    const other = holder(loop, condition, 5, 10, () => condition.notify());
    // Notified at 5, the waiter waits for the lock; cancelled at 7 and 8 while it does.
    loop.callLater(7, () => task.cancel());
    loop.callLater(8, () => task.cancel());
    await settle(loop, [task, other]);
    assert.equal(task.cancelled(), true);
    assert.deepEqual(log, ["w got CancelledError at 10 locked=true"]);
    assert.equal(condition.locked(), false);
    loop.close();
  });

  Deno.test(`a notified waiter cancelled before it runs passes the notification to the next waiter, as CPython 3.13's Condition.wait (gh-112202) [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const log: string[] = [];
    const first = waiter(loop, kind, condition, log, "first", 1);
    const second = waiter(loop, kind, condition, log, "second", 2);
    const notifier = holder(loop, condition, 5, 6, () => {
      condition.notify(1);
      first.cancel();
    });
    // Without the hand-on, "second" would wait until this cancel.
    loop.callLater(100, () => second.cancel());
    await settle(loop, [first, second, notifier]);
    assert.equal(first.cancelled(), true);
    assert.equal(second.result(), true);
    assert.deepEqual(log, ["first got CancelledError at 6 locked=true", "second woke at 6 locked=true"]);
    assert.equal(condition.locked(), false);
    loop.close();
  });

  Deno.test(`a waiter cancelled in the middle of the queue is skipped by notify(), as CPython's notify() skipping done futures [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const log: string[] = [];
    const waiters = ["w1", "w2", "w3"].map((name, i) => waiter(loop, kind, condition, log, name, i + 1));
    loop.callLater(5, () => waiters[1].cancel());
    const notifier = holder(loop, condition, 10, 11, () => {
      assert.equal(String(condition), "<Condition [locked, waiters:2]>");
      condition.notify(2);
    });
    await settle(loop, [...waiters, notifier]);
    assert.equal(waiters[1].cancelled(), true);
    assert.deepEqual(log, [
      "w2 got CancelledError at 5 locked=true",
      "w1 woke at 11 locked=true",
      "w3 woke at 11 locked=true",
    ]);
    loop.close();
  });

  Deno.test(`waitFor(predicate) re-checks the predicate after every wake-up and returns its truthy value, as CPython's wait_for [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    let count = 0;
    let checks = 0;
    const predicate = () => {
      checks++;
      return count >= 3 && `count ${count}`;
    };
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        using _ = yield* condition.acquire();
        const result = yield* condition.waitFor(predicate);
        return [result, condition.locked(), loop.time()];
      },
      async () => {
        using _ = await condition.acquire();
        const result = await condition.waitFor(predicate);
        return [result, condition.locked(), loop.time()];
      },
    ));
    const bumpers = [10, 20, 30, 40].map((at) =>
      holder(loop, condition, at, at, () => {
        count++;
        condition.notifyAll();
      })
    );
    await settle(loop, [task, ...bumpers]);
    assert.deepEqual(task.result(), ["count 3", true, 30]);
    assert.equal(checks, 4);
    loop.close();
  });

  Deno.test(`waitFor() with a predicate already true returns at once without waiting, as CPython's wait_for [${kind}]`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        using _ = yield* condition.acquire();
        return yield* condition.waitFor(() => 42);
      },
      async () => {
        using _ = await condition.acquire();
        return await condition.waitFor(() => 42);
      },
    ));
    assert.equal(await loop.runUntilComplete(task), 42);
    assert.equal(loop.time(), 0);
    loop.close();
  });
}

Deno.test("notify() and notifyAll() without the lock throw InvalidStateError, as CPython's RuntimeError('cannot notify on un-acquired lock')", async () => {
  const condition = new Condition();
  assert.throws(() => condition.notify(), (e) => e instanceof InvalidStateError && /not acquired/.test(e.message));
  assert.throws(() => condition.notifyAll(), InvalidStateError);
  using _ = await condition.acquire();
  condition.notify();
  condition.notifyAll();
});

Deno.test("wait() and waitFor() without the lock throw InvalidStateError when awaited, as CPython's RuntimeError('cannot wait on un-acquired lock')", async () => {
  const loop = virtualLoop();
  const condition = new Condition();
  await assert.rejects(
    loop.runUntilComplete(async () => await condition.wait()),
    (e) => e instanceof InvalidStateError && /not acquired/.test(e.message),
  );
  await assert.rejects(
    loop.runUntilComplete(function* () {
      return yield* condition.waitFor(() => false);
    }()),
    InvalidStateError,
  );
  assert.equal(condition.locked(), false);
  loop.close();
});

Deno.test("notify(n) refuses a bad n with TypeError or RangeError naming it", async () => {
  const condition = new Condition();
  using _ = await condition.acquire();
  assert.throws(
    () => condition.notify("2" as unknown as number),
    (e) => e instanceof TypeError && /"2"/.test(e.message),
  );
  assert.throws(() => condition.notify(-1), (e) => e instanceof RangeError && /-1/.test(e.message));
  assert.throws(() => condition.notify(1.5), (e) => e instanceof RangeError && /1\.5/.test(e.message));
  assert.throws(() => condition.notify(NaN), (e) => e instanceof RangeError && /NaN/.test(e.message));
  condition.notify(Infinity);
  condition.notify(0);
});

Deno.test("Condition(lock) uses the given Lock, and refuses anything else with a TypeError, as CPython's Condition(lock)", async () => {
  const loop = virtualLoop();
  const lock = new Lock();
  const condition = new Condition(lock);
  assert.throws(() => new Condition({} as Lock), (e) => e instanceof TypeError && /must be a Lock/.test(e.message));
  const task = loop.createTask(async () => {
    using _ = await lock.acquire();
    assert.equal(condition.locked(), true);
    await condition.wait();
    return lock.locked();
  });
  await loop.runUntilComplete(async () => {
    await sleep(1);
    assert.equal(lock.locked(), false);
    using _ = await condition.acquire();
    assert.equal(lock.locked(), true);
    condition.notify();
  });
  assert.equal(await loop.runUntilComplete(task), true);
  assert.equal(lock.locked(), false);
  loop.close();
});
