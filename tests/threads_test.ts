// Tests of the thread side as a whole (threads.ts): workers that end badly, what run() stops, programs that forget
// their threads, and the library imported over http.

import assert from "node:assert/strict";
import { BrokenThreadError } from "../concurrent_future.ts";
import { InvalidStateError } from "../errors.ts";
import { newEventLoop } from "../loop.ts";
import { runLoopShutdownHooks } from "../_loop_shutdown.ts";
import { run } from "../runner.ts";
import { LoopThread } from "../loop_thread.ts";
import { WorkerPoolExecutor } from "../worker_pool.ts";
import { jobs, JOBS_URL, LONG, runProgram, threadTest } from "./_threads.ts";

threadTest(
  "a worker that crashes, exits, closes itself or is terminated fails every pending future with BrokenThreadError (BrokenThreadPool)",
  async (t) => {
    for (const [how, pattern] of [["throw", /crashed/], ["exit", /exited with code 3/], ["close", /closed itself/]]) {
      await t.step(`the worker ends by ${how}`, async () => {
        const thread = await LoopThread.start({ name: how as string });
        const pending = thread.runCoroutineThreadsafe(jobs.waitForever, "victim");
        thread.runCoroutineThreadsafe(jobs.crash, how as string, 5);
        await assert.rejects(
          async () => await pending,
          (error: Error) =>
            error instanceof BrokenThreadError && (pattern as RegExp).test(error.message) &&
            /before thread_jobs\.waitForever\(\) finished/.test(error.message),
        );
        if (how === "throw") assert.match(String((pending.exception() as Error).cause), /crashed on purpose/);
        await thread.join();
        assert.equal(thread.isAlive(), false);
        assert.throws(() => thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 1, 0), InvalidStateError);
      });
    }
    await t.step("a thread blocked in result() learns of the crash (no hang)", async () => {
      const thread = await LoopThread.start();
      const pending = thread.runCoroutineThreadsafe(jobs.waitForever, "blocked on");
      thread.runCoroutineThreadsafe(jobs.crash, "exit", 20);
      assert.throws(() => pending.result(LONG), BrokenThreadError);
      await thread.join();
    });
    await t.step("terminate()", async () => {
      const thread = await LoopThread.start();
      const pending = thread.runCoroutineThreadsafe(jobs.waitForever, "terminated");
      await thread.runCoroutineThreadsafe(jobs.whenStarted);
      await thread.terminate();
      assert.throws(
        () => pending.result(0),
        (error: Error) => error instanceof BrokenThreadError && /terminated/.test(error.message),
      );
    });
    await t.step("a pool replaces a crashed worker and goes on with the queue", async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const crashing = pool.submit(jobs.crash, "exit", 5);
      const next = pool.submit(jobs.fib, 10);
      assert.throws(() => crashing.result(LONG), BrokenThreadError);
      assert.equal(next.result(LONG), 55);
      await pool.shutdown();
    });
  },
);

threadTest(
  "runLoopShutdownHooks(loop) (what run() calls) stops the loop threads and pools started while the loop ran",
  async () => {
    const loop = newEventLoop();
    const [thread, pool, before] = await loop.runUntilComplete(async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await pool.submit(jobs.fib, 5);
      return [await LoopThread.start(), pool, String(pool)] as const;
    });
    assert.match(before, /workers=1\/1/);
    await runLoopShutdownHooks(loop);
    assert.equal(thread.isAlive(), false);
    assert.match(String(pool), /workers=0\/1/);
    assert.throws(() => pool.submit(jobs.fib, 1), InvalidStateError);
    loop.close();
  },
);

Deno.test({
  name: "run() stops the loop threads and pools started during the run, as asyncio.run shuts down its executors",
  fn: async () => {
    let thread: LoopThread | null = null;
    let pool: WorkerPoolExecutor | null = null;
    await run(async () => {
      thread = await LoopThread.start();
      pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await pool.submit(jobs.fib, 5);
    });
    assert.equal(thread!.isAlive(), false);
    assert.match(String(pool), /workers=0\/1/);
  },
});

threadTest(
  "a program that forgets to stop a LoopThread or a pool still exits, once its pending calls are done (daemon threads); debug mode warns",
  async () => {
    const threadsUrl = new URL("../threads.ts", import.meta.url).href;
    const program = (debug: boolean) => `
    import { LoopThread, WorkerPoolExecutor, workerModule } from ${JSON.stringify(threadsUrl)};
    const jobs = workerModule(${JSON.stringify(JOBS_URL.href)});
    const thread = await LoopThread.start({ name: "forgotten", debug: ${debug} });
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    console.log(await pool.submit(jobs.fib, 10));
    thread.runCoroutineThreadsafe(jobs.slowAdd, 1, 2, 50).then((value) => console.log("pending call finished", value));
    console.log("end of main");
  `;
    const quiet = await runProgram(program(false));
    assert.equal(quiet.code, 0);
    assert.equal(quiet.out, "55\nend of main\npending call finished 3\n");
    const debug = await runProgram(program(true));
    assert.equal(debug.code, 0);
    assert.match(debug.out, /<LoopThread "forgotten" running> was never stopped/);
  },
);

threadTest("the library works when imported over http: workers find their bootstrap next to threads.ts", async () => {
  const root = new URL("../", import.meta.url);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const path = new URL(request.url).pathname;
    try {
      const body = await Deno.readFile(new URL(`.${path}`, root));
      return new Response(body, { headers: { "content-type": "application/typescript" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const cache = await Deno.makeTempDir();
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const { code, out } = await runProgram(
      `
      import { call, LoopThread, runCoroutineThreadsafe, workerModule } from "${base}/threads.ts";
      const jobs = workerModule(new URL("${base}/tests/fixtures/thread_jobs.ts"));
      const thread = await LoopThread.start({ name: "remote" });
      console.log(await runCoroutineThreadsafe(call(jobs.slowAdd, 20, 22, 1), thread.loop));
      console.log(JSON.stringify(await thread.runCoroutineThreadsafe(jobs.loopFacts)));
      await thread.stop();
    `,
      { DENO_DIR: cache },
    );
    assert.equal(code, 0, out);
    assert.equal(out, '42\n{"sameLoop":true,"name":"remote","running":true}\n');
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});
