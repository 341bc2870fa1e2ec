// Issue 9, point 2 (second half): cancels reach what a task waits on, in both coroutine kinds. The matrix is
// combinator {plain await, waitFor, gather, wait, asCompleted, shield, timeout, taskGroup} × outer task {generator,
// async function} × moment {cancelled before its first step, cancelled while it waits, cancelled by itself just
// before it awaits} × what it waits on {a task made before it, a coroutine made in its body}. Each case asserts
// what CPython 3.12 does: whether the inner is cancelled, whether its finally ran before the outer saw the
// CancelledError, and that the outer ends cancelled.
//
// The reference run (python3 3.11 with 3.12's wait_for pasted as `wait_for312` = `async with timeout(t): return
// await fut`), the inner being `sleeper()` = `try: await sleep(0.2); log("done") finally: log("finally")`:
//   inner = create_task(sleeper("inner")); await sleep(0)
//   async def outer_coro():
//       if moment == "self": asyncio.current_task().cancel()
//       try: return await body()        # wait_for312(inner, 1) | gather(inner) | wait([inner], timeout=1) |
//                                       # next(as_completed([inner])) | shield(inner) |
//                                       # async with timeout(1): await inner |
//                                       # async with TaskGroup() as tg: tg.create_task(sleeper("child")); await inner
//       except BaseException as e: log("outer saw " + type(e).__name__); raise
//   outer = create_task(outer_coro()); "before": outer.cancel() | "waiting": await sleep(0.01); outer.cancel()
// printed (log when the outer ended; log after the inner's time):
//   any combinator, before:                       []                                      later: inner done, finally
//   waitFor/gather/timeout, waiting and self:     [inner finally, outer saw CancelledError]  later: []
//   taskGroup, waiting and self:                  [inner finally, child finally, outer saw CancelledError]
//   wait/asCompleted/shield, waiting and self:    [outer saw CancelledError]              later: inner done, finally
//   gather's own future: cancelled() False in every case (it fails with the CancelledError instead)
// and with a coroutine made in the body (`c = sleeper("inner")`, handed to the combinator) the same, except that
// gather(c) after cancelling itself cancels the child task before its first step: the log is only
// [outer saw CancelledError] (the child never ran), and taskGroup's list has no "child".

import assert from "node:assert/strict";
import { asCompleted } from "../as_completed.ts";
import { CancelledError } from "../errors.ts";
import { type Awaitable, Future } from "../future.ts";
import { gather } from "../gather.ts";
import type { EventLoop } from "../loop.ts";
import { shield } from "../shield.ts";
import { sleep } from "../sleep.ts";
import { type Coroutine, currentTask, type Task } from "../task.ts";
import { taskGroup } from "../task_group.ts";
import { timeout } from "../timeouts.ts";
import { wait } from "../wait.ts";
import { waitFor } from "../wait_for.ts";
import { coroutine, type Kind, KINDS, nameOf, virtualLoop } from "./_helpers.ts";

const COMBINATORS = ["await", "waitFor", "gather", "wait", "asCompleted", "shield", "timeout", "taskGroup"] as const;
type Combinator = (typeof COMBINATORS)[number];
const MOMENTS = ["before its first step", "while it waits", "after cancelling itself"] as const;
type Moment = (typeof MOMENTS)[number];
const FORMS = ["a task made before it", "a coroutine made in its body"] as const;
type Form = (typeof FORMS)[number];

/** What CPython cancels with the outer task (the others leave the inner running). */
const CANCELS_INNER = new Set<Combinator>(["await", "waitFor", "gather", "timeout", "taskGroup"]);

/** The CPython issue numbers a case reproduces, for its title. */
function reference(combinator: Combinator, moment: Moment): string {
  if (moment === "after cancelling itself" && (combinator === "await" || combinator === "waitFor")) {
    return " (bpo-34872)";
  }
  if (moment === "while it waits" && combinator === "waitFor") return " (bpo-23219)";
  return "";
}

/** The inner coroutine: sleeps 1000 ms, logging when it is done and when its finally runs. */
function sleeper(kind: Kind, name: string, log: string[]): Coroutine<string> {
  return coroutine(kind, function* () {
    try {
      yield* sleep(1000);
      log.push(`${name} done`);
      return `${name} done`;
    } finally {
      log.push(`${name} finally`);
    }
  }, async () => {
    try {
      await sleep(1000);
      log.push(`${name} done`);
      return `${name} done`;
    } finally {
      log.push(`${name} finally`);
    }
  });
}

type Target = Task<string> | Coroutine<string>;

/** `await target` inside a generator: a task is delegated to, a generator coroutine runs right here. */
function* yieldTo(target: Target): Generator<unknown, string, unknown> {
  if (target instanceof Future) return yield* target;
  return yield* target as Generator<unknown, string, unknown>;
}

/** `await target` inside an async function: a task is awaited, an async function is called right here. */
async function awaitOn(target: Target): Promise<string> {
  if (target instanceof Future) return await target;
  return await (target as () => Promise<string>)();
}

interface Made {
  gathering?: Future<unknown>;
  child?: Task<string>;
}

/** What the outer awaits: `combinator` over `target`, made in the outer's step ("await" is the outer's own). */
function combine(
  combinator: Exclude<Combinator, "await">,
  kind: Kind,
  target: Target,
  made: Made,
  log: string[],
): Awaitable<unknown> {
  switch (combinator) {
    case "waitFor":
      return waitFor(target, 500);
    case "gather":
      return made.gathering = gather(target);
    case "wait":
      return wait([target], { timeout: 500 });
    case "asCompleted": {
      const [first] = asCompleted([target]);
      return first;
    }
    case "shield":
      return shield(target);
    case "timeout":
      return timeout(500, kind === "generator" ? () => yieldTo(target) : () => awaitOn(target));
    case "taskGroup":
      if (target instanceof Future) {
        // The group's own child, and the task made before: the body waits on the latter.
        return taskGroup(
          kind === "generator"
            ? function* (group) {
              made.child = group.createTask(sleeper(kind, "child", log));
              return yield* target;
            }
            : async (group) => {
              made.child = group.createTask(sleeper(kind, "child", log));
              return await target;
            },
        );
      }
      return taskGroup(
        kind === "generator"
          ? function* (group) {
            made.child = group.createTask(target);
            yield* sleep(500);
          }
          : async (group) => {
            made.child = group.createTask(target);
            await sleep(500);
          },
      );
  }
}

interface Expected {
  /** The log when the outer task has ended. */
  atOuterEnd: string[];
  /** What is logged after that, once the inner's time has passed. */
  later: string[];
}

function expected(combinator: Combinator, moment: Moment, form: Form): Expected {
  const madeBefore = form === "a task made before it";
  if (moment === "before its first step") {
    // The outer's body never runs: only a task made before it exists, and it runs to its end untouched.
    return { atOuterEnd: [], later: madeBefore ? ["inner done", "inner finally"] : [] };
  }
  if (!CANCELS_INNER.has(combinator)) {
    return { atOuterEnd: ["outer saw CancelledError"], later: ["inner done", "inner finally"] };
  }
  if (combinator === "gather" && moment === "after cancelling itself" && !madeBefore) {
    // gather() wrapped the coroutine in a task that is cancelled before its first step: it never ran.
    return { atOuterEnd: ["outer saw CancelledError"], later: [] };
  }
  if (combinator === "taskGroup" && madeBefore) {
    return { atOuterEnd: ["inner finally", "child finally", "outer saw CancelledError"], later: [] };
  }
  return { atOuterEnd: ["inner finally", "outer saw CancelledError"], later: [] };
}

async function runCase(combinator: Combinator, kind: Kind, moment: Moment, form: Form): Promise<void> {
  const loop: EventLoop = virtualLoop();
  const log: string[] = [];
  const made: Made = {};
  let inner: Task<string> | null = null;
  if (form === "a task made before it") {
    inner = loop.createTask(sleeper(kind, "inner", log));
    await loop.runUntilComplete(sleep(0)); // it is asleep when the outer starts
  }
  const target = (): Target => inner ?? sleeper(kind, "inner", log);
  const selfCancel = moment === "after cancelling itself";
  const outer = loop.createTask(coroutine(kind, function* () {
    if (selfCancel) currentTask()!.cancel();
    try {
      if (combinator === "await") return yield* yieldTo(target());
      return yield* combine(combinator, kind, target(), made, log);
    } catch (error) {
      log.push(`outer saw ${nameOf(error)}`);
      throw error;
    }
  }, async () => {
    if (selfCancel) currentTask()!.cancel();
    try {
      if (combinator === "await") return await awaitOn(target());
      return await combine(combinator, kind, target(), made, log);
    } catch (error) {
      log.push(`outer saw ${nameOf(error)}`);
      throw error;
    }
  }));
  if (moment === "before its first step") outer.cancel();
  if (moment === "while it waits") loop.callLater(1, () => outer.cancel());

  await assert.rejects(loop.runUntilComplete(outer), CancelledError);
  const atOuterEnd = [...log];
  await loop.runUntilComplete(sleep(2000));
  const later = log.slice(atOuterEnd.length);

  const want = expected(combinator, moment, form);
  assert.equal(outer.cancelled(), true, "the outer task ends cancelled");
  assert.deepEqual(atOuterEnd, want.atOuterEnd, "the log when the outer task ended");
  assert.deepEqual(later, want.later, "the log after the inner's time");
  if (inner !== null) {
    const innerCancelled = moment !== "before its first step" && CANCELS_INNER.has(combinator);
    assert.equal(inner.cancelled(), innerCancelled, `the inner task is ${innerCancelled ? "" : "not "}cancelled`);
    if (!innerCancelled) assert.equal(inner.result(), "inner done");
  }
  if (made.gathering !== undefined) {
    assert.equal(made.gathering.done(), true);
    assert.equal(made.gathering.cancelled(), false, "CPython's gather future fails with the CancelledError");
    assert.ok(made.gathering.exception() instanceof CancelledError);
  }
  if (made.child !== undefined) assert.equal(made.child.cancelled(), true, "the group's child is cancelled");
  loop.close();
}

for (const combinator of COMBINATORS) {
  Deno.test(`cancelling a task that awaits ${combinator === "await" ? "another task" : `${combinator}()`} does what CPython 3.12 does, for both coroutine kinds, at each moment`, async (t) => {
    for (const kind of KINDS) {
      for (const moment of MOMENTS) {
        for (const form of FORMS) {
          await t.step(
            `${kind} task, cancelled ${moment}, waiting on ${form}${reference(combinator, moment)}`,
            () => runCase(combinator, kind, moment, form),
          );
        }
      }
    }
  });
}

// ---- gather() with one child cancelled ------------------------------------------------------------------------
//
//   a = create_task(sleeper("a")); b = create_task(sleeper("b")); g = asyncio.gather(a, b)
//   o = create_task(outer())  # return await g;  await sleep(0); a.cancel()
//   await o                   # raises CancelledError; o.cancelled() True
//   g.done() True, g.cancelled() False, type(g.exception()) CancelledError; b not cancelled, await b == "b"
//   return_exceptions=True:   await g == [CancelledError(), "b"], g.cancelled() False

for (const kind of KINDS) {
  Deno.test(`gather() with one child cancelled and returnExceptions false fails with CancelledError yet is not cancelled(), the others go on, and the awaiting task ends cancelled, as CPython's _GatheringFuture (${kind})`, async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const a = loop.createTask(sleeper(kind, "a", log));
    const b = loop.createTask(sleeper(kind, "b", log));
    const gathering = gather(a, b);
    const outer = loop.createTask(coroutine(kind, function* () {
      return yield* gathering;
    }, async () => await gathering));
    loop.callLater(1, () => a.cancel());
    await assert.rejects(loop.runUntilComplete(outer), CancelledError);
    assert.equal(outer.cancelled(), true);
    assert.equal(gathering.done(), true);
    assert.equal(gathering.cancelled(), false);
    assert.ok(gathering.exception() instanceof CancelledError);
    assert.equal(b.done(), false);
    assert.equal(await loop.runUntilComplete(b), "b done");
    assert.deepEqual(log, ["a finally", "b done", "b finally"]);
    loop.close();
  });

  Deno.test(`gather() with one child cancelled and returnExceptions true gives its CancelledError as a result and is not cancelled(), as CPython (${kind})`, async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const a = loop.createTask(sleeper(kind, "a", log));
    const b = loop.createTask(sleeper(kind, "b", log));
    const gathering = gather([a, b], { returnExceptions: true });
    loop.callLater(1, () => a.cancel());
    const results = await loop.runUntilComplete(coroutine(kind, function* () {
      return yield* gathering;
    }, async () => await gathering));
    assert.ok(results[0] instanceof CancelledError);
    assert.equal(results[1], "b done");
    assert.equal(gathering.cancelled(), false);
    loop.close();
  });
}

// ---- waitFor() does not swallow a cancel (gh-86296, bpo-42130) ------------------------------------------------
//
//   f = loop.create_future(); outer = create_task(wait_for312(f, 1)); await sleep(0)
//   loop.call_soon(lambda: (f.set_result("inner result"), outer.cancel()))
//   await outer   # CancelledError; outer.cancelled() True; f.result() "inner result" (3.11's old wait_for
//                 # returned the result and dropped the cancel)

for (const kind of KINDS) {
  Deno.test(`waitFor() whose inner completes in the iteration the outer is cancelled lets the CancelledError through, as CPython 3.12 (gh-86296, bpo-42130) (${kind})`, async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<string>();
    const outer = loop.createTask(coroutine(kind, function* () {
      return yield* waitFor(future, 500);
    }, async () => await waitFor(future, 500)));
    await loop.runUntilComplete(sleep(0));
    loop.callSoon(() => {
      future.setResult("inner result");
      outer.cancel();
    });
    await assert.rejects(loop.runUntilComplete(outer), CancelledError);
    assert.equal(outer.cancelled(), true);
    assert.equal(future.result(), "inner result");
    loop.close();
  });
}
