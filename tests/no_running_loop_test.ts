// Issue 9, point 3 (first part): a library awaitable awaited where no loop runs — at the top level of a module, in
// a plain async function called without run() — fails at once with an error that names `run(main)` as the fix,
// where it used to hang forever. CPython raises `RuntimeError: no running event loop` from get_running_loop():
//
//   >>> async def top(): await asyncio.sleep(0.01)
//   >>> top().send(None)
//   RuntimeError: no running event loop
//
// Each case races the await against a real 2 s guard timer (cleared after), so a hang fails the test instead of
// stalling it. The error class is left open (CPython's is RuntimeError): the test asserts an Error whose message
// names run(main). (`sleep(0)` is left out: CPython's `sleep(0)` is a bare yield that never asks for a loop.)

import assert from "node:assert/strict";
import { asCompleted } from "../as_completed.ts";
import { Barrier } from "../barrier.ts";
import { Condition } from "../condition.ts";
import { Event } from "../event.ts";
import type { Thenable } from "../future.ts";
import { gather } from "../gather.ts";
import { Lock } from "../lock.ts";
import { Queue } from "../queue.ts";
import { Semaphore } from "../semaphore.ts";
import { shield } from "../shield.ts";
import { sleep } from "../sleep.ts";
import { taskGroup } from "../task_group.ts";
import { timeout } from "../timeouts.ts";
import { wait } from "../wait.ts";
import { waitFor } from "../wait_for.ts";
import { virtualLoop } from "./_helpers.ts";

type Settled = { how: "fulfilled"; value: unknown } | { how: "rejected"; error: unknown } | { how: "hung" };

/** Awaits what `make()` returns with no loop running, for at most 2 real seconds. */
async function awaitWithoutLoop(make: () => Thenable<unknown>): Promise<Settled> {
  let guard: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<Settled>((resolve) => guard = setTimeout(() => resolve({ how: "hung" }), 2000));
  const settled = (async (): Promise<Settled> => {
    try {
      return { how: "fulfilled", value: await make() };
    } catch (error) {
      return { how: "rejected", error };
    }
  })();
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(guard);
  }
}

function assertNamesRun(settled: Settled, what: string): void {
  assert.notEqual(settled.how, "hung", `${what} hung instead of failing`);
  assert.equal(settled.how, "rejected", `${what} did not fail`);
  const error = (settled as { error: unknown }).error;
  assert.ok(error instanceof Error, `${what} failed with ${String(error)}, not an Error`);
  assert.match(error.message, /run\(main\)/, `${what}: "${error.message}" does not name run(main) as the fix`);
}

const CASES: [string, () => Thenable<unknown>][] = [
  ["sleep(10)", () => sleep(10)],
  ["waitFor(sleep(10), 100)", () => waitFor(sleep(10), 100)],
  ["queue.get() on an empty queue", () => new Queue<number>().get()],
  ["queue.join() with an unfinished item", () => {
    const queue = new Queue<number>();
    queue.putNowait(1);
    return queue.join();
  }],
  ["event.wait() on an event that is not set", () => new Event().wait()],
  ["semaphore.acquire() at 0", () => new Semaphore(0).acquire()],
  ["barrier.wait() with a party missing", () => new Barrier(2).wait()],
  ["gather(sleep(10))", () => gather(sleep(10))],
  ["wait([sleep(10)])", () => wait([sleep(10)])],
  ["shield(sleep(10))", () => shield(sleep(10))],
  ["asCompleted([sleep(10)])'s first item", () => {
    const [first] = asCompleted([sleep(10)]);
    return first;
  }],
  ["timeout(100, body)", () => timeout(100, async () => await sleep(10))],
  ["taskGroup(body)", () => taskGroup(async () => await sleep(10))],
];

for (const [what, make] of CASES) {
  Deno.test(`awaiting ${what} with no running loop fails at once naming run(main), as CPython's "no running event loop"`, async () => {
    assertNamesRun(await awaitWithoutLoop(make), what);
  });
}

Deno.test(`awaiting a pending Future or Task of a loop that is not running fails at once naming run(main), as CPython's "no running event loop"`, async () => {
  const loop = virtualLoop();
  const future = loop.createFuture<number>();
  const task = loop.createTask(async () => await sleep(10, "slept"));
  assertNamesRun(await awaitWithoutLoop(() => future), "a pending Future");
  assertNamesRun(await awaitWithoutLoop(() => task), "a pending Task");
  // Nothing was harmed: the loop, run now, finishes the task.
  assert.equal(await loop.runUntilComplete(task), "slept");
  future.cancel();
  loop.close();
});

Deno.test(`awaiting lock.acquire() or condition.acquire() on a held lock with no running loop fails at once naming run(main), as CPython's "no running event loop"`, async () => {
  const loop = virtualLoop();
  const lock = new Lock();
  const condition = new Condition();
  await loop.runUntilComplete(async () => {
    await lock.acquire();
    await condition.acquire();
  });
  assertNamesRun(await awaitWithoutLoop(() => lock.acquire()), "lock.acquire()");
  assertNamesRun(await awaitWithoutLoop(() => condition.acquire()), "condition.acquire()");
  assert.equal(String(lock), "<Lock [locked]>", "the failed acquire left no waiter behind");
  lock.release();
  condition.release();
  loop.close();
});

Deno.test(`awaiting queue.put() on a full queue with no running loop fails at once naming run(main) and adds nothing`, async () => {
  const queue = new Queue<number>({ maxsize: 1 });
  queue.putNowait(1);
  assertNamesRun(await awaitWithoutLoop(() => queue.put(2)), "queue.put() on a full queue");
  assert.deepEqual([queue.qsize(), queue.getNowait()], [1, 1]);
  assert.doesNotMatch(String(queue), /putters/);
});
