// Tests of Barrier against CPython 3.12 asyncio.Barrier and its filling → draining → filling state machine (with
// resetting and broken): arrival indexes, reuse, newcomers blocked while the barrier drains, abort(), reset(), a
// cancelled party leaving without breaking the barrier, and the checks on `parties`. Expected values were
// checked against CPython (3.11's Barrier is the same as 3.12's).
//
// Each behaviour is tested for both coroutine kinds on a VirtualClock.

import assert from "node:assert/strict";
import { Barrier, BrokenBarrierError } from "../barrier.ts";
import { CancelledError } from "../errors.ts";
import type { EventLoop } from "../loop.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { coroutine, type Kind, KINDS, settle, virtualLoop } from "./_helpers.ts";

/** A party that arrives after `arriveMs` and returns `index@time`, or the name of the error wait() raised. */
function party(loop: EventLoop, kind: Kind, barrier: Barrier, arriveMs = 0): Task<string> {
  const outcome = (index: number) => `${index}@${loop.time()}`;
  const failure = (error: unknown) => {
    if (error instanceof CancelledError) throw error;
    return `${(error as Error).name}@${loop.time()}`;
  };
  return loop.createTask(coroutine(
    kind,
    function* () {
      if (arriveMs > 0) yield* sleep(arriveMs);
      try {
        return outcome(yield* barrier.wait());
      } catch (error) {
        return failure(error);
      }
    },
    async () => {
      if (arriveMs > 0) await sleep(arriveMs);
      try {
        return outcome(await barrier.wait());
      } catch (error) {
        return failure(error);
      }
    },
  ));
}

function results(tasks: Task<string>[]): string[] {
  return tasks.map((task) => task.cancelled() ? "cancelled" : task.result());
}

for (const kind of KINDS) {
  Deno.test(`Barrier.wait() returns when the last party arrives, with each party's arrival index, as CPython's Barrier.wait [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(3);
    const parties = [party(loop, kind, barrier, 20), party(loop, kind, barrier, 5), party(loop, kind, barrier, 10)];
    loop.callLater(15, () => assert.equal(String(barrier), "<Barrier [filling, waiters:2/3]>"));
    await settle(loop, parties);
    assert.deepEqual(results(parties), ["2@20", "0@20", "1@20"]);
    assert.equal(String(barrier), "<Barrier [filling, waiters:0/3]>");
    loop.close();
  });

  Deno.test(`a party that waits again while the barrier drains is held for the next round, as CPython's _block() during draining [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(2);
    const log: string[] = [];
    const first = party(loop, kind, barrier);
    const again = loop.createTask(coroutine(
      kind,
      function* () {
        yield* sleep(10);
        const index = yield* barrier.wait();
        log.push(`round 1: ${index}@${loop.time()} ${barrier}`);
        const next = yield* barrier.wait();
        log.push(`round 2: ${next}@${loop.time()}`);
      },
      async () => {
        await sleep(10);
        const index = await barrier.wait();
        log.push(`round 1: ${index}@${loop.time()} ${barrier}`);
        const next = await barrier.wait();
        log.push(`round 2: ${next}@${loop.time()}`);
      },
    ));
    const late = party(loop, kind, barrier, 50);
    loop.callLater(30, () => log.push(`at 30: ${barrier}`));
    await settle(loop, [first, again, late]);
    assert.equal(again.exception(), undefined);
    assert.deepEqual(results([first, late]), ["0@10", "1@50"]);
    assert.deepEqual(log, [
      "round 1: 1@10 <Barrier [draining, waiters:0/2]>",
      "at 30: <Barrier [filling, waiters:1/2]>",
      "round 2: 0@50",
    ]);
    loop.close();
  });

  Deno.test(`a Barrier is reused round after round, as CPython's draining → filling cycle [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(3);
    const rounds = (delay: number) =>
      loop.createTask(coroutine(
        kind,
        function* () {
          const times: number[] = [];
          for (let round = 0; round < 4; round++) {
            yield* sleep(delay);
            yield* barrier.wait();
            times.push(loop.time());
          }
          return times;
        },
        async () => {
          const times: number[] = [];
          for (let round = 0; round < 4; round++) {
            await sleep(delay);
            await barrier.wait();
            times.push(loop.time());
          }
          return times;
        },
      ));
    const tasks = [rounds(1), rounds(2), rounds(5)];
    await settle(loop, tasks);
    for (const task of tasks) assert.deepEqual(task.result(), [5, 10, 15, 20]);
    loop.close();
  });

  Deno.test(`abort() raises BrokenBarrierError in the waiting parties and in every later wait() until reset(), as CPython's Barrier.abort [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(3);
    const waiting = [party(loop, kind, barrier), party(loop, kind, barrier, 1)];
    const late = party(loop, kind, barrier, 20);
    loop.callLater(10, () => {
      barrier.abort();
      assert.equal(barrier.broken, true);
      assert.equal(String(barrier), "<Barrier [broken]>");
    });
    await settle(loop, [...waiting, late]);
    assert.deepEqual(results([...waiting, late]), [
      "BrokenBarrierError@10",
      "BrokenBarrierError@10",
      "BrokenBarrierError@20",
    ]);
    barrier.reset();
    assert.equal(barrier.broken, false);
    const again = [party(loop, kind, barrier), party(loop, kind, barrier), party(loop, kind, barrier, 5)];
    await settle(loop, again);
    assert.deepEqual(results(again).map((r) => r.split("@")[1]), ["25", "25", "25"]);
    loop.close();
  });

  Deno.test(`reset() raises BrokenBarrierError in the waiting parties and the barrier fills again, as CPython's Barrier.reset [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(3);
    const waiting = [party(loop, kind, barrier), party(loop, kind, barrier, 1)];
    const next = [party(loop, kind, barrier, 10), party(loop, kind, barrier, 11), party(loop, kind, barrier, 12)];
    loop.callLater(5, () => {
      assert.equal(barrier.nWaiting, 2);
      barrier.reset();
      assert.equal(String(barrier), "<Barrier [resetting, waiters:0/3]>");
      assert.equal(barrier.broken, false);
    });
    await settle(loop, [...waiting, ...next]);
    assert.deepEqual(results(waiting), ["BrokenBarrierError@5", "BrokenBarrierError@5"]);
    assert.deepEqual(results(next), ["0@12", "1@12", "2@12"]);
    assert.equal(String(barrier), "<Barrier [filling, waiters:0/3]>");
    loop.close();
  });

  Deno.test(`a party cancelled while waiting leaves the barrier without breaking it, as CPython's asyncio Barrier (nWaiting drops) [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(3);
    const cancelled = party(loop, kind, barrier);
    const stays = party(loop, kind, barrier, 1);
    const later = [party(loop, kind, barrier, 10), party(loop, kind, barrier, 11)];
    loop.callLater(5, () => cancelled.cancel());
    loop.callLater(6, () => {
      assert.equal(barrier.nWaiting, 1);
      assert.equal(barrier.broken, false);
    });
    await settle(loop, [cancelled, stays, ...later]);
    assert.equal(cancelled.cancelled(), true);
    // As in CPython, indexes count the parties in the barrier: the one that stayed and the first newcomer share 1.
    assert.deepEqual(results([stays, ...later]), ["1@11", "1@11", "2@11"]);
    loop.close();
  });

  Deno.test(`abort() and reset() take effect at once and are awaitable, as CPython's coroutines that never wait [${kind}]`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(2);
    const task = loop.createTask(coroutine(
      kind,
      function* () {
        yield* barrier.abort();
        const broken = barrier.broken;
        yield* barrier.reset();
        return [broken, barrier.broken, loop.time()];
      },
      async () => {
        await barrier.abort();
        const broken = barrier.broken;
        await barrier.reset();
        return [broken, barrier.broken, loop.time()];
      },
    ));
    assert.deepEqual(await loop.runUntilComplete(task), [true, false, 0]);
    barrier.abort(); // Without await: still done at once.
    assert.equal(barrier.broken, true);
    loop.close();
  });
}

Deno.test("new Barrier(parties) refuses parties < 1 or non-integers with RangeError and non-numbers with TypeError, naming the value, as CPython's ValueError('parties must be > 0')", () => {
  assert.throws(
    () => new Barrier(0),
    (e) =>
      e instanceof RangeError && e.message === "Cannot make a Barrier: parties must be an integer >= 1, received 0",
  );
  assert.throws(() => new Barrier(-3), (e) => e instanceof RangeError && /received -3/.test(e.message));
  assert.throws(() => new Barrier(2.5), (e) => e instanceof RangeError && /received 2\.5/.test(e.message));
  assert.throws(
    () => new Barrier(undefined as unknown as number),
    (e) => e instanceof TypeError && /undefined/.test(e.message),
  );
  assert.equal(new Barrier(5).parties, 5);
});

Deno.test("Barrier(1) lets every wait() through at once with index 0, as CPython's Barrier(1)", async () => {
  const loop = virtualLoop();
  const barrier = new Barrier(1);
  const indexes = await loop.runUntilComplete(async () => [await barrier.wait(), await barrier.wait()]);
  assert.deepEqual(indexes, [0, 0]);
  assert.equal(loop.time(), 0);
  loop.close();
});

Deno.test("BrokenBarrierError is an Error named BrokenBarrierError, as CPython's asyncio.BrokenBarrierError", () => {
  const error = new BrokenBarrierError("Barrier aborted");
  assert.ok(error instanceof Error);
  assert.equal(error.name, "BrokenBarrierError");
  assert.equal(error.message, "Barrier aborted");
});
