// The asyncio queues, test by test against CPython 3.13's Lib/test/test_asyncio/test_queues.py and the behaviour
// of Lib/asyncio/queues.py, in both kinds of coroutine and on the virtual clock.
import assert from "node:assert/strict";
import type { EventLoop } from "../loop.ts";
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from "../queue.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { CancelledError } from "../errors.ts";
import { timeout } from "../timeouts.ts";
import { awaiting, type Kind, KINDS, otherKind, seededRandom, virtualLoop } from "./_helpers.ts";

/** Runs `loop` until every callback and timer scheduled so far has run (time jumps on the virtual clock). */
async function runFor(loop: EventLoop, ms = 0): Promise<void> {
  await loop.runUntilComplete(sleep(ms));
}

/** The outcome of a finished task, for assertions: its result, "cancelled", or the name of its error. */
function outcome(task: Task<unknown>): unknown {
  if (task.cancelled()) return "cancelled";
  const error = task.exception();
  return error === undefined ? task.result() : (error as Error).name;
}

// ---- Construction ------------------------------------------------------------------------------------------

Deno.test("new Queue() is unbounded by default and with maxsize 0, as CPython's Queue(maxsize=0)", () => {
  for (const queue of [new Queue<number>(), new Queue<number>({}), new Queue<number>({ maxsize: 0 })]) {
    assert.equal(queue.maxsize, 0);
    for (let i = 0; i < 1000; i++) queue.putNowait(i);
    assert.equal(queue.full(), false);
    assert.equal(queue.qsize(), 1000);
  }
});

Deno.test("new Queue() treats a maxsize of 0 or less as unbounded, as CPython, and refuses a fractional one with a RangeError naming it", () => {
  for (const bad of [1.5, NaN, Infinity]) {
    assert.throws(
      () => new Queue({ maxsize: bad }),
      (e) => e instanceof RangeError && e.message.includes(`received ${bad}`) && e.message.includes("Queue"),
    );
  }
  for (const make of [Queue, LifoQueue, PriorityQueue]) {
    const queue = new make<number>({ maxsize: -2 });
    assert.equal(queue.maxsize, -2);
    for (let i = 0; i < 100; i++) queue.putNowait(i);
    assert.equal(queue.full(), false);
    assert.equal(queue.qsize(), 100);
  }
  assert.throws(
    () => new PriorityQueue({ maxsize: 0.5 }),
    (e) => e instanceof RangeError && /PriorityQueue.*0\.5/.test(e.message),
  );
});

Deno.test("new Queue() refuses a maxsize that is not a number, or options that are not an object, with a TypeError", () => {
  assert.throws(
    () => new Queue({ maxsize: "3" as unknown as number }),
    (e) => e instanceof TypeError && /"3"|3/.test(e.message),
  );
  assert.throws(() => new Queue(null as unknown as undefined), TypeError);
  assert.throws(() => new Queue(5 as unknown as undefined), (e) => e instanceof TypeError && e.message.includes("5"));
});

Deno.test("new PriorityQueue() refuses a compare that is not a function with a TypeError", () => {
  assert.throws(
    () => new PriorityQueue({ compare: 5 as unknown as () => number }),
    (e) => e instanceof TypeError && e.message.includes("compare") && e.message.includes("5"),
  );
});

Deno.test("Queue.toString() shows maxsize, size, waiters, unfinished tasks and shutdown, as CPython's Queue._format", async () => {
  const loop = virtualLoop();
  const queue = new Queue<number>({ maxsize: 1 });
  assert.equal(String(queue), "<Queue maxsize=1>");
  const getter = loop.createTask(awaiting("async function", () => queue.get()));
  await runFor(loop);
  assert.equal(String(queue), "<Queue maxsize=1 getters=1>");
  queue.putNowait(1);
  await runFor(loop);
  queue.putNowait(2);
  const putter = loop.createTask(awaiting("generator", () => queue.put(3)));
  await runFor(loop);
  assert.equal(String(queue), "<Queue maxsize=1 qsize=1 putters=1 tasks=2>");
  assert.equal(getter.result(), 1);
  queue.shutdown();
  await runFor(loop);
  assert.equal(outcome(putter), "QueueShutDown");
  assert.equal(String(new LifoQueue()), "<LifoQueue maxsize=0>");
  assert.equal(String(queue), "<Queue maxsize=1 qsize=1 tasks=2 shutdown>");
  loop.close();
});

// ---- Nowait operations -------------------------------------------------------------------------------------

Deno.test("putNowait()/getNowait() are first-in first-out, and qsize/empty/full track them, as CPython's test_nonblocking_put/get", () => {
  const queue = new Queue<string>({ maxsize: 2 });
  assert.equal(queue.empty(), true);
  queue.putNowait("a");
  assert.deepEqual([queue.qsize(), queue.empty(), queue.full()], [1, false, false]);
  queue.putNowait("b");
  assert.deepEqual([queue.qsize(), queue.full()], [2, true]);
  assert.throws(() => queue.putNowait("c"), (e) => e instanceof QueueFull && e.name === "QueueFull");
  assert.equal(queue.getNowait(), "a");
  assert.equal(queue.getNowait(), "b");
  assert.throws(() => queue.getNowait(), (e) => e instanceof QueueEmpty && e.name === "QueueEmpty");
  assert.equal(queue.qsize(), 0);
});

Deno.test("a Queue keeps FIFO order across many puts and gets (the ring of items compacts without losing order)", () => {
  const queue = new Queue<number>();
  const out: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 300; i++) queue.putNowait(next++);
    for (let i = 0; i < 250; i++) out.push(queue.getNowait());
  }
  while (!queue.empty()) out.push(queue.getNowait());
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
});

Deno.test("LifoQueue gives the last item put first, as CPython's LifoQueue test_order", () => {
  const queue = new LifoQueue<number>();
  for (const n of [1, 3, 2]) queue.putNowait(n);
  assert.deepEqual([queue.getNowait(), queue.getNowait(), queue.getNowait()], [2, 3, 1]);
});

Deno.test("PriorityQueue gives the smallest item first by the < order, as CPython's PriorityQueue test_order", () => {
  const queue = new PriorityQueue<number>();
  for (const n of [1, 3, 2]) queue.putNowait(n);
  assert.deepEqual([queue.getNowait(), queue.getNowait(), queue.getNowait()], [1, 2, 3]);
  const words = new PriorityQueue<string>();
  for (const w of ["pear", "apple", "fig"]) words.putNowait(w);
  assert.deepEqual([words.getNowait(), words.getNowait(), words.getNowait()], ["apple", "fig", "pear"]);
});

Deno.test("PriorityQueue with compare orders by it and gives equal priorities first-in first-out", () => {
  const queue = new PriorityQueue<{ priority: number; name: string }>({ compare: (a, b) => a.priority - b.priority });
  const names = ["a", "b", "c", "d", "e", "f"];
  names.forEach((name, i) => queue.putNowait({ priority: i % 2, name }));
  const out: string[] = [];
  while (!queue.empty()) out.push(queue.getNowait().name);
  assert.deepEqual(out, ["a", "c", "e", "b", "d", "f"]);
});

Deno.test("PriorityQueue agrees with a sorted reference over random puts and gets (heap order, ties by arrival)", () => {
  const next = seededRandom(7);
  const queue = new PriorityQueue<[number, number]>({ compare: (a, b) => a[0] - b[0] });
  const reference: [number, number][] = [];
  let serial = 0;
  for (let step = 0; step < 5000; step++) {
    if (reference.length === 0 || next() < 0.55) {
      const item: [number, number] = [Math.floor(next() * 20), serial++];
      queue.putNowait(item);
      reference.push(item);
    } else {
      reference.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(queue.getNowait(), reference.shift());
    }
    assert.equal(queue.qsize(), reference.length);
  }
});

// ---- Waiting get() and put() --------------------------------------------------------------------------------

for (const kind of KINDS) {
  Deno.test(`get() waits while the queue is empty and returns the item put later, as CPython's test_blocking_get_wait (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    loop.callLater(10, () => queue.putNowait("late"));
    const task = loop.createTask(awaiting(kind, () => queue.get()));
    assert.equal(await loop.runUntilComplete(task), "late");
    assert.equal(loop.time(), 10);
    assert.equal(queue.empty(), true);
    loop.close();
  });

  Deno.test(`put() waits while the queue is full until a get() makes room, as CPython's test_blocking_put_wait (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>({ maxsize: 1 });
    queue.putNowait(1);
    loop.callLater(25, () => assert.equal(queue.getNowait(), 1));
    const task = loop.createTask(awaiting(kind, () => queue.put(2)));
    await loop.runUntilComplete(task);
    assert.equal(loop.time(), 25);
    assert.equal(queue.getNowait(), 2);
    loop.close();
  });

  Deno.test(`put() and get() that need no wait do not yield to the loop, as CPython's await on a ready queue (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>({ maxsize: 2 });
    let otherRan = false;
    const task = loop.createTask(
      kind === "generator"
        ? (function* () {
          loop.callSoon(() => otherRan = true);
          yield* queue.put(1);
          yield* queue.put(2);
          const sum = (yield* queue.get()) + (yield* queue.get());
          return [sum, otherRan];
        })()
        : async () => {
          loop.callSoon(() => otherRan = true);
          await queue.put(1);
          await queue.put(2);
          const sum = (await queue.get()) + (await queue.get());
          return [sum, otherRan];
        },
    );
    assert.deepEqual(await loop.runUntilComplete(task), [3, false]);
    loop.close();
  });

  Deno.test(`blocked getters are served first-come first-served, as CPython's FIFO _getters (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    const getters = [0, 1, 2, 3].map(() => loop.createTask(awaiting(kind, () => queue.get())));
    await runFor(loop);
    for (const n of [10, 11, 12, 13]) queue.putNowait(n);
    await runFor(loop);
    assert.deepEqual(getters.map(outcome), [10, 11, 12, 13]);
    loop.close();
  });

  Deno.test(`getters of both kinds are served in the order they began to wait, one put per iteration (${kind} first)`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    const getters: Task<number>[] = [];
    for (const which of [kind, otherKind(kind), kind] as Kind[]) {
      getters.push(loop.createTask(awaiting(which, () => queue.get())));
      await runFor(loop);
    }
    for (const n of [10, 11, 12]) {
      queue.putNowait(n);
      await runFor(loop);
    }
    assert.deepEqual(getters.map(outcome), [10, 11, 12]);
    loop.close();
  });

  Deno.test(`blocked putters are served first-come first-served, as CPython's FIFO _putters (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>({ maxsize: 1 });
    queue.putNowait("first");
    const putters = [loop.createTask(awaiting(kind, () => queue.put("a")))];
    putters.push(loop.createTask(awaiting(kind, () => queue.put("b"))));
    await runFor(loop);
    putters.push(loop.createTask(awaiting(otherKind(kind), () => queue.put("c"))));
    await runFor(loop);
    const out: string[] = [];
    for (let i = 0; i < 4; i++) {
      out.push(queue.getNowait());
      await runFor(loop);
    }
    assert.deepEqual(out, ["first", "a", "b", "c"]);
    assert.ok(putters.every((task) => task.done() && !task.cancelled()));
    loop.close();
  });

  Deno.test(`putNowait() wakes a waiting getter and getNowait() a waiting putter, as CPython's test_put_with_waiting_getters / test_get_with_waiting_putters (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>({ maxsize: 1 });
    const getter = loop.createTask(awaiting(kind, () => queue.get()));
    await runFor(loop);
    queue.putNowait("x");
    await runFor(loop);
    assert.equal(getter.result(), "x");
    queue.putNowait("y");
    const putter = loop.createTask(awaiting(kind, () => queue.put("z")));
    await runFor(loop);
    assert.equal(putter.done(), false);
    assert.equal(queue.getNowait(), "y");
    await runFor(loop);
    assert.equal(putter.done(), true);
    assert.equal(queue.getNowait(), "z");
    loop.close();
  });

  Deno.test(`a getter woken by a put whose item another task took first waits again, as CPython's loop in Queue.get (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    const getter = loop.createTask(awaiting(kind, () => queue.get()));
    await runFor(loop);
    queue.putNowait(1);
    assert.equal(queue.getNowait(), 1);
    await runFor(loop);
    assert.equal(getter.done(), false);
    assert.match(String(queue), /getters=1/);
    queue.putNowait(2);
    await runFor(loop);
    assert.equal(getter.result(), 2);
    loop.close();
  });

  Deno.test(`PriorityQueue.get() waits while empty and takes the smallest item when it runs; LifoQueue.put() waits while full (${kind})`, async () => {
    const loop = virtualLoop();
    const priority = new PriorityQueue<number>();
    const getter = loop.createTask(awaiting(kind, () => priority.get()));
    const lifo = new LifoQueue<number>({ maxsize: 1 });
    lifo.putNowait(1);
    const putter = loop.createTask(awaiting(kind, () => lifo.put(2)));
    await runFor(loop);
    assert.equal(getter.done() || putter.done(), false);
    priority.putNowait(5);
    priority.putNowait(3);
    assert.equal(lifo.getNowait(), 1);
    await runFor(loop);
    assert.equal(getter.result(), 3);
    assert.equal(priority.getNowait(), 5);
    assert.equal(lifo.getNowait(), 2);
    loop.close();
  });
}

Deno.test("put()/get() act only when awaited, as a CPython coroutine that was never awaited never runs; each awaitable is awaited once", async () => {
  const loop = virtualLoop();
  const queue = new Queue<number>({ maxsize: 1 });
  queue.putNowait(1);
  const got = queue.get(); // not awaited yet: nothing taken
  assert.equal(queue.qsize(), 1);
  const putLater = queue.put(2); // nothing put either
  assert.equal(queue.qsize(), 1);
  queue.get(); // never awaited: takes nothing, ever
  queue.put(9);
  assert.deepEqual(
    await loop.runUntilComplete(async () => [await got, await putLater]),
    [1, undefined],
  );
  assert.equal(queue.getNowait(), 2);
  await assert.rejects(loop.runUntilComplete(async () => await putLater), TypeError);
  const viaYield = queue.get();
  queue.putNowait(4);
  assert.equal(
    await loop.runUntilComplete(function* () {
      return yield* viaYield;
    }()),
    4,
  );
  await assert.rejects(loop.runUntilComplete(async () => await viaYield), TypeError);
  assert.equal(queue.qsize(), 0);
  loop.close();
});

Deno.test("in generator code, put() and get() return yield*-able awaitables even when no wait is needed", async () => {
  const loop = virtualLoop();
  const queue = new Queue<number>();
  const inTask = await loop.runUntilComplete(function* () {
    yield* queue.put(5);
    return yield* queue.get();
  }());
  // A generator body run from an async function (here by timeout()) is generator code too.
  queue.putNowait(6);
  const inBody = await loop.runUntilComplete(async () =>
    await timeout(1000, function* () {
      yield* queue.put(7);
      return [yield* queue.get(), yield* queue.get()];
    })
  );
  assert.deepEqual([inTask, inBody], [5, [6, 7]]);
  loop.close();
});

Deno.test("yield* queue.get() returns a queued Future as it is, without awaiting it", async () => {
  const loop = virtualLoop();
  const queue = new Queue<unknown>();
  const future = loop.createFuture<number>();
  queue.putNowait(future);
  const got = await loop.runUntilComplete(function* () {
    return [yield* queue.get()];
  }());
  assert.equal((got as unknown[])[0], future);
  future.cancel();
  loop.close();
});

// ---- Cancellation --------------------------------------------------------------------------------------------

for (const kind of KINDS) {
  const other: Kind = otherKind(kind);

  Deno.test(`a cancelled getter leaves the line and the next put goes to the next getter, as CPython's test_get_cancelled_race (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    const first = loop.createTask(awaiting(kind, () => queue.get()));
    await runFor(loop); // the first begins to wait first, whatever the kinds
    const second = loop.createTask(awaiting(other, () => queue.get()));
    await runFor(loop);
    first.cancel();
    await runFor(loop);
    assert.equal(first.cancelled(), true);
    assert.match(String(queue), /getters=1/);
    queue.putNowait("a");
    await runFor(loop);
    assert.equal(second.result(), "a");
    assert.equal(String(queue), "<Queue maxsize=0 tasks=1>");
    loop.close();
  });

  Deno.test(`a getter woken by a put and cancelled before it runs loses no item: the next getter gets it, as CPython's _wakeup_next in Queue.get (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    const woken = loop.createTask(awaiting(kind, () => queue.get()));
    await runFor(loop); // the first begins to wait first, whatever the kinds
    const next = loop.createTask(awaiting(other, () => queue.get()));
    await runFor(loop);
    loop.callSoon(() => {
      queue.putNowait("x"); // wakes `woken`…
      woken.cancel(); // …which is cancelled before it can take the item
    });
    await runFor(loop);
    assert.equal(woken.cancelled(), true);
    assert.equal(next.result(), "x");
    assert.equal(queue.qsize(), 0);
    loop.close();
  });

  Deno.test(`a woken getter cancelled with no other getter leaves the item in the queue (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    const woken = loop.createTask(awaiting(kind, () => queue.get()));
    await runFor(loop);
    queue.putNowait("kept");
    woken.cancel();
    await runFor(loop);
    assert.equal(woken.cancelled(), true);
    assert.equal(queue.getNowait(), "kept");
    loop.close();
  });

  Deno.test(`a putter woken by a get and cancelled before it runs hands the room to the next putter, as CPython's _wakeup_next in Queue.put (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>({ maxsize: 1 });
    queue.putNowait("0");
    const woken = loop.createTask(awaiting(kind, () => queue.put("A")));
    await runFor(loop); // the first begins to wait first, whatever the kinds
    const next = loop.createTask(awaiting(other, () => queue.put("B")));
    await runFor(loop);
    assert.equal(queue.getNowait(), "0"); // wakes `woken`…
    woken.cancel(); // …which is cancelled before it can use the room
    await runFor(loop);
    assert.equal(woken.cancelled(), true);
    assert.equal(next.done() && !next.cancelled(), true);
    assert.equal(queue.getNowait(), "B");
    assert.equal(queue.empty(), true);
    loop.close();
  });

  Deno.test(`a cancelled putter does not block the others and never puts its item, as CPython's test_cancelled_puts_not_being_held_in_self_putters (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>({ maxsize: 1 });
    queue.putNowait("0");
    const cancelled = loop.createTask(awaiting(kind, () => queue.put("A")));
    await runFor(loop); // the first begins to wait first, whatever the kinds
    const waiting = loop.createTask(awaiting(other, () => queue.put("B")));
    await runFor(loop);
    cancelled.cancel();
    await runFor(loop);
    assert.match(String(queue), /putters=1/);
    assert.equal(queue.getNowait(), "0");
    await runFor(loop);
    assert.equal(waiting.done(), true);
    assert.equal(queue.getNowait(), "B");
    assert.equal(cancelled.cancelled(), true);
    assert.equal(queue.empty(), true);
    loop.close();
  });
}

for (const kind of KINDS) {
  Deno.test(`a task cancelled in the iteration its put() or get() completed at once still returns the result, as CPython's step (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    queue.putNowait("there");
    // Each step and its cancel run in the same iteration. The operations need no wait, so CPython runs them and the
    // return as one step and the cancel comes too late. An async function returns a microtask after its step, yet
    // the item it got must not vanish: it returns it too.
    const getter = loop.createTask(awaiting(kind, () => queue.get()));
    loop.callSoon(() => getter.cancel());
    const putter = loop.createTask(awaiting(kind, () => queue.put("new")));
    loop.callSoon(() => putter.cancel());
    await runFor(loop);
    const remaining: string[] = [];
    while (!queue.empty()) remaining.push(queue.getNowait());
    assert.deepEqual([outcome(getter), outcome(putter), remaining], ["there", undefined, ["new"]]);
    loop.close();
  });
}

for (const maxsize of [0, 2]) {
  Deno.test(`no item is lost or duplicated with many producers and consumers cancelled at random, maxsize ${maxsize} (both kinds)`, async () => {
    for (const seed of [1, 2, 3]) {
      const next = seededRandom(seed);
      const loop = virtualLoop();
      const queue = new Queue<number>({ maxsize });
      const put: number[] = [];
      const got: number[] = [];
      const tasks: Task<unknown>[] = [];
      let cancels = 0;
      for (let i = 0; i < 600; i++) {
        const kind = KINDS[i % 2];
        const isPut = next() < 0.5;
        const start = Math.floor(next() * 200);
        const cancelAfter = next() < 0.35 ? Math.floor(next() * 4) : -1;
        loop.callLater(start, () => {
          const task: Task<unknown> = loop.createTask<unknown>(
            isPut ? awaiting<unknown>(kind, () => queue.put(i)) : awaiting<unknown>(kind, () => queue.get()),
          );
          task.addDoneCallback((t) => {
            if (t.cancelled()) return;
            if (t.exception() !== undefined) return;
            if (isPut) put.push(i);
            else got.push(t.result() as number);
          });
          tasks.push(task);
          // 0: cancelled before its first step; else after 1-3 ms (waiting, or done already).
          if (cancelAfter === 0) {
            if (task.cancel()) cancels++;
          } else if (cancelAfter > 0) {
            loop.callLater(cancelAfter, () => {
              if (task.cancel()) cancels++;
            });
          }
        });
      }
      await runFor(loop, 300);
      // Liveness: no getter waits while there are items, no putter while there is room.
      assert.ok(queue.empty() || !/getters/.test(String(queue)), `seed ${seed}: ${queue}`);
      assert.ok(queue.full() || !/putters/.test(String(queue)), `seed ${seed}: ${queue}`);
      queue.shutdown();
      await runFor(loop);
      const remaining: number[] = [];
      while (!queue.empty()) remaining.push(queue.getNowait());
      assert.ok(cancels > 20, `seed ${seed}: only ${cancels} cancels`);
      assert.ok(tasks.every((task) => task.done()));
      for (const task of tasks) {
        if (task.cancelled()) continue;
        const error = task.exception();
        assert.ok(error === undefined || error instanceof QueueShutDown, `seed ${seed}: ${error}`);
      }
      assert.equal(new Set(got).size, got.length, `seed ${seed}: an item was got twice`);
      assert.deepEqual(
        [...got, ...remaining].sort((a, b) => a - b),
        [...put].sort((a, b) => a - b),
        `seed ${seed}: items got + left != items put`,
      );
      assert.ok(got.length > 100);
      assert.doesNotMatch(String(queue), /getters|putters/);
      loop.close();
    }
  });
}

// ---- taskDone() and join() -----------------------------------------------------------------------------------

Deno.test("taskDone() called more times than items were put throws RangeError, as CPython's test_task_done_underflow (ValueError)", () => {
  const queue = new Queue<number>();
  assert.throws(() => queue.taskDone(), { name: "RangeError", message: "taskDone() called too many times" });
  queue.putNowait(1);
  queue.taskDone(); // allowed before the item is got, as in CPython
  assert.throws(() => queue.taskDone(), RangeError);
});

for (const kind of KINDS) {
  Deno.test(`join() waits until taskDone() was called for every item put, as CPython's test_task_done (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    for (let i = 0; i < 4; i++) queue.putNowait(i);
    const processed: number[] = [];
    for (let worker = 0; worker < 2; worker++) {
      loop.createTask(async () => {
        for (;;) {
          const item = await queue.get();
          await sleep(10);
          processed.push(item);
          queue.taskDone();
        }
      });
    }
    await loop.runUntilComplete(awaiting(kind, () => queue.join()));
    assert.equal(loop.time(), 20);
    assert.deepEqual(processed.sort(), [0, 1, 2, 3]);
    queue.shutdown();
    await runFor(loop);
    loop.close();
  });

  Deno.test(`join() returns at once when nothing is unfinished, as CPython's test_join_empty_queue (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    let otherRan = false;
    loop.callSoon(() => otherRan = true);
    await loop.runUntilComplete(awaiting(kind, () => queue.join()));
    queue.putNowait(1);
    queue.getNowait();
    queue.taskDone();
    await loop.runUntilComplete(awaiting(kind, () => queue.join()));
    assert.equal(otherRan, true);
    assert.equal(loop.time(), 0);
    loop.close();
  });

  Deno.test(`a cancelled join() leaves the other joiners waiting, and they finish at the last taskDone() (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    queue.putNowait(1);
    const cancelled = loop.createTask(awaiting(kind, () => queue.join()));
    const joiners = [
      loop.createTask(awaiting(kind, () => queue.join())),
      loop.createTask(awaiting("async function", () => queue.join())),
    ];
    await runFor(loop);
    cancelled.cancel();
    await runFor(loop);
    assert.equal(cancelled.cancelled(), true);
    assert.ok(joiners.every((task) => !task.done()));
    queue.getNowait();
    queue.taskDone();
    await runFor(loop);
    assert.ok(joiners.every((task) => task.done() && !task.cancelled()));
    loop.close();
  });
}

// ---- shutdown() (CPython 3.13) ------------------------------------------------------------------------------------

for (const kind of KINDS) {
  Deno.test(`shutdown() wakes the getters blocked on an empty queue with QueueShutDown, as CPython 3.13's test_shutdown_empty (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    const getters = [
      loop.createTask(awaiting(kind, () => queue.get())),
      loop.createTask(awaiting(kind, () => queue.get())),
    ];
    loop.callLater(10, () => queue.shutdown());
    await runFor(loop, 20);
    assert.deepEqual(getters.map(outcome), ["QueueShutDown", "QueueShutDown"]);
    await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.get())), QueueShutDown);
    assert.throws(() => queue.getNowait(), QueueShutDown);
    loop.close();
  });

  Deno.test(`shutdown() wakes the blocked putters with QueueShutDown and later puts raise it, as CPython 3.13's Queue.put (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>({ maxsize: 1 });
    queue.putNowait(0);
    const putter = loop.createTask(awaiting(kind, () => queue.put(1)));
    await runFor(loop);
    queue.shutdown();
    await runFor(loop);
    assert.equal(outcome(putter), "QueueShutDown");
    await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.put(2))), QueueShutDown);
    assert.throws(() => queue.putNowait(3), QueueShutDown);
    assert.equal(queue.getNowait(), 0);
    await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.put(4))), QueueShutDown);
    loop.close();
  });

  Deno.test(`after shutdown() get() returns the remaining items, then raises QueueShutDown, as CPython 3.13's test_shutdown_nonempty (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<string>();
    queue.putNowait("a");
    queue.putNowait("b");
    queue.shutdown();
    assert.equal(await loop.runUntilComplete(awaiting(kind, () => queue.get())), "a");
    assert.equal(queue.getNowait(), "b");
    await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.get())), QueueShutDown);
    assert.throws(() => queue.getNowait(), QueueShutDown);
    loop.close();
  });

  Deno.test(`shutdown(true) drops the items, counts them done and releases join(), as CPython 3.13's test_shutdown_immediate (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    for (const n of [1, 2, 3]) queue.putNowait(n);
    const joiner = loop.createTask(awaiting(kind, () => queue.join()));
    await runFor(loop);
    assert.equal(joiner.done(), false);
    queue.shutdown(true);
    assert.equal(queue.qsize(), 0);
    await runFor(loop);
    assert.equal(joiner.done() && !joiner.cancelled() && joiner.exception() === undefined, true);
    await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.get())), QueueShutDown);
    assert.throws(() => queue.taskDone(), RangeError);
    loop.close();
  });

  Deno.test(`shutdown(true) keeps items got but not marked done unfinished, as CPython 3.13's test_shutdown_immediate_with_unfinished (${kind})`, async () => {
    const loop = virtualLoop();
    const queue = new Queue<number>();
    queue.putNowait(1);
    queue.putNowait(2);
    assert.equal(queue.getNowait(), 1);
    queue.shutdown(true);
    const joiner = loop.createTask(awaiting(kind, () => queue.join()));
    await runFor(loop);
    assert.equal(joiner.done(), false);
    queue.taskDone();
    await runFor(loop);
    assert.equal(joiner.done(), true);
    assert.throws(() => queue.taskDone(), RangeError);
    loop.close();
  });
}

Deno.test("shutdown() refuses an immediate that is not a boolean with a TypeError", () => {
  assert.throws(
    () => new Queue().shutdown("yes" as unknown as boolean),
    (e) => e instanceof TypeError && e.message.includes("yes"),
  );
});

// ---- Async iteration -----------------------------------------------------------------------------------------------

Deno.test("for await over a queue yields the items in order and ends without error at shutdown once empty", async () => {
  const loop = virtualLoop();
  const queue = new Queue<number>({ maxsize: 1 });
  const seen: [number, number][] = [];
  const consumer = loop.createTask(async () => {
    for await (const item of queue) {
      seen.push([item, loop.time()]);
      queue.taskDone();
    }
    return "ended";
  });
  await loop.runUntilComplete(function* () {
    for (const n of [1, 2, 3]) {
      yield* sleep(10);
      yield* queue.put(n);
    }
    yield* queue.join();
    yield* sleep(10);
    queue.shutdown();
  }());
  assert.equal(await loop.runUntilComplete(consumer), "ended");
  assert.deepEqual(seen, [[1, 10], [2, 20], [3, 30]]);
  loop.close();
});

Deno.test("a task blocked in for await over a queue can be cancelled, and the next item stays in the queue", async () => {
  const loop = virtualLoop();
  const queue = new Queue<number>();
  const seen: number[] = [];
  const consumer = loop.createTask(async () => {
    for await (const item of queue) seen.push(item);
  });
  queue.putNowait(1);
  loop.callLater(5, () => consumer.cancel());
  loop.callLater(6, () => queue.putNowait(2));
  await runFor(loop, 10);
  assert.equal(consumer.cancelled(), true);
  assert.deepEqual(seen, [1]);
  assert.equal(queue.getNowait(), 2);
  loop.close();
});

Deno.test("for await over a shut-down queue still yields the items put before the shutdown", async () => {
  const loop = virtualLoop();
  const queue = new PriorityQueue<number>();
  for (const n of [3, 1, 2]) queue.putNowait(n);
  queue.shutdown();
  const seen = await loop.runUntilComplete(async () => {
    const items: number[] = [];
    for await (const item of queue) items.push(item);
    return items;
  });
  assert.deepEqual(seen, [1, 2, 3]);
  loop.close();
});

Deno.test("a cancel arriving after an async function's get() completed at once is raised at its next suspension, as CPython", async () => {
  const loop = virtualLoop();
  const queue = new Queue<string>();
  queue.putNowait("item");
  const got: string[] = [];
  const task = loop.createTask(async () => {
    got.push(await queue.get());
    await sleep(10);
    return "finished";
  });
  loop.callSoon(() => task.cancel());
  await assert.rejects(loop.runUntilComplete(task), CancelledError);
  assert.deepEqual([got, loop.time()], [["item"], 0]);
  loop.close();
});

Deno.test("a Queue keeps FIFO order across growth and wrap-around of its buffer, as collections.deque", () => {
  const queue = new Queue<number>();
  const model: number[] = [];
  const next = seededRandom(7);
  let counter = 0;
  for (let round = 0; round < 5000; round++) {
    // Bursts of puts and gets of varying length, so the head moves round the buffer while it grows.
    const puts = Math.floor(next() * 40);
    for (let i = 0; i < puts; i++) {
      queue.putNowait(counter);
      model.push(counter++);
    }
    const gets = Math.min(Math.floor(next() * 40), model.length);
    for (let i = 0; i < gets; i++) assert.equal(queue.getNowait(), model.shift());
    assert.equal(queue.qsize(), model.length);
  }
  while (model.length > 0) assert.equal(queue.getNowait(), model.shift());
  assert.equal(queue.empty(), true);
});

Deno.test("an async helper called from a generator step can await put() and get() that completed at once", async () => {
  const loop = virtualLoop();
  const queue = new Queue<string>();
  queue.putNowait("ready");
  // The helper's code up to its first await runs inside the generator's step: there get() returns a `Ready`,
  // which `await` must accept as well as `yield*` does.
  const helper = async (): Promise<string[]> => {
    const got = await queue.get();
    await queue.put("back");
    return [got, await queue.get()];
  };
  const result = await loop.runUntilComplete(function* () {
    const promise = helper();
    yield* sleep(0);
    return promise;
  }());
  assert.deepEqual(await result, ["ready", "back"]);
  loop.close();
});
