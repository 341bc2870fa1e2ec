// Tests of Lock against CPython 3.12 asyncio.Lock: FIFO wake-up, fairness towards queued waiters, cancellation
// safety (a cancelled waiter never eats a wake-up nor leaves the lock taken), `using` release, and loop binding.
//
// Each behaviour is tested for both coroutine kinds — a generator object (`function*` awaiting with `yield*`) and
// an async function — on a VirtualClock, so loop time is exact and nothing waits for real time.

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError } from "../errors.ts";
import { Lock } from "../lock.ts";
import type { EventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { coroutine, type Kind, KINDS, settle, virtualLoop } from "./_helpers.ts";

/** A task that arrives after `arriveMs`, holds the lock for `holdMs` (logging its name), and releases it. */
function worker(
  loop: EventLoop,
  kind: Kind,
  lock: Lock,
  log: string[],
  name: string,
  arriveMs = 0,
  holdMs = 1,
): Task<string> {
  return loop.createTask(coroutine(
    kind,
    function* () {
      if (arriveMs > 0) yield* sleep(arriveMs);
      using _ = yield* lock.acquire();
      log.push(name);
      yield* sleep(holdMs);
      return name;
    },
    async () => {
      if (arriveMs > 0) await sleep(arriveMs);
      using _ = await lock.acquire();
      log.push(name);
      await sleep(holdMs);
      return name;
    },
  ));
}

for (const kind of KINDS) {
  Deno.test(`Lock.acquire() on a free lock completes without suspending the task, as CPython's acquire() returns before its first await [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    let otherRan = false;
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        loop.callSoon(() => otherRan = true);
        using _ = yield* lock.acquire();
        return [lock.locked(), otherRan];
      },
      async () => {
        loop.callSoon(() => otherRan = true);
        using _ = await lock.acquire();
        return [lock.locked(), otherRan];
      },
    ));
    assert.deepEqual(await loop.runUntilComplete(task), [true, false]);
    assert.equal(lock.locked(), false);
    loop.close();
  });

  Deno.test(`Lock wakes its waiters in the order they called acquire(), as CPython's Lock (FIFO) [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const log: string[] = [];
    const tasks = [
      worker(loop, kind, lock, log, "a", 0, 10),
      worker(loop, kind, lock, log, "d", 4),
      worker(loop, kind, lock, log, "b", 2),
      worker(loop, kind, lock, log, "c", 3),
    ];
    await settle(loop, tasks);
    assert.deepEqual(log, ["a", "b", "c", "d"]);
    assert.equal(loop.time(), 13);
    assert.equal(lock.locked(), false);
    loop.close();
  });

  Deno.test(`a task that releases and at once re-acquires the Lock queues behind the waiter it woke, as CPython's fairness check in acquire() [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const log: string[] = [];
    const greedy = loop.createTask(coroutine(
      kind,
      function* () {
        yield* lock.acquire();
        log.push("greedy 1");
        yield* sleep(5);
        lock.release();
        // The lock is free but a woken waiter has not run yet: a newcomer must not take it.
        assert.equal(lock.locked(), false);
        using _ = yield* lock.acquire();
        log.push("greedy 2");
      },
      async () => {
        await lock.acquire();
        log.push("greedy 1");
        await sleep(5);
        lock.release();
        assert.equal(lock.locked(), false);
        using _ = await lock.acquire();
        log.push("greedy 2");
      },
    ));
    const patient = worker(loop, kind, lock, log, "patient", 1);
    await settle(loop, [greedy, patient]);
    assert.equal(greedy.exception(), undefined);
    assert.deepEqual(log, ["greedy 1", "patient", "greedy 2"]);
    loop.close();
  });

  Deno.test(`release() then cancelling the woken waiter before it runs hands the lock to the next waiter, as CPython's _wake_up_first() on CancelledError [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const log: string[] = [];
    const first = worker(loop, kind, lock, log, "first", 1);
    const second = worker(loop, kind, lock, log, "second", 2);
    await loop.runUntilComplete(async () => {
      await lock.acquire();
      await sleep(5);
      assert.equal(String(lock), "<Lock [locked, waiters:2]>");
      lock.release();
      first.cancel(); // Woken by release(), cancelled before it could run.
      await sleep(10);
    });
    await settle(loop, [first, second]);
    assert.equal(first.cancelled(), true);
    assert.equal(second.result(), "second");
    assert.deepEqual(log, ["second"]);
    assert.equal(lock.locked(), false);
    assert.equal(String(lock), "<Lock [unlocked]>");
    loop.close();
  });

  Deno.test(`cancelling a waiter in the middle of the queue keeps the others in order and never gives it the lock, as CPython's Lock [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const log: string[] = [];
    const holder = worker(loop, kind, lock, log, "holder", 0, 10);
    const waiters = ["w1", "w2", "w3", "w4"].map((name, i) => worker(loop, kind, lock, log, name, i + 1));
    loop.callLater(5, () => waiters[1].cancel());
    await settle(loop, [holder, ...waiters]);
    assert.deepEqual(log, ["holder", "w1", "w3", "w4"]);
    assert.equal(waiters[1].cancelled(), true);
    assert.equal(lock.locked(), false);
    loop.close();
  });

  Deno.test(`a waiter cancelled while waiting leaves the queue and the holder keeps the lock, as CPython's acquire() removing its future [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const log: string[] = [];
    const waiter = worker(loop, kind, lock, log, "waiter", 1);
    await loop.runUntilComplete(async () => {
      await lock.acquire();
      await sleep(5);
      waiter.cancel();
      await assert.rejects(async () => await waiter, CancelledError);
      assert.equal(lock.locked(), true);
      assert.equal(String(lock), "<Lock [locked]>");
      lock.release();
    });
    assert.deepEqual(log, []);
    assert.equal(lock.locked(), false);
    loop.close();
  });

  Deno.test(`acquire() takes a free lock at once when every queued waiter is cancelled, as CPython's all(w.cancelled()) shortcut [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const log: string[] = [];
    const waiter = worker(loop, kind, lock, log, "waiter", 1);
    let otherRan = false;
    const holder = loop.createTask(coroutine(
      kind,
      function* () {
        yield* lock.acquire();
        yield* sleep(5);
        waiter.cancel(); // Its future is cancelled; it leaves the queue only when it runs.
        lock.release();
        loop.callSoon(() => otherRan = true);
        using _ = yield* lock.acquire();
        return otherRan;
      },
      async () => {
        await lock.acquire();
        await sleep(5);
        waiter.cancel();
        lock.release();
        loop.callSoon(() => otherRan = true);
        using _ = await lock.acquire();
        return otherRan;
      },
    ));
    await settle(loop, [waiter, holder]);
    assert.equal(holder.result(), false);
    assert.equal(waiter.cancelled(), true);
    assert.deepEqual(log, []);
    assert.equal(lock.locked(), false);
    loop.close();
  });

  Deno.test(`a using scope releases the Lock when its body throws or the task is cancelled, as async with lock [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    const failing = loop.createTask(coroutine(
      kind,
      function* () {
        using _ = yield* lock.acquire();
        yield* sleep(1);
        throw new Error("boom");
      },
      async () => {
        using _ = await lock.acquire();
        await sleep(1);
        throw new Error("boom");
      },
    ));
    await assert.rejects(loop.runUntilComplete(failing), /boom/);
    assert.equal(lock.locked(), false);
    const sleeper = worker(loop, kind, lock, [], "sleeper", 0, 1000);
    loop.callLater(10, () => sleeper.cancel());
    await assert.rejects(loop.runUntilComplete(sleeper), CancelledError);
    assert.equal(lock.locked(), false);
    loop.close();
  });

  Deno.test(`many tasks, some cancelled at random while waiting or holding, never hold the Lock together and leave it free, as CPython's Lock invariant [${kind}]`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let holders = 0;
    let overlaps = 0;
    let entered = 0;
    const hold = (ms: number) =>
      coroutine(
        kind,
        function* () {
          using _ = yield* lock.acquire();
          if (++holders > 1) overlaps++;
          entered++;
          try {
            yield* sleep(ms);
          } finally {
            holders--;
          }
        },
        async () => {
          using _ = await lock.acquire();
          if (++holders > 1) overlaps++;
          entered++;
          try {
            await sleep(ms);
          } finally {
            holders--;
          }
        },
      );
    const tasks: Task<void>[] = [];
    for (let i = 0; i < 60; i++) {
      const task = loop.createTask(hold(1 + Math.floor(random() * 3)));
      tasks.push(task);
      if (random() < 0.4) loop.callLater(Math.floor(random() * 80), () => task.cancel());
      // Sometimes cancel in the same iteration as a release (the lock is handed to a task that is then cancelled).
      if (random() < 0.2) loop.callLater(1 + Math.floor(random() * 80), () => task.cancel());
    }
    await settle(loop, tasks);
    const finished = tasks.filter((task) => !task.cancelled()).length;
    assert.equal(overlaps, 0);
    assert.ok(finished > 10 && finished < 60, `${finished} finished`);
    assert.ok(entered >= finished);
    assert.equal(lock.locked(), false);
    assert.equal(String(lock), "<Lock [unlocked]>");
    loop.close();
  });
}

Deno.test("release() of an unlocked Lock throws InvalidStateError, as CPython's RuntimeError('Lock is not acquired.')", async () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), (e) => e instanceof InvalidStateError && /not acquired/.test(e.message));
  await lock.acquire();
  lock.release();
  assert.throws(() => lock.release(), InvalidStateError);
});

Deno.test("acquire() does nothing until awaited, as calling a CPython coroutine function only makes a coroutine", async () => {
  const lock = new Lock();
  const pending = lock.acquire();
  assert.equal(lock.locked(), false);
  const hold = await pending;
  assert.equal(lock.locked(), true);
  hold[Symbol.dispose]();
  assert.equal(lock.locked(), false);
});

Deno.test("a Lock that made a task of one loop wait refuses to make a task of another loop wait, as CPython's _LoopBoundMixin RuntimeError", async () => {
  const first = virtualLoop();
  const second = virtualLoop();
  const lock = new Lock();
  await first.runUntilComplete(async () => {
    await lock.acquire();
    const waiter = first.createTask(async () => {
      using _ = await lock.acquire();
    });
    await sleep(1);
    lock.release();
    await waiter;
  });
  await lock.acquire(); // Uncontended: no waiting, so no loop is involved.
  await assert.rejects(
    second.runUntilComplete(async () => {
      using _ = await lock.acquire();
    }),
    (e) => e instanceof InvalidStateError && /bound to a different event loop/.test(e.message),
  );
  lock.release();
  first.close();
  second.close();
});
