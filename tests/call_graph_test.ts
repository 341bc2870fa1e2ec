// deno-lint-ignore-file require-await require-yield no-regex-spaces
// The await call graph (CPython 3.14's asyncio.capture_call_graph / format_call_graph): who awaits whom through
// each combinator, in both coroutine kinds, the frames in debug mode, and the Ctrl+C report of run(debug).

import assert from "node:assert/strict";
import {
  captureCallGraph,
  formatCallGraph,
  type FrameCallGraphEntry,
  type FutureCallGraph,
  printCallGraph,
} from "../call_graph.ts";
import type { Awaitable, Future } from "../future.ts";
import { gather } from "../gather.ts";
import type { EventLoop } from "../loop.ts";
import { shield } from "../shield.ts";
import { sleep } from "../sleep.ts";
import { type Coroutine, currentTask, type Task } from "../task.ts";
import { taskGroup } from "../task_group.ts";
import { timeout } from "../timeouts.ts";
import { wait } from "../wait.ts";
import { waitFor } from "../wait_for.ts";
import { coroutine, interruptFixture, inVirtualTime, type Kind, KINDS } from "./_helpers.ts";

/** A coroutine of `kind` that awaits what `operation()` returns. */
function awaits(kind: Kind, operation: () => Awaitable<unknown> | Future<unknown>): Coroutine<unknown> {
  return coroutine(kind, function* () {
    return yield* operation() as Awaitable<unknown>;
  }, async () => await operation());
}

/** Every future and task above `graph`, breadth first. */
function above(graph: FutureCallGraph): Future<unknown>[] {
  const found: Future<unknown>[] = [];
  const queue = [...graph.awaitedBy];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next.future);
    queue.push(...next.awaitedBy);
  }
  return found;
}

/**
 * Starts `main` (of `kind`) on a virtual-time loop, lets it run until every task is suspended, calls `look` with
 * the loop, then cancels what is left.
 */
async function whileSuspended(
  main: (loop: EventLoop) => Coroutine<unknown>,
  look: (loop: EventLoop, main: Task<unknown>) => void,
  debug = false,
): Promise<void> {
  await inVirtualTime(async (loop) => {
    loop.setDebug(debug);
    const task = loop.createTask(main(loop), { name: "main" });
    let looked = false;
    loop.callLater(50, () => {
      look(loop, task);
      looked = true;
      task.cancel();
    });
    await loop.runUntilComplete(task).catch(() => {});
    assert.equal(looked, true, "the loop never reached the look");
  });
}

/** A task named "worker" whose coroutine, `napping`, sleeps a long time. */
function nappingWorker(loop: EventLoop, kind: Kind): Task<unknown> {
  return loop.createTask(
    coroutine(kind, function* napping() {
      yield* sleep(1000);
    }, async function napping() {
      await sleep(1000);
    }),
    { name: "worker" },
  );
}

for (const kind of KINDS) {
  Deno.test(`call graph, ${kind}`, async (t) => {
    await t.step("a plain await: the future is awaited by the task, the task by the one awaiting it", async () => {
      let future: Future<void> | null = null;
      let worker: Task<unknown> | null = null;
      await whileSuspended((loop) => {
        future = loop.createFuture<void>();
        worker = loop.createTask(awaits(kind, () => future!), { name: "worker" });
        return awaits(kind, () => worker!);
      }, (_loop, main) => {
        const graph = captureCallGraph(future!)!;
        assert.equal(graph.future, future);
        assert.deepEqual(graph.callStack, []); // a plain future has no frames, as in CPython
        assert.deepEqual(graph.awaitedBy.map((g) => g.future), [worker]);
        assert.deepEqual(graph.awaitedBy[0].awaitedBy.map((g) => g.future), [main]);
        assert.deepEqual(graph.awaitedBy[0].awaitedBy[0].awaitedBy, []);
      });
    });

    await t.step("gather: each child is awaited by the gather's future, awaited by the task", async () => {
      const children: Task<unknown>[] = [];
      await whileSuspended((loop) => {
        children.push(loop.createTask(awaits(kind, () => sleep(1000)), { name: "a" }));
        children.push(loop.createTask(awaits(kind, () => sleep(1000)), { name: "b" }));
        return awaits(kind, () => gather(...children));
      }, (_loop, main) => {
        for (const child of children) {
          const graph = captureCallGraph(child)!;
          assert.equal(graph.awaitedBy.length, 1);
          const gathering = graph.awaitedBy[0];
          assert.equal(typeof (gathering.future as Task<unknown>).getName, "undefined"); // a Future, not a Task
          assert.deepEqual(gathering.awaitedBy.map((g) => g.future), [main]);
        }
      });
    });

    await t.step("taskGroup: each child is awaited by the task that runs the group", async () => {
      const children: Task<unknown>[] = [];
      await whileSuspended(() =>
        awaits(kind, () =>
          taskGroup(function* (group) {
            children.push(group.createTask(awaits(kind, () => sleep(1000)), { name: "child" }));
            yield* sleep(1000);
          })), (_loop, main) => {
        assert.equal(children.length, 1);
        assert.ok(above(captureCallGraph(children[0])!).includes(main));
      });
    });

    await t.step("shield: the inner task is awaited by the shield's future, awaited by the task", async () => {
      let inner: Task<unknown> | null = null;
      await whileSuspended((loop) => {
        inner = loop.createTask(awaits(kind, () => sleep(1000)), { name: "inner" });
        return awaits(kind, () => shield(inner!));
      }, (_loop, main) => {
        const graph = captureCallGraph(inner!)!;
        assert.equal(graph.awaitedBy.length, 1);
        assert.notEqual(graph.awaitedBy[0].future, main); // the shield's own future…
        assert.deepEqual(graph.awaitedBy[0].awaitedBy.map((g) => g.future), [main]); // …which main awaits
      });
    });

    // waitFor, timeout and wait: the inner task is awaited, directly or through a waiter future, by the task.
    const through: [string, (inner: Task<unknown>) => Awaitable<unknown>][] = [
      ["waitFor", (inner) => waitFor(inner, 500)],
      ["timeout", (inner) =>
        timeout(
          500,
          kind === "generator"
            ? function* () {
              yield* inner;
            }
            : async () => await inner,
        )],
      ["wait", (inner) => wait([inner])],
    ];
    for (const [combinator, awaitInner] of through) {
      await t.step(`${combinator}: the inner task is awaited by the waiting task`, async () => {
        let inner: Task<unknown> | null = null;
        await whileSuspended((loop) => {
          inner = loop.createTask(awaits(kind, () => sleep(1000)), { name: "inner" });
          return awaits(kind, () => awaitInner(inner!));
        }, (_loop, main) => {
          assert.ok(above(captureCallGraph(inner!)!).includes(main));
        });
      });
    }

    // A suspended task's frames: recorded where it suspends in debug mode; outside it, its coroutine's name only.
    const frameChecks: [string, boolean, (frame: FrameCallGraphEntry, worker: Task<unknown>) => void][] = [
      ["debug mode: a suspended task's frames name its function and this file", true, (frame) => {
        assert.equal(frame.functionName, "napping");
        assert.match(frame.fileName!, /call_graph_test\.ts$/);
        assert.ok(frame.lineNumber! > 0);
      }],
      [
        "outside debug mode: the coroutine's name, no location, and the text says how to get one",
        false,
        (frame, worker) => {
          assert.equal(frame.fileName, null);
          assert.equal(frame.functionName, kind === "generator" ? "<generator>" : "napping");
          assert.match(formatCallGraph(worker), /location unknown: run in debug mode/);
        },
      ],
    ];
    for (const [title, debug, check] of frameChecks) {
      await t.step(title, async () => {
        let worker: Task<unknown> | null = null;
        await whileSuspended(
          (loop) => {
            worker = nappingWorker(loop, kind);
            return awaits(kind, () => worker!);
          },
          () => check(captureCallGraph(worker!)!.callStack[0], worker!),
          debug,
        );
      });
    }

    await t.step("the current task: its live stack, depth and limit", async () => {
      await inVirtualTime(async (loop) => {
        const outer = coroutine(kind, function* outerFrame() {
          return innerFrame();
        }, async function outerFrame() {
          return innerFrame();
        });
        let printed = "";
        function innerFrame(): [FutureCallGraph, FutureCallGraph, FutureCallGraph, string, string] {
          const log = console.log;
          console.log = (text: string) => void (printed = text);
          try {
            printCallGraph(undefined, { depth: 2 });
          } finally {
            console.log = log;
          }
          return [
            captureCallGraph()!,
            captureCallGraph(undefined, { depth: 2 })!,
            captureCallGraph(currentTask()!, { limit: 1 })!,
            formatCallGraph(),
            printed,
          ];
        }
        const [whole, skipped, limited, text, printedText] = await loop.runUntilComplete(outer) as [
          FutureCallGraph,
          FutureCallGraph,
          FutureCallGraph,
          string,
          string,
        ];
        assert.deepEqual(whole.callStack.slice(0, 2).map((f) => f.functionName), ["innerFrame", "outerFrame"]);
        assert.equal(skipped.callStack[0].functionName, "outerFrame");
        assert.equal(limited.callStack.length, 1);
        assert.equal(limited.callStack[0].functionName, "innerFrame");
        // format and print count depth from their own caller too (their frames, as captureCallGraph's, are left out).
        assert.match(text.split("\n")[2], /in innerFrame\(\)$/);
        assert.match(printedText.split("\n")[2], /in outerFrame\(\)$/);
      });
    });
  });
}

Deno.test("call graph: a done task has no frames and no awaiters; no task running gives null and an empty text", async () => {
  await inVirtualTime(async (loop) => {
    const task = loop.createTask(async () => 1);
    await loop.runUntilComplete(task);
    assert.deepEqual(captureCallGraph(task), { future: task, callStack: [], awaitedBy: [] });
    assert.equal(captureCallGraph(), null);
    assert.equal(formatCallGraph(), "");
  });
});

Deno.test("call graph: the text in CPython's layout (ids masked)", async () => {
  let child: Task<unknown> | null = null;
  await whileSuspended((loop) => {
    const never = loop.createFuture();
    child = loop.createTask(
      function* () {
        yield* never;
      }(),
      { name: "child" },
    );
    return function* () {
      yield* child!;
    }();
  }, () => {
    const text = formatCallGraph(child!).replace(/0x[0-9a-f]+/g, "0x…");
    assert.equal(
      text,
      [
        "* Task(name='child', id=0x…)",
        "  + Call stack:",
        "  |   <generator>() — location unknown: run in debug mode to see where it waits",
        "  + Awaited by:",
        "    * Task(name='main', id=0x…)",
        "      + Call stack:",
        "      |   <generator>() — location unknown: run in debug mode to see where it waits",
      ].join("\n"),
    );
  });
});

Deno.test("call graph: bad input is a TypeError naming it", () => {
  assert.throws(() => captureCallGraph(42 as never), (e) => e instanceof TypeError && /42/.test(e.message));
  assert.throws(
    () => captureCallGraph(Promise.resolve() as never),
    (e) => e instanceof TypeError && /Promise/.test(e.message),
  );
  assert.throws(
    () => formatCallGraph(undefined, { limit: 1.5 }),
    (e) => e instanceof TypeError && /limit.*1\.5/.test(e.message),
  );
  assert.throws(
    () => printCallGraph(undefined, { depth: NaN }),
    (e) => e instanceof TypeError && /depth.*NaN/.test(e.message),
  );
});

for (const kind of KINDS) {
  Deno.test(`run(main, { debug: true }): the first Ctrl+C prints the call graph of every live task, then cancels [${kind}]`, async () => {
    const outcome = await interruptFixture("hung_program.ts", kind);
    assert.equal(outcome.code, 130, `stdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
    assert.match(outcome.stderr, /the call graphs of the 3 live tasks/);
    assert.match(
      outcome.stderr,
      /\* Task\(name='stuck', id=0x[0-9a-f]+\)\n  \+ Call stack:\n  \|   File '[^']*hung_program\.ts', line \d+, in waitForever/,
    );
    assert.match(
      outcome.stderr,
      /\* Task\(name='sleeper'[^\n]*\n  \+ Call stack:\n  \|   File '[^']*hung_program\.ts', line \d+, in napping\(\)/,
    );
    assert.match(
      outcome.stderr,
      /  \+ Awaited by:\n    \* Future\(id=0x[0-9a-f]+\)\n      \+ Awaited by:\n        \* Task\(name='Task-1'/,
    );
    assert.match(outcome.stderr, /KeyboardInterrupt/);
  });
}
