// ThreadQueue against CPython's queue.Queue (Lib/queue.py): the same blocking API across threads, here Web Workers
// (one fixture module, tests/fixtures/thread_queue_worker.ts, serves every test), plus the awaitable forms that
// suspend a task instead of the thread.
import assert from "node:assert/strict";
import { awaitable } from "../_awaitable.ts";
import { fromWire, toWire } from "../_wire.ts";
import type { Awaitable } from "../future.ts";
import { type EventLoop, getRunningLoop, newEventLoop } from "../loop.ts";
import { CancelledError, TimeoutError } from "../errors.ts";
import { gather } from "../gather.ts";
import { QueueEmpty, QueueFull } from "../queue.ts";
import { run } from "../runner.ts";
import { sleep } from "../sleep.ts";
import { allTasks, type Coroutine } from "../task.ts";
import { ThreadQueue } from "../thread_queue.ts";
import { LoopThread, workerModule } from "../threads.ts";
import { timeout } from "../timeouts.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { waitFor } from "../wait_for.ts";
import { awaiting, coroutine, type Kind, KINDS } from "./_helpers.ts";
import type { Command } from "./fixtures/thread_queue_worker.ts";
import { consume as consumeHere } from "./fixtures/thread_queue_load.ts";

/** A worker running the fixture, with its messages in arrival order. */
class TestWorker {
  #worker = new Worker(new URL("./fixtures/thread_queue_worker.ts", import.meta.url).href, { type: "module" });
  #inbox: unknown[] = [];
  #readers: ((message: unknown) => void)[] = [];

  constructor() {
    this.#worker.onmessage = (event) => {
      const reader = this.#readers.shift();
      if (reader) reader(event.data);
      else this.#inbox.push(event.data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(`worker failed: ${event.message}`);
      const reader = this.#readers.shift();
      if (reader) reader(error);
      else this.#inbox.push(error);
    };
  }

  send(command: Command): void {
    this.#worker.postMessage(command);
  }

  /** The next message, or (when given) nothing if none comes within `ms`. */
  async next<M = Record<string, unknown>>(): Promise<M> {
    const message = this.#inbox.length > 0
      ? this.#inbox.shift()
      : await new Promise((resolve) => this.#readers.push(resolve));
    if (message instanceof Error) throw message;
    return message as M;
  }

  /** Whether a message is waiting. */
  get hasMessage(): boolean {
    return this.#inbox.length > 0;
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** Runs `body` with `count` fixture workers, terminating them whatever happens. */
async function withWorkers(count: number, body: (workers: TestWorker[]) => Promise<void>): Promise<void> {
  const workers = Array.from({ length: count }, () => new TestWorker());
  try {
    await body(workers);
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

/** Real time passing without blocking the thread (for "nothing happened meanwhile" checks only). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- Construction and the single-thread API ---------------------------------------------------------------

Deno.test("new ThreadQueue() is unbounded by default and with maxsize 0, as queue.Queue(maxsize=0)", () => {
  for (
    const queue of [new ThreadQueue<number>(), new ThreadQueue<number>({}), new ThreadQueue<number>({ maxsize: 0 })]
  ) {
    assert.equal(queue.maxsize, 0);
    for (let i = 0; i < 1000; i++) queue.putNowait(i);
    assert.equal(queue.full(), false);
    assert.equal(queue.qsize(), 1000);
  }
});

Deno.test("new ThreadQueue() refuses a bad maxsize or bufferBytes with an error naming it", () => {
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 31]) {
    assert.throws(
      () => new ThreadQueue({ maxsize: bad }),
      (e) => e instanceof RangeError && e.message.includes(`received ${bad}`) && e.message.includes("ThreadQueue"),
    );
  }
  assert.throws(
    () => new ThreadQueue({ maxsize: "3" as unknown as number }),
    (e) => e instanceof TypeError && e.message.includes('received "3"'),
  );
  for (const bad of [0, 63, 100.5, -64]) {
    assert.throws(
      () => new ThreadQueue({ bufferBytes: bad }),
      (e) => e instanceof RangeError && e.message.includes(`bufferBytes`) && e.message.includes(`received ${bad}`),
    );
  }
  assert.throws(() => new ThreadQueue(5 as unknown as undefined), TypeError);
});

Deno.test("get() returns the items in FIFO order and qsize/empty/full report the count, as queue.Queue", () => {
  const queue = new ThreadQueue<number>({ maxsize: 3 });
  assert.equal(queue.empty(), true);
  queue.put(1);
  queue.put(2);
  assert.equal(queue.qsize(), 2);
  assert.equal(queue.full(), false);
  queue.put(3);
  assert.equal(queue.full(), true);
  assert.equal(String(queue), "<ThreadQueue maxsize=3 qsize=3 tasks=3>");
  assert.deepEqual([queue.get(), queue.get(), queue.get()], [1, 2, 3]);
  assert.equal(queue.empty(), true);
  assert.equal(String(queue), "<ThreadQueue maxsize=3 tasks=3>");
});

Deno.test("items are structured-cloned: maps, sets, dates, typed arrays, errors and nested objects round-trip", () => {
  const queue = new ThreadQueue<unknown>();
  const item = {
    map: new Map<unknown, unknown>([["a", 1], [2, { deep: [new Date(86_400_000)] }]]),
    set: new Set(["x", "y"]),
    bytes: new Uint8Array([1, 2, 255]),
    floats: new Float64Array([1.5, -0, NaN]),
    big: 2n ** 70n,
    nested: { list: [1, "two", null, undefined, true, { three: 3 }] },
    error: new RangeError("out of range"),
  };
  queue.put(item);
  item.nested.list.push("changed after put");
  const got = queue.get() as typeof item;
  assert.notEqual(got, item);
  assert.deepEqual(got.map, item.map);
  assert.ok((got.map.get(2) as { deep: Date[] }).deep[0] instanceof Date);
  assert.deepEqual(got.set, item.set);
  assert.deepEqual(got.bytes, item.bytes);
  assert.ok(got.floats instanceof Float64Array && Object.is(got.floats[1], -0) && Number.isNaN(got.floats[2]));
  assert.equal(got.big, 2n ** 70n);
  assert.deepEqual(got.nested, { list: [1, "two", null, undefined, true, { three: 3 }] });
  assert.ok(got.error instanceof RangeError);
  assert.equal(got.error.message, "out of range");
});

Deno.test("numbers and strings, stored without the structured clone, still round-trip exactly", () => {
  const queue = new ThreadQueue<unknown>({ bufferBytes: 64 });
  const items = [
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53 + 2,
    5e-324,
    "",
    "plain",
    "ünïcødé ✓ 🦕",
    "\ud800 lone",
    "\udfff",
  ];
  for (let round = 0; round < 20; round++) { // the 64-byte ring wraps many times
    for (const item of items) {
      queue.put(item);
      const got = queue.get();
      assert.ok(Object.is(got, item), `${String(item)} came back as ${String(got)}`);
    }
  }
  queue.put("x".repeat(50));
  assert.equal(queue.get(), "x".repeat(50));
  assert.throws(() => queue.put("x".repeat(61)), RangeError);
});

Deno.test("put() refuses an item that cannot be cloned with a TypeError naming the method, the value's kind and its place, and the queue is unchanged", () => {
  const queue = new ThreadQueue<unknown>();
  function callback(): void {}
  const hint = " (export it from a module and pass its workerModule() reference)";
  const refused: [unknown, string][] = [
    [callback, `a function (callback) cannot be sent to another thread${hint}`],
    [{ handlers: [1, callback] }, `a function (callback) at .handlers[1] cannot be sent to another thread${hint}`],
    [Symbol("s"), "a symbol cannot be sent to another thread"],
    [new WeakMap(), "a WeakMap cannot be sent to another thread"],
    // Structured clone shares it; the queue's byte records cannot hold it.
    [{ memory: new SharedArrayBuffer(8) }, "an Object cannot be structured-cloned ("],
  ];
  for (const [bad, reason] of refused) {
    assert.throws(
      () => queue.put(bad),
      (e) =>
        e instanceof TypeError && e.message.startsWith(`Cannot put() into <ThreadQueue maxsize=0>: ${reason}`) &&
        e.cause !== undefined,
    );
  }
  assert.throws(
    () => queue.putNowait(callback),
    (e) =>
      e instanceof TypeError && e.message.startsWith("Cannot putNowait() into <ThreadQueue maxsize=0>: a function"),
  );
  assert.equal(queue.qsize(), 0);
  assert.equal(String(queue), "<ThreadQueue maxsize=0>");
});

Deno.test("putNowait() on a full queue throws QueueFull and getNowait() on an empty one QueueEmpty, as put_nowait/get_nowait raise Full/Empty", () => {
  const queue = new ThreadQueue<string>({ maxsize: 1 });
  // The asyncio queues' classes: one catch serves both kinds of queue. The message names the method called.
  assert.throws(
    () => queue.getNowait(),
    new QueueEmpty("Cannot getNowait() from <ThreadQueue maxsize=1>: it is empty"),
  );
  assert.throws(
    () => queue.get({ block: false }),
    new QueueEmpty("Cannot get() from <ThreadQueue maxsize=1>: it is empty"),
  );
  queue.putNowait("a");
  assert.throws(
    () => queue.putNowait("b"),
    new QueueFull("Cannot putNowait() into <ThreadQueue maxsize=1 qsize=1 tasks=1>: it is full"),
  );
  assert.throws(() => queue.put("b", { block: false, timeout: 1000 }), QueueFull);
  assert.equal(queue.getNowait(), "a");
});

Deno.test("put() with a timeout throws QueueFull when no room comes, as queue.Queue.put(timeout=) raises Full", () => {
  const queue = new ThreadQueue<number>({ maxsize: 2 });
  queue.put(1);
  queue.put(2, { timeout: 0 });
  assert.throws(() => queue.put(3, { timeout: 0 }), QueueFull);
  assert.throws(() => queue.put(3, { timeout: 20 }), (e) => e instanceof QueueFull && e.message.includes("full"));
  assert.deepEqual([queue.get(), queue.get()], [1, 2]);
});

Deno.test("get() with a timeout on the main thread throws QueueEmpty when no item comes, as queue.Queue.get(timeout=) raises Empty", () => {
  const queue = new ThreadQueue<number>();
  assert.throws(() => queue.get({ timeout: 0 }), QueueEmpty);
  assert.throws(() => queue.get({ timeout: 20 }), (e) => e instanceof QueueEmpty && e.message.includes("empty"));
  queue.put(7);
  assert.equal(queue.get({ timeout: 20 }), 7);
});

Deno.test("a negative or NaN timeout is a RangeError, as queue.Queue raises ValueError for a negative timeout", async () => {
  const queue = new ThreadQueue<number>();
  for (const bad of [-1, NaN]) {
    assert.throws(() => queue.get({ timeout: bad }), (e) => e instanceof RangeError && e.message.includes(`${bad}`));
    assert.throws(() => queue.put(1, { timeout: bad }), RangeError);
    assert.throws(() => queue.getAsync({ timeout: bad }), RangeError);
    assert.throws(() => queue.putAsync(1, { timeout: bad }), RangeError);
  }
  assert.throws(() => queue.get({ timeout: "1" as unknown as number }), TypeError);
  assert.throws(() => queue.get({ block: 1 as unknown as boolean }), TypeError);
  assert.throws(() => queue.get(null as unknown as undefined), TypeError);
  assert.equal(queue.qsize(), 0);
  await Promise.resolve();
});

Deno.test("the ring buffer wraps around: items of every encoding and many sizes come out intact and in order", () => {
  const queue = new ThreadQueue<unknown>({ bufferBytes: 256 });
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const expected: unknown[] = [];
  let next = 0;
  let refused = 0;
  for (let round = 0; round < 6000; round++) {
    if (random() < 0.55) {
      const pad = "x".repeat(Math.floor(random() * 90));
      const choice = random();
      const item = choice < 0.33 ? `${next}:${pad}` : choice < 0.66 ? { next, pad, at: new Date(next) } : next + 0.5;
      next++;
      try {
        queue.putNowait(item);
        expected.push(item);
      } catch (error) {
        assert.ok(error instanceof QueueFull && error.message.includes("no room"));
        refused++;
      }
    } else if (expected.length > 0) {
      assert.deepEqual(queue.getNowait(), expected.shift());
    }
    assert.equal(queue.qsize(), expected.length);
  }
  while (expected.length > 0) assert.deepEqual(queue.getNowait(), expected.shift());
  assert.ok(next > 1000 && refused > 100);
});

Deno.test("an item bigger than the whole buffer is a RangeError; one that does not fit now makes an unbounded queue refuse it with QueueFull", () => {
  const queue = new ThreadQueue<string>({ bufferBytes: 128 });
  assert.throws(
    () => queue.put("x".repeat(200)),
    (e) => e instanceof RangeError && e.message.includes("bufferBytes"),
  );
  queue.put("y".repeat(80));
  assert.equal(queue.full(), false);
  assert.throws(() => queue.putNowait("z".repeat(80)), (e) => e instanceof QueueFull && e.message.includes("room"));
  assert.throws(() => queue.put("z".repeat(80), { timeout: 5 }), QueueFull);
  queue.get();
  queue.putNowait("z".repeat(80));
  assert.equal(queue.qsize(), 1);
});

Deno.test("taskDone() called more times than items were put is a RangeError, as queue.Queue raises ValueError", () => {
  const queue = new ThreadQueue<number>();
  assert.throws(() => queue.taskDone(), (e) => e instanceof RangeError && e.message.includes("too many times"));
  queue.put(1);
  queue.put(2);
  queue.get();
  queue.taskDone();
  queue.taskDone(); // the second item is marked done before it is got, which Python allows too
  assert.throws(() => queue.taskDone(), RangeError);
  queue.join();
});

// ---- Crossing threads -------------------------------------------------------------------------------------

Deno.test("ThreadQueue.from() makes a queue over the memory of a posted queue; anything else is a TypeError", () => {
  const queue = new ThreadQueue<string>({ maxsize: 4 });
  for (const shared of [structuredClone(queue), structuredClone(queue.buffer), queue]) {
    const other = ThreadQueue.from<string>(shared);
    assert.equal(other.maxsize, 4);
    other.put("through shared memory");
    assert.equal(queue.get(), "through shared memory");
  }
  assert.equal(ThreadQueue.from(queue), queue);
  for (const bad of [null, 1, {}, { buffer: new ArrayBuffer(200) }, new SharedArrayBuffer(200)]) {
    assert.throws(
      () => ThreadQueue.from(bad),
      (e) => e instanceof TypeError && e.message.startsWith("Cannot ThreadQueue.from(): expected a posted ThreadQueue"),
    );
  }
});

Deno.test("a ThreadQueue crosses threads as itself through the wire encoding of the thread plumbing", () => {
  const queue = new ThreadQueue<number>({ maxsize: 2 });
  const received = fromWire(structuredClone(toWire(queue)));
  assert.ok(received instanceof ThreadQueue);
  assert.notEqual(received, queue);
  (received as ThreadQueue<number>).put(5);
  assert.equal(queue.qsize(), 1);
  assert.equal(queue.get(), 5);
});

Deno.test("get() in a worker blocks until the main thread puts, as queue.Queue.get() in another thread", async () => {
  await withWorkers(1, async ([worker]) => {
    const queue = new ThreadQueue<{ text: string }>();
    worker.send({ command: "get", queue });
    assert.deepEqual(await worker.next(), { waiting: true });
    await pause(30);
    assert.equal(worker.hasMessage, false); // still blocked
    queue.put({ text: "from main" });
    assert.deepEqual(await worker.next(), { item: { text: "from main" } });
    assert.equal(queue.qsize(), 0);
  });
});

Deno.test("a blocked get() on the main thread is woken by a worker's put(), and join() by its taskDone()", async () => {
  await withWorkers(2, async ([producer, processor]) => {
    const queue = new ThreadQueue<string>();
    producer.send({ command: "put", queue, item: "from a worker" });
    assert.equal(queue.get({ timeout: 10_000 }), "from a worker"); // blocks this thread until the worker puts
    queue.taskDone();
    for (const item of ["a", "b", "c"]) queue.put(item);
    processor.send({ command: "process", queue, count: 3 });
    queue.join(); // blocks this thread until the worker marked all three done
    assert.equal(String(queue), "<ThreadQueue maxsize=0>");
    assert.deepEqual(await processor.next(), { got: ["a", "b", "c"] });
    assert.deepEqual(await producer.next(), { put: true });
  });
});

Deno.test("4 producer workers and 4 consumer workers hand 400 000 items over: none lost or duplicated, FIFO per producer", async () => {
  const producers = 4;
  const consumers = 4;
  const perProducer = 100_000;
  await withWorkers(producers + consumers, async (workers) => {
    const queue = new ThreadQueue<number>({ maxsize: 10_000 });
    for (const consumer of workers.slice(producers)) consumer.send({ command: "consume", queue });
    workers.slice(0, producers).forEach((producer, index) =>
      producer.send({ command: "produce", queue, from: index * perProducer, count: perProducer })
    );
    for (const producer of workers.slice(0, producers)) {
      assert.deepEqual(await producer.next(), { produced: perProducer });
    }
    for (let i = 0; i < consumers; i++) await queue.putAsync(-1);
    const seen = new Uint8Array(producers * perProducer);
    let total = 0;
    for (const consumer of workers.slice(producers)) {
      const { got } = await consumer.next<{ got: Float64Array }>();
      const last = new Array(producers).fill(-1);
      for (const item of got) {
        assert.equal(seen[item], 0, `item ${item} got twice`);
        seen[item] = 1;
        // What one producer put in order, one consumer gets in order.
        const producer = Math.floor(item / perProducer);
        assert.ok(item > last[producer], `item ${item} after ${last[producer]}`);
        last[producer] = item;
      }
      total += got.length;
    }
    assert.equal(total, producers * perProducer);
    assert.equal(queue.qsize(), 0);
  });
});

// ---- The awaitable forms ----------------------------------------------------------------------------------

for (const kind of KINDS) {
  Deno.test(`getAsync() waits for a worker's put without blocking the loop's other tasks (${kind})`, async () => {
    await withWorkers(1, async ([worker]) => {
      const queue = new ThreadQueue<string>();
      const loop = newEventLoop();
      const events: string[] = [];
      try {
        const getter = loop.createTask(awaiting(kind, () => queue.getAsync()));
        getter.addDoneCallback(() => events.push("got"));
        const other = loop.createTask(async () => {
          for (let i = 0; i < 3; i++) {
            await sleep(5);
            events.push(`tick ${i}`);
          }
          worker.send({ command: "put", queue, item: "from the worker" });
        });
        assert.equal(await loop.runUntilComplete(getter), "from the worker");
        await loop.runUntilComplete(other);
        assert.deepEqual(events, ["tick 0", "tick 1", "tick 2", "got"]);
        assert.deepEqual(await worker.next(), { put: true });
      } finally {
        loop.close();
      }
    });
  });

  Deno.test(`putAsync() on a full queue waits for a worker's get without blocking other tasks (${kind})`, async () => {
    await withWorkers(1, async ([worker]) => {
      const queue = new ThreadQueue<number>({ maxsize: 1 });
      queue.put(1);
      const loop = newEventLoop();
      const events: string[] = [];
      try {
        const putter = loop.createTask(awaiting(kind, () => queue.putAsync(2)));
        putter.addDoneCallback(() => events.push("put"));
        loop.createTask(async () => {
          for (let i = 0; i < 3; i++) {
            await sleep(5);
            events.push(`tick ${i}`);
          }
          worker.send({ command: "get", queue });
        });
        await loop.runUntilComplete(putter);
        assert.deepEqual(events, ["tick 0", "tick 1", "tick 2", "put"]);
        assert.deepEqual(await worker.next(), { waiting: true });
        assert.deepEqual(await worker.next(), { item: 1 });
        assert.equal(queue.getNowait(), 2);
      } finally {
        loop.close();
      }
    });
  });

  Deno.test(`getAsync() and putAsync() with a timeout throw QueueEmpty / QueueFull on the loop's clock (${kind})`, async () => {
    const loop = newEventLoop({ clock: new VirtualClock() });
    try {
      const queue = new ThreadQueue<number>({ maxsize: 1 });
      await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.getAsync({ timeout: 50 }))), QueueEmpty);
      assert.equal(loop.time(), 50);
      queue.put(1);
      await assert.rejects(loop.runUntilComplete(awaiting(kind, () => queue.putAsync(2, { timeout: 30 }))), QueueFull);
      assert.equal(loop.time(), 80);
      // Without waiting, the timeout plays no part.
      assert.equal(await loop.runUntilComplete(awaiting(kind, () => queue.getAsync({ timeout: 0 }))), 1);
      await loop.runUntilComplete(awaiting(kind, () => queue.putAsync(3, { timeout: 0 })));
      assert.equal(queue.getNowait(), 3);
    } finally {
      loop.close();
    }
  });

  Deno.test(`a getAsync() cancelled while it waits takes no item: the next waiting task gets it (${kind})`, async () => {
    const queue = new ThreadQueue<string>();
    const loop = newEventLoop();
    try {
      const first = loop.createTask(awaiting(kind, () => queue.getAsync()));
      const second = loop.createTask(awaiting(kind, () => queue.getAsync()));
      await loop.runUntilComplete(sleep(1));
      first.cancel();
      await loop.runUntilComplete(sleep(1));
      assert.equal(first.cancelled(), true);
      queue.put("only item");
      assert.equal(await loop.runUntilComplete(second), "only item");
      assert.equal(queue.qsize(), 0);
    } finally {
      loop.close();
    }
  });

  Deno.test(`joinAsync() waits without blocking until a worker marks every item done (${kind})`, async () => {
    await withWorkers(1, async ([worker]) => {
      const queue = new ThreadQueue<number>();
      for (const item of [1, 2, 3]) queue.put(item);
      const loop = newEventLoop();
      try {
        let ticks = 0;
        const joiner = loop.createTask(awaiting(kind, () => queue.joinAsync()));
        loop.createTask(async () => {
          await sleep(5);
          ticks++;
          worker.send({ command: "process", queue, count: 3 });
        });
        await loop.runUntilComplete(joiner);
        assert.equal(ticks, 1);
        assert.equal(queue.qsize(), 0);
        assert.deepEqual(await worker.next(), { got: [1, 2, 3] });
      } finally {
        loop.close();
      }
    });
  });
}

Deno.test("many tasks of one thread waiting in getAsync() each get one item, in the order they started waiting", async () => {
  const queue = new ThreadQueue<number>();
  const loop: EventLoop = newEventLoop();
  try {
    const getters = Array.from({ length: 20 }, () => loop.createTask(async () => await queue.getAsync()));
    await loop.runUntilComplete(sleep(1));
    for (let i = 0; i < 20; i++) queue.put(i);
    const results = [];
    for (const getter of getters) results.push(await loop.runUntilComplete(getter));
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
  } finally {
    loop.close();
  }
});

Deno.test("getAsync() in a worker's own event loop is woken by the main thread's put", async () => {
  await withWorkers(1, async ([worker]) => {
    const queue = new ThreadQueue<Map<string, number>>();
    worker.send({ command: "getAsync", queue });
    assert.deepEqual(await worker.next(), { waiting: true });
    await pause(20);
    queue.put(new Map([["answer", 42]]));
    assert.deepEqual(await worker.next(), { item: new Map([["answer", 42]]) });
  });
});

Deno.test("a task left waiting in getAsync() when its loop is closed stops keeping the thread alive and takes no item", async () => {
  const queue = new ThreadQueue<number>();
  const loop = newEventLoop();
  const abandoned = loop.createTask(async () => await queue.getAsync());
  await loop.runUntilComplete(sleep(1));
  loop.close(); // with the task still waiting, as CPython allows (it warns in debug mode)
  await pause(1100); // the keep-alive timer drops it within a second; the op sanitizer checks the timer is gone
  queue.put(1);
  await pause(10);
  assert.equal(abandoned.done(), false);
  assert.equal(queue.get({ block: false }), 1);
});

Deno.test("getAsync() and putAsync() outside any event loop wait as promises", async () => {
  const queue = new ThreadQueue<string>({ maxsize: 1 });
  const timer = setTimeout(() => queue.put("later"), 10);
  try {
    assert.equal(await queue.getAsync(), "later");
  } finally {
    clearTimeout(timer);
  }
  queue.put("first");
  const getter = setTimeout(() => queue.get(), 10);
  try {
    await queue.putAsync("second");
  } finally {
    clearTimeout(getter);
  }
  assert.equal(queue.get(), "second");
  await assert.rejects(async () => await queue.getAsync({ timeout: 5 }), QueueEmpty);
});

// ---- Nothing lost under cancellation ----------------------------------------------------------------------
//
// As asyncio.Queue's get() and put(): the awaitable forms act only when awaited, and only for a waiter that goes on
// with the result. A get or put that is cancelled or times out, on any path, leaves the queue as it was.

/** A coroutine of `kind` that runs `operation` and records what it got, then returns "done". */
function recording<T>(kind: Kind, operation: () => Awaitable<T>, seen: T[]): Coroutine<string> {
  if (kind === "generator") {
    return (function* () {
      seen.push(yield* operation());
      return "done";
    })();
  }
  return async () => {
    seen.push(await operation());
    return "done";
  };
}

/** The awaitable of `item`, its value labelled with who got it. */
function labelled(item: Awaitable<number>, who: string): Awaitable<string> {
  return awaitable(function* () {
    return `${who} got ${yield* item}`;
  });
}

for (const kind of KINDS) {
  Deno.test(`getAsync() takes no item when it is cancelled before it acts: task cancelled before its first step, waitFor(…, 0), gather cancelled (asyncio.Queue.get, ${kind})`, async () => {
    const loop = newEventLoop({ clock: new VirtualClock() });
    try {
      const queue = new ThreadQueue<number>();
      queue.put(1);
      const seen: number[] = [];
      const stillborn = loop.createTask(recording(kind, () => queue.getAsync(), seen));
      stillborn.cancel();
      await assert.rejects(loop.runUntilComplete(stillborn), CancelledError);
      assert.equal(queue.qsize(), 1);
      await assert.rejects(loop.runUntilComplete(awaiting(kind, () => waitFor(queue.getAsync(), 0))), TimeoutError);
      assert.equal(queue.qsize(), 1);
      await assert.rejects(
        loop.runUntilComplete(async () => {
          const gathered = gather(queue.getAsync());
          gathered.cancel();
          return await gathered;
        }),
        CancelledError,
      );
      assert.equal(queue.qsize(), 1);
      assert.deepEqual(seen, []);
      // The item is still there for the next get, which does not wait (as CPython's coroutine, it acts at once).
      assert.equal(await loop.runUntilComplete(awaiting(kind, () => waitFor(queue.getAsync(), 5))), 1);
      // So does one in an expired timeout() scope: the scope's cancel comes later (asyncio.timeout(0) likewise).
      queue.put(3);
      const takeAtOnce = coroutine(kind, function* () {
        return yield* timeout(0, function* () {
          return yield* queue.getAsync();
        });
      }, async () => await timeout(0, async () => await queue.getAsync()));
      assert.equal(await loop.runUntilComplete(takeAtOnce), 3);
    } finally {
      loop.close();
    }
  });

  Deno.test(`getAsync() that times out while it waits takes no item: waitFor(…, ms) and a timeout() scope (asyncio.wait_for(q.get()), ${kind})`, async () => {
    const loop = newEventLoop({ clock: new VirtualClock() });
    try {
      const queue = new ThreadQueue<number>();
      await assert.rejects(loop.runUntilComplete(awaiting(kind, () => waitFor(queue.getAsync(), 10))), TimeoutError);
      await assert.rejects(
        loop.runUntilComplete(awaiting(kind, () =>
          timeout(10, function* () {
            return yield* queue.getAsync();
          }))),
        TimeoutError,
      );
      assert.equal(loop.time(), 20);
      queue.put(2);
      // Nothing still waits to take it: the timed-out getters are gone.
      await loop.runUntilComplete(sleep(5));
      assert.equal(queue.qsize(), 1);
      assert.equal(queue.getNowait(), 2);
    } finally {
      loop.close();
    }
  });

  Deno.test(`putAsync() adds nothing when it is cancelled or times out: task cancelled before its first step, waitFor(…, 0) and waitFor(…, ms) on a full queue (asyncio.Queue.put, ${kind})`, async () => {
    const loop = newEventLoop({ clock: new VirtualClock() });
    try {
      const queue = new ThreadQueue<number>({ maxsize: 1 });
      const stillborn = loop.createTask(awaiting(kind, () => queue.putAsync(1)));
      stillborn.cancel();
      await assert.rejects(loop.runUntilComplete(stillborn), CancelledError);
      assert.equal(queue.qsize(), 0);
      // CPython's wait_for(q.put(x), 0) times out even with room: the put never started.
      await assert.rejects(loop.runUntilComplete(awaiting(kind, () => waitFor(queue.putAsync(1), 0))), TimeoutError);
      assert.equal(queue.qsize(), 0);
      queue.put(10);
      await assert.rejects(loop.runUntilComplete(awaiting(kind, () => waitFor(queue.putAsync(11), 10))), TimeoutError);
      assert.equal(loop.time(), 10);
      queue.getNowait();
      await loop.runUntilComplete(sleep(5));
      assert.equal(queue.qsize(), 0, "a timed-out putAsync() put its item later");
    } finally {
      loop.close();
    }
  });

  Deno.test(`a waiting getAsync() cancelled at any moment after a put woke it loses nothing: the item reaches it or the next waiter (${kind})`, async () => {
    // The cancel lands after 0…N microtasks, loop iterations or host turns: before the wake-up, between the wake-up
    // and the task's resumption, or after the task took the item.
    type Hop = (then: () => void) => void;
    const hops: [string, Hop][] = [
      ["microtasks", (then) => queueMicrotask(then)],
      ["loop iterations", (then) => getRunningLoop().callSoon(then)],
      ["host turns", (then) => setTimeout(then, 0)],
    ];
    for (const [name, hop] of hops) {
      for (let count = 0; count < 12; count++) {
        const loop = newEventLoop();
        try {
          const queue = new ThreadQueue<number>();
          const seen: string[] = [];
          const first = loop.createTask(recording(kind, () => labelled(queue.getAsync(), "first"), seen));
          const second = loop.createTask(recording(kind, () => labelled(queue.getAsync(), "second"), seen));
          await loop.runUntilComplete(sleep(1));
          const after = (left: number, then: () => void): void =>
            left === 0 ? then() : hop(() => after(left - 1, then));
          queue.put(7);
          await loop.runUntilComplete(async () => {
            const cancelled = loop.createFuture<void>();
            after(count, () => {
              first.cancel();
              cancelled.setResult();
            });
            await cancelled;
            // Until the item has reached one of them (a hang fails the test through waitFor's time-out).
            await waitFor(async () => {
              while (seen.length === 0 || !first.done()) await sleep(1);
            }, 5_000);
          });
          const where = `cancel after ${count} ${name}`;
          assert.equal(queue.qsize(), 0, where);
          // The first got it before the cancel reached it, or else the second got it.
          assert.deepEqual(seen, [first.cancelled() && second.done() ? "second got 7" : "first got 7"], where);
        } finally {
          for (const task of allTasks(loop)) task.cancel();
          loop.close();
        }
      }
    }
  });
}

for (const maxsize of [0, 16]) {
  Deno.test(`producers and consumers in 5 threads, every put and get under waitFor(…, 0–2 ms) and consumers cancelled at random, hand over 12 000 items each exactly once (maxsize ${maxsize})`, async () => {
    const load = workerModule<typeof import("./fixtures/thread_queue_load.ts")>(
      new URL("./fixtures/thread_queue_load.ts", import.meta.url),
    );
    const threads = await Promise.all([0, 1, 2, 3].map((index) => LoopThread.start({ name: `load-${index}` })));
    try {
      await run(async () => {
        const queue = new ThreadQueue<number>({ maxsize });
        const received = new Int32Array(new SharedArrayBuffer(4));
        const perProducer = 6_000;
        const total = 2 * perProducer;
        const producers = [
          threads[0].runCoroutineThreadsafe(load.produce, queue, 0, perProducer, "generator"),
          threads[1].runCoroutineThreadsafe(load.produce, queue, perProducer, perProducer, "async function"),
        ];
        const consumers = [
          threads[2].runCoroutineThreadsafe(load.consume, queue, received, total, 4, "generator"),
          threads[3].runCoroutineThreadsafe(load.consume, queue, received, total, 4, "async function"),
        ];
        const got = await consumeHere(queue, received, total, 4, "async function");
        for (const producer of producers) await producer;
        for (const consumer of consumers) got.push(...await consumer);
        assert.equal(got.length, total, "items received in all");
        const once = new Uint8Array(total);
        for (const item of got) {
          assert.equal(once[item], 0, `item ${item} received twice`);
          once[item] = 1;
        }
        assert.equal(queue.qsize(), 0);
      });
    } finally {
      await Promise.all(threads.map((thread) => thread.stop()));
    }
  });
}
