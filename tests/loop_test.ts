// Unit tests of `EventLoop` (loop.ts), each reproducing a behaviour of CPython 3.12's asyncio event loop
// (`base_events.py`). Time-dependent cases run on a VirtualClock; every loop made here is closed here.

// Coroutines here are often async functions with nothing to await: a task needs a function returning a promise.
// deno-lint-ignore-file require-await

import assert from "node:assert/strict";
import { InvalidStateError } from "../errors.ts";
import {
  type EventLoop,
  type ExceptionContext,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
} from "../loop.ts";
import { Handle, TimerHandle } from "../handle.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { hostTick, seededRandom, virtualLoop } from "./_helpers.ts";

// Replaces console.error while `body` runs and returns what it printed.
async function captureConsoleError(body: () => unknown): Promise<string[]> {
  const printed: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    printed.push(args.map(String).join(" "));
  };
  try {
    await body();
  } finally {
    console.error = original;
  }
  return printed;
}

// ---- callSoon and the ready queue --------------------------------------------------------------------------

Deno.test("callSoon() runs callbacks in FIFO order with their arguments, as CPython's call_soon", async () => {
  const loop = virtualLoop();
  try {
    const seen: unknown[] = [];
    loop.callSoon((a: number, b: string) => seen.push(["first", a, b]), 1, "x");
    loop.callSoon(() => seen.push("second"));
    loop.callSoon((c: boolean) => seen.push(["third", c]), true);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(seen, [["first", 1, "x"], "second", ["third", true]]);
  } finally {
    loop.close();
  }
});

Deno.test("callSoon() returns a Handle of the loop, as CPython's call_soon returns an asyncio.Handle", () => {
  const loop = virtualLoop();
  try {
    const handle = loop.callSoon(function tick() {});
    assert.ok(handle instanceof Handle);
    assert.equal(handle.getLoop(), loop);
    assert.equal(handle.cancelled(), false);
    assert.equal(String(handle), "<Handle tick()>");
  } finally {
    loop.close();
  }
});

Deno.test("A callback scheduled during an iteration runs after the callbacks already queued, as CPython's _run_once", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    loop.callSoon(() => {
      order.push("A");
      loop.callSoon(() => {
        order.push("C");
        loop.stop();
      });
    });
    loop.callSoon(() => order.push("B"));
    await loop.runForever();
    assert.deepEqual(order, ["A", "B", "C"]);
  } finally {
    loop.close();
  }
});

Deno.test("stop() in a callback lets the rest of the current batch run; what it scheduled waits for the next run, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    loop.callSoon(() => {
      order.push("A");
      loop.stop();
      loop.callSoon(() => order.push("C (next iteration)"));
    });
    loop.callSoon(() => order.push("B (same batch)"));
    await loop.runForever();
    assert.deepEqual(order, ["A", "B (same batch)"]);
    assert.equal(loop.isRunning(), false);
    // The next run picks up C.
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["A", "B (same batch)", "C (next iteration)"]);
  } finally {
    loop.close();
  }
});

Deno.test("stop() before running makes the next runForever() do one iteration and stop, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    loop.callSoon(() => {
      order.push("first iteration");
      loop.callSoon(() => order.push("second iteration"));
    });
    loop.callLater(100, () => order.push("timer"));
    loop.stop();
    await loop.runForever();
    assert.deepEqual(order, ["first iteration"]);
    // Stopping did not advance virtual time towards the timer.
    assert.equal(loop.time(), 0);
    // The stop request was consumed: the next run goes on until stopped again.
    loop.callLater(200, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["first iteration", "second iteration", "timer"]);
    assert.equal(loop.time(), 200);
  } finally {
    loop.close();
  }
});

Deno.test("A cancelled callSoon handle does not run, even when cancelled by a callback of the same batch, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    const early = loop.callSoon(() => order.push("cancelled before run"));
    early.cancel();
    let later: Handle | null = null;
    loop.callSoon(() => {
      order.push("canceller");
      later!.cancel();
    });
    later = loop.callSoon(() => order.push("cancelled in the same batch"));
    loop.callSoon(() => order.push("survivor"));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["canceller", "survivor"]);
    assert.equal(early.cancelled(), true);
    assert.equal(later.cancelled(), true);
  } finally {
    loop.close();
  }
});

Deno.test("The loop does not run callbacks or timers while it is not running, as CPython (nothing runs outside run_*)", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    loop.callSoon(() => order.push("soon"));
    loop.callLater(0, () => order.push("timer"));
    await hostTick();
    await hostTick(5);
    assert.equal(order.length, 0);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["soon", "timer"]);
    // Stopped again: new callbacks wait.
    loop.callSoon(() => order.push("after stop"));
    await hostTick(5);
    assert.deepEqual(order, ["soon", "timer"]);
  } finally {
    loop.close();
  }
});

// ---- timers ---------------------------------------------------------------------------------------------------

Deno.test("callLater() runs timers by deadline and FIFO for equal deadlines, as CPython's heap of (when, seq)", async () => {
  const loop = virtualLoop();
  try {
    const fired: [string, number][] = [];
    const record = (name: string) => fired.push([name, loop.time()]);
    loop.callLater(30, record, "a@30");
    loop.callLater(10, record, "b@10");
    loop.callLater(20, record, "c@20");
    loop.callLater(10, record, "d@10");
    loop.callLater(10, record, "e@10");
    loop.callLater(31, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(fired, [["b@10", 10], ["d@10", 10], ["e@10", 10], ["c@20", 20], ["a@30", 30]]);
  } finally {
    loop.close();
  }
});

Deno.test("callAt() runs at absolute loop times, mixed with callLater() by deadline, as CPython's call_at", async () => {
  const loop = virtualLoop(1000);
  try {
    const fired: [string, number][] = [];
    const record = (name: string) => fired.push([name, loop.time()]);
    loop.callAt(1050, record, "at 1050");
    loop.callLater(20, record, "later 20 (1020)");
    loop.callAt(1020, record, "at 1020");
    loop.callAt(1100, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(fired, [["later 20 (1020)", 1020], ["at 1020", 1020], ["at 1050", 1050]]);
  } finally {
    loop.close();
  }
});

Deno.test("callLater() with a negative delay runs now, ordered by its (past) deadline, as CPython", async () => {
  const loop = virtualLoop(500);
  try {
    const order: string[] = [];
    loop.callLater(0, () => order.push("delay 0"));
    loop.callLater(-10, () => order.push("delay -10"));
    loop.callAt(100, () => order.push("callAt in the past"));
    loop.callLater(0, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["callAt in the past", "delay -10", "delay 0"]);
    // Nothing waited: virtual time did not move.
    assert.equal(loop.time(), 500);
  } finally {
    loop.close();
  }
});

Deno.test("Due timers run after the callbacks already in the ready queue, as CPython's _run_once appends them", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    loop.callLater(0, () => order.push("timer"));
    loop.callSoon(() => order.push("soon"));
    loop.callLater(0, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["soon", "timer"]);
  } finally {
    loop.close();
  }
});

Deno.test("A cancelled TimerHandle does not run and does not move virtual time, as CPython's TimerHandle.cancel", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    const cancelledEarly = loop.callLater(10, () => order.push("cancelled early"));
    const cancelledLate = loop.callLater(20, () => order.push("cancelled by the 15 ms timer"));
    loop.callLater(15, () => {
      order.push("15");
      cancelledLate.cancel();
    });
    cancelledEarly.cancel();
    loop.callLater(30, () => {
      order.push("30");
      loop.stop();
    });
    await loop.runForever();
    assert.deepEqual(order, ["15", "30"]);
    assert.equal(cancelledEarly.cancelled(), true);
    assert.equal(cancelledLate.cancelled(), true);
    assert.equal(loop.time(), 30);
  } finally {
    loop.close();
  }
});

Deno.test("TimerHandle.when() is the absolute loop time, as CPython's TimerHandle.when", () => {
  const loop = virtualLoop(7);
  try {
    const later = loop.callLater(5, () => {});
    assert.ok(later instanceof TimerHandle);
    assert.equal(later.when(), 12);
    assert.equal(loop.callAt(30, () => {}).when(), 30);
    assert.equal(loop.callLater(-3, () => {}).when(), 4);
    assert.match(String(loop.callAt(5, function ring() {})), /^<TimerHandle when=5 ring\(\)>$/);
  } finally {
    loop.close();
  }
});

Deno.test("time() reads the virtual clock: it moves only when the loop is idle, to the next deadline", async () => {
  const loop = virtualLoop(3);
  try {
    assert.equal(loop.time(), 3);
    const times: number[] = [];
    loop.callSoon(() => times.push(loop.time()));
    loop.callLater(100, () => {
      times.push(loop.time());
      loop.callSoon(() => times.push(loop.time()));
      loop.callLater(1000, () => {
        times.push(loop.time());
        loop.stop();
      });
    });
    await loop.runForever();
    assert.deepEqual(times, [3, 103, 103, 1103]);
    assert.equal(loop.time(), 1103);
  } finally {
    loop.close();
  }
});

Deno.test("A timer with an Infinity delay never fires on the virtual clock (time must not jump to Infinity)", async () => {
  const loop = virtualLoop();
  try {
    let fired = false;
    loop.callLater(Infinity, () => {
      fired = true;
    });
    const hostTimer = setTimeout(() => loop.callSoonThreadsafe(() => loop.stop()), 20);
    try {
      await loop.runForever();
    } finally {
      clearTimeout(hostTimer);
    }
    assert.equal(fired, false);
    assert.equal(loop.time(), 0);
  } finally {
    loop.close();
  }
});

Deno.test(
  "A timer further away than 2^31-1 ms does not make a real-clock loop wake every millisecond, as CPython caps the select timeout",
  async (t) => {
    for (const delay of [2 ** 31 + 1000, Infinity]) {
      await t.step(`delay ${delay}`, async () => {
        const loop = newEventLoop();
        const hostSetTimeout = globalThis.setTimeout;
        let hostTimersArmed = 0;
        // Counts the host timers the loop arms while it idles.
        globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
          hostTimersArmed++;
          return hostSetTimeout(...args);
        }) as typeof setTimeout;
        let fired = false;
        try {
          loop.callLater(delay, () => {
            fired = true;
          });
          hostSetTimeout(() => loop.callSoonThreadsafe(() => loop.stop()), 30);
          await loop.runForever();
        } finally {
          globalThis.setTimeout = hostSetTimeout;
          loop.close();
        }
        assert.equal(fired, false);
        assert.ok(hostTimersArmed <= 2, `the idle loop armed ${hostTimersArmed} host timers`);
      });
    }
  },
);

Deno.test("50_000 sleeps with random deadlines finish in deadline order (FIFO on ties), on one loop's timer heap", async () => {
  const loop = virtualLoop();
  try {
    const random = seededRandom(20240601);
    const count = 50_000;
    const deadlines = Array.from({ length: count }, () => Math.floor(random() * 10_000));
    const finished: number[] = [];
    const lateWakeups: number[] = [];
    for (let index = 0; index < count; index++) {
      loop.createTask(async () => {
        await sleep(deadlines[index]);
        if (loop.time() !== deadlines[index]) lateWakeups.push(index);
        finished.push(index);
      });
    }
    const last = Math.max(...deadlines);
    await loop.runUntilComplete(sleep(last + 1));
    const expected = [...deadlines.keys()].sort((a, b) => deadlines[a] - deadlines[b] || a - b);
    assert.equal(finished.length, count);
    assert.deepEqual(finished, expected);
    assert.equal(lateWakeups.length, 0);
    assert.equal(loop.time(), last + 1);
  } finally {
    loop.close();
  }
});

Deno.test("timers cancelled in bulk are dropped from the heap and the rest still fire by (when, seq), as CPython's clean-up of cancelled TimerHandles", async () => {
  const loop = virtualLoop();
  try {
    const random = seededRandom(7);
    const fired: number[] = [];
    const handles = Array.from({ length: 5000 }, (_, index) => {
      const delay = Math.floor(random() * 500); // many equal deadlines: the sequence breaks the ties
      return { index, delay, handle: loop.callLater(delay, () => fired.push(index)) };
    });
    // Cancel most of them, in three waves with time passing in between, so the heap is cleaned up while in use.
    for (const wave of [0, 1, 2]) {
      for (const timer of handles) if (timer.index % 4 !== 3 && timer.index % 3 === wave) timer.handle.cancel();
      await loop.runUntilComplete(sleep(100));
    }
    await loop.runUntilComplete(sleep(500));
    // A timer cancelled in wave w (at time 100 * w) fires if it was due by then; the others only if never cancelled.
    const firesAt = (timer: { index: number; delay: number }) =>
      timer.index % 4 === 3 || (timer.index % 3 > 0 && timer.delay <= 100 * (timer.index % 3));
    const expected = handles.filter(firesAt).sort((a, b) => a.delay - b.delay || a.index - b.index)
      .map((timer) => timer.index);
    assert.deepEqual(fired, expected);
    assert.ok(expected.length > 1250);
  } finally {
    loop.close();
  }
});

Deno.test("10_000 timers on the real clock all fire, in when() order, and leave no host timer behind", async () => {
  const loop = newEventLoop();
  try {
    const count = 10_000;
    const random = seededRandom(7);
    const handles: TimerHandle[] = [];
    const fired: TimerHandle[] = [];
    for (let index = 0; index < count; index++) {
      const handle: TimerHandle = loop.callLater(random() * 10, () => fired.push(handle));
      handles.push(handle);
    }
    const lastWhen = Math.max(...handles.map((handle) => handle.when()));
    loop.callAt(lastWhen, () => loop.stop());
    await loop.runForever();
    assert.equal(fired.length, count);
    const expected = [...handles].sort((a, b) => a.when() - b.when() || handles.indexOf(a) - handles.indexOf(b));
    assert.ok(fired.every((handle, index) => handle === expected[index]), "timers fired out of when() order");
  } finally {
    loop.close();
  }
});

Deno.test("A task spinning on await sleep(0) on a real-clock loop does not starve a host setTimeout", async () => {
  const loop = newEventLoop();
  let hostTimerFired = false;
  const hostTimer = setTimeout(() => {
    hostTimerFired = true;
  }, 5);
  try {
    const spins = await loop.runUntilComplete(async () => {
      let count = 0;
      // The cap only keeps a broken loop from hanging the test run.
      while (!hostTimerFired && count < 2_000_000) {
        count++;
        await sleep(0);
      }
      return count;
    });
    assert.equal(hostTimerFired, true);
    assert.ok(spins > 0);
  } finally {
    clearTimeout(hostTimer);
    loop.close();
  }
});

Deno.test("A generator task spinning on yield* sleep(0) does not starve a host setTimeout (iterations chained as microtasks still yield to the host)", async () => {
  const loop = newEventLoop();
  let hostTimerFired = false;
  const hostTimer = setTimeout(() => {
    hostTimerFired = true;
  }, 5);
  try {
    const spins = await loop.runUntilComplete(function* () {
      let count = 0;
      // The cap only keeps a broken loop from hanging the test run.
      while (!hostTimerFired && count < 20_000_000) {
        count++;
        yield* sleep(0);
      }
      return count;
    }());
    assert.equal(hostTimerFired, true);
    assert.ok(spins > 0);
  } finally {
    clearTimeout(hostTimer);
    loop.close();
  }
});

// ---- running and stopping ------------------------------------------------------------------------------------

Deno.test("runUntilComplete() returns the future's result, as CPython's run_until_complete", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture<string>();
    loop.callLater(25, () => fut.setResult("done"));
    assert.equal(await loop.runUntilComplete(fut), "done");
    assert.equal(loop.isRunning(), false);
    assert.equal(loop.time(), 25);
    // A coroutine is wrapped in a task.
    assert.equal(await loop.runUntilComplete(async () => 6 * 7), 42);
    assert.equal(
      // deno-lint-ignore require-yield
      await loop.runUntilComplete(function* () {
        return "generator";
      }()),
      "generator",
    );
  } finally {
    loop.close();
  }
});

Deno.test("runUntilComplete() rethrows the future's exception, as CPython's run_until_complete", async () => {
  const loop = virtualLoop();
  try {
    const boom = new RangeError("boom");
    const fut = loop.createFuture();
    loop.callSoon(() => fut.setException(boom));
    await assert.rejects(loop.runUntilComplete(fut), (e) => e === boom);
    await assert.rejects(
      loop.runUntilComplete(async () => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(loop.isRunning(), false);
  } finally {
    loop.close();
  }
});

Deno.test("runUntilComplete() raises InvalidStateError when the loop is stopped before the future is done, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const fut = loop.createFuture();
    loop.callSoon(() => loop.stop());
    await assert.rejects(
      loop.runUntilComplete(fut),
      (e) => e instanceof InvalidStateError && /stopped/.test(e.message),
    );
    assert.equal(fut.done(), false);
  } finally {
    loop.close();
  }
});

Deno.test("runForever() runs until stop(), and isRunning() reflects it, as CPython's run_forever", async () => {
  const loop = virtualLoop();
  try {
    const seen: boolean[] = [];
    assert.equal(loop.isRunning(), false);
    loop.callSoon(() => seen.push(loop.isRunning()));
    loop.callLater(500, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(seen, [true]);
    assert.equal(loop.isRunning(), false);
    assert.equal(loop.time(), 500);
    // It can run again.
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    assert.equal(loop.time(), 501);
  } finally {
    loop.close();
  }
});

Deno.test("runUntilComplete() and runForever() on a running loop raise InvalidStateError, as CPython's 'already running'", async () => {
  const loop = virtualLoop();
  try {
    const errors = await loop.runUntilComplete(async () => {
      const caught: unknown[] = [];
      const other = loop.createFuture();
      try {
        await loop.runUntilComplete(other);
      } catch (error) {
        caught.push(error);
      }
      try {
        await loop.runForever();
      } catch (error) {
        caught.push(error);
      }
      return caught;
    });
    assert.equal(errors.length, 2);
    for (const error of errors) {
      assert.ok(error instanceof InvalidStateError);
      assert.match(error.message, /already running/);
    }
  } finally {
    loop.close();
  }
});

Deno.test("runUntilComplete() while another loop runs raises InvalidStateError, as CPython's 'Cannot run the event loop while another loop is running'", async () => {
  const loop = virtualLoop();
  const other = virtualLoop();
  try {
    const error = await loop.runUntilComplete(async () => {
      try {
        await other.runUntilComplete(async () => "must not run");
        return null;
      } catch (caught) {
        return caught;
      }
    });
    assert.ok(error instanceof InvalidStateError);
    assert.match(error.message, /another loop is running/);
    assert.equal(other.isRunning(), false);
  } finally {
    loop.close();
    other.close();
  }
});

Deno.test("runUntilComplete() and runForever() on a closed loop raise InvalidStateError, as CPython's 'Event loop is closed'", async () => {
  const loop = virtualLoop();
  loop.close();
  await assert.rejects(
    loop.runUntilComplete(async () => 1),
    (e) => e instanceof InvalidStateError && /closed/.test(e.message),
  );
  await assert.rejects(async () => await loop.runForever(), InvalidStateError);
});

Deno.test("runForever() on a closed loop returns a rejected promise, as runUntilComplete() does", async () => {
  const loop = virtualLoop();
  loop.close();
  let promise: Promise<void> | null = null;
  assert.doesNotThrow(() => {
    promise = loop.runForever();
  });
  await assert.rejects(promise!, InvalidStateError);
});

Deno.test("close() on a running loop raises InvalidStateError, as CPython's 'Cannot close a running event loop'", async () => {
  const loop = virtualLoop();
  try {
    let caught: unknown = null;
    loop.callSoon(() => {
      try {
        loop.close();
      } catch (error) {
        caught = error;
      }
      loop.stop();
    });
    await loop.runForever();
    assert.ok(caught instanceof InvalidStateError);
    assert.match(caught.message, /running/);
    assert.equal(loop.isClosed(), false);
  } finally {
    loop.close();
  }
});

Deno.test("close() twice is harmless and isClosed() reports it, as CPython's close", () => {
  const loop = virtualLoop();
  assert.equal(loop.isClosed(), false);
  loop.close();
  assert.equal(loop.isClosed(), true);
  loop.close();
  assert.equal(loop.isClosed(), true);
});

Deno.test("close() drops pending callbacks and timers: they never run, as CPython's close clears _ready and _scheduled", async () => {
  const loop = virtualLoop();
  const order: string[] = [];
  loop.callSoon(() => order.push("soon"));
  loop.callLater(1, () => order.push("timer"));
  loop.close();
  await hostTick(5);
  assert.equal(order.length, 0);
});

Deno.test("callSoon(), callLater(), callAt() and createTask() on a closed loop raise InvalidStateError, as CPython's _check_closed", () => {
  const loop = virtualLoop();
  loop.close();
  assert.throws(() => loop.callSoon(() => {}), (e) => e instanceof InvalidStateError && /closed/.test(e.message));
  assert.throws(() => loop.callLater(1, () => {}), InvalidStateError);
  assert.throws(() => loop.callAt(1, () => {}), InvalidStateError);
  assert.throws(() => loop.callSoonThreadsafe(() => {}), InvalidStateError);
  assert.throws(() => loop.createTask(async () => {}), InvalidStateError);
});

// ---- bad input --------------------------------------------------------------------------------------------------

Deno.test("callSoon(), callLater() and callAt() with a non-function callback raise TypeError naming the value, as CPython's _check_callback", () => {
  const loop = virtualLoop();
  try {
    const notAFunction = "not a function" as never;
    assert.throws(
      () => loop.callSoon(notAFunction),
      (e) => e instanceof TypeError && /"not a function"/.test(e.message),
    );
    assert.throws(() => loop.callLater(10, 42 as never), (e) => e instanceof TypeError && /42/.test(e.message));
    assert.throws(() => loop.callAt(10, null as never), (e) => e instanceof TypeError && /null/.test(e.message));
    assert.throws(
      () => loop.callSoonThreadsafe(undefined as never),
      (e) => e instanceof TypeError && /undefined/.test(e.message),
    );
  } finally {
    loop.close();
  }
});

Deno.test("callLater() and callAt() with a NaN time raise RangeError naming NaN", () => {
  const loop = virtualLoop();
  try {
    assert.throws(() => loop.callLater(NaN, () => {}), (e) => e instanceof RangeError && /NaN/.test(e.message));
    assert.throws(() => loop.callAt(NaN, () => {}), (e) => e instanceof RangeError && /NaN/.test(e.message));
  } finally {
    loop.close();
  }
});

Deno.test("callLater() and callAt() with a non-number time raise TypeError naming the value, as CPython refuses a str delay", () => {
  const loop = virtualLoop();
  try {
    assert.throws(() => loop.callLater("5" as never, () => {}), (e) => e instanceof TypeError && /"5"/.test(e.message));
    assert.throws(
      () => loop.callAt("soon" as never, () => {}),
      (e) => e instanceof TypeError && /"soon"/.test(e.message),
    );
    assert.throws(
      () => loop.callLater(undefined as never, () => {}),
      (e) => e instanceof TypeError && /undefined/.test(e.message),
    );
  } finally {
    loop.close();
  }
});

// ---- the thread's loop -------------------------------------------------------------------------------------------

Deno.test("newEventLoop() makes a distinct loop that is not the thread's loop, as CPython's new_event_loop", () => {
  const first = newEventLoop();
  const second = newEventLoop();
  try {
    assert.notEqual(first, second);
    assert.equal(first.isRunning(), false);
    assert.equal(first.isClosed(), false);
    setEventLoop(first);
    assert.equal(getEventLoop(), first);
    assert.notEqual(getEventLoop(), second);
  } finally {
    setEventLoop(null);
    first.close();
    second.close();
  }
});

Deno.test("getEventLoop() makes the thread's loop once and returns it again, as CPython's get_event_loop", () => {
  setEventLoop(null);
  const made = getEventLoop();
  let remade: EventLoop | null = null;
  try {
    assert.equal(getEventLoop(), made);
    setEventLoop(null);
    remade = getEventLoop();
    assert.notEqual(remade, made);
  } finally {
    setEventLoop(null);
    made.close();
    remade?.close();
  }
});

Deno.test("getEventLoop() inside a running loop returns the running loop, not the one set, as CPython", async () => {
  const set = virtualLoop();
  const running = virtualLoop();
  setEventLoop(set);
  try {
    assert.equal(getEventLoop(), set);
    const seen = await running.runUntilComplete(async () => getEventLoop());
    assert.equal(seen, running);
    assert.equal(getEventLoop(), set);
  } finally {
    setEventLoop(null);
    set.close();
    running.close();
  }
});

Deno.test("setEventLoop() with something other than a loop or null raises TypeError naming the value, as CPython's set_event_loop", () => {
  assert.throws(
    () => setEventLoop("not a loop" as never),
    (e) => e instanceof TypeError && /"not a loop"/.test(e.message),
  );
  assert.throws(() => setEventLoop(undefined as never), (e) => e instanceof TypeError && /undefined/.test(e.message));
});

Deno.test("getRunningLoop() returns the running loop inside it and throws outside, as CPython's get_running_loop", async () => {
  const loop = virtualLoop();
  try {
    assert.throws(
      () => getRunningLoop(),
      (e) => e instanceof InvalidStateError && /no running event loop/.test(e.message),
    );
    const inTask = await loop.runUntilComplete(async () => getRunningLoop());
    assert.equal(inTask, loop);
    let inCallback: EventLoop | null = null;
    loop.callSoon(() => {
      inCallback = getRunningLoop();
      loop.stop();
    });
    await loop.runForever();
    assert.equal(inCallback, loop);
    assert.throws(() => getRunningLoop(), InvalidStateError);
  } finally {
    loop.close();
  }
});

// ---- exception handler ---------------------------------------------------------------------------------------------

Deno.test("setExceptionHandler()/getExceptionHandler() set and read the handler; a non-function raises TypeError, as CPython", () => {
  const loop = virtualLoop();
  try {
    assert.equal(loop.getExceptionHandler(), null);
    const handler = () => {};
    loop.setExceptionHandler(handler);
    assert.equal(loop.getExceptionHandler(), handler);
    assert.throws(
      () => loop.setExceptionHandler("handler" as never),
      (e) => e instanceof TypeError && /"handler"/.test(e.message),
    );
    assert.equal(loop.getExceptionHandler(), handler);
    loop.setExceptionHandler(null);
    assert.equal(loop.getExceptionHandler(), null);
  } finally {
    loop.close();
  }
});

Deno.test("callExceptionHandler() calls the handler with (loop, context), as CPython's call_exception_handler", () => {
  const loop = virtualLoop();
  try {
    const calls: [EventLoop, ExceptionContext][] = [];
    loop.setExceptionHandler((receivedLoop, context) => calls.push([receivedLoop, context]));
    const context = { message: "something odd", extra: 1 };
    loop.callExceptionHandler(context);
    assert.equal(calls.length, 1);
    assert.equal(calls[0][0], loop);
    assert.equal(calls[0][1].message, "something odd");
    assert.equal(calls[0][1].extra, 1);
  } finally {
    loop.close();
  }
});

Deno.test("Without a handler, callExceptionHandler() uses defaultExceptionHandler(), which logs message and traceback to stderr, as CPython", async () => {
  const loop = virtualLoop();
  try {
    const printed = await captureConsoleError(() => {
      loop.callExceptionHandler({ message: "Exception in callback", exception: new Error("boom") });
    });
    assert.equal(printed.length, 1);
    assert.match(printed[0], /Exception in callback/);
    assert.match(printed[0], /Error: boom/);
    const direct = await captureConsoleError(() => {
      loop.defaultExceptionHandler({ message: "direct call", exception: new TypeError("typed") });
    });
    assert.match(direct[0], /direct call[\s\S]*TypeError: typed/);
  } finally {
    loop.close();
  }
});

Deno.test("An exception in a callSoon callback goes to the handler with message, exception and handle, and the loop goes on, as CPython's Handle._run", async () => {
  const loop = virtualLoop();
  try {
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => contexts.push(context));
    const boom = new Error("boom");
    const order: string[] = [];
    const failing = loop.callSoon(function failingCallback() {
      throw boom;
    });
    loop.callSoon(() => order.push("after the failure"));
    loop.callLater(10, () => {
      throw "a string";
    });
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, ["after the failure"]);
    assert.equal(contexts.length, 2);
    assert.match(contexts[0].message, /Exception in callback.*failingCallback/);
    assert.equal(contexts[0].exception, boom);
    assert.equal(contexts[0].handle, failing);
    assert.equal(contexts[1].exception, "a string");
    assert.ok(contexts[1].handle instanceof TimerHandle);
  } finally {
    loop.close();
  }
});

Deno.test("A handler that throws is reported by the default handler and does not break the loop, as CPython's 'Unhandled error in exception handler'", async () => {
  const loop = virtualLoop();
  try {
    const order: string[] = [];
    loop.setExceptionHandler(() => {
      throw new Error("handler failed");
    });
    const printed = await captureConsoleError(async () => {
      loop.callSoon(() => {
        throw new Error("callback failed");
      });
      loop.callSoon(() => order.push("still running"));
      loop.callLater(5, () => {
        order.push("timer");
        loop.stop();
      });
      await loop.runForever();
    });
    assert.deepEqual(order, ["still running", "timer"]);
    assert.equal(printed.length, 1);
    assert.match(printed[0], /Unhandled error in exception handler/);
    assert.match(printed[0], /handler failed/);
  } finally {
    loop.close();
  }
});

// ---- debug mode ------------------------------------------------------------------------------------------------------

Deno.test("setDebug()/getDebug() and newEventLoop({ debug }) control debug mode, as CPython's set_debug", () => {
  const loop = virtualLoop();
  const debugLoop = newEventLoop({ debug: true, clock: new VirtualClock() });
  try {
    assert.equal(loop.getDebug(), false);
    loop.setDebug(true);
    assert.equal(loop.getDebug(), true);
    loop.setDebug(false);
    assert.equal(loop.getDebug(), false);
    assert.equal(debugLoop.getDebug(), true);
    assert.equal(loop.slowCallbackDuration, 100);
  } finally {
    loop.close();
    debugLoop.close();
  }
});

Deno.test("In debug mode a callback slower than slowCallbackDuration is reported with its handle, as CPython's 'Executing <Handle> took'", async (t) => {
  await t.step("slowCallbackDuration = 0 reports every callback", async () => {
    const loop = virtualLoop();
    try {
      loop.setDebug(true);
      loop.slowCallbackDuration = 0;
      const contexts: ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => contexts.push(context));
      const handle = loop.callSoon(function observed() {});
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      const report = contexts.find((context) => context.handle === handle);
      assert.ok(report !== undefined, "the callback was not reported");
      assert.match(report.message, /^Executing <Handle observed\(\)> took .* ms$/);
    } finally {
      loop.close();
    }
  });
  await t.step("a busy-waiting callback is reported, without debug mode nothing is", async () => {
    for (const debug of [true, false]) {
      const loop = virtualLoop();
      try {
        loop.setDebug(debug);
        loop.slowCallbackDuration = 2;
        const contexts: ExceptionContext[] = [];
        loop.setExceptionHandler((_loop, context) => contexts.push(context));
        const handle = loop.callSoon(function busy() {
          const start = performance.now();
          while (performance.now() - start < 10) {
            // Busy-wait past slowCallbackDuration.
          }
        });
        loop.callSoon(() => loop.stop());
        await loop.runForever();
        const reports = contexts.filter((context) => context.handle === handle);
        assert.equal(reports.length, debug ? 1 : 0);
      } finally {
        loop.close();
      }
    }
  });
});

Deno.test("In debug mode close() reports a future whose exception was never retrieved, as CPython's 'Future exception was never retrieved'", async () => {
  const loop = virtualLoop();
  loop.setDebug(true);
  const contexts: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => contexts.push(context));
  const forgotten = loop.createFuture();
  const boom = new Error("nobody looked");
  forgotten.setException(boom);
  const looked = loop.createFuture();
  looked.setException(new Error("retrieved"));
  looked.exception();
  const failedTask = loop.createTask(async () => {
    throw new Error("task failed");
  });
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  await hostTick();
  assert.equal(failedTask.done(), true);
  assert.equal(contexts.length, 0);
  loop.close();
  const futureReports = contexts.filter((context) => context.message === "Future exception was never retrieved");
  assert.equal(futureReports.length, 1);
  assert.equal(futureReports[0].future, forgotten);
  assert.equal(futureReports[0].exception, boom);
  const taskReports = contexts.filter((context) => context.message === "Task exception was never retrieved");
  assert.equal(taskReports.length, 1);
  assert.equal(taskReports[0].future, failedTask);
  assert.match(String((taskReports[0].exception as Error).message), /task failed/);
  assert.equal(contexts.length, 2);
});

Deno.test("In debug mode close() reports a task still pending, as CPython's 'Task was destroyed but it is pending!'", async () => {
  const loop = virtualLoop();
  loop.setDebug(true);
  const contexts: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => contexts.push(context));
  const never = loop.createFuture();
  const stuck: Task<unknown> = loop.createTask(async () => await never, { name: "stuck" });
  const finished = loop.createTask(async () => "ok");
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  await hostTick();
  assert.equal(finished.done(), true);
  assert.equal(stuck.done(), false);
  loop.close();
  assert.equal(contexts.length, 1);
  assert.equal(contexts[0].message, "Task was destroyed but it is pending!");
  assert.equal(contexts[0].task, stuck);
});
