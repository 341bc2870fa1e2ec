// Issue 9, point 1: awaitables act when awaited. A Queue get()/put() — and the awaitable forms of Lock, Semaphore,
// Condition, Event and Barrier — takes or adds nothing until the awaiting task actually goes on with the result.
// A get or put that is cancelled or times out, by whatever path, leaves the queue (the lock, the count) exactly as
// it was, as in CPython 3.12, where `q.get()` is a coroutine object that does nothing until a task steps it.
//
// The reference is CPython 3.12's Lib/asyncio (queues.py, locks.py, tasks.py wait_for, timeouts.py), run with
// python3 3.11 where 3.12's wait_for (`if timeout <= 0: ensure_future + _cancel_and_wait`, else
// `async with timeout(t): return await fut`) is pasted as `wait_for312`; the snippets are in the comments.
// Everything runs on the virtual clock, for both coroutine kinds.

import assert from "node:assert/strict";
import { Barrier } from "../barrier.ts";
import { Condition } from "../condition.ts";
import { TimeoutError } from "../errors.ts";
import { Event } from "../event.ts";
import type { Awaitable, Future } from "../future.ts";
import { gather } from "../gather.ts";
import { Lock } from "../lock.ts";
import type { EventLoop } from "../loop.ts";
import { LifoQueue, PriorityQueue, Queue } from "../queue.ts";
import { Semaphore } from "../semaphore.ts";
import { shield } from "../shield.ts";
import { sleep } from "../sleep.ts";
import { type Coroutine, ensureFuture, type Task } from "../task.ts";
import { taskGroup } from "../task_group.ts";
import { timeout } from "../timeouts.ts";
import { waitFor } from "../wait_for.ts";
import { awaiting, coroutine, type Kind, KINDS, nameOf, seededRandom, virtualLoop } from "./_helpers.ts";

/** A `timeout()` / `taskGroup()` body of `kind` that awaits what `operation` returns. */
function body<T>(kind: Kind, operation: () => Awaitable<T>): () => Generator<unknown, T, unknown> | Promise<T> {
  return kind === "generator"
    ? function* () {
      return yield* operation();
    }
    : async () => await operation();
}

/** What running `coro` to its end gave: its result, or the name of the error it ended with. */
async function outcome(loop: EventLoop, coro: Coroutine<unknown> | Task<unknown>): Promise<unknown> {
  try {
    return await loop.runUntilComplete(coro);
  } catch (error) {
    return nameOf(error);
  }
}

/** Awaits `awaitable` in a generator coroutine: its result, or the name of what it threw. */
function* attemptGenerator<T>(awaitable: Awaitable<T>): Generator<unknown, unknown, unknown> {
  try {
    return yield* awaitable;
  } catch (error) {
    return nameOf(error);
  }
}

/** Awaits `awaitable` in an async function: its result, or the name of what it threw. */
async function attemptAsync<T>(awaitable: Awaitable<T>): Promise<unknown> {
  try {
    return await awaitable;
  } catch (error) {
    return nameOf(error);
  }
}

/** Takes every item out of `queue` (without waiting), in its order. */
function drain<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

const QUEUES = [
  { name: "Queue", make: (maxsize: number) => new Queue<number>({ maxsize }) },
  { name: "PriorityQueue", make: (maxsize: number) => new PriorityQueue<number>({ maxsize }) },
  { name: "LifoQueue", make: (maxsize: number) => new LifoQueue<number>({ maxsize }) },
];

/** Every combination of queue class, bound (0: unbounded, 2: bounded) and coroutine kind, as steps of `t`. */
async function eachQueue(
  t: Deno.TestContext,
  maxsizes: number[],
  fn: (make: () => Queue<number>, maxsize: number, kind: Kind) => Promise<void>,
): Promise<void> {
  for (const { name, make } of QUEUES) {
    for (const maxsize of maxsizes) {
      for (const kind of KINDS) {
        await t.step(`${name}, maxsize ${maxsize}, ${kind}`, () => fn(() => make(maxsize), maxsize, kind));
      }
    }
  }
}

// ---- get() ----------------------------------------------------------------------------------------------------
//
//   q = Q(maxsize); q.put_nowait(1)
//   await outcome(wait_for312(q.get(), 0)), q.qsize()        # ('TimeoutError', 1) for Queue/Priority/Lifo, 0 and 2
//   async with asyncio.timeout(0): return await q.get()      # 1: no suspension, so the deadline never fires
//   async with asyncio.timeout(0): return await q.get()      # empty: TimeoutError; a later put_nowait(7) stays
//   when = loop.time() + 0.01; loop.call_at(when, q.put_nowait, 8)
//   async with asyncio.timeout_at(when): return await q.get()   # TimeoutError, q holds [8]
//   t = asyncio.create_task(q.get()); t.cancel()              # CancelledError, item stays
//   f = asyncio.ensure_future(q.get()); f.cancel()            # CancelledError, item stays
//   g = asyncio.gather(q.get()); g.cancel()                   # CancelledError, item stays
//   async with asyncio.TaskGroup() as tg: tg.create_task(q.get()); raise ValueError   # ExceptionGroup, item stays
//   c = q.get(); q.qsize()                                     # 1: a coroutine object takes nothing

Deno.test("waitFor(q.get(), 0) on a non-empty queue throws TimeoutError and the item stays, as CPython 3.12's wait_for cancels the get before it runs", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(queue.get(), 0))), "TimeoutError");
    assert.deepEqual(drain(queue), [1]);
    loop.close();
  });
});

Deno.test("waitFor(q.get(), 10) takes an item that is there at once, and on an empty queue times out leaving the item put at the deadline, as CPython 3.12's timeout()", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(queue.get(), 10))), 1);
    assert.equal(loop.time(), 0);
    // The put is due at the deadline and scheduled first: it wakes the getter, the deadline then cancels it
    // before it runs — the item must stay (whichever of the two runs first, CPython leaves it).
    loop.callLater(10, () => queue.putNowait(8));
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(queue.get(), 10))), "TimeoutError");
    assert.equal(loop.time(), 10);
    assert.deepEqual(drain(queue), [8]);
    assert.doesNotMatch(String(queue), /getters/);
    loop.close();
  });
});

Deno.test("a get() in a timeout(0) scope returns an item that is there without suspending, and on an empty queue times out taking nothing, as CPython 3.12's timeout(0)", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    assert.equal(await outcome(loop, awaiting(kind, () => timeout(0, body(kind, () => queue.get())))), 1);
    assert.equal(await outcome(loop, awaiting(kind, () => timeout(0, body(kind, () => queue.get())))), "TimeoutError");
    queue.putNowait(7);
    assert.deepEqual(drain(queue), [7]);
    loop.close();
  });
});

Deno.test("a get() in a timeout(10) scope that expires as an item arrives leaves the item, as CPython 3.12's timeout_at", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    loop.callLater(10, () => queue.putNowait(8));
    assert.equal(
      await outcome(loop, awaiting(kind, () => timeout(10, body(kind, () => queue.get())))),
      "TimeoutError",
    );
    assert.deepEqual(drain(queue), [8]);
    loop.close();
  });
});

Deno.test("a task cancelled before its first step never runs its get(), and the item stays, as CPython's _must_cancel at the first __step", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    const task = loop.createTask(awaiting(kind, () => queue.get()));
    assert.equal(task.cancel(), true);
    assert.equal(await outcome(loop, task), "CancelledError");
    assert.deepEqual(drain(queue), [1]);
    loop.close();
  });
});

Deno.test("ensureFuture(q.get()) cancelled at once takes nothing, as CPython's ensure_future wraps the coroutine in a task that never runs", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    const result = await outcome(
      loop,
      awaiting(kind, () => {
        const future = ensureFuture(queue.get());
        future.cancel();
        return future;
      }),
    );
    assert.equal(result, "CancelledError");
    assert.deepEqual(drain(queue), [1]);
    loop.close();
  });
});

Deno.test("gather(q.get()) cancelled at once, or cancelled as an item arrives, takes nothing, as CPython's gather cancels its child task", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    const result = await outcome(
      loop,
      awaiting(kind, () => {
        const gathering = gather(queue.get());
        gathering.cancel();
        return gathering;
      }),
    );
    assert.equal(result, "CancelledError");
    assert.deepEqual(drain(queue), [1]);
    // Waiting on the empty queue: the put wakes the child, the cancel in the same callback comes before its step.
    let gathering: Future<number[]> | null = null;
    const waiter = loop.createTask(awaiting(kind, () => gathering = gather([queue.get()])));
    loop.callLater(5, () => {
      queue.putNowait(2);
      gathering!.cancel();
    });
    assert.equal(await outcome(loop, waiter), "CancelledError");
    assert.deepEqual(drain(queue), [2]);
    loop.close();
  });
});

Deno.test("a taskGroup() whose body fails right after createTask(get) cancels the child before it runs, and the item stays, as CPython's TaskGroup.__aexit__", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    const result = await outcome(
      loop,
      awaiting(kind, () =>
        taskGroup((group) => {
          group.createTask(awaiting(kind, () => queue.get()));
          throw new RangeError("the body fails");
        })),
    );
    assert.equal(result, "AggregateError");
    assert.deepEqual(drain(queue), [1]);
    loop.close();
  });
});

//   inner = asyncio.ensure_future(q.get())
//   st = asyncio.create_task(sh()); await asyncio.sleep(0); st.cancel()   # sh: return await asyncio.shield(inner)
//   await outcome(st)  # CancelledError;  q.put_nowait(10);  await inner  # 10;  q.qsize()  # 0
Deno.test("a task awaiting shield(get) that is cancelled leaves the get running: the item goes to the shielded get, once, as CPython's shield", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    let inner: Task<number> | null = null;
    const outer = loop.createTask(awaiting(kind, () => shield(inner = ensureFuture(queue.get()) as Task<number>)));
    loop.callLater(5, () => outer.cancel());
    loop.callLater(6, () => queue.putNowait(10));
    assert.equal(await outcome(loop, outer), "CancelledError");
    assert.equal(await outcome(loop, inner!), 10);
    assert.deepEqual(drain(queue), []);
    loop.close();
  });
});

Deno.test("a get() or put() that is never awaited takes and adds nothing, as a CPython coroutine object that is never stepped", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    // Outside any task, and inside a task of each kind (where the operation may take another shape).
    void queue.get();
    void queue.put(2);
    const sizes = await outcome(
      loop,
      coroutine(kind, function* () {
        void queue.get();
        void queue.put(3);
        yield* sleep(0);
        return queue.qsize();
      }, async () => {
        void queue.get();
        void queue.put(3);
        await sleep(0);
        return queue.qsize();
      }),
    );
    assert.equal(sizes, 1);
    assert.deepEqual(drain(queue), [1]);
    loop.close();
  });
});

// ---- put() ----------------------------------------------------------------------------------------------------
//
//   q = Q(maxsize); q.put_nowait(1)
//   await outcome(wait_for312(q.put(2), 0)), q.qsize()        # ('TimeoutError', 1): 2 is not put, even with room
//   q = asyncio.Queue(1); q.put_nowait("old")
//   await outcome(wait_for312(q.put("new"), 0.01)), items(q)  # ('TimeoutError', ['old'])
//   when = ...; loop.call_at(when, q.get_nowait)
//   async with asyncio.timeout_at(when): await q.put("new")   # TimeoutError, q is empty: the room stays free

Deno.test("waitFor(q.put(x), 0) throws TimeoutError and x is not in the queue, even with room, as CPython 3.12's wait_for (a retry must not duplicate x)", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(queue.put(2), 0))), "TimeoutError");
    assert.deepEqual(drain(queue), [1]);
    loop.close();
  });
});

Deno.test("a put() into a full queue that times out, even as room is made at its deadline, adds nothing and leaves the room free, as CPython's Queue.put", async (t) => {
  await eachQueue(t, [2], async (make, maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    queue.putNowait(1);
    queue.putNowait(2);
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(queue.put(3), 10))), "TimeoutError");
    assert.equal(queue.qsize(), maxsize);
    loop.callLater(10, () => queue.getNowait());
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(queue.put(4), 10))), "TimeoutError");
    assert.equal(queue.qsize(), maxsize - 1, "the room made at the deadline stays free");
    queue.putNowait(40);
    loop.callLater(10, () => queue.getNowait());
    assert.equal(
      await outcome(loop, awaiting(kind, () => timeout(10, body(kind, () => queue.put(5))))),
      "TimeoutError",
    );
    assert.equal(queue.qsize(), maxsize - 1);
    drain(queue);
    assert.doesNotMatch(String(queue), /putters/);
    // A put in a timeout(0) scope with room puts without suspending; on a full queue it times out adding nothing.
    assert.equal(await outcome(loop, awaiting(kind, () => timeout(0, body(kind, () => queue.put(6))))), undefined);
    queue.putNowait(7);
    assert.equal(await outcome(loop, awaiting(kind, () => timeout(0, body(kind, () => queue.put(8))))), "TimeoutError");
    assert.deepEqual(drain(queue).sort(), [6, 7]);
    loop.close();
  });
});

Deno.test("a put() cancelled before it runs — task cancelled before its first step, ensureFuture or gather cancelled, taskGroup body failing — adds nothing, as CPython", async (t) => {
  await eachQueue(t, [0, 2], async (make, _maxsize, kind) => {
    const loop = virtualLoop();
    const queue = make();
    const task = loop.createTask(awaiting(kind, () => queue.put(1)));
    task.cancel();
    assert.equal(await outcome(loop, task), "CancelledError");
    const viaEnsureFuture = awaiting(kind, () => {
      const future = ensureFuture(queue.put(2));
      future.cancel();
      return future;
    });
    assert.equal(await outcome(loop, viaEnsureFuture), "CancelledError");
    const viaGather = awaiting(kind, () => {
      const gathering = gather(queue.put(3));
      gathering.cancel();
      return gathering;
    });
    assert.equal(await outcome(loop, viaGather), "CancelledError");
    const viaGroup = awaiting(kind, () =>
      taskGroup((group) => {
        group.createTask(awaiting(kind, () => queue.put(4)));
        throw new RangeError("the body fails");
      }));
    assert.equal(await outcome(loop, viaGroup), "AggregateError");
    assert.deepEqual(drain(queue), []);
    loop.close();
  });
});

// ---- Locks, semaphores, conditions, events, barriers -----------------------------------------------------------
//
//   lock = asyncio.Lock()
//   await outcome(wait_for312(lock.acquire(), 0)), lock.locked()           # ('TimeoutError', False)
//   t = asyncio.create_task(lock.acquire()); t.cancel()                     # CancelledError, lock.locked() False
//   await lock.acquire(); loop.call_at(when, lock.release)
//   async with asyncio.timeout_at(when): await lock.acquire()               # TimeoutError, lock.locked() False
//   sem = asyncio.Semaphore(1); wait_for312(sem.acquire(), 0)               # TimeoutError, sem._value 1
//   sem = asyncio.Semaphore(0); loop.call_at(when, sem.release); ...        # TimeoutError, _value 1, not locked
//   cond = asyncio.Condition(); wait_for312(cond.acquire(), 0)              # TimeoutError, cond.locked() False
//   await cond.acquire(); wait_for312(cond.wait(), 0)                       # TimeoutError, locked() True, 0 waiters
//   wait_for312(cond.wait(), 0.01)                                          # TimeoutError, locked() True, 0 waiters
//   ev = asyncio.Event(); ev.set(); wait_for312(ev.wait(), 0)               # TimeoutError (the wait never ran)
//   wait_for312(ev.wait(), 0.01)                                            # True
//   ev = asyncio.Event(); loop.call_at(when, ev.set); timeout_at(when) ...  # TimeoutError, ev.is_set() True
//   b = asyncio.Barrier(2); a = create_task(b.wait()); await sleep(0)
//   wait_for312(b.wait(), 0)        # TimeoutError, b.n_waiting 1, not broken, a not done
//   t = create_task(b.wait()); t.cancel()                                   # CancelledError, n_waiting 1
//   c = create_task(b.wait()); sorted([await a, await c])                   # [0, 1]: the barrier trips for a and c

for (const kind of KINDS) {
  Deno.test(`lock.acquire() that times out or is cancelled before it runs leaves the lock as it was, as CPython's Lock.acquire (${kind})`, async () => {
    const loop = virtualLoop();
    const lock = new Lock();
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(lock.acquire(), 0))), "TimeoutError");
    assert.equal(lock.locked(), false);
    const task = loop.createTask(awaiting(kind, () => lock.acquire()));
    task.cancel();
    assert.equal(await outcome(loop, task), "CancelledError");
    assert.equal(lock.locked(), false);
    void lock.acquire();
    assert.equal(lock.locked(), false, "a never-awaited acquire() takes nothing");
    await loop.runUntilComplete(awaiting(kind, () => lock.acquire()));
    loop.callLater(10, () => lock.release());
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(lock.acquire(), 10))), "TimeoutError");
    assert.equal(lock.locked(), false, "the release at the deadline is not eaten by the timed-out waiter");
    assert.equal(String(lock), "<Lock [unlocked]>");
    loop.close();
  });

  Deno.test(`semaphore.acquire() that times out or is cancelled before it runs leaves the count as it was, as CPython's Semaphore.acquire (${kind})`, async () => {
    const loop = virtualLoop();
    const semaphore = new Semaphore(1);
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(semaphore.acquire(), 0))), "TimeoutError");
    const task = loop.createTask(awaiting(kind, () => semaphore.acquire()));
    task.cancel();
    assert.equal(await outcome(loop, task), "CancelledError");
    void semaphore.acquire();
    assert.equal(String(semaphore), "<Semaphore [unlocked, value:1]>");
    const empty = new Semaphore(0);
    loop.callLater(10, () => empty.release());
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(empty.acquire(), 10))), "TimeoutError");
    assert.equal(String(empty), "<Semaphore [unlocked, value:1]>");
    loop.close();
  });

  Deno.test(`condition.acquire()/wait() that time out leave the lock as it was: free after acquire, held again after wait, as CPython's Condition (${kind})`, async () => {
    const loop = virtualLoop();
    const condition = new Condition();
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(condition.acquire(), 0))), "TimeoutError");
    assert.equal(condition.locked(), false);
    const results = await loop.runUntilComplete(coroutine(kind, function* () {
      yield* condition.acquire();
      const atOnce = yield* attemptGenerator(waitFor(condition.wait(), 0));
      const heldAfterAtOnce = condition.locked();
      const later = yield* attemptGenerator(waitFor(condition.wait(), 10));
      const heldAfterLater = condition.locked();
      condition.release();
      return [atOnce, heldAfterAtOnce, later, heldAfterLater];
    }, async () => {
      await condition.acquire();
      const atOnce = await attemptAsync(waitFor(condition.wait(), 0));
      const heldAfterAtOnce = condition.locked();
      const later = await attemptAsync(waitFor(condition.wait(), 10));
      const heldAfterLater = condition.locked();
      condition.release();
      return [atOnce, heldAfterAtOnce, later, heldAfterLater];
    }));
    assert.deepEqual(results, ["TimeoutError", true, "TimeoutError", true]);
    assert.equal(String(condition), "<Condition [unlocked]>");
    loop.close();
  });

  Deno.test(`waitFor(event.wait(), 0) times out even on a set event, since the wait never runs; one that expires as the event is set times out and the event stays set, as CPython 3.12 (${kind})`, async () => {
    const loop = virtualLoop();
    const event = new Event();
    event.set();
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(event.wait(), 0))), "TimeoutError");
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(event.wait(), 10))), true);
    assert.equal(loop.time(), 0);
    const late = new Event();
    loop.callLater(10, () => late.set());
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(late.wait(), 10))), "TimeoutError");
    assert.equal(late.isSet(), true);
    assert.equal(String(late), "<Event [set]>");
    loop.close();
  });

  Deno.test(`barrier.wait() that times out or is cancelled before it runs does not count as a party, and the barrier is not broken, as CPython's Barrier.wait (${kind})`, async () => {
    const loop = virtualLoop();
    const barrier = new Barrier(2);
    const first = loop.createTask(awaiting(kind, () => barrier.wait()));
    await loop.runUntilComplete(sleep(0));
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(barrier.wait(), 0))), "TimeoutError");
    assert.deepEqual([barrier.nWaiting, barrier.broken, first.done()], [1, false, false]);
    const cancelled = loop.createTask(awaiting(kind, () => barrier.wait()));
    cancelled.cancel();
    assert.equal(await outcome(loop, cancelled), "CancelledError");
    void barrier.wait();
    assert.deepEqual([barrier.nWaiting, barrier.broken, first.done()], [1, false, false]);
    const second = loop.createTask(awaiting(kind, () => barrier.wait()));
    assert.deepEqual([await outcome(loop, first), await outcome(loop, second)].sort(), [0, 1]);
    assert.deepEqual([barrier.nWaiting, barrier.broken], [0, false]);
    // Alone with a party of three missing: the timed-out waiter leaves, the other still waits.
    const three = new Barrier(3);
    const waiting = loop.createTask(awaiting(kind, () => three.wait()));
    assert.equal(await outcome(loop, awaiting(kind, () => waitFor(three.wait(), 10))), "TimeoutError");
    assert.deepEqual([three.nWaiting, three.broken, waiting.done()], [1, false, false]);
    waiting.cancel();
    await outcome(loop, waiting);
    loop.close();
  });
}

// ---- Under load ---------------------------------------------------------------------------------------------------
//
// CPython loses nothing here (python3, 3.12's wait_for pasted as wait_for312, real time; 10 000 items):
//   async def consumer():
//       while True:
//           try: received.append(await wait_for312(q.get(), rnd.choice([0, 0.001, 0.002])))
//           except TimeoutError: stats['timeouts'] += 1
//   def chaos():   # every 0–1 ms: cancel a random consumer; its done-callback starts a new one
//       if consumers[rnd.randrange(C)].cancel(): stats['cancels'] += 1
//       loop.call_later(rnd.random()/1000, chaos)
//   maxsize=0  received=10000 unique=10000 left=0 {'cancels': 211, 'timeouts': 4845}
//   maxsize=16 received=10000 unique=10000 left=0 {'cancels': 278, 'timeouts': 4891}

const ITEMS = 10_000;
const PRODUCERS = 8;
const CONSUMERS = 8;

interface LoadResult {
  received: number[];
  left: number[];
  cancels: number;
  timeouts: number;
  errors: unknown[];
}

async function load(kind: Kind, maxsize: number, seed: number): Promise<LoadResult> {
  const next = seededRandom(seed);
  const loop = virtualLoop();
  const queue = new Queue<number>({ maxsize });
  const result: LoadResult = { received: [], left: [], cancels: 0, timeouts: 0, errors: [] };
  let stopping = false;
  const timeoutMs = () => Math.floor(next() * 3); // 0, 1 or 2 ms

  const producer = (first: number) =>
    coroutine(kind, function* () {
      for (let item = first; item < ITEMS; item += PRODUCERS) {
        yield* queue.put(item);
        if (next() < 0.05) yield* sleep(Math.floor(next() * 2));
      }
    }, async () => {
      for (let item = first; item < ITEMS; item += PRODUCERS) {
        await queue.put(item);
        if (next() < 0.05) await sleep(Math.floor(next() * 2));
      }
    });
  const consumer = () =>
    coroutine(kind, function* () {
      for (;;) {
        try {
          result.received.push(yield* waitFor(queue.get(), timeoutMs()));
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          result.timeouts++;
        }
      }
    }, async () => {
      for (;;) {
        try {
          result.received.push(await waitFor(queue.get(), timeoutMs()));
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          result.timeouts++;
        }
      }
    });

  const consumers: Task<unknown>[] = [];
  const start = (slot: number): void => {
    const task = loop.createTask(consumer());
    consumers[slot] = task;
    task.addDoneCallback(() => {
      if (task.cancelled()) {
        if (!stopping) start(slot);
      } else result.errors.push(task.exception() ?? "a consumer returned");
    });
  };
  for (let slot = 0; slot < CONSUMERS; slot++) start(slot);
  const chaos = (): void => {
    if (stopping) return;
    if (consumers[Math.floor(next() * CONSUMERS)].cancel()) result.cancels++;
    loop.callLater(next(), chaos);
  };
  loop.callSoon(chaos);

  await loop.runUntilComplete(async () => {
    await gather(Array.from({ length: PRODUCERS }, (_, first) => producer(first)));
    // Every item is in the queue or received: wait until the consumers have all of them, or give up.
    const giveUp = loop.time() + 2000;
    while (result.received.length < ITEMS && loop.time() < giveUp) await sleep(10);
  });
  stopping = true;
  for (const task of consumers) task.cancel();
  await loop.runUntilComplete(sleep(0));
  await loop.runUntilComplete(sleep(0));
  result.left = drain(queue);
  loop.close();
  return result;
}

for (const kind of KINDS) {
  for (const maxsize of [0, 16]) {
    Deno.test(`8 producers and 8 consumers using waitFor(q.get(), 0–2 ms) under random cancels pass 10 000 items each exactly once, as CPython's Queue (maxsize ${maxsize}, ${kind})`, async () => {
      const result = await load(kind, maxsize, 1 + maxsize);
      assert.deepEqual(result.errors, []);
      assert.ok(result.cancels > 50, `only ${result.cancels} consumers were cancelled`);
      assert.ok(result.timeouts > 50, `only ${result.timeouts} gets timed out`);
      assert.equal(new Set(result.received).size, result.received.length, "an item was received twice");
      assert.deepEqual(result.left, [], "items were left in the queue while consumers waited");
      const lost = ITEMS - result.received.length;
      assert.equal(lost, 0, `${lost} of ${ITEMS} items were lost`);
      assert.deepEqual(result.received.sort((a, b) => a - b), Array.from({ length: ITEMS }, (_, i) => i));
    });
  }
}
