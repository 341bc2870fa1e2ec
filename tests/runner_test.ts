// Tests of run() and Runner against CPython 3.12's asyncio.run and asyncio.Runner, including Ctrl+C handling in
// real subprocesses (tests/fixtures/sigint_*.ts).
//
// Time-dependent tests make their loops with a VirtualClock (through `loopFactory`), so loop time is exact.

// A coroutine's kind is what a test is about, not whether its body happens to await: async functions without an
// await and generators without a yield are deliberate here.
// deno-lint-ignore-file require-await require-yield

import assert from "node:assert/strict";
import { CancelledError, InvalidStateError } from "../errors.ts";
import { type EventLoop, getEventLoop, getRunningLoop, newEventLoop, setEventLoop } from "../loop.ts";
import { run, Runner } from "../runner.ts";
import { sleep } from "../sleep.ts";
import { createTask, currentTask, type Task } from "../task.ts";
import { VirtualClock } from "../virtual_clock.ts";
import { interruptFixture } from "./_helpers.ts";

const virtualLoopFactory = (): EventLoop => newEventLoop({ clock: new VirtualClock() });

// ---- run() -------------------------------------------------------------------------------------------------------

Deno.test("run() returns the result of main, a generator object or an async function, as asyncio.run()", async () => {
  assert.equal(
    await run(async () => {
      await sleep(0);
      return "from async";
    }),
    "from async",
  );
  assert.equal(
    await run(function* () {
      yield* sleep(0);
      return "from generator";
    }()),
    "from generator",
  );
  assert.equal(
    await run(async () => await sleep(250, "slept"), { loopFactory: virtualLoopFactory }),
    "slept",
  );
});

Deno.test("run() makes a fresh loop for each call and closes it afterwards, as asyncio.run()", async () => {
  const first = await run(async () => getRunningLoop());
  const second = await run(function* () {
    return getRunningLoop();
  }());
  assert.notEqual(first, second);
  assert.equal(first.isClosed(), true);
  assert.equal(second.isClosed(), true);
  assert.equal(first.isRunning(), false);
});

Deno.test("run() cancels the tasks main left pending and waits for them (finally blocks run, even ones that await) before it resolves, as asyncio.run's _cancel_all_tasks", async () => {
  const log: string[] = [];
  let loop: EventLoop | null = null;
  const leftovers: Task<unknown>[] = [];
  const result = await run(async () => {
    loop = getRunningLoop();
    leftovers.push(createTask(async () => {
      try {
        await sleep(60_000);
      } finally {
        await sleep(5);
        log.push(`async leftover cleaned up at ${getRunningLoop().time()}`);
      }
    }));
    leftovers.push(createTask(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        log.push("generator leftover cleaned up");
      }
    }()));
    await sleep(0);
    return "main done";
  }, { loopFactory: virtualLoopFactory });
  assert.equal(result, "main done");
  assert.deepEqual(log.toSorted(), ["async leftover cleaned up at 5", "generator leftover cleaned up"]);
  assert.ok(leftovers.every((task) => task.cancelled()), "every leftover ends cancelled");
  assert.equal(loop!.isClosed(), true);
});

Deno.test("run() reports a leftover task that fails while being cancelled to the loop's exception handler, and still returns main's result, as asyncio.run's 'unhandled exception during asyncio.run() shutdown'", async () => {
  const failure = new RangeError("cleanup failed");
  const reported: unknown[] = [];
  let leftover: Task<unknown> | null = null;
  const result = await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, context) => reported.push(context.exception));
    leftover = createTask(async () => {
      try {
        await sleep(60_000);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw failure;
      }
    });
    await sleep(0);
    return 1;
  }, { loopFactory: virtualLoopFactory });
  assert.equal(result, 1);
  assert.deepEqual(reported, [failure]);
  assert.equal(leftover!.exception(), failure);
});

Deno.test("run() inside a running loop throws InvalidStateError without calling main, as asyncio.run's 'cannot be called from a running event loop'", async () => {
  const loop = newEventLoop();
  let called = false;
  const main = async () => {
    called = true;
  };
  const errors = await loop.runUntilComplete(async () => {
    const seen: unknown[] = [];
    await run(main).catch((error) => seen.push(error));
    const runner = new Runner();
    await runner.run(main).catch((error) => seen.push(error));
    await runner.close();
    return seen;
  });
  assert.equal(errors.length, 2);
  assert.ok(errors.every((error) => error instanceof InvalidStateError), String(errors));
  assert.equal(called, false);
  loop.close();
});

Deno.test("run() of a failing main rethrows its error after cancelling the leftover tasks and closing the loop, as asyncio.run()", async () => {
  const boom = new TypeError("main failed");
  const log: string[] = [];
  let loop: EventLoop | null = null;
  await assert.rejects(
    run(async () => {
      loop = getRunningLoop();
      createTask(async () => {
        try {
          await sleep(60_000);
        } finally {
          await sleep(0);
          log.push("leftover finally");
        }
      });
      await sleep(10);
      throw boom;
    }, { loopFactory: virtualLoopFactory }),
    (error) => {
      // The leftover was cleaned up before run() settled.
      assert.deepEqual(log, ["leftover finally"]);
      return error === boom;
    },
  );
  assert.equal(loop!.isClosed(), true);
});

Deno.test("run() of a main that ends cancelled (not by Ctrl+C) rethrows the CancelledError, as asyncio.run()", async () => {
  await assert.rejects(
    run(async () => {
      currentTask()!.cancel("self");
      await sleep(0);
    }),
    (error) => error instanceof CancelledError && error.message === "self",
  );
});

Deno.test("run(main, { debug: true }) runs the loop in debug mode, and run() without it does not, as asyncio.run(debug=True)", async () => {
  assert.equal(await run(async () => getRunningLoop().getDebug(), { debug: true }), true);
  assert.equal(await run(async () => getRunningLoop().getDebug()), false);
});

// ---- Runner ------------------------------------------------------------------------------------------------------

Deno.test("Runner.run() twice uses the same loop, and a task left by the first run keeps running in the second, as asyncio.Runner", async () => {
  const runner = new Runner({ loopFactory: virtualLoopFactory });
  const loop = runner.getLoop();
  let background: Task<string> | null = null;
  const first = await runner.run(async () => {
    background = createTask(async () => await sleep(100, "background done"));
    return getRunningLoop();
  });
  assert.equal(first, loop);
  assert.equal(loop.isClosed(), false);
  assert.equal(background!.done(), false);
  const second = await runner.run(function* () {
    yield* sleep(200);
    return getRunningLoop();
  }());
  assert.equal(second, loop);
  assert.equal(background!.result(), "background done");
  const fut = loop.createFuture<string>();
  loop.callLater(5, () => fut.setResult("a future of the runner's loop"));
  assert.equal(await runner.run(fut), "a future of the runner's loop");
  await runner.close();
  assert.equal(loop.isClosed(), true);
});

Deno.test("Runner.close() cancels what is left and closes the loop; a second close() does nothing; a closed Runner refuses run() and getLoop(), as asyncio.Runner", async () => {
  const runner = new Runner({ loopFactory: virtualLoopFactory });
  const loop = runner.getLoop();
  const log: string[] = [];
  const leftover = loop.createTask(async () => {
    try {
      await sleep(60_000);
    } finally {
      log.push("leftover finally");
    }
  });
  assert.equal(await runner.run(async () => "ran"), "ran");
  await runner.close();
  assert.equal(leftover.cancelled(), true);
  assert.deepEqual(log, ["leftover finally"]);
  assert.equal(loop.isClosed(), true);
  await runner.close();
  assert.throws(() => runner.getLoop(), InvalidStateError);
  await assert.rejects(runner.run(async () => "again"), InvalidStateError);
});

Deno.test("Runner.close() of a runner that never ran makes no loop and is fine twice, as asyncio.Runner", async () => {
  const runner = new Runner();
  await runner.close();
  await runner.close();
  assert.throws(() => runner.getLoop(), InvalidStateError);
});

Deno.test("`await using runner = new Runner()` closes the runner at the end of the scope, as `with asyncio.Runner()`", async () => {
  let loop: EventLoop | null = null;
  {
    await using runner = new Runner({ loopFactory: virtualLoopFactory });
    loop = runner.getLoop();
    assert.equal(await runner.run(async () => await sleep(10, 5)), 5);
    assert.equal(loop.isClosed(), false);
  }
  assert.equal(loop.isClosed(), true);
});

Deno.test("Runner({ debug: true }) makes a debug loop, as asyncio.Runner(debug=True)", async () => {
  await using runner = new Runner({ debug: true });
  assert.equal(runner.getLoop().getDebug(), true);
  assert.equal(await runner.run(async () => getRunningLoop().getDebug()), true);
});

Deno.test("Runner makes its loop the thread's event loop until it closes, as asyncio.Runner's set_event_loop", async () => {
  const runner = new Runner();
  const loop = runner.getLoop();
  assert.equal(getEventLoop(), loop);
  assert.equal(await runner.run(async () => getEventLoop()), loop);
  await runner.close();
  const afterwards = getEventLoop();
  try {
    assert.notEqual(afterwards, loop, "the closed loop is no longer the thread's event loop");
  } finally {
    afterwards.close();
    setEventLoop(null);
  }
});

// ---- Ctrl+C (SIGINT) in a real subprocess ------------------------------------------------------------------------

for (const kind of ["generator", "async function"]) {
  Deno.test(`Ctrl+C (SIGINT) during run() cancels main so its finally blocks run, then exits with code 130, as asyncio.run's KeyboardInterrupt [${kind}]`, async () => {
    const outcome = await interruptFixture("sigint_unhandled.ts", kind);
    assert.equal(outcome.code, 130, `stdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
    assert.equal(outcome.stdout, "started\nfinally ran\n");
    assert.match(outcome.stderr, /KeyboardInterrupt/);
  });

  Deno.test(`Ctrl+C (SIGINT) during run() whose main catches the CancelledError and returns: run() returns its value and the process exits 0, as asyncio.run [${kind}]`, async () => {
    const outcome = await interruptFixture("sigint_handled.ts", kind);
    assert.equal(outcome.code, 0, `stdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
    assert.equal(outcome.stdout, "started\ncaught CancelledError\nfinally ran\nrun() returned handled\n");
  });
}
