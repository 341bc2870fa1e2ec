// deno-lint-ignore-file require-await
// A task group across threads: `group.createTask(call(jobs.fn, …), { thread })` runs a child on a LoopThread. A
// failure anywhere cancels the children on every thread (their finally blocks run there, before the group ends);
// the AggregateError carries the remote errors; leaving the group waits for every remote task; nothing is lost.

import assert from "node:assert/strict";
import { BrokenThreadError } from "../concurrent_future.ts";
import { CancelledError, InvalidStateError } from "../errors.ts";
import { newEventLoop } from "../loop.ts";
import { LoopThread } from "../loop_thread.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { taskGroup, type TaskGroupBody } from "../task_group.ts";
import { call, workerModule } from "../worker_module.ts";
import { threadTest } from "./_threads.ts";
import { KINDS } from "./_helpers.ts";

const groupJobs = workerModule<typeof import("./fixtures/group_jobs.ts")>(
  new URL("./fixtures/group_jobs.ts", import.meta.url),
);
const STARTED = 1;
const FINALLY_RAN = 2;

/** Slots the remote children mark (see tests/fixtures/group_jobs.ts). */
function flags(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * 8));
}

/** Runs `main` on a fresh loop with two loop threads, then stops them. */
async function withThreads<T>(main: (a: LoopThread, b: LoopThread) => Promise<T>): Promise<T> {
  const [a, b] = await Promise.all([LoopThread.start({ name: "a" }), LoopThread.start({ name: "b" })]);
  const loop = newEventLoop();
  try {
    return await loop.runUntilComplete(() => main(a, b));
  } finally {
    loop.close();
    await Promise.all([a.stop(), b.stop()]);
  }
}

/** Polls (with loop sleeps, up to a deadline) until `flags[slot]` is `value`. */
async function until(shared: Int32Array, slot: number, value: number): Promise<void> {
  for (let i = 0; i < 2000 && Atomics.load(shared, slot) !== value; i++) await sleep(1);
  assert.equal(Atomics.load(shared, slot), value, `slot ${slot} never became ${value}`);
}

async function groupError(body: TaskGroupBody<unknown>): Promise<AggregateError> {
  try {
    await taskGroup(body);
  } catch (error) {
    assert.ok(error instanceof AggregateError, `expected an AggregateError, got ${error}`);
    return error;
  }
  throw new Error("the group did not fail");
}

threadTest(
  "a remote failure cancels the children on every thread; their finally blocks ran before the group ended",
  async () => {
    const shared = flags();
    const error = await withThreads(async (a, b) => {
      let local: Task<unknown> | null = null;
      const failure = await groupError(async (group) => {
        group.createTask(call(groupJobs.holdUntilCancelled, shared, 0), { thread: a });
        group.createTask(call(groupJobs.holdUntilCancelled, shared, 1), { thread: b.loop }); // a RemoteLoop too
        local = group.createTask(async () => await sleep(1e9), { name: "local" });
        await until(shared, 0, STARTED);
        await until(shared, 1, STARTED);
        group.createTask(call(groupJobs.failAfter, 1, "bad pixel"), { thread: b });
      });
      // Read at once, as the group ends: the remote finally blocks (which await before marking) have run.
      assert.deepEqual([Atomics.load(shared, 0), Atomics.load(shared, 1)], [FINALLY_RAN, FINALLY_RAN]);
      assert.equal(local!.cancelled(), true);
      return failure;
    });
    assert.equal(error.errors.length, 1);
    const [remote] = error.errors;
    assert.equal(remote.name, "RangeError");
    assert.equal(remote.message, "bad pixel");
    assert.match(remote.stack, /group_jobs\.ts/); // the stack from the other thread
    assert.equal(remote.cause.name, "TypeError");
    assert.equal(remote.cause.message, "the root cause");
  },
);

for (const kind of KINDS) {
  threadTest(
    `a local failure cancels the remote children there, and the group waits for them [${kind} body]`,
    async () => {
      const shared = flags();
      await withThreads(async (a) => {
        const body: TaskGroupBody<void> = kind === "generator"
          ? function* (group) {
            group.createTask(call(groupJobs.holdUntilCancelled, shared, 0), { thread: a });
            while (Atomics.load(shared, 0) !== STARTED) yield* sleep(1);
            throw new SyntaxError("local failure");
          }
          : async (group) => {
            group.createTask(call(groupJobs.holdUntilCancelled, shared, 0), { thread: a });
            await until(shared, 0, STARTED);
            throw new SyntaxError("local failure");
          };
        const failure = await groupError(body);
        assert.ok(failure.errors[0] instanceof SyntaxError);
        assert.equal(Atomics.load(shared, 0), FINALLY_RAN);
      });
    },
  );
}

threadTest("leaving the group waits for every remote child, and their values arrive", async () => {
  const values = await withThreads(async (a, b) => {
    const tasks: Task<string>[] = [];
    await taskGroup(async (group) => {
      tasks.push(group.createTask(call(groupJobs.valueAfter, 20, "from a"), { thread: a, name: "on a" }));
      tasks.push(group.createTask(call(groupJobs.valueAfter, 10, "from b"), { thread: b }));
    });
    assert.equal(tasks[0].getName(), "on a");
    return tasks.map((task) => task.result());
  });
  assert.deepEqual(values, ["from a", "from b"]);
});

threadTest(
  "nothing lost: a remote task that finished before the cancel reached it gives its value, not a cancel",
  async () => {
    const shared = flags();
    await withThreads(async (a, b) => {
      let blocked: Task<string> | null = null;
      let swallowing: Task<string> | null = null;
      const failure = await groupError(async (group) => {
        blocked = group.createTask(call(groupJobs.blockThenReturn, shared, 0, 200), { thread: a });
        swallowing = group.createTask(call(groupJobs.returnOnCancel, shared, 1), { thread: b });
        await until(shared, 0, STARTED);
        await until(shared, 1, STARTED);
        throw new URIError("now"); // the body fails while thread a is blocked: the cancel waits there
      });
      assert.ok(failure.errors[0] instanceof URIError);
      assert.equal(blocked!.cancelled(), false);
      assert.equal(blocked!.result(), "finished before the cancel reached it");
      assert.equal(swallowing!.cancelled(), false);
      assert.equal(swallowing!.result(), "cleaned up and returned");
    });
  },
);

threadTest("a remote child cancelled before its first step sends nothing to its thread", async () => {
  const shared = flags();
  await withThreads(async (a) => {
    await groupError(async (group) => {
      group.createTask(call(groupJobs.countStart, shared, 0), { thread: a });
      throw new EvalError("at once"); // before the child's first step
    });
    // A call made later on the same thread runs after any earlier one would have: none was made.
    assert.equal(await a.runCoroutineThreadsafe(groupJobs.valueAfter, 0, "later"), "later");
    assert.equal(Atomics.load(shared, 0), 0);
  });
});

threadTest("a thread that dies fails its stand-in with BrokenThreadError, and the group cancels the rest", async () => {
  const shared = flags();
  await withThreads(async (a, b) => {
    const failure = await groupError(async (group) => {
      group.createTask(call(groupJobs.holdUntilCancelled, shared, 0), { thread: b });
      await until(shared, 0, STARTED);
      group.createTask(call(groupJobs.closeThreadAfter, 5), { thread: a });
    });
    assert.ok(failure.errors[0] instanceof BrokenThreadError, String(failure.errors[0]));
    assert.equal(Atomics.load(shared, 0), FINALLY_RAN);
  });
});

threadTest("bad input: what is not a thread, what is not a remote call, an ended thread", async () => {
  const ended = await LoopThread.start();
  await ended.stop();
  await withThreads(async (a) => {
    await taskGroup(async (group) => {
      assert.throws(
        () => group.createTask(call(groupJobs.valueAfter, 0, "x"), { thread: 42 as never }),
        (e) =>
          e instanceof TypeError &&
          /with \{ thread \}: expected a LoopThread or its loop \(thread\.loop\), received 42$/.test(e.message),
      );
      assert.throws(
        () => group.createTask(call(groupJobs.valueAfter, 0, "x"), { thread: newEventLoop() as never }),
        (e) => e instanceof TypeError && /an EventLoop of this thread/.test(e.message),
      );
      assert.throws(
        () => group.createTask((async () => "local") as never, { thread: a }),
        (e) => e instanceof TypeError && /remote call made by call\(/.test(e.message),
      );
      // A generator coroutine of this thread is refused, and closed as the group closes what it refuses.
      const local = (function* () {
        yield;
      })();
      assert.throws(
        () => group.createTask(local as never, { thread: a }),
        (e) => e instanceof TypeError && /remote call made by call\(/.test(e.message),
      );
      assert.deepEqual(local.next(), { value: undefined, done: true });
      assert.throws(
        () => group.createTask(call(groupJobs.valueAfter, 0, "x"), { thread: ended }),
        (e) => e instanceof InvalidStateError && /ended/.test(e.message),
      );
    });
  });
});

threadTest(
  "a cancel of the group's parent reaches the remote children, which end cancelled after their finally",
  async () => {
    const shared = flags();
    await withThreads(async (a) => {
      let child: Task<unknown> | null = null;
      const parent = async () => {
        await taskGroup(async (group) => {
          child = group.createTask(call(groupJobs.holdUntilCancelled, shared, 0), { thread: a });
          await sleep(1e9);
        });
      };
      const { createTask } = await import("../task.ts");
      const task = createTask(parent);
      await until(shared, 0, STARTED);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.equal(Atomics.load(shared, 0), FINALLY_RAN);
      assert.equal(child!.cancelled(), true);
    });
  },
);
