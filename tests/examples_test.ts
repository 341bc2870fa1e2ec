// Runs each tutorial example (examples/NN_*.ts) as a subprocess and checks the key lines of its output.
// Durations are not asserted strictly: only that concurrent sleeps beat their sequential sum.

import assert from "node:assert/strict";

const examples: URL = new URL("../examples/", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

async function runExample(name: string): Promise<Run> {
  const output: Deno.CommandOutput = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(name, examples).pathname],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout: string = new TextDecoder().decode(output.stdout);
  const stderr: string = new TextDecoder().decode(output.stderr);
  return { code: output.code, stdout, stderr, lines: stdout.split("\n").map((l) => l.trimEnd()) };
}

function assertOk(run: Run): void {
  assert.equal(run.code, 0, `exit code ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.equal(run.stderr, "", `unexpected stderr:\n${run.stderr}`);
}

/** Asserts that `wanted` appear in `lines` in this order (other lines may come between). */
function assertInOrder(lines: string[], wanted: (string | RegExp)[]): void {
  let at = 0;
  for (const want of wanted) {
    const found: number = lines.findIndex((line, i) =>
      i >= at && (typeof want === "string" ? line === want : want.test(line))
    );
    assert.ok(found >= 0, `missing ${want} (after line ${at}) in:\n${lines.join("\n")}`);
    at = found + 1;
  }
}

Deno.test("01_coroutine: runs the coroutine, then done() is true and result() is OK", async () => {
  const run: Run = await runExample("01_coroutine.ts");
  assertOk(run);
  assertInOrder(run.lines, ["The demo_exp data is  Hello World", "true", "OK"]);
});

Deno.test("02_done_callbacks: both callbacks run, the second with its bound argument", async () => {
  const run: Run = await runExample("02_done_callbacks.ts");
  assertOk(run);
  assertInOrder(run.lines, ["The demo_exp data is  Hello World", "callback_1: OK", "callback_2: OK_Python"]);
});

Deno.test("03_concurrent_sleeps: results in order 1, 5, 8, in about the longest sleep", async () => {
  const run: Run = await runExample("03_concurrent_sleeps.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    "Waiting:  1",
    "Waiting:  5",
    "Waiting:  8",
    "task result is: slept 1 units",
    "task result is: slept 5 units",
    "task result is: slept 8 units",
    /^TIME: /,
  ]);
  const time: RegExpMatchArray | null = run.stdout.match(/^TIME:\s+([\d.]+) units$/m);
  assert.ok(time !== null, run.stdout);
  const units: number = Number(time[1]);
  assert.ok(units >= 7.9, `TIME ${units} units: the 8-unit sleep cannot end sooner`);
  assert.ok(units < 12, `TIME ${units} units: sequential sleeps would take 14`);
});

Deno.test("04_create_task: three ways to make a Task, and both coroutine kinds", async () => {
  const run: Run = await runExample("04_create_task.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    /^1\. ensureFuture\(coro\): type=Task /,
    "   ensureFuture(task) is task: true",
    /^2\. createTask\(coro\) outside a running loop: InvalidStateError: /,
    /^2\. createTask\(coro\) inside a coroutine: type=Task name=made-inside /,
    /^3\. loop\.createTask\(coro\): type=Task /,
    "result: made by ensureFuture",
    "result: made by createTask",
    "result: made by loop.createTask",
    "sleep() is a Future: false | isFuture: false",
    "sleep() is awaitable: true | iterable (yield*): true",
  ]);
  for (let i = 1; i <= 4; i++) {
    assert.ok(run.lines.some((l) => l.startsWith(`Hello, hello_${i} `)), `hello_${i} missing:\n${run.stdout}`);
  }
  assert.equal(run.lines.filter((l) => /^done: type=Task .*<Task finished /.test(l)).length, 4, run.stdout);
});

Deno.test("05_task_states: pending, running, done, cancelled", async () => {
  const run: Run = await runExample("05_task_states.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    /^created: +state=pending +<Task pending name='finishing' /,
    /^after one loop pass: +state=running +<Task pending name='finishing' /,
    /^after runUntilComplete: +state=done +<Task finished result='slept 1 units' name='finishing' /,
    "cancel() returned: true",
    /^right after cancel\(\): +state=running /,
    "runUntilComplete raised CancelledError",
    /^after the loop ran: +state=cancelled +<Task cancelled name='cancelling' /,
  ]);
});

function assertCancelOutput(lines: string[]): void {
  assertInOrder(lines, [
    "Waiting:  1",
    "Waiting:  5",
    "Waiting:  8",
    "KeyboardInterrupt (SIGINT)",
    /^allTasks: /,
    "false",
    "true",
    "true",
    /<Task finished result='slept 1 units'/,
    /<Task cancelled /,
    /<Task cancelled /,
  ]);
}

Deno.test("06_cancel_on_ctrl_c: without a Ctrl+C it simulates one; cancel() gives false, true, true", async () => {
  const run: Run = await runExample("06_cancel_on_ctrl_c.ts");
  assertOk(run);
  assert.ok(run.lines.includes("(no Ctrl+C within 2 units: sending SIGINT to ourselves)"), run.stdout);
  assertCancelOutput(run.lines);
});

/** Runs an example and sends it a real SIGINT once its three tasks run, past the 1-unit task. */
async function runWithSigint(name: string): Promise<Run> {
  const child: Deno.ChildProcess = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(name, examples).pathname],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr: Promise<string> = new Response(child.stderr).text();
  let stdout = "";
  let sent = false;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    stdout += decoder.decode(chunk, { stream: true });
    // Once the three tasks run the listener is installed; the 1-unit task finishes before the SIGINT lands.
    if (!sent && stdout.includes("Waiting:  8")) {
      sent = true;
      await new Promise((resolve) => setTimeout(resolve, 130)); // past the 1-unit task, before the 2-unit fallback
      child.kill("SIGINT");
    }
  }
  const status: Deno.CommandStatus = await child.status;
  return { code: status.code, stdout, stderr: await stderr, lines: stdout.split("\n") };
}

Deno.test("06_cancel_on_ctrl_c: a real SIGINT from outside is handled the same way", async () => {
  const run: Run = await runWithSigint("06_cancel_on_ctrl_c.ts");
  assertOk(run);
  // The fallback may still win on a very slow machine; only check the common, cancel-related lines then.
  assertCancelOutput(run.lines);
});

Deno.test("07_gather_vs_wait: gather gives results in input order, wait gives done and pending sets", async () => {
  const run: Run = await runExample("07_gather_vs_wait.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    "== 1. gather",
    '[ "slept 1 units", "slept 5 units" ]',
    "== 2. wait",
    /^\{<Task finished result='slept 1 units' /,
    /^ <Task finished result='slept 5 units' .*>\}$/,
    "set()",
    "== gather keeps the input order, not the completion order",
    "Waiting:  5",
    "Waiting:  1",
    '[ "slept 5 units", "slept 1 units" ]',
    /^done: +\{<Task finished result='slept 1 units' [^,]*\}$/,
    /^pending: \{<Task pending [^,]*\}$/,
  ]);
});

Deno.test("08_ensure_future_vs_create_task: ensureFuture takes coroutines, Futures and awaitables", async () => {
  const run: Run = await runExample("08_ensure_future_vs_create_task.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    /^1\. coroutine: +Task +<Task pending /,
    /^2\. Future: +Future returned as is: true$/,
    /^2\. Task: +Task +returned as is: true$/,
    /^3\. awaitable \(sleep\(\)\): +Task +<Task pending /,
    /^3\. awaitable \(__await__\): +Task +<Task pending /,
    /^3\. awaitable \(promise\): +Future <Future pending>$/,
    /^createTask\(coro\): +Task <Task pending .* on the running loop: true$/,
    /^loop\.createTask\(coro\): +Task <Task pending /,
    /^loop\.createTask\(a Future\): +TypeError: A coroutine was expected, received <Future pending>/,
    /^loop\.createTask\(sleep\(\)\): +TypeError: A coroutine was expected, received a Sleep/,
    /^loop\.createTask\(a promise\): +TypeError: A coroutine was expected, received a Promise/,
    "== results",
  ]);
  const results: string = run.stdout.slice(run.stdout.indexOf("== results"));
  const order: string[] = [...results.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(order, [
    "coroutine",
    "a Future's result",
    "slept",
    "awaited",
    "promised",
    "createTask",
    "loop.createTask",
  ]);
});

Deno.test("09_nested_coroutines: the three forms print the results in order 1, 5, 8", async () => {
  const run: Run = await runExample("09_nested_coroutines.ts");
  assertOk(run);
  const waiting: string[] = ["Waiting:  1", "Waiting:  5", "Waiting:  8"];
  const results = (prefix: string): string[] => [1, 5, 8].map((x) => `${prefix} slept ${x} units`);
  assertInOrder(run.lines, [
    /^== 1\. results = await gather/,
    ...waiting,
    ...results("task result is: "),
    /^TIME: /,
    /^== 2\. return await gather/,
    ...waiting,
    ...results("task result is: "),
    /^TIME: /,
    /^== 3\. return await wait/,
    ...waiting,
    ...results("Task ret: "),
    /^TIME: /,
  ]);
  // Each form takes about the longest sleep (8 units), far from the sequential 14.
  for (const [, units] of run.stdout.matchAll(/^TIME:\s+([\d.]+) units$/gm)) {
    assert.ok(Number(units) < 12, `TIME ${units} units: sequential sleeps would take 14`);
  }
});

function assertStopNestedOutput(lines: string[]): void {
  assertInOrder(lines, [
    "Waiting:  1",
    "Waiting:  5",
    "Waiting:  8",
    "KeyboardInterrupt (SIGINT)",
    /^allTasks: <Task pending .*coro=main\(\)>/,
    "true",
    "after the cancellations were delivered:",
    "  gather: failed with CancelledError, cancelled() false",
    /^ {2}<Task cancelled .*coro=main\(\)>$/,
    /^ {2}<Task finished result='slept 1 units' /,
    /^ {2}<Task cancelled /,
    /^ {2}<Task cancelled /,
  ]);
  assert.ok(!lines.some((l) => l.startsWith("Task ret:")), lines.join("\n"));
}

Deno.test("10_stop_nested_tasks: cancelling the gather of all tasks stops the nest", async () => {
  const run: Run = await runExample("10_stop_nested_tasks.ts");
  assertOk(run);
  assert.ok(run.lines.includes("(no Ctrl+C within 2 units: sending SIGINT to ourselves)"), run.stdout);
  assertStopNestedOutput(run.lines);
  // allTasks lists main and the two sleeping tasks, not the finished one.
  const listed: string = run.lines.find((l) => l.startsWith("allTasks:")) ?? "";
  assert.equal(listed.match(/<Task pending /g)?.length, 3, listed);
});

Deno.test("10_stop_nested_tasks: a real SIGINT from outside is handled the same way", async () => {
  const run: Run = await runWithSigint("10_stop_nested_tasks.ts");
  assertOk(run);
  assertStopNestedOutput(run.lines);
});

Deno.test("11_producer_consumer: jobs of 5, 3, 1 units run concurrently, the 1-unit one first", async () => {
  const run: Run = await runExample("11_producer_consumer.ts");
  assertOk(run);
  assertInOrder(run.lines, ["producer: push 5", "producer: push 3", "producer: push 1"]);
  assertInOrder(run.lines, ["---------: 5", "---------: 3", "---------: 1"]);
  assert.equal(run.lines.filter((l) => l === "=================").length, 3, run.stdout);
  assertInOrder(run.lines, [
    "coroutine finished.. ok (slept 1 units)",
    /^current time: \d+ units$/,
    "coroutine finished.. ok (slept 3 units)",
    /^current time: \d+ units$/,
    "coroutine finished.. ok (slept 5 units)",
    /^current time: \d+ units$/,
    "producer: every job is done (join returned); shutting the queues down",
    "consumer: the job queue is shut down",
    /^TIME: /,
  ]);
  const time: RegExpMatchArray | null = run.stdout.match(/^TIME:\s+([\d.]+) units$/m);
  assert.ok(time !== null, run.stdout);
  assert.ok(Number(time[1]) < 8, `TIME ${time[1]} units: run one after the other, the jobs would take 9`);
});

/** The number after `TIME:` (units). */
function totalUnits(run: Run): number {
  const time: RegExpMatchArray | null = run.stdout.match(/^TIME:\s+([\d.]+) units/m);
  assert.ok(time !== null, run.stdout);
  return Number(time[1]);
}

Deno.test("12_thread_callbacks: plain callbacks block the thread's loop in turn: first, then second, 6 + 3 units", async () => {
  const run: Run = await runExample("12_thread_callbacks.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    'main: started <LoopThread "loop-thread" running>',
    /^main: call_soon_threadsafe\(do_sleep, 6/,
    "first coroutine done..",
    /^current time: [\d.]+ units$/,
    "second coroutine done..",
    /^current time: [\d.]+ units$/,
    /^TIME: /,
  ]);
  const units: number = totalUnits(run);
  assert.ok(units >= 8.5, `TIME ${units} units: callbacks run one after another, 6 + 3 = 9`);
});

Deno.test("13_thread_coroutines: coroutines run concurrently on the thread's loop: second first, max(6, 3) units", async () => {
  const run: Run = await runExample("13_thread_coroutines.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    'main: started <LoopThread "loop-thread" running>',
    /^main: run_coroutine_threadsafe\(do_sleep_demo\(6/,
    "second coroutine done..",
    /^current time: [\d.]+ units$/,
    "first coroutine done..",
    /^current time: [\d.]+ units$/,
    /^TIME: /,
    "both futures done: true",
  ]);
  const units: number = totalUnits(run);
  assert.ok(units >= 5.9, `TIME ${units} units: the 6-unit coroutine cannot end sooner`);
  assert.ok(units < 8.5, `TIME ${units} units: run one after the other, they would take 9`);
});

Deno.test("14_loops_in_two_threads: each thread prints its own loop's id; everything stops cleanly", async () => {
  const run: Run = await runExample("14_loops_in_two_threads.ts");
  assertOk(run);
  const ids = (pattern: RegExp): string[] => run.lines.flatMap((l) => l.match(pattern)?.slice(1, 2) ?? []);
  const mainIds: string[] = ids(/^main on loop:(\d+) \(main thread\)$/);
  const work2Ids: string[] = ids(/^work_2 on loop:(\d+) \(thread "thread_loop"\)$/);
  const work4Ids: string[] = ids(/^work_4 on loop:(\d+) \(thread "thread_loop"\)$/);
  // 9 units: work_2 at 0, 2, 4, 6, 8; work_4 and main at 0, 4, 8 (one tick of slack either way).
  assert.ok(work2Ids.length >= 4 && work2Ids.length <= 6, run.stdout);
  assert.ok(work4Ids.length >= 2 && work4Ids.length <= 4, run.stdout);
  assert.ok(mainIds.length >= 2 && mainIds.length <= 4, run.stdout);
  // Each side always prints the same loop; work_2 and work_4 share the thread's loop.
  assert.equal(new Set(mainIds).size, 1, run.stdout);
  assert.equal(new Set([...work2Ids, ...work4Ids]).size, 1, run.stdout);
  // The two threads' loops are different loops, as the tutorial's two id() values.
  assert.notEqual(mainIds[0], work2Ids[0], run.stdout);
  assertInOrder(run.lines, [
    "main: the thread's loop runs gather(work_2, work_4); the main loop runs main_work",
    /^main: 9 units passed: main_work cancelled/,
    /^thread: work_2 and work_4 stopped \(loop:\d+ is shutting down\)$/,
    "main: the thread has ended; its gather was cancelled: true",
  ]);
  const stopped: number = run.lines.findIndex((l) => l.startsWith("main: 9 units passed"));
  assert.ok(
    !run.lines.slice(stopped).some((l) => / on loop:\d+ \(/.test(l)),
    `a loop printed after the stop:\n${run.stdout}`,
  );
});

Deno.test("15_thread_queue_results: results come through the queue in completion order, futures in submission order", async () => {
  const run: Run = await runExample("15_thread_queue_results.ts");
  assertOk(run);
  assertInOrder(run.lines, [
    'main: sent 5 downloads to <LoopThread "downloader" running>',
    /^got b \(1 units\) at [\d.]+ units$/,
    /^got d \(2 units\) at [\d.]+ units$/,
    /^got e \(3 units\) at [\d.]+ units$/,
    /^got c \(4 units\) at [\d.]+ units$/,
    /^got a \(5 units\) at [\d.]+ units$/,
    "completion order: b, d, e, c, a",
    "submission order (the futures): a, b, c, d, e",
    "join() returned: every result was processed",
    /^TIME: /,
  ]);
  const units: number = totalUnits(run);
  assert.ok(units >= 4.9 && units < 10, `TIME ${units} units: about the longest job (5), far from the sum (15)`);
});
