// Runs every tutorial example (examples/NN_*.ts, found by listing the directory, so examples added later are
// covered too) as a subprocess and checks its output against the "Expected output" block of its header (the
// convention — `<t>`, `<id>`, `<*>`, `~ ` lines in any order — is in examples/_expected_output.ts). Then the
// Ctrl+C examples once more with a real SIGINT from outside.

import assert from "node:assert/strict";
import { compareOutput, type ExpectedItem, expectedOutput } from "../examples/_expected_output.ts";

const examples: URL = new URL("../examples/", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

function listExamples(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(examples)) {
    if (entry.isFile && /^\d\d_.*\.ts$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
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

function expectedOf(name: string): ExpectedItem[] {
  const expected: ExpectedItem[] | null = expectedOutput(Deno.readTextFileSync(new URL(name, examples)));
  assert.ok(expected !== null && expected.length > 0, `${name}: its header has no "Expected output:" block`);
  return expected;
}

Deno.test("the examples directory holds the tutorial's examples, 01 to 16 at least", () => {
  const numbers: number[] = listExamples().map((name) => Number(name.slice(0, 2)));
  for (let n = 1; n <= 16; n++) assert.ok(numbers.includes(n), `no example ${String(n).padStart(2, "0")}_*.ts`);
});

for (const name of listExamples()) {
  Deno.test(`${name} prints what its header's "Expected output" says`, async () => {
    const expected: ExpectedItem[] = expectedOf(name);
    const run: Run = await runExample(name);
    assertOk(run);
    const mismatch: string | null = compareOutput(expected, run.stdout);
    assert.equal(mismatch, null, `${name}: ${mismatch}\n--- output:\n${run.stdout}`);
  });
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

/**
 * Runs an example and sends it a real SIGINT once its three tasks run and the 1-unit one has had time to finish
 * (the 2-unit fallback SIGINT of the example may win on a very slow machine; the cancel lines are the same).
 */
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
    if (!sent && stdout.includes("Waiting:  8")) {
      sent = true;
      // Past the 1-unit (100 ms) task, before the 2-unit fallback: the output then shows cancel() → false for it.
      await new Promise((resolve) => setTimeout(resolve, 130));
      child.kill("SIGINT");
    }
  }
  const status: Deno.CommandStatus = await child.status;
  return { code: status.code, stdout, stderr: await stderr, lines: stdout.split("\n") };
}

Deno.test("06_cancel_on_ctrl_c: a real SIGINT from outside cancels the tasks: cancel() gives false, true, true", async () => {
  const run: Run = await runWithSigint("06_cancel_on_ctrl_c.ts");
  assertOk(run);
  assertInOrder(run.lines, [
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
});

Deno.test("10_stop_nested_tasks: a real SIGINT from outside stops the nest through the gather of all tasks", async () => {
  const run: Run = await runWithSigint("10_stop_nested_tasks.ts");
  assertOk(run);
  assertInOrder(run.lines, [
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
  assert.ok(!run.lines.some((l) => l.startsWith("Task ret:")), run.stdout);
});
