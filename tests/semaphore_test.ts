// Tests of Semaphore and BoundedSemaphore against CPython 3.12 asyncio (after gh-90155): FIFO wake-up, a newcomer
// never overtakes queued waiters, a waiter woken and then cancelled gives its unit back to the next waiter, the
// bound of BoundedSemaphore, and the checks on the initial value.
//
// Each behaviour is tested for both coroutine kinds on a VirtualClock.

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError } from "../errors.ts";
import type { EventLoop } from "../loop.ts";
import { BoundedSemaphore, Semaphore } from "../semaphore.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { coroutine, type Kind, KINDS, settle, virtualLoop } from "./_helpers.ts";

/** A task that arrives after `arriveMs`, holds a unit for `holdMs` (logging its name and the time), and releases it. */
function worker(
  loop: EventLoop,
  kind: Kind,
  semaphore: Semaphore,
  log: string[],
  name: string,
  arriveMs = 0,
  holdMs = 1,
): Task<string> {
  return loop.createTask(coroutine(
    kind,
    function* () {
      if (arriveMs > 0) yield* sleep(arriveMs);
      using _ = yield* semaphore.acquire();
      log.push(`${name}@${loop.time()}`);
      yield* sleep(holdMs);
      return name;
    },
    async () => {
      if (arriveMs > 0) await sleep(arriveMs);
      using _ = await semaphore.acquire();
      log.push(`${name}@${loop.time()}`);
      await sleep(holdMs);
      return name;
    },
  ));
}

for (const kind of KINDS) {
  Deno.test(`Semaphore(2) lets two tasks in at once and the others in FIFO order as units come back, as CPython's Semaphore [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(2);
    const log: string[] = [];
    const tasks = [
      worker(loop, kind, semaphore, log, "a", 0, 10),
      worker(loop, kind, semaphore, log, "b", 1, 20),
      worker(loop, kind, semaphore, log, "e", 5, 5),
      worker(loop, kind, semaphore, log, "c", 2, 5),
      worker(loop, kind, semaphore, log, "d", 3, 5),
    ];
    await settle(loop, tasks);
    assert.deepEqual(log, ["a@0", "b@1", "c@10", "d@15", "e@20"]);
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:2]>");
    loop.close();
  });

  Deno.test(`acquire() with a free unit completes without suspending the task, as CPython's acquire() returning before its first await [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(1);
    let otherRan = false;
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        loop.callSoon(() => otherRan = true);
        using _ = yield* semaphore.acquire();
        return [semaphore.locked(), otherRan];
      },
      async () => {
        loop.callSoon(() => otherRan = true);
        using _ = await semaphore.acquire();
        return [semaphore.locked(), otherRan];
      },
    ));
    assert.deepEqual(await loop.runUntilComplete(task), [true, false]);
    assert.equal(semaphore.locked(), false);
    loop.close();
  });

  Deno.test(`a newcomer waits behind a woken waiter even when a unit is free, as CPython 3.12's FIFO Semaphore.locked() [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(0);
    const log: string[] = [];
    const waiter = worker(loop, kind, semaphore, log, "waiter", 1);
    const releaser = loop.createTask(coroutine(
      kind,
      function* () {
        yield* sleep(5);
        semaphore.release(); // Wakes the waiter, taking the unit for it.
        semaphore.release(); // A free unit, but the woken waiter has not run yet.
        assert.equal(semaphore.locked(), true);
        using _ = yield* semaphore.acquire();
        log.push(`releaser@${loop.time()}`);
      },
      async () => {
        await sleep(5);
        semaphore.release();
        semaphore.release();
        assert.equal(semaphore.locked(), true);
        using _ = await semaphore.acquire();
        log.push(`releaser@${loop.time()}`);
      },
    ));
    await settle(loop, [waiter, releaser]);
    assert.equal(releaser.exception(), undefined);
    assert.deepEqual(log, ["waiter@5", "releaser@5"]);
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:2]>");
    loop.close();
  });

  Deno.test(`release() then cancelling the woken waiter before it runs gives the unit to the next waiter, as CPython 3.12's Semaphore.acquire except clause [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(0);
    const log: string[] = [];
    const first = worker(loop, kind, semaphore, log, "first", 1);
    const second = worker(loop, kind, semaphore, log, "second", 2);
    loop.callLater(5, () => {
      assert.equal(String(semaphore), "<Semaphore [locked, waiters:2]>");
      semaphore.release();
      first.cancel();
    });
    await settle(loop, [first, second]);
    assert.equal(first.cancelled(), true);
    assert.equal(second.result(), "second");
    assert.deepEqual(log, ["second@5"]);
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:1]>");
    loop.close();
  });

  Deno.test(`two releases and the first woken waiter cancelled: both remaining waiters get a unit, as CPython 3.12's wake-up loop in acquire() [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(0);
    const log: string[] = [];
    const waiters = ["a", "b", "c"].map((name, i) => worker(loop, kind, semaphore, log, name, i + 1, 10));
    loop.callLater(5, () => {
      semaphore.release();
      semaphore.release();
      waiters[0].cancel();
    });
    await settle(loop, waiters);
    assert.equal(waiters[0].cancelled(), true);
    assert.deepEqual(log, ["b@5", "c@5"]);
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:2]>");
    loop.close();
  });

  Deno.test(`cancelling a waiter in the middle of the queue keeps the others in order and never gives it a unit, as CPython's Semaphore [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(1);
    const log: string[] = [];
    const holder = worker(loop, kind, semaphore, log, "holder", 0, 10);
    const waiters = ["w1", "w2", "w3", "w4"].map((name, i) => worker(loop, kind, semaphore, log, name, i + 1));
    loop.callLater(5, () => {
      waiters[1].cancel();
      waiters[2].cancel();
    });
    await settle(loop, [holder, ...waiters]);
    assert.deepEqual(log, ["holder@0", "w1@10", "w4@11"]);
    assert.equal(waiters[1].cancelled() && waiters[2].cancelled(), true);
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:1]>");
    loop.close();
  });

  Deno.test(`a using scope gives the unit back when its body throws, as async with semaphore [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new BoundedSemaphore(1);
    const failing = loop.createTask(coroutine(
      kind,
      function* () {
        using _ = yield* semaphore.acquire();
        yield* sleep(1);
        throw new Error("boom");
      },
      async () => {
        using _ = await semaphore.acquire();
        await sleep(1);
        throw new Error("boom");
      },
    ));
    await assert.rejects(loop.runUntilComplete(failing), /boom/);
    assert.equal(String(semaphore), "<BoundedSemaphore [unlocked, value:1]>");
    loop.close();
  });

  Deno.test(`many tasks, some cancelled at random, never exceed the Semaphore's value and give every unit back, as CPython's Semaphore invariant [${kind}]`, async () => {
    const loop = virtualLoop();
    const semaphore = new BoundedSemaphore(3);
    let seed = 777;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let holders = 0;
    let most = 0;
    const hold = (ms: number) =>
      coroutine(
        kind,
        function* () {
          using _ = yield* semaphore.acquire();
          most = Math.max(most, ++holders);
          try {
            yield* sleep(ms);
          } finally {
            holders--;
          }
        },
        async () => {
          using _ = await semaphore.acquire();
          most = Math.max(most, ++holders);
          try {
            await sleep(ms);
          } finally {
            holders--;
          }
        },
      );
    const tasks: Task<void>[] = [];
    for (let i = 0; i < 80; i++) {
      const task = loop.createTask(hold(1 + Math.floor(random() * 4)));
      tasks.push(task);
      if (random() < 0.5) loop.callLater(Math.floor(random() * 40), () => task.cancel());
    }
    // Releases and cancels in the same iteration: units handed to waiters that are then cancelled.
    for (let at = 1; at < 40; at++) {
      loop.callLater(at, () => {
        const waiting = tasks.filter((task) => !task.done());
        if (waiting.length > 0) waiting[Math.floor(random() * waiting.length)].cancel();
      });
    }
    await settle(loop, tasks);
    const finished = tasks.filter((task) => !task.cancelled()).length;
    assert.equal(most, 3);
    assert.ok(finished > 10 && finished < 80, `${finished} finished`);
    assert.equal(String(semaphore), "<BoundedSemaphore [unlocked, value:3]>");
    loop.close();
  });
}

Deno.test("new Semaphore(value) refuses a negative or non-integer value with RangeError and a non-number with TypeError, naming it, as CPython's ValueError('Semaphore initial value must be >= 0')", () => {
  assert.throws(
    () => new Semaphore(-1),
    (e) =>
      e instanceof RangeError && e.message === "Cannot make a Semaphore: value must be an integer >= 0, received -1",
  );
  assert.throws(() => new Semaphore(1.5), (e) => e instanceof RangeError && /received 1\.5/.test(e.message));
  assert.throws(() => new Semaphore(NaN), (e) => e instanceof RangeError && /received NaN/.test(e.message));
  assert.throws(
    () => new Semaphore("2" as unknown as number),
    (e) => e instanceof TypeError && /received "2"/.test(e.message),
  );
  assert.throws(
    () => new BoundedSemaphore(-2),
    (e) => e instanceof RangeError && /Cannot make a BoundedSemaphore: .* received -2/.test(e.message),
  );
  assert.equal(new Semaphore(0).locked(), true);
  assert.equal(new Semaphore().locked(), false);
});

Deno.test("BoundedSemaphore.release() beyond the initial value throws RangeError, as CPython's ValueError('BoundedSemaphore released too many times')", async () => {
  const semaphore = new BoundedSemaphore(2);
  assert.throws(
    () => semaphore.release(),
    (e) => e instanceof RangeError && e.message === "BoundedSemaphore released too many times",
  );
  await semaphore.acquire();
  await semaphore.acquire();
  assert.equal(semaphore.locked(), true);
  semaphore.release();
  semaphore.release();
  assert.throws(() => semaphore.release(), RangeError);
  assert.equal(String(semaphore), "<BoundedSemaphore [unlocked, value:2]>");
});

Deno.test("a plain Semaphore may be released more than acquired, raising its counter, as CPython's Semaphore.release", async () => {
  const semaphore = new Semaphore(1);
  semaphore.release();
  await semaphore.acquire();
  await semaphore.acquire();
  assert.equal(semaphore.locked(), true);
});

Deno.test("locked() is true when the counter is zero or a task waits (not cancelled), as CPython 3.12's Semaphore.locked()", async () => {
  const loop = virtualLoop();
  const semaphore = new Semaphore(0);
  const waiter = loop.createTask(async () => {
    using _ = await semaphore.acquire();
  });
  await loop.runUntilComplete(async () => {
    await sleep(1);
    assert.equal(semaphore.locked(), true);
    waiter.cancel();
    // The waiter's future is cancelled; it has not left the queue yet, and it no longer counts.
    semaphore.release();
    assert.equal(semaphore.locked(), false);
    await assert.rejects(async () => await waiter, CancelledError);
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:1]>");
  });
  loop.close();
});

Deno.test("a Semaphore that made a task of one loop wait refuses to make a task of another loop wait, as CPython's _LoopBoundMixin RuntimeError", async () => {
  const first = virtualLoop();
  const second = virtualLoop();
  const semaphore = new Semaphore(0);
  const waiting = first.createTask(async () => {
    using _ = await semaphore.acquire();
  });
  await first.runUntilComplete(sleep(1));
  await assert.rejects(
    second.runUntilComplete(async () => {
      using _ = await semaphore.acquire();
    }),
    (e) => e instanceof InvalidStateError && /bound to a different event loop/.test(e.message),
  );
  semaphore.release();
  await first.runUntilComplete(waiting);
  first.close();
  second.close();
});
